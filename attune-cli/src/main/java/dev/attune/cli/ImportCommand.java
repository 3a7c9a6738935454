package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetIo;
import dev.attune.data.importers.ColumnMapping;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.ImportReport;
import dev.attune.data.importers.Importer;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attune import}: reads a public or generic data format into a data set directory. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
        "Read a data file or folder into an Attune data set directory (for train, evaluate and explain).",
        "Formats: movielens-100k, movielens-1m, ml1m-implicit, lastfm-hetrec, s3rec, sasrec, douban, taobao, csv, jsonl."})
final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--format", required = true, description = "Input format (see above).")
  String format;

  @Option(names = "--input", required = true, description = "Input file or folder.")
  Path input;

  @Option(names = "--out", required = true, description = "Data set directory to write (created, or a data set"
      + " there replaced; a folder holding a model is refused).")
  Path out;

  @Option(names = "--name", description = "Data set name (default: the output folder's name).")
  String name;

  @Option(names = "--lenient", description = "Skip bad rows and report them by reason (default: stop at the first).")
  boolean lenient;

  @Option(names = "--encoding", description = "Override the format's text encoding, e.g. ISO-8859-1.")
  String encoding;

  @Option(names = "--scene", description = "Scene for formats that do not name one (default per format).")
  String scene;

  @Option(names = "--columns", description = "Column mapping for csv/jsonl, comma-separated key=value: user, item, type, value, timestamp, scene (column names; 0-based indices with header=false; JSON pointers such as /user/id for jsonl), default-type (view), default-value (1), default-scene, time-format (epoch-millis by default, epoch-seconds, iso, ordinal, none), time-zone (of ISO times without one; UTC), decimal (point, or comma for values written 1.234,5), delimiter (comma, tab, semicolon, pipe, space or a character), header (true). E.g. user=user_id,item=product_id,type=event_type,timestamp=created_at,time-format=iso.")
  String columns;

  @Option(names = "--repeats", split = ",", description = "Scenes where consuming an item again is normal (evaluation then keeps seen items).")
  List<String> repeatScenes = new ArrayList<>();

  /** Whether {@code name} names a character set here (an illegal name is no name, not an error of its own). */
  private static boolean isCharsetName(String name) {
    try {
      return Charset.isSupported(name);
    } catch (java.nio.charset.IllegalCharsetNameException e) {
      return false;
    }
  }

  @Override
  public Integer call() throws Exception {
    // a stop said, not a bare exit 130 (QA): what --out holds then; a folder made for it goes again (QA: an empty
    // folder was left, said to hold what it held before)
    boolean existed = java.nio.file.Files.exists(out);
    return AttuneCli.sayingOnStop("attune-import-stopped", () -> {
      if (!existed) AttuneCli.deleteIfEmpty(out);
      spec.commandLine().getErr().println("attune: the import stopped before it finished; " + out + (existed
          ? " holds what it held before (a data set is replaced only once the new one is written whole)"
          : java.nio.file.Files.exists(out) ? " holds only this run's unfinished files: delete it" : " was not made"));
    }, this::importData);
  }

  private Integer importData() throws Exception {
    Importer importer = Importer.forFormat(format);
    if (input.toString().isBlank()) throw new IllegalArgumentException("--input is empty: give the file or folder to"
        + " import");
    if (!Files.exists(input)) {
      throw new IllegalArgumentException("--input " + input + " does not exist");
    }
    AttuneCli.requireDatasetOut(out, input);
    // the weights the service uses: an event type the table does not name is taken, as POST /v1/events takes it,
    // and counted positive (a QA run's add_to_wishlist rows were refused here and accepted by the API)
    var err = spec.commandLine().getErr();
    long started = System.nanoTime();
    ImportOptions options = ImportOptions.DEFAULTS.withStrict(!lenient).withWeights(AttuneCli.WEIGHTS)
        // a line per million rows: a file of 50 million said nothing for minutes between its first and last line
        .withProgress(rows -> err.printf(java.util.Locale.ROOT, "  %,d rows read (%.0f s)%n", rows,
            (System.nanoTime() - started) / 1e9));
    if (encoding != null) {
      if (!isCharsetName(encoding)) {
        throw new IllegalArgumentException("--encoding " + encoding + " is not an encoding this Java knows (such as"
            + " UTF-8, ISO-8859-1, windows-1252)");
      }
      options = options.withCharset(Charset.forName(encoding));
    }
    if (scene != null && scene.isBlank()) {
      // the library's "use null" means nothing on a command line (QA)
      throw new IllegalArgumentException("--scene is empty: name a scene, or leave the option out for the format's"
          + " default");
    }
    if (scene != null) options = options.withScene(scene);
    if (columns != null) {
      if (!java.util.Set.of("csv", "jsonl").contains(importer.formatName())) {
        // the other formats have fixed columns: a mapping given for them would be silently ignored
        throw new IllegalArgumentException("--columns maps the columns of csv and jsonl files; format "
            + importer.formatName() + " has its own: drop --columns");
      }
      options = options.withColumns(ColumnMapping.parse(columns));
    }
    // what --out held before, said when it is replaced (a lenient import of 108 events had replaced 19,747, unsaid)
    String replaced = earlierDataSet(out);
    String datasetName = name != null ? name : out.toAbsolutePath().normalize().getFileName().toString();
    Dataset dataset = importer.newDataset(datasetName, options);
    boolean outIsNew = !Files.exists(out);
    createOut(out);
    spec.commandLine().getErr().println("importing " + input + " as " + format + "...");
    ImportReport report;
    try {
      report = importer.importInto(dataset, input, options);
      // an empty data set would only fail later, in evaluate or train, further from the cause
      if (report.eventsAccepted() == 0) throw new IllegalArgumentException(nothingImported(report));
      for (String s : repeatScenes) {
        // a misspelt scene would leave the real one without repeats, silently changing what evaluate measures
        if (!dataset.sceneNames().ids().contains(s)) {
          throw new IllegalArgumentException("--repeats names scene '" + s + "', which no event has; scenes: "
              + dataset.sceneNames().ids());
        }
        dataset.allowRepeats(s);
      }
      DatasetIo.write(dataset, out);
      AttuneCli.removeExportFiles(out);
    } catch (dev.attune.data.importers.ImportException e) {
      if (outIsNew) deleteIfEmpty(out);
      // a bad row stops a strict import: say how to import the rest (a broken quote stops a lenient one as well)
      if (lenient || !e.skippable()) throw e;
      throw dev.attune.data.importers.ImportException.skippableRow(e.file(), e.line(), e.reason(), e.detail()
          + " (--lenient skips such rows and counts them by reason)");
    } catch (Exception e) {
      if (outIsNew) deleteIfEmpty(out);
      throw e;
    }
    var o = spec.commandLine().getOut();
    o.println(report);
    o.println("wrote " + dataset + " to " + out + (replaced == null ? "" : ", replacing " + replaced));
    if (lenient && report.rejectedRows() > report.rowsRead() / 2) {
      // most rows refused is rather a mapping or format mistake than dirty data
      spec.commandLine().getErr().println("attune: warning: " + report.rejectedRows() + " of " + report.rowsRead()
          + " rows were rejected (reasons above): check --columns and --format before using this data set");
    }
    // the log's fixed part divided by a handful of events says nothing about its cost per event
    if (dataset.events().size() >= 10_000) {
      o.printf("memory: %.1f bytes per event in the event log%n", dataset.events().bytesPerEvent());
    }
    return 0;
  }

  /** The data set {@code out} holds, as "name (n events)", or null when it holds none (or an unreadable one). */
  private static String earlierDataSet(Path out) {
    Path manifest = out.resolve(DatasetIo.MANIFEST);
    if (!Files.isRegularFile(manifest)) return null;
    try {
      var head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest.toFile());
      return "data set " + head.path("name").asText("?") + " (" + head.path("events").asLong() + " events)";
    } catch (IOException e) {
      return null; // a damaged manifest names nothing worth saying; the import replaces it all the same
    }
  }

  /**
   * Creates the output folder before importing, so that a path which cannot hold a data set fails at once
   * rather than after a long import.
   *
   * @throws IllegalArgumentException naming the folder and why it cannot be created
   */
  private static void createOut(Path out) {
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create " + out + ": " + AttuneCli.whyNotCreated(out, e), e);
    }
  }

  /** Removes a folder this command created when the import into it failed, so no empty data set is left. */
  private static void deleteIfEmpty(Path out) {
    try (var entries = Files.list(out)) {
      if (entries.findAny().isEmpty()) Files.delete(out);
    } catch (IOException ignored) {
      // best effort: the import's own error is the one to report
    }
  }

  /** Why an import added no events, as one line: the rejected rows by reason and the first of them. */
  static String nothingImported(ImportReport report) {
    String prefix = "nothing imported from " + report.input() + ": ";
    long rows = report.rowsRead();
    long rejected = report.rejectedRows();
    if (rejected == 0) {
      return prefix + (rows == 0 ? "it holds no event rows" : "its " + rows + " rows hold no events");
    }
    StringBuilder reasons = new StringBuilder();
    for (Map.Entry<String, Long> e : report.rejected().entrySet()) {
      reasons.append(reasons.isEmpty() ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue());
    }
    String first = report.rejectionSamples().isEmpty() ? ""
        : "; first: " + report.rejectionSamples().get(0).replace('\n', ' ').replace('\r', ' ');
    String which = rows == 1 ? "its one row was" : rejected == rows ? "all " + rows + " rows were"
        : rejected + " of " + rows + " rows were";
    return prefix + which + " rejected (" + reasons + ")" + first;
  }
}
