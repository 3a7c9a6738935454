package dev.attune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.infer.ModelDirectory;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service numbers of issue 6, recorded in {@code docs/benchmarks.md} ("Service (issue 6)"). Three modes;
 * {@code attune-bench/service-bench.sh} runs them in order, with {@code wrk} between {@code serve} and
 * {@code read-your-writes}:
 *
 * <ul>
 *   <li>{@code ingest --store sqlite|postgres}: starts the server (no model) over a fresh store and posts
 *       batches of 500 events ({@code POST /v1/events}, each with an id) from several client threads
 *       ({@link HttpClient}, HTTP/1.1, in this JVM); prints events/s and the batch latency, then checks that the
 *       store holds exactly what was acknowledged. Then the same batches go straight into another fresh store
 *       ({@link Store#appendEvents}, same threads): the store-only rate. PostgreSQL runs in a fresh schema that
 *       is dropped afterwards. {@code --http false} or {@code --store-only false} skips a half; {@code --batch}
 *       above the server's 1,000 only makes sense for the store-only half.
 *   <li>{@code serve --dir D}: builds (once, kept under D) a SQLite store of 100,000 items and 100,000 users
 *       with 20 play events each, and a SASRec model directory over the items with random weights ({@link
 *       SasRecInferenceBenchmark#randomWeights}: hidden 64, 2 blocks, 2 heads, max length 50); copies the store
 *       so runs do not change it, starts the server with the model and writes its port to {@code D/port}. Runs
 *       until the process is stopped.
 *   <li>{@code read-your-writes --url U}: against a running {@code serve}, measures the time from posting a
 *       play event to a {@code GET /v1/users/{id}/recommendations} that no longer lists the played item, for
 *       users whose history is cached (a GET just before) and for users never read before (the GET loads the
 *       store). The model is deterministic and the rest of the history unchanged, so a GET that does not
 *       reflect the event would return the old list, with the played item first.
 * </ul>
 *
 * <p>Synthetic ids: users {@code u000000 ...}, items {@code i000000 ...}; all randomness is seeded.
 */
public final class ServiceBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DAY = 86_400_000L;

  private ServiceBenchmark() {}

  /**
   * Runs one mode: {@code ingest}, {@code serve} or {@code read-your-writes}, then {@code --name value}
   * options (see the class comment and {@code attune-bench/service-bench.sh}).
   *
   * @param args the mode and its options
   * @throws Exception when a run fails; a failed check is an {@link IllegalStateException}
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: ServiceBenchmark ingest|serve|read-your-writes [--name value]...");
    }
    Options o = new Options(Arrays.copyOfRange(args, 1, args.length));
    switch (args[0]) {
      case "ingest" -> ingest(o);
      case "serve" -> serve(o);
      case "read-your-writes" -> readYourWrites(o);
      default -> throw new IllegalArgumentException("unknown mode: " + args[0]);
    }
  }

  // ---------------------------------------------------------------- 1. ingestion

  private static void ingest(Options o) throws Exception {
    String kind = o.text("store", "sqlite");
    int threads = o.integer("threads", 4);
    int batchSize = o.integer("batch", 500);
    int events = o.integer("events", 1_000_000);
    int warmupEvents = o.integer("warmup-events", 100_000);
    int users = o.integer("users", 100_000);
    int items = o.integer("items", 100_000);
    long seed = o.integer("seed", 6);
    Path dir = Path.of(o.text("dir", "attune-bench/target/service-bench/ingest"));
    String postgres = o.text("postgres", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    Files.createDirectories(dir);

    String runId = Long.toString(System.currentTimeMillis(), 36);
    Workload warmup = Workload.generate("w" + runId, warmupEvents, batchSize, users, items, seed);
    Workload timed = Workload.generate("t" + runId, events, batchSize, users, items, seed + 1);
    System.out.printf(Locale.ROOT, "ingest into %s: %,d events in batches of %d from %d client threads (after %,d"
        + " warm-up events); %,d users, %,d items%n", kind, events, batchSize, threads, warmupEvents, users, items);

    if (o.bool("http", true)) {
      try (FreshDatabase db = FreshDatabase.create(kind, dir.resolve("http"), postgres)) {
        ingestOverHttp(db.jdbcUrl(), warmup, timed, threads, users);
      }
    }
    if (o.bool("store-only", true)) {
      try (FreshDatabase db = FreshDatabase.create(kind, dir.resolve("store"), postgres)) {
        ingestIntoStore(db.jdbcUrl(), warmup, timed, threads);
      }
    }
  }

  private static void ingestOverHttp(String jdbcUrl, Workload warmup, Workload timed, int threads, int users)
      throws Exception {
    byte[][] warmupBodies = warmup.bodies();
    byte[][] timedBodies = timed.bodies();
    try (Store store = Store.open(jdbcUrl)) {
      AttuneServer server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0), store).start();
      try {
        HttpClient http = client();
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/events");
        Posted w = post(http, uri, warmupBodies, threads);
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Posted t = post(http, uri, timedBodies, threads);
        long wall = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        report("HTTP", timed.size(), wall, cpu, t.latencies);

        long acknowledged = w.inserted + t.inserted;
        long stored = store.counts().events();
        long sent = warmup.size() + timed.size();
        System.out.printf(Locale.ROOT, "  check: sent %,d, acknowledged %,d inserted + %,d duplicates, stored %,d%n",
            sent, acknowledged, w.duplicates + t.duplicates, stored);
        if (stored != acknowledged || acknowledged != sent) {
          throw new IllegalStateException("stored events differ from the acknowledged ones");
        }
        checkUserEvents(http, server.port(), warmup, timed, users);
      } finally {
        server.stop();
      }
    }
  }

  /** Compares {@code GET /v1/users/{id}/events} with the generated events for 100 users. */
  private static void checkUserEvents(HttpClient http, int port, Workload warmup, Workload timed, int users)
      throws Exception {
    int[] expected = new int[users];
    warmup.countPerUser(expected);
    timed.countPerUser(expected);
    int checked = 0;
    for (int u = 0; u < users; u += Math.max(1, users / 100)) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/v1/users/" + Workload.userId(u) + "/events?limit=1000")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      int found = r.statusCode() == 404 ? 0 : JSON.readTree(r.body()).get("events").size();
      if (found != expected[u]) {
        throw new IllegalStateException(Workload.userId(u) + " has " + found + " events, expected " + expected[u]);
      }
      checked++;
    }
    System.out.printf(Locale.ROOT, "  check: GET /v1/users/{id}/events matches the generated count for %d users%n",
        checked);
  }

  private static void ingestIntoStore(String jdbcUrl, Workload warmup, Workload timed, int threads)
      throws Exception {
    try (Store store = Store.open(jdbcUrl)) {
      long warm = append(store, warmup.batches, threads).inserted;
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      Posted t = append(store, timed.batches, threads);
      long wall = System.nanoTime() - t0;
      long cpu = processCpuNanos() - cpu0;
      report("store only (Store.appendEvents)", timed.size(), wall, cpu, t.latencies);
      long stored = store.counts().events();
      if (stored != warm + t.inserted || t.inserted != timed.size()) {
        throw new IllegalStateException("stored " + stored + ", inserted " + (warm + t.inserted));
      }
    }
  }

  /** What a set of batch requests returned. */
  private record Posted(long inserted, long duplicates, long[] latencies) {}

  private static Posted post(HttpClient http, URI uri, byte[][] bodies, int threads) throws Exception {
    LongAdder inserted = new LongAdder();
    LongAdder duplicates = new LongAdder();
    long[] latencies = new long[bodies.length];
    runParallel(threads, bodies.length, b -> {
      HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[b])).build();
      long t0 = System.nanoTime();
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      latencies[b] = System.nanoTime() - t0;
      if (r.statusCode() != 200) throw new IllegalStateException("POST /v1/events: " + r.statusCode() + " " + r.body());
      JsonNode answer = JSON.readTree(r.body());
      inserted.add(answer.get("inserted").asLong());
      duplicates.add(answer.get("duplicates").asLong());
    });
    return new Posted(inserted.sum(), duplicates.sum(), latencies);
  }

  private static Posted append(Store store, List<List<Store.NewEvent>> batches, int threads) throws Exception {
    LongAdder inserted = new LongAdder();
    LongAdder duplicates = new LongAdder();
    long[] latencies = new long[batches.size()];
    runParallel(threads, batches.size(), b -> {
      long t0 = System.nanoTime();
      Store.AppendResult r = store.appendEvents(batches.get(b));
      latencies[b] = System.nanoTime() - t0;
      inserted.add(r.inserted());
      duplicates.add(r.duplicates());
    });
    return new Posted(inserted.sum(), duplicates.sum(), latencies);
  }

  private static void report(String what, int events, long wallNanos, long cpuNanos, long[] latencies) {
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "  %s: %,.0f events/s (%,d events in %.2f s); per batch p50 %.1f ms, p99 %.1f ms;"
        + " process CPU %.0f%% of one core%n", what, events / (wallNanos / 1e9), events, wallNanos / 1e9,
        percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6, 100.0 * cpuNanos / wallNanos);
  }

  /**
   * The events of one phase: batches of {@link Store.NewEvent}, each event with an id, a random user and item
   * (uniform) and a timestamp in the last hour.
   */
  private static final class Workload {
    final List<List<Store.NewEvent>> batches;
    private final int[] userIndexes;

    private Workload(List<List<Store.NewEvent>> batches, int[] userIndexes) {
      this.batches = batches;
      this.userIndexes = userIndexes;
    }

    static Workload generate(String idPrefix, int events, int batchSize, int users, int items, long seed) {
      String[] userIds = ids(users, ServiceBenchmark.Workload::userId);
      String[] itemIds = ids(items, ServiceBenchmark.Workload::itemId);
      SplittableRandom r = new SplittableRandom(seed);
      long from = System.currentTimeMillis() - 3_600_000L;
      List<List<Store.NewEvent>> batches = new ArrayList<>();
      int[] userIndexes = new int[events];
      for (int start = 0; start < events; start += batchSize) {
        int n = Math.min(batchSize, events - start);
        List<Store.NewEvent> batch = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          int u = r.nextInt(users);
          userIndexes[start + k] = u;
          Event e = new Event(userIds[u], itemIds[r.nextInt(items)], "play", 1f,
              from + (long) (start + k) * 3_000_000L / events, Event.DEFAULT_SCENE);
          batch.add(new Store.NewEvent(idPrefix + "-" + (start + k), e));
        }
        batches.add(batch);
      }
      return new Workload(batches, userIndexes);
    }

    int size() {
      return userIndexes.length;
    }

    void countPerUser(int[] counts) {
      for (int u : userIndexes) counts[u]++;
    }

    /** Each batch as the body of {@code POST /v1/events}: {@code {"events": [...]}}. */
    byte[][] bodies() {
      byte[][] out = new byte[batches.size()][];
      for (int b = 0; b < out.length; b++) {
        StringBuilder s = new StringBuilder(batches.get(b).size() * 120).append("{\"events\":[");
        for (Store.NewEvent ne : batches.get(b)) {
          Event e = ne.event();
          if (s.charAt(s.length() - 1) != '[') s.append(',');
          // the ids are plain ASCII, so they need no escaping
          s.append("{\"id\":\"").append(ne.eventId()).append("\",\"userId\":\"").append(e.userId())
              .append("\",\"itemId\":\"").append(e.itemId()).append("\",\"type\":\"").append(e.type())
              .append("\",\"value\":").append(e.value()).append(",\"timestamp\":").append(e.timestamp()).append('}');
        }
        out[b] = s.append("]}").toString().getBytes(StandardCharsets.UTF_8);
      }
      return out;
    }

    static String userId(int u) {
      return String.format(Locale.ROOT, "u%06d", u);
    }

    static String itemId(int i) {
      return String.format(Locale.ROOT, "i%06d", i);
    }

    private static String[] ids(int n, java.util.function.IntFunction<String> name) {
      String[] out = new String[n];
      for (int k = 0; k < n; k++) out[k] = name.apply(k);
      return out;
    }
  }

  /** A store nobody else uses: a new SQLite file, or a new PostgreSQL schema dropped on close. */
  record FreshDatabase(String jdbcUrl, Path sqliteFile, String postgresAdminUrl, String schema)
      implements AutoCloseable {

    static FreshDatabase create(String kind, Path base, String postgresUrl) throws IOException, SQLException {
      if (kind.equals("sqlite")) {
        Path file = base.resolveSibling(base.getFileName() + ".db");
        deleteSqlite(file);
        return new FreshDatabase("jdbc:sqlite:" + file.toAbsolutePath(), file, null, null);
      }
      if (!kind.equals("postgres")) throw new IllegalArgumentException("--store must be sqlite or postgres: " + kind);
      String schema = "attune_bench_" + ProcessHandle.current().pid() + "_" + base.getFileName();
      try (Connection c = DriverManager.getConnection(postgresUrl); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        s.execute("CREATE SCHEMA " + schema);
      }
      String url = postgresUrl + (postgresUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
      return new FreshDatabase(url, null, postgresUrl, schema);
    }

    @Override
    public void close() throws IOException, SQLException {
      if (sqliteFile != null) {
        deleteSqlite(sqliteFile);
        return;
      }
      try (Connection c = DriverManager.getConnection(postgresAdminUrl); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }

    private static void deleteSqlite(Path file) throws IOException {
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
      }
    }
  }

  // ---------------------------------------------------------------- 2. the served data set

  /** The admin key of the {@code serve} mode's server (for the hot-swap run's activate calls). */
  static final String ADMIN_KEY = "service-bench-admin-key";

  private static void serve(Options o) throws Exception {
    Path dir = Path.of(o.text("dir", "attune-bench/target/service-bench/recommend")).toAbsolutePath();
    int users = o.integer("users", 100_000);
    int items = o.integer("items", 100_000);
    int history = o.integer("history", 20);
    long seed = o.integer("seed", 6);
    Path pristine = dir.resolve("pristine");
    String recipe = String.format(Locale.ROOT, "users=%d items=%d history=%d seed=%d versions=2", users, items,
        history, seed);
    Path marker = pristine.resolve("complete");
    if (!Files.isRegularFile(marker) || !Files.readString(marker).equals(recipe)) {
      generate(pristine, users, items, history, seed);
      Files.writeString(marker, recipe);
    } else {
      System.out.println("data: reusing " + pristine + " (" + recipe + ")");
    }
    // A copy, so the events read-your-writes posts never reach the next run's data.
    Path run = dir.resolve("run");
    Files.createDirectories(run);
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Path from = pristine.resolve("store.db" + suffix);
      Path to = run.resolve("store.db" + suffix);
      if (Files.exists(from)) {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.deleteIfExists(to);
      }
    }
    Store store = Store.open("jdbc:sqlite:" + run.resolve("store.db"));
    long t0 = System.nanoTime();
    AttuneServer server = AttuneServer.create(
        ServerConfig.DEFAULTS.withPort(o.integer("port", 0)).withModelDir(pristine.resolve("model"))
            .withAdminKey(ADMIN_KEY), store).start();
    System.out.printf(Locale.ROOT, "server: started in %.1f s (catalogue, counters over every event, model) on port"
        + " %d%n", (System.nanoTime() - t0) / 1e9, server.port());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop();
      store.close();
    }));
    Files.writeString(dir.resolve("port"), Integer.toString(server.port()));
    new CountDownLatch(1).await(); // until the process is stopped
  }

  /**
   * Writes the store (items with a creator and a genre; {@code history} play events per user, spread over the
   * last 30 days) and the random SASRec model directory under {@code pristine}.
   */
  private static void generate(Path pristine, int users, int items, int history, long seed) throws Exception {
    Files.createDirectories(pristine);
    for (String suffix : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(pristine.resolve("store.db" + suffix));
    SplittableRandom r = new SplittableRandom(seed);
    List<String> itemIds = new ArrayList<>(items);
    for (int i = 0; i < items; i++) itemIds.add(Workload.itemId(i));
    long t0 = System.nanoTime();
    try (Store store = Store.open("jdbc:sqlite:" + pristine.resolve("store.db"))) {
      List<Item> page = new ArrayList<>();
      for (int i = 0; i < items; i++) {
        page.add(new Item(itemIds.get(i), Event.DEFAULT_SCENE, "Track " + i, "artist-" + (i % 20_000), null,
            List.of("genre-" + (i % 50)), List.of(), 180f, Item.UNKNOWN_TIME, null, Map.of()));
        if (page.size() == 10_000 || i == items - 1) {
          store.upsertItems(page);
          page.clear();
        }
      }
      long t1 = System.nanoTime();
      long now = System.currentTimeMillis();
      long step = 30 * DAY / history;
      List<Store.NewEvent> batch = new ArrayList<>();
      for (int u = 0; u < users; u++) {
        String user = Workload.userId(u);
        for (int k = 0; k < history; k++) {
          long ts = now - 30 * DAY + k * step + r.nextLong(step);
          batch.add(new Store.NewEvent("g" + u + "-" + k,
              new Event(user, itemIds.get(r.nextInt(items)), "play", 1f, ts, Event.DEFAULT_SCENE)));
        }
        if (batch.size() >= 20_000 || u == users - 1) {
          store.appendEvents(batch);
          batch.clear();
        }
      }
      long t2 = System.nanoTime();
      System.out.printf(Locale.ROOT, "data: %,d items in %.1f s; %,d users x %d events in %.1f s (%,.0f events/s,"
          + " Store.appendEvents in batches of 20,000, one thread)%n", items, (t1 - t0) / 1e9, users, history,
          (t2 - t1) / 1e9, (double) users * history / ((t2 - t1) / 1e9));
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("note", "random weights for the service benchmark, not trained");
    info.put("seed", seed);
    ModelDirectory.write(pristine.resolve("model"),
        SasRecInferenceBenchmark.randomWeights(new SplittableRandom(seed), items), itemIds, info);
    // A second version beside it, for the hot-swap run (POST /v1/admin/models/model-b/activate).
    info.put("seed", seed + 1);
    ModelDirectory.write(pristine.resolve("model-b"),
        SasRecInferenceBenchmark.randomWeights(new SplittableRandom(seed + 1), items), itemIds, info);
  }

  // ---------------------------------------------------------------- 3. read-your-writes

  private static void readYourWrites(Options o) throws Exception {
    String url = o.text("url", null);
    if (url == null) throw new IllegalArgumentException("--url is required (the running serve)");
    int trials = o.integer("trials", 1000);
    int warmup = o.integer("warmup-trials", 50);
    int users = o.integer("users", 100_000);
    int items = o.integer("items", 100_000);
    int maxGets = o.integer("max-gets", 20);
    SplittableRandom r = new SplittableRandom(o.integer("seed", 6));
    HttpClient http = client();
    String runId = Long.toString(System.currentTimeMillis(), 36);
    int[] shuffled = new int[users];
    for (int u = 0; u < users; u++) shuffled[u] = u;
    for (int u = users - 1; u > 0; u--) {
      int v = r.nextInt(u + 1);
      int tmp = shuffled[u];
      shuffled[u] = shuffled[v];
      shuffled[v] = tmp;
    }
    Trials cached = new Trials("cached", warmup + trials, maxGets);
    Trials notCached = new Trials("not cached", warmup + trials, maxGets);
    // The two paths alternate, so that both see the same JIT state and machine load.
    for (int t = 0; t < warmup + trials; t++) {
      // an existing user; the GET caches their history, and its first item is what they play
      String user = Workload.userId(shuffled[t % users]);
      trial(http, url, user, firstModelItem(send(http, get(url, user)), user), runId, cached);

      // a new user whose history only the store has; the same history sent anonymously names the first item
      user = "r" + runId + "-" + t;
      StringBuilder events = new StringBuilder("{\"events\":[");
      StringBuilder anonymous = new StringBuilder("{\"k\":10,\"history\":[");
      long from = System.currentTimeMillis() - 3_600_000L;
      for (int k = 0; k < 20; k++) {
        String item = Workload.itemId(r.nextInt(items));
        long ts = from + k * 60_000L;
        if (k > 0) {
          events.append(',');
          anonymous.append(',');
        }
        events.append("{\"id\":\"").append(user).append('-').append(k).append("\",\"userId\":\"").append(user)
            .append("\",\"itemId\":\"").append(item).append("\",\"type\":\"play\",\"timestamp\":").append(ts)
            .append('}');
        anonymous.append("{\"itemId\":\"").append(item).append("\",\"type\":\"play\",\"timestamp\":").append(ts)
            .append('}');
      }
      send(http, postJson(url + "/v1/events", events.append("]}").toString()));
      String played = firstModelItem(send(http, postJson(url + "/v1/recommendations",
          anonymous.append("]}").toString())), user);
      trial(http, url, user, played, runId, notCached);
    }
    cached.report(warmup);
    notCached.report(warmup);
    if (cached.neverReflected + notCached.neverReflected > 0) {
      throw new IllegalStateException("some events were never reflected");
    }
  }

  /** Posts {@code user} playing {@code played}, then GETs their recommendations until the item is gone. */
  private static void trial(HttpClient http, String url, String user, String played, String runId, Trials into)
      throws IOException, InterruptedException {
    String event = "{\"id\":\"" + user + "-play-" + runId + "\",\"userId\":\"" + user + "\",\"itemId\":\""
        + played + "\",\"type\":\"play\"}";
    long t0 = System.nanoTime();
    send(http, postJson(url + "/v1/events", event));
    long posted = System.nanoTime() - t0;
    int gets = 0;
    boolean reflected = false;
    while (!reflected && gets < into.maxGets) {
      JsonNode answer = send(http, get(url, user));
      gets++;
      reflected = true;
      for (JsonNode item : answer.get("items")) {
        if (item.get("itemId").asText().equals(played)) reflected = false;
      }
    }
    into.add(System.nanoTime() - t0, posted, reflected ? gets : -1);
  }

  /** The trials of one path; the first {@code warmup} are left out of the report. */
  private static final class Trials {
    final String name;
    final int maxGets;
    final long[] reflect;
    final long[] post;
    final int[] gets;
    int count;
    int neverReflected;

    Trials(String name, int capacity, int maxGets) {
      this.name = name;
      this.maxGets = maxGets;
      this.reflect = new long[capacity];
      this.post = new long[capacity];
      this.gets = new int[capacity];
    }

    /** One trial: nanoseconds from POST to the reflecting GET, of the POST alone, and GETs needed (-1: never). */
    void add(long reflectNanos, long postNanos, int getsNeeded) {
      reflect[count] = reflectNanos;
      post[count] = postNanos;
      gets[count] = getsNeeded;
      count++;
    }

    void report(int warmup) {
      long[] r = Arrays.copyOfRange(reflect, warmup, count);
      long[] p = Arrays.copyOfRange(post, warmup, count);
      Arrays.sort(r);
      Arrays.sort(p);
      Map<Integer, Integer> histogram = new java.util.TreeMap<>();
      for (int t = warmup; t < count; t++) {
        histogram.merge(gets[t], 1, Integer::sum);
        if (gets[t] < 0) neverReflected++;
      }
      StringBuilder h = new StringBuilder();
      for (var e : histogram.entrySet()) {
        h.append(e.getKey() < 0 ? " never reflected in " + maxGets + " GETs: " : " " + e.getKey() + " GET(s): ")
            .append(e.getValue()).append(';');
      }
      System.out.printf(Locale.ROOT, "read-your-writes, %s users, %d trials (after %d warm-up): POST→reflecting GET"
          + " p50 %.2f ms, p99 %.2f ms, max %.2f ms (POST alone p50 %.2f ms, p99 %.2f ms);%s%n", name, r.length,
          warmup, percentile(r, 0.5) / 1e6, percentile(r, 0.99) / 1e6, r[r.length - 1] / 1e6,
          percentile(p, 0.5) / 1e6, percentile(p, 0.99) / 1e6, h);
    }
  }

  /** The first recommended item, which must come from the model (so that removing it is the only change). */
  private static String firstModelItem(JsonNode answer, String user) {
    JsonNode first = answer.get("items").get(0);
    if (first == null || !first.get("source").asText().equals("sasrec")) {
      throw new IllegalStateException("the first recommendation for " + user + " is not the model's: " + answer);
    }
    return first.get("itemId").asText();
  }

  private static HttpRequest get(String url, String user) {
    return HttpRequest.newBuilder(URI.create(url + "/v1/users/" + user + "/recommendations?k=10")).GET().build();
  }

  private static HttpRequest postJson(String url, String body) {
    return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private static JsonNode send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(request.method() + " " + request.uri() + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  // ---------------------------------------------------------------- helpers

  /** HTTP/1.1: the server speaks no h2c, and the client would otherwise try to upgrade every connection. */
  private static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** A task on one index. */
  private interface IndexTask {
    void run(int index) throws Exception;
  }

  /** Runs {@code task} for indexes 0..count-1, handed out in order to {@code threads} threads. */
  private static void runParallel(int threads, int count, IndexTask task) throws Exception {
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        running.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) task.run(i);
          return null;
        }));
      }
      for (Future<?> f : running) f.get();
    } finally {
      pool.shutdownNow();
    }
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) return Double.NaN;
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** {@code --name value} pairs of a command line. */
  static final class Options {
    private final Map<String, String> values = new HashMap<>();

    Options(String[] args) {
      for (int k = 0; k < args.length; k += 2) {
        if (!args[k].startsWith("--") || k + 1 == args.length) {
          throw new IllegalArgumentException("expected --name value pairs: " + String.join(" ", args));
        }
        values.put(args[k].substring(2), args[k + 1]);
      }
    }

    String text(String name, String absent) {
      return values.getOrDefault(name, absent);
    }

    int integer(String name, int absent) {
      return values.containsKey(name) ? Integer.parseInt(values.get(name)) : absent;
    }

    boolean bool(String name, boolean absent) {
      return values.containsKey(name) ? Boolean.parseBoolean(values.get(name)) : absent;
    }
  }
}
