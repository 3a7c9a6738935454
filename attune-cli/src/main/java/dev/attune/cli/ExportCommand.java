package dev.attune.cli;

import dev.attune.abuse.AbuseDetector;
import dev.attune.data.Dataset;
import dev.attune.data.DatasetIo;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune export}: a store's users, items and events as a data set directory, the reverse of {@code attune
 * load}. What the service collected can then be evaluated, trained on and explained offline with the same commands as
 * an imported data set, and moved into another store (SQLite to PostgreSQL, say) with {@code attune load}.
 *
 * <p>It reads one snapshot of the store and runs beside a server (a reader does not change what the server keeps in
 * memory). User ids are written as stored: pseudonyms in a store kept with {@code ATTUNE_USER_ID_KEY}, which {@code
 * attune load} keeps as they are. The events' ids and contexts, which a data set has no columns for, are written
 * beside it ({@link ExportedEvents}), and {@code load} stores the events under them: the export loaded anywhere,
 * also back into its own store, stores no event twice, and a client retrying an event after its store was moved
 * finds it there.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
        "Write a store's users, items and events as a data set directory, for 'attune evaluate', 'train' and"
            + " 'explain', or to load into another store.",
        "Reads one snapshot; a server may run on the store meanwhile. The store is --store, else ATTUNE_STORE, else "
            + ServeCommand.DEFAULT_STORE + "."})
final class ExportCommand implements Callable<Integer> {
  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  @Spec CommandSpec spec;

  @Option(names = "--store",
      description = "JDBC URL of the store (default: ATTUNE_STORE, else " + ServeCommand.DEFAULT_STORE + ").")
  String store;

  @Option(names = "--out", required = true, description = "Data set directory to write.")
  Path out;

  @Option(names = "--name", description = "Data set name (default: export-<UTC time>); 'attune load' names its events"
      + " after it.")
  String name;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
  boolean quiet;

  @Option(names = "--drop-quarantined", description = "Leave out the users the server's abuse review would quarantine"
      + " (bursts, shilling crowds), as its retraining does; without it, every user is written.")
  boolean dropQuarantined;

  @Override
  public Integer call() throws Exception {
    // a stop said as every other command's is (QA: an interrupted export ended without a word)
    return AttuneCli.sayingOnStop("attune-export-stopped", () -> spec.commandLine().getErr().println("attune: the"
        + " export stopped before it finished; " + out + " holds what it held before, or, when the stop came while"
        + " it was written, is marked unfinished, which load refuses: export again"), this::export);
  }

  private Integer export() throws Exception {
    PrintWriter printed = spec.commandLine().getOut();
    String url = ServeCommand.storeUrl(store);
    ServeCommand.existingSqliteFile(url); // a mistyped file is said, not created empty
    if (name != null && name.isBlank()) throw new IllegalArgumentException("--name must not be blank");
    String dataName = name != null ? name.strip() : "export-" + NAME_TIME.format(java.time.Instant.now());
    boolean replacing = AttuneCli.requireDatasetOut(out, null);
    // before reading the store: a folder that cannot be made (under a file) was said as the file system's raw words
    AttuneCli.requireWritableFolder(out, "--out");
    long start = System.nanoTime();
    Dataset dataset;
    List<String> hiddenIds = new ArrayList<>();
    java.util.Set<String> catalogue = new java.util.HashSet<>();
    ExportedEvents exported = new ExportedEvents();
    String leftInStore;
    // as it is: a copy kept with a new build before an upgrade must not upgrade the store (the earlier build would
    // refuse it)
    try (Store s = Store.openAsItIs(url);
        Progress progress = new Progress("export", quiet, spec.commandLine().getErr())) {
      dataset = s.toDataset(dataName, progress, stored -> exported.add(stored.eventId(), stored.event().context()));
      for (String scene : LoadCommand.repeatScenes(s)) dataset.allowRepeats(scene);
      s.forEachItem(item -> {
        catalogue.add(item.item().id());
        if (item.hidden()) hiddenIds.add(item.item().id());
      });
      leftInStore = leftInStore(s);
    }
    if (dataset.numUsers() == 0 && dataset.numItems() == 0) {
      throw new IllegalArgumentException("the store " + ServeCommand.withoutParameters(url)
          + " holds no users, items or events; nothing to export");
    }
    String dropped = "";
    ExportedEvents kept = exported;
    if (dropQuarantined) {
      AbuseDetector.Report review = new AbuseDetector(AbuseDetector.Params.DEFAULTS).detect(dataset);
      if (review.quarantinedCount() > 0) {
        boolean[] keptRows = new boolean[dataset.events().size()];
        for (int row = 0; row < keptRows.length; row++) {
          keptRows[row] = !review.quarantined()[dataset.events().user(row)];
        }
        kept = exported.keep(keptRows);
        dataset = AbuseDetector.withoutQuarantined(dataset, review);
      }
      dropped = String.format(Locale.ROOT, "; %,d quarantined user%s left out", review.quarantinedCount(),
          review.quarantinedCount() == 1 ? "" : "s");
    }
    // marked unfinished from before anything is replaced until its last file is written: an export killed half-way
    // must not load as a whole one, its events under new ids (a QA run's kill -9 did that); load refuses the mark
    java.nio.file.Files.createDirectories(out);
    Path unfinished = out.resolve(UNFINISHED);
    java.nio.file.Files.writeString(unfinished, "an 'attune export' into this folder did not finish; export again\n");
    // the data set first: its write leaves the earlier one whole when it fails (a full disk), and then so is the
    // earlier export, its own files and all, which is said loadable again by taking the mark away (a review: its
    // event ids were removed before, and a failed export left the earlier one unloadable)
    try {
      DatasetIo.write(dataset, out, dataName, timeKindOf(dataset.events()));
    } catch (IOException | RuntimeException e) {
      java.nio.file.Files.deleteIfExists(unfinished);
      throw e;
    }
    // the earlier export's own files go once its data set is replaced: they must not stay beside another one
    AttuneCli.removeExportFiles(out, true);
    kept.write(out, dataName);
    Dataset written = dataset;
    hiddenIds.removeIf(id -> written.itemIds().indexOf(id) < 0); // an item no event or record of the export names
    // an item deleted through the API whose events are kept: the data set lists it (its events name it), bare
    List<String> deletedIds = dataset.itemIds().ids().stream().filter(id -> !catalogue.contains(id)).toList();
    ItemFlags flags = new ItemFlags(dataName, hiddenIds, deletedIds);
    flags.write(out);
    java.nio.file.Files.delete(unfinished);
    printed.printf(Locale.ROOT,
        "exported %s to %s as %s: %s, %s (%,d hidden, %,d deleted with their events kept), %s%s"
            + " in %.1f s%s%n",
        ServeCommand.withoutParameters(url), out, dataName, AttuneCli.count(dataset.numUsers(), "user"),
        AttuneCli.count(dataset.numItems(), "item"), hiddenIds.size(), deletedIds.size(),
        AttuneCli.count(dataset.events().size(), "event"), dropped, (System.nanoTime() - start) / 1e9,
        replacing ? ", replacing the data set that was there" : "");
    // what a data set has no place for: said, so that nobody takes the export for a whole copy of the store
    if (leftInStore != null) {
      printed.println("not exported (they stay in the store; 'attune copy' copies a whole store): " + leftInStore);
    }
    return 0;
  }

  /** The store's own records an export does not carry, counted ("2 model versions, 1 API key"), or null for none. */
  private static String leftInStore(Store s) {
    List<String> parts = new ArrayList<>();
    int versions = s.modelVersions().size();
    int keys = s.apiKeys().size();
    int experiments = s.experiments().size();
    if (versions > 0) parts.add(versions + (versions == 1 ? " model version" : " model versions"));
    if (keys > 0) parts.add(keys + (keys == 1 ? " API key" : " API keys"));
    if (experiments > 0) parts.add(experiments + (experiments == 1 ? " A/B experiment" : " A/B experiments")
        + " with their exposures");
    return parts.isEmpty() ? null : String.join(", ", parts);
  }

  /**
   * What a store's event times are: none when every one is 0 (a data set without time loaded, such as Last.fm's, which
   * 'evaluate' must then split at random, not by a time that is not there), positions when all are below {@link
   * Dataset#FIRST_CLOCK_TIME} (an s3rec import's 0, 1, 2...), else clock time.
   */
  static Dataset.TimeKind timeKindOf(dev.attune.data.EventLog events) {
    if (events.size() == 0) return Dataset.TimeKind.CLOCK; // a catalogue and profiles alone: what the service adds
    long oldest = Long.MAX_VALUE;
    long newest = Long.MIN_VALUE;
    for (int row = 0; row < events.size(); row++) {
      oldest = Math.min(oldest, events.time(row));
      newest = Math.max(newest, events.time(row));
    }
    if (oldest < 0 || newest >= Dataset.FIRST_CLOCK_TIME) return Dataset.TimeKind.CLOCK;
    return newest == 0 ? Dataset.TimeKind.NONE : Dataset.TimeKind.ORDINAL;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What an export says of its items that a data set has no place for: which its store hides, and which were deleted
   * from its catalogue (through the API) while their events were kept. {@code attune load} hides and deletes them in
   * turn: an item taken down must stay down where the export is loaded. Kept in {@link #FILE} with the data set's
   * name, so that another data set written over the export does not take it.
   */
  /** The file that marks an export under way or one that did not finish: {@code load} refuses such a folder. */
  static final String UNFINISHED = "export-unfinished";

  record ItemFlags(String dataset, List<String> hidden, List<String> deleted) {
    /** The file beside the data set. */
    static final String FILE = "item-flags.json";
    /** What exports wrote before they listed deleted items: the hidden ones, in the same shape without "deleted". */
    static final String EARLIER_FILE = "hidden-items.json";

    ItemFlags {
      hidden = hidden == null ? List.of() : List.copyOf(hidden);
      deleted = deleted == null ? List.of() : List.copyOf(deleted);
    }

    /**
     * Writes {@code dir}'s {@link #FILE}, also when no item is hidden or deleted: a restore ({@code load --reload})
     * shows again the items hidden since the export only when the file says which were hidden then.
     */
    void write(Path dir) throws IOException {
      Path file = dir.resolve(FILE);
      Path partial = dir.resolve(FILE + ".partial");
      JSON.writeValue(partial.toFile(), this);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * What {@code dir}'s {@link #FILE} says for data set {@code dataset}; null without the file, or when it belongs to
     * another data set (one written over an export leaves the export's file behind).
     */
    static ItemFlags read(Path dir, String dataset) throws IOException {
      Path file = dir.resolve(FILE);
      // an export written before item flags listed its hidden items alone, as {dataset, hidden}, in this file
      if (!Files.exists(file) && Files.exists(dir.resolve(EARLIER_FILE))) file = dir.resolve(EARLIER_FILE);
      if (!Files.exists(file)) return null;
      ItemFlags listed;
      try {
        listed = JSON.readValue(file.toFile(), ItemFlags.class);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IOException(file + ": not valid: " + dev.attune.data.importers.JacksonErrors.describeAt(e, "file"),
            e);
      }
      return dataset.equals(listed.dataset()) ? listed : null;
    }
  }
}
