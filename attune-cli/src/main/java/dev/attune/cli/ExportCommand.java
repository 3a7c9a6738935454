package dev.attune.cli;

import dev.attune.abuse.AbuseDetector;
import dev.attune.data.Dataset;
import dev.attune.data.DatasetIo;
import dev.attune.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
 * attune load} keeps as they are. The events' own ids are not written: loaded, event {@code r} gets the id {@code
 * <name>:r}, so the name is the export's time by default, and loading the export into the store it came from is
 * refused by {@code load}, which would store every event twice.
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
    PrintWriter printed = spec.commandLine().getOut();
    String url = ServeCommand.storeUrl(store);
    ServeCommand.existingSqliteFile(url); // a mistyped file is said, not created empty
    if (name != null && name.isBlank()) throw new IllegalArgumentException("--name must not be blank");
    String dataName = name != null ? name.strip() : "export-" + NAME_TIME.format(java.time.Instant.now());
    boolean replacing = AttuneCli.requireDatasetOut(out);
    long start = System.nanoTime();
    Dataset dataset;
    try (Store s = Store.open(url); Progress progress = new Progress("export", quiet, spec.commandLine().getErr())) {
      dataset = s.toDataset(dataName, progress);
    }
    if (dataset.events().size() == 0) {
      throw new IllegalArgumentException("the store " + ServeCommand.withoutParameters(url) + " holds no events; nothing"
          + " to export");
    }
    String dropped = "";
    if (dropQuarantined) {
      AbuseDetector.Report review = new AbuseDetector(AbuseDetector.Params.DEFAULTS).detect(dataset);
      if (review.quarantinedCount() > 0) dataset = AbuseDetector.withoutQuarantined(dataset, review);
      dropped = String.format(Locale.ROOT, "; %,d quarantined users left out", review.quarantinedCount());
    }
    DatasetIo.write(dataset, out, dataName);
    int hidden = writeHiddenItems(url, dataset);
    printed.printf(Locale.ROOT, "exported %s to %s as %s: %,d users, %,d items (%,d hidden), %,d events%s in %.1f s%s%n",
        ServeCommand.withoutParameters(url), out, dataName, dataset.numUsers(), dataset.numItems(), hidden,
        dataset.events().size(), dropped, (System.nanoTime() - start) / 1e9,
        replacing ? ", replacing the data set that was there" : "");
    return 0;
  }

  /** The file of an export that lists its hidden items (a data set has no such flag), read by {@code attune load}. */
  static final String HIDDEN_ITEMS = "hidden-items.json";

  /** What {@link #HIDDEN_ITEMS} holds: the data set it belongs to, so that another written over it ignores it. */
  record HiddenItems(String dataset, java.util.List<String> hidden) {}

  /**
   * Writes the ids of the data set's items the store hides into {@link #HIDDEN_ITEMS} (removed when there are none):
   * an item taken down must stay down in the store the export is loaded into. Returns how many.
   */
  private int writeHiddenItems(String url, Dataset dataset) throws java.io.IOException {
    java.util.List<String> hidden = new java.util.ArrayList<>();
    try (Store s = Store.open(url)) {
      s.forEachItem(item -> {
        if (item.hidden() && dataset.itemIds().indexOf(item.item().id()) >= 0) hidden.add(item.item().id());
      });
    }
    Path file = out.resolve(HIDDEN_ITEMS);
    if (hidden.isEmpty()) {
      java.nio.file.Files.deleteIfExists(file);
    } else {
      Path partial = out.resolve(HIDDEN_ITEMS + ".partial");
      new com.fasterxml.jackson.databind.ObjectMapper().writeValue(partial.toFile(),
          new HiddenItems(dataset.name(), hidden));
      java.nio.file.Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return hidden.size();
  }
}
