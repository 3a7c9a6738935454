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
 * {@code POST /v1/events} into the cached windows, again. With the defaults every user's events fit the window (50
 * liked events, without a model), so each user caches all of them as events; past 50 ({@code --events 400}) the
 * window keeps the newest 50 and the older ones' items are cached as a set. Each figure is taken once the heap has
 * settled (three full collections 2 s apart within 1 MB), after one request of each route. Run with a fixed heap and
 * G1 (its full collection is synchronous), e.g. {@code java -Xmx2g -XX:+UseG1GC -cp attune-bench.jar
 * dev.attune.bench.HistoryCacheMemory}.
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
        // what the first request of each route makes (its metrics' histograms: about 25 MB of long[] landed inside
        // a measured phase otherwise; a review), made before anything is measured, by a user not measured
        post(http, base + "/v1/events", "[{\"userId\":\"warm-up\",\"itemId\":\"i0\",\"type\":\"play\"}]");
        get(http, base + "/v1/users/warm-up/recommendations?k=10");
        long before = settledHeap(); // after the start's own work too (the abuse review reads the whole store)
        for (int u = 0; u < users; u++) get(http, base + "/v1/users/u" + u + "/recommendations?k=10");
        long filled = settledHeap();
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
        long grown = settledHeap();
        System.out.printf(Locale.ROOT, "%,d users x %,d events loaded: %,d bytes of heap (%.0f per event, %.0f per"
            + " user)%n", users, events, filled - before, (filled - before) / ((double) users * events),
            (filled - before) / (double) users);
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

  /**
   * Heap in use after a full collection, once three taken 2 s apart agree within 1 MB: the server's background work
   * (the start's abuse review reads the whole store) has ended. Throws after 90 s without that, rather than give a
   * figure of work half done (a review saw 69 to 211 MB in five samples taken at once).
   */
  static long settledHeap() throws InterruptedException {
    List<Long> samples = new ArrayList<>();
    long deadline = System.nanoTime() + 90_000_000_000L;
    while (System.nanoTime() < deadline) {
      System.gc();
      samples.add(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
      int n = samples.size();
      if (n >= 3 && Math.abs(samples.get(n - 1) - samples.get(n - 2)) < (1 << 20)
          && Math.abs(samples.get(n - 2) - samples.get(n - 3)) < (1 << 20)) {
        return samples.get(n - 1);
      }
      Thread.sleep(2000);
    }
    throw new IllegalStateException("the heap did not settle in 90 s: " + samples);
  }
}
