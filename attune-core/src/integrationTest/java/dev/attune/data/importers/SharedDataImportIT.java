package dev.attune.data.importers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.EventLog;
import dev.attune.events.Item;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Imports the real data sets under {@code ../shared/data} (relative to the repository root) and checks the
 * counts their SOURCE.md files give. Opt-in: every test is skipped when the folder is absent. Each import
 * runs {@value #RUNS} times; the printed throughput is the best run (the first one includes JIT warm-up).
 */
class SharedDataImportIT {
  private static final int RUNS = 5;

  private static Path sharedData() {
    Path userDir = Path.of(System.getProperty("user.dir"));
    Path fromModule = userDir.resolve("../../shared/data").normalize();
    Path fromRoot = userDir.resolve("../shared/data").normalize();
    Path found = Files.isDirectory(fromModule) ? fromModule : fromRoot;
    Assumptions.assumeTrue(Files.isDirectory(found),
        "shared data not found at " + fromModule + " or " + fromRoot + ": skipped");
    return found;
  }

  private static Path folder(String name) {
    Path p = sharedData().resolve(name);
    Assumptions.assumeTrue(Files.exists(p), p + " not found: skipped");
    return p;
  }

  private record Run(Dataset dataset, ImportReport report) {}

  private static Run timed(String format, Path input, ImportOptions options) throws IOException {
    Importer importer = Importer.forFormat(format);
    Run best = null;
    double cold = 0;
    for (int i = 0; i < RUNS; i++) {
      Dataset ds = importer.newDataset(input.getFileName().toString(), options);
      ImportReport report = importer.importInto(ds, input, options);
      if (i == 0) {
        cold = report.eventsPerSecond();
      }
      if (best == null || report.elapsedNanos() < best.report().elapsedNanos()) {
        best = new Run(ds, report);
      }
    }
    ImportReport r = best.report();
    System.out.printf(Locale.ROOT, "[import] %-15s %-28s %,9d events %8.1f ms  best %,12.0f events/s  (first run %,12.0f)%n",
        format, input.getFileName(), r.eventsAccepted(), r.elapsedNanos() / 1e6, r.eventsPerSecond(), cold);
    System.out.println(r);
    assertEquals(0, r.rejectedRows(), r.toString());
    return best;
  }

  private static Set<Integer> users(EventLog log) {
    Set<Integer> s = new HashSet<>();
    for (int r = 0; r < log.size(); r++) {
      s.add(log.user(r));
    }
    return s;
  }

  @Test
  void movieLens100k() throws IOException {
    Run run = timed("movielens-100k", folder("movielens-100k"), ImportOptions.DEFAULTS);
    Dataset ds = run.dataset();
    assertEquals(943, ds.numUsers());
    assertEquals(1682, ds.numItems());
    assertEquals(100_000, ds.events().size());
    Map<Float, Integer> histogram = new TreeMap<>();
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int r = 0; r < ds.events().size(); r++) {
      histogram.merge(ds.events().value(r), 1, Integer::sum);
      min = Math.min(min, ds.events().time(r));
      max = Math.max(max, ds.events().time(r));
    }
    assertEquals(Map.of(1f, 6110, 2f, 11370, 3f, 27145, 4f, 34174, 5f, 21201), histogram);
    assertEquals(874724710000L, min);
    assertEquals(893286638000L, max);
    Item les = ds.item(ds.itemIds().indexOf("543"));
    assertEquals("Misérables, Les (1995)", les.title());
    assertEquals(19, MovieLens100kImporter.GENRES.size());
    assertTrue(ds.user(0).attributes().containsKey("occupation"));
  }

  @Test
  void movieLens1mWithoutRatingsPointsToImplicit() {
    Path dir = folder("movielens-1m");
    Assumptions.assumeFalse(Files.exists(dir.resolve("ratings.dat")), "ratings.dat present");
    Importer importer = Importer.forFormat("movielens-1m");
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> importer.importInto(importer.newDataset("ml-1m"), dir, ImportOptions.DEFAULTS));
    assertTrue(e.getMessage().contains("ml1m-implicit"), e.getMessage());
  }

  @Test
  void movieLens1mImplicit() throws IOException {
    Run run = timed("ml1m-implicit", folder("movielens-1m"), ImportOptions.DEFAULTS);
    Dataset ds = run.dataset();
    assertEquals(6040, ds.numUsers());
    assertEquals(3260, ds.numItems());
    assertEquals(801_218, ds.events().size());
    assertEquals(197_321, ds.givenTest().size());
    assertEquals(0, run.report().duplicatesCollapsed());
    assertEquals("1193", ds.itemIds().id(0));
    assertEquals("One Flew Over the Cuckoo's Nest (1975)", ds.item(0).title());
    assertEquals("F", ds.user(0).attributes().get("gender"));
  }

  @Test
  void lastFmHetRec() throws IOException {
    Run run = timed("lastfm-hetrec", folder("lastfm-hetrec2011-2k"), ImportOptions.DEFAULTS);
    Dataset ds = run.dataset();
    assertEquals(1892, ds.numUsers());
    assertEquals(17_632, ds.numItems());
    assertEquals(92_834, ds.events().size());
    double plays = 0;
    for (int r = 0; r < ds.events().size(); r++) {
      plays += ds.events().value(r);
    }
    assertEquals(69_183_975d, plays);
    boolean tropicalia = false;
    int tagged = 0;
    for (Item item : ds.items()) {
      if (!item.tags().isEmpty()) {
        tagged++;
      }
      assertTrue(item.tags().size() <= LastFmHetRecImporter.MAX_TAGS);
      tropicalia |= item.tags().contains("tropicália");
    }
    assertTrue(tropicalia, "ISO-8859-1 tag decoded");
    assertEquals(12_523 - 390, tagged); // tagged artists minus the 390 missing from artists.dat
  }

  @Test
  void s3recSequences() throws IOException {
    Path dir = folder("s3rec-sequential");
    int[][] expected = { // users, items, interactions (S3-Rec paper table)
        {1090, 3646, 52_551}, {22_363, 12_101, 198_502}, {19_412, 11_924, 167_597}, {30_431, 20_033, 316_354}};
    String[] names = {"LastFM", "Beauty", "Toys_and_Games", "Yelp"};
    for (int k = 0; k < names.length; k++) {
      Run run = timed("s3rec", dir.resolve(names[k] + ".txt"), ImportOptions.DEFAULTS);
      Dataset ds = run.dataset();
      assertEquals(expected[k][0], ds.numUsers(), names[k]);
      assertEquals(expected[k][1], ds.numItems(), names[k]);
      assertEquals(expected[k][2], ds.events().size(), names[k]);
      assertTrue(ds.item(0).tags().get(0).startsWith("a"), names[k]);
    }
  }

  @Test
  void douban() throws IOException {
    Run run = timed("douban", folder("douban-book-music"), ImportOptions.DEFAULTS);
    Dataset ds = run.dataset();
    assertEquals(96_041 + 69_709, ds.events().size());
    Set<Integer> book = new HashSet<>();
    Set<Integer> music = new HashSet<>();
    int bookScene = ds.sceneNames().indexOf("book");
    for (int r = 0; r < ds.events().size(); r++) {
      (ds.events().scene(r) == bookScene ? book : music).add(ds.events().user(r));
    }
    assertEquals(2110, book.size());
    assertEquals(1672, music.size());
    book.retainAll(music);
    assertEquals(1566, book.size());
    assertEquals(6777 + 5567, ds.numItems());
    assertEquals(2110 + 1672 - 1566, users(ds.events()).size());
  }

  @Test
  void taobao() throws IOException {
    Run run = timed("taobao", folder("taobao-userbehavior-sample").resolve("UserBehavior_head.csv"),
        ImportOptions.DEFAULTS);
    Dataset ds = run.dataset();
    assertEquals(43, ds.numUsers());
    assertEquals(3276, ds.numItems());
    assertEquals(4321, ds.events().size());
    Map<String, Integer> behaviours = new TreeMap<>();
    Set<String> categories = new HashSet<>();
    for (int r = 0; r < ds.events().size(); r++) {
      behaviours.merge(ds.typeNames().id(ds.events().type(r)), 1, Integer::sum);
    }
    for (Item item : ds.items()) {
      categories.addAll(item.categories());
    }
    assertEquals(Map.of("pv", 3926, "fav", 128, "buy", 77, "cart", 190), behaviours);
    assertEquals(567, categories.size());
  }
}
