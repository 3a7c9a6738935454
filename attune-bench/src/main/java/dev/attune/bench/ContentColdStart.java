package dev.attune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.data.Dataset;
import dev.attune.data.EventLog;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Items new to the service, before any retraining: what the content rule (items outside the model sharing a category
 * or the creator with a user's liked items are {@code content} candidates) does to a served list, on real data, over
 * HTTP. A share of the items, drawn at random among those with metadata, is made new: their events are kept out of
 * the store (no model or counter has seen them), their metadata is in the catalogue. Each user's last liked item is
 * the test item (leave-one-out; the history is the rest, less the new items' events); the server (the classic fallback
 * fitted on the store at start, no attention model) answers {@code GET /v1/users/{id}/recommendations?k=10}.
 * Run twice on the same events: with the new items' metadata, and with it stripped (no content candidate can form),
 * HR@10 and NDCG@10 for the test users whose test item is new and for the rest, and the share of each list's places
 * content candidates took.
 *
 * <pre>
 * java -Xmx4g -Dattune.data=../shared/data --add-modules jdk.incubator.vector \
 *   -cp attune-bench/target/attune-bench.jar dev.attune.bench.ContentColdStart \
 *   [data=movielens-100k|s3rec-beauty|lastfm-hetrec] [newShare=0.1] [seed=42] \
 *   [fallback=itemknn] [dir=attune-bench/target/content-cold-start] [users=0 (all; else a seeded sample)] \
 *   [contentWeight=1 (the server's ATTUNE_CONTENT_WEIGHT)]
 * </pre>
 */
public final class ContentColdStart {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_KEY = "content-cold-start-bench";

  private ContentColdStart() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = SharedData.arguments(new LinkedHashMap<>(Map.of("data", "movielens-100k", "newShare",
        "0.1", "seed", "42", "fallback", "itemknn", "dir", "attune-bench/target/content-cold-start", "users", "0",
        "contentWeight", Double.toString(ServerConfig.DEFAULT_CONTENT_WEIGHT))), args);
    Dataset ds = read(a.get("data"));
    long seed = Long.parseLong(a.get("seed"));
    Set<String> newItems = drawNew(ds, Double.parseDouble(a.get("newShare")), seed);
    Split split = Splits.leaveOneOut(ds, EventWeights.defaults());
    EventLog log = ds.events();
    Map<String, String> testItem = new LinkedHashMap<>();
    List<Event> stored = new ArrayList<>();
    for (int r = 0; r < log.size(); r++) {
      Event e = ds.event(log, r);
      if (split.roles()[r] == Split.TEST) testItem.put(e.userId(), e.itemId());
      else if (!newItems.contains(e.itemId())) stored.add(e);
    }
    int sample = Integer.parseInt(a.get("users"));
    if (sample > 0 && sample < testItem.size()) {
      // a seeded sample of the test users, asked in their data set's order: a shorter run on a large set
      List<String> users = new ArrayList<>(testItem.keySet());
      java.util.Collections.shuffle(users, new java.util.Random(seed));
      Set<String> kept = new HashSet<>(users.subList(0, sample));
      testItem.keySet().retainAll(kept);
    }
    int newTests = 0;
    for (String item : testItem.values()) if (newItems.contains(item)) newTests++;
    System.out.printf(Locale.ROOT, "%s: %,d of %,d items made new (with metadata, their %,d events kept out);"
        + " %,d test users, %,d of them with a new test item%n", ds, newItems.size(), ds.numItems(),
        log.size() - split.test().numUsersWithItems() - stored.size(), testItem.size(), newTests);
    Path dir = Path.of(a.get("dir")).toAbsolutePath();
    Files.createDirectories(dir);
    ServerConfig config = ServerConfig.DEFAULTS.withPort(0).withFallbackModel(a.get("fallback"))
        .withAdminKey(ADMIN_KEY).withContentWeight(Double.parseDouble(a.get("contentWeight")));
    Map<String, Double> with = measure(dir.resolve("with.db"), ds, stored, newItems, testItem, true, config);
    Map<String, Double> without = measure(dir.resolve("without.db"), ds, stored, newItems, testItem, false, config);
    for (int g = 0; g < 2; g++) {
      double sum = 0;
      double squares = 0;
      int users = 0;
      for (Map.Entry<String, Double> u : with.entrySet()) {
        if (newItems.contains(testItem.get(u.getKey())) != (g == 0) || !without.containsKey(u.getKey())) continue;
        double d = u.getValue() - without.get(u.getKey());
        sum += d;
        squares += d * d;
        users++;
      }
      double mean = sum / Math.max(1, users);
      double sd = Math.sqrt(Math.max(0, squares / Math.max(1, users) - mean * mean));
      System.out.printf(Locale.ROOT, "NDCG@10 with metadata less without, %s test items: %+.4f (t %.2f, %,d users)%n",
          g == 0 ? "new" : "known", mean, sd == 0 ? 0 : mean / (sd / Math.sqrt(users)), users);
    }
  }

  private static Dataset read(String data) throws Exception {
    return switch (data) {
      case "movielens-100k" -> SharedData.imported("movielens-100k", data, "movielens-100k");
      case "s3rec-beauty" -> SharedData.imported("s3rec", data, "s3rec-sequential/Beauty.txt");
      case "lastfm-hetrec" -> SharedData.imported("lastfm-hetrec", data, "lastfm-hetrec2011-2k");
      default -> throw new IllegalArgumentException("data is movielens-100k, s3rec-beauty or lastfm-hetrec: " + data);
    };
  }

  /** A seeded share of the items with a category, tag or creator: the ones the catalogue gets before any event. */
  private static Set<String> drawNew(Dataset ds, double share, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Set<String> out = new HashSet<>();
    for (Item item : ds.items()) {
      boolean described = !item.categories().isEmpty() || !item.tags().isEmpty() || item.creator() != null;
      if (described && random.nextDouble() < share) out.add(item.id());
    }
    return out;
  }

  /** Each asked user's NDCG@10 (0 for a miss), with the totals printed. */
  private static Map<String, Double> measure(Path db, Dataset ds, List<Event> stored, Set<String> newItems,
      Map<String, String> testItem, boolean withMetadata, ServerConfig config) throws Exception {
    for (String suffix : new String[] {"", "-wal", "-shm", ".serve.lock"}) Files.deleteIfExists(Path.of(db + suffix));
    try (Store store = Store.open("jdbc:sqlite:" + db)) {
      List<Item> items = new ArrayList<>();
      for (Item i : ds.items()) {
        // stripped, a new item is known by id and scene only: nothing to share with a history
        items.add(withMetadata || !newItems.contains(i.id()) ? i : Item.bare(i.id(), i.scene()));
      }
      store.upsertUsers(ds.users());
      store.upsertItems(items);
      List<Store.NewEvent> events = new ArrayList<>();
      for (Event e : stored) events.add(new Store.NewEvent(null, e));
      for (int from = 0; from < events.size(); from += 20_000) {
        store.appendEvents(events.subList(from, Math.min(events.size(), from + 20_000)));
      }
      AttuneServer server = AttuneServer.create(config, store).start();
      try {
        if (!server.awaitFallback(10, TimeUnit.MINUTES)) throw new IllegalStateException("no fallback model fitted");
        return ask(server, newItems, testItem, withMetadata);
      } finally {
        server.stop();
      }
    }
  }

  private static Map<String, Double> ask(AttuneServer server, Set<String> newItems, Map<String, String> testItem,
      boolean withMetadata) throws Exception {
    Map<String, Double> gains = new LinkedHashMap<>();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + server.port();
    // [new test item, other]: users, hits, NDCG sum; places of each list taken by content candidates
    double[][] sums = new double[2][3];
    long places = 0;
    long contentPlaces = 0;
    long start = System.nanoTime();
    for (Map.Entry<String, String> t : testItem.entrySet()) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/users/"
          + URLEncoder.encode(t.getKey(), StandardCharsets.UTF_8) + "/recommendations?k=10")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 404) continue; // every event of theirs was on new items: no stored user
      if (response.statusCode() != 200) throw new IllegalStateException(response.statusCode() + ": " + response.body());
      JsonNode list = JSON.readTree(response.body()).get("items");
      double[] s = sums[newItems.contains(t.getValue()) ? 0 : 1];
      s[0]++;
      gains.put(t.getKey(), 0.0);
      for (int r = 0; r < list.size(); r++) {
        places++;
        if (list.get(r).get("source").asText().equals("content")) contentPlaces++;
        if (list.get(r).get("itemId").asText().equals(t.getValue())) {
          s[1]++;
          s[2] += 1 / (Math.log(r + 2) / Math.log(2));
          gains.put(t.getKey(), 1 / (Math.log(r + 2) / Math.log(2)));
        }
      }
    }
    System.out.printf(Locale.ROOT, "%s: %,d lists in %.0f s; content candidates took %.1f%% of the places%n",
        withMetadata ? "new items with their metadata" : "new items stripped of metadata", (long) (sums[0][0]
        + sums[1][0]), (System.nanoTime() - start) / 1e9, 100.0 * contentPlaces / Math.max(1, places));
    String[] names = {"new test item", "known test item"};
    for (int g = 0; g < 2; g++) {
      double users = Math.max(1, sums[g][0]);
      System.out.printf(Locale.ROOT, "  %-15s %,6d users  HR@10 %.4f  NDCG@10 %.4f%n", names[g], (long) sums[g][0],
          sums[g][1] / users, sums[g][2] / users);
    }
    double all = Math.max(1, sums[0][0] + sums[1][0]);
    System.out.printf(Locale.ROOT, "  %-15s %,6d users  HR@10 %.4f  NDCG@10 %.4f%n", "all", (long) all,
        (sums[0][1] + sums[1][1]) / all, (sums[0][2] + sums[1][2]) / all);
    return gains;
  }
}
