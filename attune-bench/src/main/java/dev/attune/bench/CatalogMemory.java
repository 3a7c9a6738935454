package dev.attune.bench;

import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Heap the server holds per catalogue item with metadata, and its start-up time (docs/benchmarks.md, "Heap per item"):
 * a SQLite store of {@code --items} items, each of 2 of 30 categories, a creator of 5,000, 10 tags of 2,000 (drawn
 * 1/rank, so a few are common) and a release time, each played by two of {@code --items}/10 users (built once under
 * {@code --dir}); a server on it without a model or fallback, so that every item is outside the model and in the index
 * of content candidates (the most it holds); the heap once settled after the start, less an empty store's. Run with a
 * fixed heap and G1: {@code java -Xmx4g -XX:+UseG1GC -cp attune-bench.jar dev.attune.bench.CatalogMemory}.
 */
public final class CatalogMemory {
  private CatalogMemory() {}

  public static void main(String[] args) throws Exception {
    ServiceBenchmark.Options o = new ServiceBenchmark.Options(args);
    int items = o.integer("items", 200_000);
    Path dir = Path.of(o.text("dir", "attune-bench/target/catalog-memory"));
    Path pristine = dir.resolve(items + ".db");
    if (!Files.exists(pristine)) build(pristine, items);
    long empty = heapOfServerOn(dir, dir.resolve("empty-" + System.nanoTime() + ".db"), "empty store");
    long full = heapOfServerOn(dir, pristine, items + " items");
    System.out.printf(java.util.Locale.ROOT, "%,d items: %.0f bytes of heap per item (%.1f MB over the empty store's"
        + " %.1f MB)%n", items, (full - empty) / (double) items, (full - empty) / 1e6, empty / 1e6);
  }

  /** The settled heap of a server started on a copy of {@code store}; prints its start-up time. */
  private static long heapOfServerOn(Path dir, Path store, String what) throws Exception {
    Path copy = dir.resolve("run.db");
    for (String suffix : new String[] {"", "-wal", "-shm", ".serve.lock"}) Files.deleteIfExists(Path.of(copy + suffix));
    if (Files.exists(store)) Files.copy(store, copy);
    try (Store opened = Store.open("jdbc:sqlite:" + copy)) {
      long start = System.nanoTime();
      AttuneServer server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none"), opened)
          .start();
      try {
        System.out.printf(java.util.Locale.ROOT, "%s: server started in %.1f s%n", what,
            (System.nanoTime() - start) / 1e9);
        return HistoryCacheMemory.settledHeap();
      } finally {
        server.stop();
      }
    }
  }

  private static void build(Path file, int items) throws Exception {
    Files.createDirectories(file.getParent());
    Path building = file.resolveSibling(file.getFileName() + ".building");
    Files.deleteIfExists(building);
    SplittableRandom random = new SplittableRandom(7);
    long now = System.currentTimeMillis();
    int users = Math.max(1, items / 10);
    try (Store store = Store.open("jdbc:sqlite:" + building)) {
      List<Item> batch = new ArrayList<>();
      List<Store.NewEvent> events = new ArrayList<>();
      for (int i = 0; i < items; i++) {
        LinkedHashSet<String> categories = new LinkedHashSet<>();
        while (categories.size() < 2) categories.add("category" + random.nextInt(30));
        LinkedHashSet<String> tags = new LinkedHashSet<>();
        while (tags.size() < 10) tags.add("tag" + zipf(random, 2_000));
        batch.add(new Item("i" + i, "music", "title " + i, "creator" + random.nextInt(5_000), null,
            List.copyOf(categories), List.copyOf(tags), Float.NaN, now - random.nextLong(730L * 86_400_000L), null,
            Map.of()));
        for (int k = 0; k < 2; k++) {
          events.add(new Store.NewEvent("g-" + i + "-" + k, new Event("u" + (i + k * users / 2) % users, "i" + i,
              "play", 1f, now - 3_600_000L, "music")));
        }
        if (batch.size() == 10_000) {
          store.upsertItems(batch);
          store.appendEvents(events);
          batch.clear();
          events.clear();
        }
      }
      if (!batch.isEmpty()) {
        store.upsertItems(batch);
        store.appendEvents(events);
      }
    }
    Files.move(building, file);
  }

  /** A draw from 1..n with probability proportional to 1/rank, less one. */
  private static int zipf(SplittableRandom random, int n) {
    double harmonic = Math.log(n) + 0.5772;
    double u = random.nextDouble() * harmonic;
    double sum = 0;
    for (int r = 1; r <= n; r++) {
      sum += 1.0 / r;
      if (sum >= u) return r - 1;
    }
    return n - 1;
  }
}
