package dev.attune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.data.Dataset;
import dev.attune.data.EventLog;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import dev.attune.train.AttentionModels;
import dev.attune.train.SequenceTraining;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An A/B experiment replayed on real data, end to end through the server: does the online comparison see what the
 * offline one sees? MovieLens-100K, leave-one-out: the store holds every user's events but their last (the test
 * item); two SASRec versions trained on the same events (hidden 32, full softmax; {@code epochsA} and {@code epochsB}
 * epochs) are the experiment's arms, the first served (the control), the second beside it. Each test user asks for
 * their recommendations (k 10) over HTTP and is answered by their arm; then their test item arrives as an event a
 * second after the answer. A conversion is then a test item among the items shown: an arm's conversion rate is the
 * online HR@10 of its model for its users, which the offline evaluator measures for the same users from the same
 * histories. Printed: per arm the online rate and the offline HR@10 of its model on its users, how many users' hit or
 * miss the two agree on, and the experiment's comparison and verdict.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar dev.attune.bench.ExperimentReplay \
 *   [seed=42] [epochsA=1] [epochsB=20] [threads=2] [dir=attune-bench/target/experiment-replay]
 * </pre>
 *
 * Reads {@code ../shared/data/movielens-100k}.
 */
public final class ExperimentReplay {
  private static final String ADMIN_KEY = "experiment-replay-admin-key";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ExperimentReplay() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = SharedData.arguments(Map.of("seed", "42", "epochsA", "1", "epochsB", "20", "threads",
        "2", "dir", "attune-bench/target/experiment-replay"), args);
    long seed = Long.parseLong(a.get("seed"));
    int threads = Integer.parseInt(a.get("threads"));
    Path dir = Path.of(a.get("dir")).toAbsolutePath();
    Files.createDirectories(dir);
    Dataset ds = SharedData.imported("movielens-100k", "ml-100k", "movielens-100k");
    EventWeights weights = EventWeights.defaults();
    Split split = Splits.leaveOneOut(ds, weights);
    System.out.printf("%s, leave-one-out: %,d test users%n", ds, split.test().numUsersWithItems());

    // the two versions, and what the offline evaluator says of each for every test user
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10).withComputeAuc(false).withThreads(threads).withSeed(seed);
    String[] arms = {"a", "b"};
    Map<String, Map<String, Double>> offlineHit = new HashMap<>();
    for (String arm : arms) {
      int epochs = Integer.parseInt(a.get(arm.equals("a") ? "epochsA" : "epochsB"));
      long start = System.nanoTime();
      WeightFile w = AttentionModels.create("sasrec", Map.of("loss", "full-ce", "hidden", "32", "epochs",
          Integer.toString(epochs)), seed, threads).train(split.trainAndValidation(), SequenceTraining.Run.NONE,
          FitListener.NONE);
      double seconds = (System.nanoTime() - start) / 1e9;
      EvalResult e = new Evaluator().evaluate(SequentialModels.fromWeights(w, split.trainAndValidation()), split,
          options, Evaluator.Progress.NONE);
      Map<String, Double> hits = new HashMap<>();
      double[] perUser = e.perUser("HR@10");
      int[] users = e.evaluatedUsers();
      for (int k = 0; k < users.length; k++) hits.put(ds.userIds().id(users[k]), perUser[k]);
      offlineHit.put(arm, hits);
      ModelDirectory.write(dir.resolve("models/" + arm), w, ds.itemIds().ids(), Map.of("seed", seed, "epochs",
          epochs));
      System.out.printf(Locale.ROOT, "version %s: SASRec, %d epochs, trained in %.0f s; offline HR@10 %.4f, NDCG@10"
          + " %.4f over %d users%n", arm, epochs, seconds, e.mean("HR@10"), e.mean("NDCG@10"), users.length);
    }

    // the store: everything but the test items
    Path db = dir.resolve("store.db");
    for (String suffix : new String[] {"", "-wal", "-shm", ".serve.lock"}) Files.deleteIfExists(Path.of(db + suffix));
    Map<String, Event> testEvent = new LinkedHashMap<>();
    try (Store store = Store.open("jdbc:sqlite:" + db)) {
      Dataset known = split.trainingDataset();
      store.upsertUsers(known.users());
      store.upsertItems(known.items());
      List<Store.NewEvent> events = new ArrayList<>();
      EventLog log = known.events();
      for (int r = 0; r < log.size(); r++) events.add(new Store.NewEvent(null, known.event(log, r)));
      for (int from = 0; from < events.size(); from += 20_000) {
        store.appendEvents(events.subList(from, Math.min(events.size(), from + 20_000)));
      }
      EventLog all = ds.events();
      for (int r = 0; r < all.size(); r++) {
        if (split.roles()[r] == Split.TEST) {
          Event e = ds.event(all, r);
          testEvent.put(e.userId(), e);
        }
      }
      System.out.printf("store: %,d events (the test items left out)%n", events.size());

      AttuneServer server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0).withModelDir(dir.resolve("models/a"))
          .withAdminKey(ADMIN_KEY), store).start();
      try {
        replay(server, testEvent, offlineHit, seed);
      } finally {
        server.stop();
      }
    }
  }

  private static void replay(AttuneServer server, Map<String, Event> testEvent,
      Map<String, Map<String, Double>> offlineHit, long seed) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + server.port();
    String type = testEvent.values().iterator().next().type();
    JsonNode started = send(http, base, "POST", "/v1/admin/experiments", "{\"id\":\"replay-" + seed + "\",\"name\":"
        + "\"SASRec b against a\",\"arms\":[{\"name\":\"a\",\"version\":\"active\"},{\"name\":\"b\",\"version\":"
        + "\"b\"}],\"conversionTypes\":[\"" + type + "\"],\"windowMinutes\":60,\"minUsersPerArm\":100}");
    System.out.println("experiment: " + started.get("id").asText() + ", arms " + started.get("arms"));
    Map<String, String> armOf = new HashMap<>();
    Map<String, Boolean> onlineHit = new HashMap<>();
    List<String> uses = new ArrayList<>();
    long t0 = System.nanoTime();
    for (Map.Entry<String, Event> t : testEvent.entrySet()) {
      String user = t.getKey();
      JsonNode answer = send(http, base, "GET", "/v1/users/" + java.net.URLEncoder.encode(user,
          java.nio.charset.StandardCharsets.UTF_8) + "/recommendations?k=10", null);
      long answeredAt = System.currentTimeMillis();
      String arm = answer.get("experiment").get("arm").asText();
      armOf.put(user, arm);
      boolean hit = false;
      for (JsonNode i : answer.get("items")) hit |= i.get("itemId").asText().equals(t.getValue().itemId());
      onlineHit.put(user, hit);
      uses.add(JSON.writeValueAsString(Map.of("userId", user, "itemId", t.getValue().itemId(), "type", type,
          "value", t.getValue().value(), "timestamp", answeredAt + 1_000)));
    }
    double askSeconds = (System.nanoTime() - t0) / 1e9;
    for (int from = 0; from < uses.size(); from += 500) {
      send(http, base, "POST", "/v1/events", "[" + String.join(",", uses.subList(from, Math.min(uses.size(),
          from + 500))) + "]");
    }
    JsonNode shown = send(http, base, "GET", "/v1/admin/experiments/replay-" + seed, null);
    JsonNode results = shown.get("results");
    System.out.printf(Locale.ROOT, "%,d users asked in %.1f s%n", testEvent.size(), askSeconds);
    for (int k = 0; k < 2; k++) {
      JsonNode arm = results.get("arms").get(k);
      String name = arm.get("name").asText();
      int users = 0;
      int agree = 0;
      double offline = 0;
      int onlineHits = 0;
      for (Map.Entry<String, String> u : armOf.entrySet()) {
        if (!u.getValue().equals(name)) continue;
        Double off = offlineHit.get(name).get(u.getKey());
        if (off == null) continue;
        users++;
        offline += off;
        boolean on = onlineHit.get(u.getKey());
        if (on) onlineHits++;
        if (on == (off > 0)) agree++;
      }
      JsonNode rate = arm.get("conversionRate");
      System.out.printf(Locale.ROOT, "arm %s: %d users, conversion rate %.4f (95%% %.4f-%.4f) from the experiment;"
          + " the test item among the items shown for %.4f of them; offline HR@10 of its model for them %.4f;"
          + " hit or miss the same online and offline for %d of %d%n", name, arm.get("users").asLong(),
          rate.get("estimate").asDouble(), rate.get("lower").asDouble(), rate.get("upper").asDouble(),
          (double) onlineHits / users, offline / users, agree, users);
    }
    JsonNode c = results.get("comparisons").get(0).get("conversionRate");
    System.out.printf(Locale.ROOT, "b against a: %+.4f (95%% %+.4f to %+.4f), p %.3g; sample ratio p %.3f; state %s%n",
        c.get("difference").asDouble(), c.get("lower").asDouble(), c.get("upper").asDouble(),
        c.get("pValue").asDouble(), results.get("sampleRatio").get("pValue").asDouble(),
        results.get("state").asText());
    JsonNode always = results.get("comparisons").get(0).get("conversionRateAlwaysValid");
    System.out.printf(Locale.ROOT, "b against a, always-valid: %+.4f (95%% %+.4f to %+.4f), p %.3g%n",
        always.get("difference").asDouble(), always.get("lower").asDouble(), always.get("upper").asDouble(),
        always.get("pValue").asDouble());
    System.out.println("verdict: " + results.get("verdict").asText());
  }

  private static JsonNode send(HttpClient http, String base, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer "
        + ADMIN_KEY).header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " answered " + r.statusCode()
        + ": " + r.body());
    return JSON.readTree(r.body());
  }
}
