package dev.attune.bench;

import dev.attune.data.Dataset;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.ImportReport;
import dev.attune.data.importers.Importer;
import java.nio.file.Path;

/**
 * Import speed per format on the shared data: events per second, best of {@code repeats} runs after one
 * warm-up. Run: {@code java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar
 * dev.attune.bench.ImportSpeed}.
 */
public final class ImportSpeed {
  private ImportSpeed() {}

  public static void main(String[] args) throws Exception {
    Path data = SharedData.root();
    String[][] inputs = {
        {"movielens-100k", "movielens-100k"},
        {"ml1m-implicit", "movielens-1m/implicit_colakg"},
        {"lastfm-hetrec", "lastfm-hetrec2011-2k"},
        {"s3rec", "s3rec-sequential/Beauty.txt"},
        {"s3rec", "s3rec-sequential/LastFM.txt"},
        {"douban", "douban-book-music"},
        {"taobao", "taobao-userbehavior-sample/UserBehavior_head.csv"}};
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    System.out.printf("%-16s %-48s %10s %10s %12s %8s%n", "format", "input", "events", "rows", "events/s", "B/event");
    for (String[] in : inputs) {
      Importer importer = Importer.forFormat(in[0]);
      double best = 0;
      ImportReport last = null;
      Dataset ds = null;
      for (int r = 0; r <= repeats; r++) {
        ds = importer.newDataset("bench");
        last = importer.importInto(ds, data.resolve(in[1]), ImportOptions.DEFAULTS);
        if (r > 0) best = Math.max(best, last.eventsPerSecond());
      }
      ds.events().trim();
      System.out.printf("%-16s %-48s %10d %10d %12.0f %8.1f%n", in[0], in[1],
          last.eventsAccepted(), last.rowsRead(), best, ds.events().bytesPerEvent());
    }
  }
}
