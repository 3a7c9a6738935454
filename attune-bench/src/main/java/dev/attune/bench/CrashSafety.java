package dev.attune.bench;

import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The crash-safety run of issue 7: clients post event batches over HTTP while the server is killed with SIGKILL
 * at random moments and restarted; then every acknowledged event must be stored exactly once.
 *
 * <p>{@code run}: makes a fresh store (a new SQLite file, or a new PostgreSQL schema dropped at the end), then
 * {@code --kills} times starts a server process ({@code server} mode of this class, the same classpath), lets
 * {@code --threads} clients post batches of {@code --batch} events for a random 0.5–3 s and kills it with
 * {@link Process#destroyForcibly} (SIGKILL on Linux). A client keeps its batch until a 200 acknowledges it,
 * retrying the same event ids after a failed or unanswered request, as a real producer would; a batch that was
 * committed just before the kill then comes back as duplicates, which the store must recognise. After the last
 * kill a final server lets every client finish its batch; then the store is opened directly and each event id
 * of every acknowledged batch must be there exactly once, with nothing else stored.
 *
 * <p>Exits with status 1 when an event is lost, duplicated or unexpected. Usage: {@code attune-bench/crash-test.sh}.
 */
public final class CrashSafety {
  private CrashSafety() {}

  /**
   * {@code run [--store sqlite|postgres] [--kills 20] [--threads 4] [--batch 500] [--seed 7] [--dir D]
   * [--postgres URL]} or {@code server --url JDBC --port-file F}.
   *
   * @param args the mode and its options
   * @throws Exception when the run cannot be carried out
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) throw new IllegalArgumentException("usage: CrashSafety run|server [--name value]...");
    ServiceBenchmark.Options o = new ServiceBenchmark.Options(java.util.Arrays.copyOfRange(args, 1, args.length));
    switch (args[0]) {
      case "run" -> System.exit(run(o) ? 0 : 1);
      case "server" -> server(o);
      default -> throw new IllegalArgumentException("unknown mode: " + args[0]);
    }
  }

  /** The killed process: a server over the store at {@code --url}; writes its port to {@code --port-file}. */
  private static void server(ServiceBenchmark.Options o) throws Exception {
    Store store = Store.open(o.text("url", null));
    AttuneServer server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none"), store)
        .start();
    Path portFile = Path.of(o.text("port-file", null));
    Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(server.port()));
    Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Thread.currentThread().join(); // until killed
  }

  /** One client's batches: batch b of client c holds the events c-b-0 ... c-b-(size-1). */
  private static String body(int client, int batch, int size, SplittableRandom r) {
    StringBuilder s = new StringBuilder(size * 110).append("{\"events\":[");
    for (int i = 0; i < size; i++) {
      s.append(i == 0 ? "" : ",").append("{\"id\":\"").append(client).append('-').append(batch).append('-')
          .append(i).append("\",\"userId\":\"u").append(r.nextInt(10_000)).append("\",\"itemId\":\"i")
          .append(r.nextInt(5_000)).append("\",\"type\":\"play\",\"timestamp\":").append(1_764_633_600_000L + i)
          .append('}');
    }
    return s.append("]}").toString();
  }

  private static boolean run(ServiceBenchmark.Options o) throws Exception {
    String kind = o.text("store", "sqlite");
    int kills = o.integer("kills", 20);
    int threads = o.integer("threads", 4);
    int batchSize = o.integer("batch", 500);
    long seed = o.integer("seed", 7);
    Path dir = Path.of(o.text("dir", "attune-bench/target/crash-test"));
    String postgres = o.text("postgres", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    Files.createDirectories(dir);
    SplittableRandom timing = new SplittableRandom(seed);
    long started = System.nanoTime();
    try (ServiceBenchmark.FreshDatabase db = ServiceBenchmark.FreshDatabase.create(kind, dir.resolve("crash"),
        postgres)) {
      Path portFile = dir.resolve("port");
      AtomicBoolean stopping = new AtomicBoolean();
      AtomicLong failedAttempts = new AtomicLong();
      AtomicLong duplicatesReported = new AtomicLong();
      int[] acknowledgedBatches = new int[threads];
      Map<Integer, String> url = new java.util.concurrent.ConcurrentHashMap<>();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < threads; c++) {
        int client = c;
        clients.add(Thread.ofPlatform().name("client-" + c).start(() -> {
          SplittableRandom r = new SplittableRandom(seed * 1000 + client);
          for (int batch = 0; !stopping.get(); batch++) {
            String body = body(client, batch, batchSize, r);
            while (true) { // until acknowledged: the same ids again after any failure
              String base = url.get(0);
              try {
                if (base == null) throw new IOException("no server");
                HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/events"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() == 200) {
                  String dup = resp.body().replaceAll(".*\"duplicates\":(\\d+).*", "$1");
                  duplicatesReported.addAndGet(Long.parseLong(dup));
                  acknowledgedBatches[client] = batch + 1;
                  break;
                }
                failedAttempts.incrementAndGet();
              } catch (IOException | RuntimeException e) {
                failedAttempts.incrementAndGet();
              } catch (InterruptedException e) {
                return;
              }
              try {
                Thread.sleep(50);
              } catch (InterruptedException e) {
                return;
              }
            }
          }
        }));
      }
      for (int k = 0; k <= kills; k++) {
        Files.deleteIfExists(portFile);
        Process p = new ProcessBuilder(javaCommand("server", "--url", db.jdbcUrl(), "--port-file",
            portFile.toString())).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        while (!Files.exists(portFile)) {
          if (!p.isAlive()) throw new IllegalStateException("the server died at start; see " + dir.resolve("server.log"));
          Thread.sleep(20);
        }
        url.put(0, "http://127.0.0.1:" + Files.readString(portFile).trim());
        if (k == kills) { // the last server: let every client finish its batch, then stop cleanly
          stopping.set(true);
          for (Thread t : clients) t.join();
          p.destroy();
          p.waitFor(30, TimeUnit.SECONDS);
          break;
        }
        Thread.sleep(500 + timing.nextInt(2_500));
        url.remove(0);
        p.destroyForcibly();
        p.waitFor();
        System.out.printf(Locale.ROOT, "kill %d of %d: SIGKILL after %s acknowledged batches%n", k + 1, kills,
            java.util.Arrays.toString(acknowledgedBatches));
      }
      return verify(db.jdbcUrl(), kind, kills, threads, batchSize, acknowledgedBatches, failedAttempts.get(),
          duplicatesReported.get(), (System.nanoTime() - started) / 1e9);
    }
  }

  private static boolean verify(String jdbcUrl, String kind, int kills, int threads, int batchSize, int[] batches,
      long failedAttempts, long duplicatesReported, double seconds) {
    Map<String, Integer> stored = new HashMap<>();
    try (Store store = Store.open(jdbcUrl)) {
      store.forEachEvent(e -> stored.merge(e.eventId(), 1, Integer::sum));
    }
    long acknowledged = 0;
    long lost = 0;
    long duplicated = 0;
    for (int c = 0; c < threads; c++) {
      for (int b = 0; b < batches[c]; b++) {
        for (int i = 0; i < batchSize; i++) {
          Integer n = stored.remove(c + "-" + b + "-" + i);
          acknowledged++;
          if (n == null) lost++;
          else if (n > 1) duplicated += n - 1;
        }
      }
    }
    long unexpected = stored.size();
    System.out.printf(Locale.ROOT, "crash test on %s: %d SIGKILLs in %.0f s; %,d events in %,d acknowledged batches"
        + " of %d; %,d failed attempts retried; %,d events reported as duplicates on retry%n", kind, kills, seconds,
        acknowledged, acknowledged / batchSize, batchSize, failedAttempts, duplicatesReported);
    System.out.printf(Locale.ROOT, "  acknowledged events lost: %d; duplicated: %d; stored but never sent or"
        + " acknowledged: %d -> %s%n", lost, duplicated, unexpected,
        lost == 0 && duplicated == 0 && unexpected == 0 ? "PASS" : "FAIL");
    return lost == 0 && duplicated == 0 && unexpected == 0;
  }

  private static List<String> javaCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashSafety.class.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }
}
