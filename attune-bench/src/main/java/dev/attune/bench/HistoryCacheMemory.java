package dev.attune.bench;

import dev.attune.events.Event;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Heap the server's recent-history cache takes per cached event (docs/benchmarks.md, "Recent-history cache memory"):
 * a SQLite store of {@code --users} users with {@code --events} events each over {@code --items} items (seeded, built
 * once under {@code --dir}), a server on it without a model or fallback (its popular answers read each user's history
 * all the same, to leave out what they had), and the heap used after full collections before and after one {@code GET
 * /v1/users/{id}/recommendations} per user; then, after {@code --appended} more events per user posted through
 * {@code POST /v1/events} into the cached windows, again. Every user's events fit the window (50 liked events a
 * quarter wider: 62), so each user caches all of them. Run with a fixed heap and G1 (its full collection is
 * synchronous), e.g. {@code java -Xmx2g -XX:+UseG1GC -cp attune-bench.jar dev.attune.bench.HistoryCacheMemory}.
 */
public final class HistoryCacheMemory {
  private HistoryCacheMemory() {}

  public static void main(String[] args) throws Exception {
    ServiceBenchmark.Options o = new ServiceBenchmark.Options(args);
    int users = o.integer("users", 20_000);
    int events = o.integer("events", 40);
    int items = o.integer("items", 5_000);
    int appended = o.integer("appended", 10);
    Path dir = Path.of(o.text("dir", "attune-bench/target/history-memory"));
    Path pristine = dir.resolve(users + "x" + events + "x" + items + ".db");
    if (!Files.exists(pristine)) build(pristine, users, events, items);
    Path copy = dir.resolve("run.db");
    Files.copy(pristine, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (Store store = Store.open("jdbc:sqlite:" + copy)) {
      // no fallback model: its fit, in the background after the start, would land in the measured heap
      AttuneServer server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none"), store)
          .start();
      try {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + server.port();
        get(http, base + "/v1/users/u0/recommendations?k=10"); // the server's own first-request state, not counted
        long before = usedAfterGc();
        for (int u = 0; u < users; u++) get(http, base + "/v1/users/u" + u + "/recommendations?k=10");
        long filled = usedAfterGc();
        SplittableRandom random = new SplittableRandom(11);
        long now = System.currentTimeMillis();
        for (int u = 0; u < users; u++) {
          StringBuilder body = new StringBuilder("[");
          for (int k = 0; k < appended; k++) {
            body.append(k == 0 ? "" : ",").append("{\"userId\":\"u").append(u).append("\",\"itemId\":\"i")
                .append(random.nextInt(items)).append("\",\"type\":\"play\",\"scene\":\"music\",\"timestamp\":")
                .append(now - appended + k).append('}');
          }
          post(http, base + "/v1/events", body.append(']').toString());
        }
        long grown = usedAfterGc();
        System.out.printf(Locale.ROOT, "%,d users x %,d events loaded: %,d bytes of heap (%.0f per cached event)%n",
            users, events, filled - before, (filled - before) / ((double) users * events));
        System.out.printf(Locale.ROOT, "+ %,d posted events per user: %,d bytes more (%.0f per appended event)%n",
            appended, grown - filled, (grown - filled) / ((double) users * appended));
        System.out.printf(Locale.ROOT, "machine: %d cores, load average %.2f; heap %s%n",
            Runtime.getRuntime().availableProcessors(),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
            ManagementFactory.getRuntimeMXBean().getInputArguments());
      } finally {
        server.stop();
      }
    }
  }

  /** The generated store: user u has {@code events} plays of random items, in time order, each with an id. */
  private static void build(Path file, int users, int events, int items) throws Exception {
    Files.createDirectories(file.getParent());
    Path building = file.resolveSibling(file.getFileName() + ".building");
    Files.deleteIfExists(building);
    SplittableRandom random = new SplittableRandom(7);
    long start = System.currentTimeMillis() - 86_400_000L;
    try (Store store = Store.open("jdbc:sqlite:" + building)) {
      List<Store.NewEvent> batch = new ArrayList<>();
      for (int u = 0; u < users; u++) {
        for (int k = 0; k < events; k++) {
          Event e = new Event("u" + u, "i" + random.nextInt(items), "play", 1f, start + k * 1000L, "music");
          batch.add(new Store.NewEvent("g-" + u + "-" + k, e));
        }
        if (batch.size() >= 10_000) {
          store.appendEvents(batch);
          batch.clear();
        }
      }
      if (!batch.isEmpty()) store.appendEvents(batch);
    }
    Files.move(building, file);
  }

  private static void get(HttpClient http, String url) throws Exception {
    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.discarding());
    if (r.statusCode() != 200) throw new IllegalStateException(url + " answered " + r.statusCode());
  }

  private static void post(HttpClient http, String url, String json) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
  }

  /** Heap in use after full collections, taken until two agree within 1 MB (at most 5). */
  private static long usedAfterGc() throws InterruptedException {
    long last = Long.MAX_VALUE;
    for (int k = 0; k < 5; k++) {
      System.gc();
      Thread.sleep(300);
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (Math.abs(used - last) < (1 << 20)) return used;
      last = used;
    }
    return last;
  }
}
