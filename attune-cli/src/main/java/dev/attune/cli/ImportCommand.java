package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetIo;
import dev.attune.data.importers.ColumnMapping;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.ImportReport;
import dev.attune.data.importers.Importer;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        "Read a data file or folder into an Attune data set directory (used by evaluate).",
        "Formats: movielens-100k, movielens-1m, ml1m-implicit, lastfm-hetrec, s3rec, sasrec, douban, taobao, csv, jsonl."})
final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--format", required = true, description = "Input format (see above).")
  String format;

  @Option(names = "--input", required = true, description = "Input file or folder.")
  Path input;

  @Option(names = "--out", required = true, description = "Data set directory to write (created or replaced).")
  Path out;

  @Option(names = "--name", description = "Data set name (default: the output folder's name).")
  String name;

  @Option(names = "--lenient", description = "Skip bad rows and report them by reason (default: stop at the first).")
  boolean lenient;

  @Option(names = "--encoding", description = "Override the format's text encoding, e.g. ISO-8859-1.")
  String encoding;

  @Option(names = "--scene", description = "Scene for formats that do not name one (default per format).")
  String scene;

  @Option(names = "--columns", description = "Column mapping for csv/jsonl, e.g. user=uid,item=iid,type=action,timestamp=ts,time-format=epoch-seconds.")
  String columns;

  @Option(names = "--repeats", split = ",", description = "Scenes where consuming an item again is normal (evaluation then keeps seen items).")
  List<String> repeatScenes = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Importer importer = Importer.forFormat(format);
    if (!java.nio.file.Files.exists(input)) {
      throw new IllegalArgumentException("--input " + input + " does not exist");
    }
    if (java.nio.file.Files.exists(out) && !java.nio.file.Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " is a file; the data set is written into a folder");
    }
    ImportOptions options = ImportOptions.DEFAULTS.withStrict(!lenient);
    if (encoding != null) {
      if (!Charset.isSupported(encoding)) throw new IllegalArgumentException("unknown encoding: " + encoding);
      options = options.withCharset(Charset.forName(encoding));
    }
    if (scene != null) options = options.withScene(scene);
    if (columns != null) options = options.withColumns(ColumnMapping.parse(columns));
    String datasetName = name != null ? name : out.toAbsolutePath().normalize().getFileName().toString();
    Dataset dataset = importer.newDataset(datasetName, options);
    spec.commandLine().getErr().println("importing " + input + " as " + format + "...");
    ImportReport report = importer.importInto(dataset, input, options);
    for (String s : repeatScenes) dataset.allowRepeats(s);
    DatasetIo.write(dataset, out);
    var o = spec.commandLine().getOut();
    o.println(report);
    o.println("wrote " + dataset + " to " + out);
    o.printf("memory: %.1f bytes per event in the event log%n", dataset.events().bytesPerEvent());
    return 0;
  }
}
