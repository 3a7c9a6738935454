package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.Interactions;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import dev.attune.kernel.TopKSelector;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.RatingPredictor;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
  private static final double EPS = 1e-12;

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  /**
   * Items i0..i5 (index = number; categories a, a, b, b, c, d) and five users (index = number), all events
   * "view". Leave-one-out, testing stage (train = training + validation):
   * <pre>
   * u0: i0 i1 i2 | i3   train {0, 1, 2}, test {3}
   * u1: i1 i2 | i4      train {1, 2},    test {4}
   * u2: i0 i5           fewer than 3 events: all training, not evaluated
   * u3: i5 i4 | i1      train {4, 5},    test {1}
   * u4: i0 i2 i3 | i0   train {0, 2, 3}, test {0}: a repeat, ranked (i0 is of scene "m"), but below the top 3
   * </pre>
   * Item i0 is in scene "m", which allows repeats, so u4's second view of i0 is a test target, and i0 stays in every
   * ranking; the split and the evaluator decide so by the item's scene (u4's events are tagged "m" too, the others'
   * "s": the event's own scene decides nothing).
   */
  private static Split tinySplit() {
    Dataset ds = new Dataset("tiny", Dataset.TimeKind.CLOCK);
    String[] categories = {"a", "a", "b", "b", "c", "d"};
    for (int i = 0; i < 6; i++) {
      ds.putItem(new Item("i" + i, i == 0 ? "m" : "s", null, null, null, List.of(categories[i]), List.of(), Float.NaN,
          Item.UNKNOWN_TIME, null, Map.of()));
    }
    ds.allowRepeats("m");
    int[][] histories = {{0, 1, 2, 3}, {1, 2, 4}, {0, 5}, {5, 4, 1}, {0, 2, 3, 0}};
    for (int u = 0; u < histories.length; u++) {
      for (int t = 0; t < histories[u].length; t++) {
        ds.addEvent(new Event("u" + u, "i" + histories[u][t], "view", 1, 10L * (t + 1), u == 4 ? "m" : "s"));
      }
    }
    Split split = Splits.leaveOneOut(ds, EventWeights.defaults());
    assertEquals(5, ds.numUsers());
    assertEquals(6, ds.numItems());
    assertArrayEquals(new int[] {0, 2, 3}, split.testing().train().interactions().row(4));
    assertArrayEquals(new int[] {0}, split.test().itemsOf(4));
    return split;
  }

  /** Ranks items in a fixed order (scores 6, 5, 4, ... down the order), leaving out seen and filtered items. */
  private static final class FixedOrder implements Recommender, RatingPredictor {
    private final int[] order;
    private final Interactions train;

    FixedOrder(int[] order, Interactions train) {
      this.order = order;
      this.train = train;
    }

    @Override
    public String name() {
      return "FixedOrder";
    }

    @Override
    public int numUsers() {
      return train.numUsers();
    }

    @Override
    public int numItems() {
      return train.numItems();
    }

    @Override
    public TopK recommend(Query query) {
      int[] seen = train.row(query.userIndex());
      List<Integer> items = new ArrayList<>();
      List<Float> scores = new ArrayList<>();
      for (int r = 0; r < order.length && items.size() < query.k(); r++) {
        int item = order[r];
        if (query.excludeSeen() && Arrays.binarySearch(seen, item) >= 0) continue;
        if (!query.filter().accepts(item)) continue;
        items.add(item);
        scores.add((float) (order.length - r));
      }
      float[] s = new float[scores.size()];
      for (int j = 0; j < s.length; j++) s[j] = scores.get(j);
      return new TopK(items.stream().mapToInt(Integer::intValue).toArray(), s);
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      return TopK.empty();
    }

    @Override
    public float predictRating(int userIndex, int itemIndex) {
      return 3f;
    }

    @Override
    public String ratingType() {
      return "view";
    }
  }

  private static EvalOptions options(int threads) {
    return EvalOptions.DEFAULTS.withKs(2, 3).withThreads(threads);
  }

  /** Every column a leaderboard shows for a run's options is a metric the evaluator computed under them. */
  @Test
  void theLeaderboardColumnsForTheOptionsAreAllComputed() {
    Split.Stage stage = randomSplit(3).testing();
    Recommender model = new FixedOrder(new int[] {5, 4, 3, 2, 1, 0}, stage.train().interactions());
    for (EvalOptions o : List.of(options(1), options(1).withKs(1, 5).withComputeAuc(false),
        options(1).withKs(20, 5).withComputeAuc(true).withSampledNegatives(30))) {
      EvalResult r = new Evaluator().evaluate(model, stage, o);
      List<String> columns = Leaderboard.columnsFor(o);
      for (String c : columns.subList(1, columns.size() - 1)) assertTrue(r.has(c), c + " for " + o);
      assertEquals(o.computeAuc(), columns.contains("AUC"), columns.toString());
      assertEquals(o.sampledNegatives() > 0, columns.stream().anyMatch(c -> c.contains("sampled")), columns.toString());
      assertTrue(r.has(Leaderboard.significanceMetricFor(o)));
    }
  }

  /**
   * Review: one exclude-seen flag for the whole data set made every replay in a music scene a certain miss once a
   * books scene joined it. Seen music items now stay in the ranking; seen books are still left out.
   */
  @Test
  void seenItemsStayRankedInTheScenesThatAllowRepeats() {
    Dataset ds = new Dataset("mixed", Dataset.TimeKind.CLOCK);
    for (int i = 0; i < 6; i++) {
      ds.putItem(new Item("i" + i, i < 3 ? "music" : "books", null, null, null, List.of(), List.of(), Float.NaN,
          Item.UNKNOWN_TIME, null, Map.of()));
    }
    ds.allowRepeats("music");
    int[][] histories = {{0, 3, 1, 0}, {4, 1, 5, 2}}; // u0 plays song i0 again; u1 read books i4 and i5
    for (int u = 0; u < histories.length; u++) {
      for (int t = 0; t < histories[u].length; t++) {
        int item = histories[u][t];
        ds.addEvent(new Event("u" + u, "i" + item, "view", 1, 10L * (t + 1), item < 3 ? "music" : "books"));
      }
    }
    Split.Stage stage = Splits.leaveOneOut(ds, EventWeights.defaults()).testing();
    assertArrayEquals(new int[] {0}, stage.holdout().distinctItemsOf(0));
    assertArrayEquals(new int[] {2}, stage.holdout().distinctItemsOf(1));
    Recommender model = new FixedOrder(new int[] {0, 4, 5, 2, 1, 3}, stage.train().interactions());
    EvalResult r = new Evaluator().evaluate(model, stage, options(1).withComputeAuc(false));
    // u0: [i0 (seen, music: kept), i4]: a hit; u1: [i0, i2] (seen books i4 and i5 left out; kept, [i0, i4]): a hit
    assertArrayEquals(new double[] {1, 1}, r.perUser("HR@2"));
    assertArrayEquals(new double[] {1, 1 / log2(3)}, r.perUser("NDCG@2"), EPS); // u0's at rank 1, u1's at 2
  }

  @Test
  void matchesHandComputedMetrics() {
    Split split = tinySplit();
    Split.Stage stage = split.testing();
    Recommender model = new FixedOrder(new int[] {5, 4, 3, 2, 1, 0}, stage.train().interactions());
    EvalResult r = new Evaluator().evaluate(model, stage, options(1));
    // Rankings with seen items excluded:
    //   u0 [5, 4, 3]     relevant {3}: rank 3
    //   u1 [5, 4, 3, 0]  relevant {4}: rank 2
    //   u3 [3, 2, 1, 0]  relevant {1}: rank 3
    //   u4 [5, 4, 1]     relevant {0}: seen in training but of a repeat scene, so ranked, 4th -> miss
    assertArrayEquals(new int[] {0, 1, 3, 4}, r.evaluatedUsers());
    assertArrayEquals(new double[] {0, 1, 0, 0}, r.perUser("HR@2"));
    assertEquals(0.25, r.mean("HR@2"), EPS);
    assertEquals(0.75, r.mean("HR@3"), EPS); // (1 + 1 + 1 + 0) / 4
    assertEquals((1 / log2(3)) / 4, r.mean("NDCG@2"), EPS);
    // NDCG@3: u0 and u3 hit at rank 3 (1/log2(4) = 0.5, ideal 1), u1 at rank 2.
    assertEquals((0.5 + 1 / log2(3) + 0.5 + 0) / 4, r.mean("NDCG@3"), EPS);
    // MRR at cut-off max k = 3: (1/3 + 1/2 + 1/3 + 0) / 4 = 7/24.
    assertEquals(7.0 / 24, r.mean("MRR"), EPS);
    assertEquals(0.75 / 3, r.mean("Precision@3"), EPS);
    assertEquals(0.75, r.mean("Recall@3"), EPS);
    // AUC over candidates = items minus seen non-relevant items of scenes without repeats:
    //   u0 {0, 3, 4, 5}: 3 below 4 and 5, above i0 (seen, but of a repeat scene) -> 1/3
    //   u1 {0, 3, 4, 5}: 4 beats 3 and 0 -> 2/3
    //   u3 {0, 1, 2, 3}: 1 beats 0 -> 1/3
    //   u4 {0, 1, 4, 5}: 0 ranked below all -> 0
    assertArrayEquals(new double[] {1.0 / 3, 2.0 / 3, 1.0 / 3, 0}, r.perUser("AUC"), EPS);
    assertEquals(1.0 / 3, r.mean("AUC"), EPS);
  }

  @Test
  void computesBeyondAccuracyOverFirstK() {
    Split.Stage stage = tinySplit().testing();
    Recommender model = new FixedOrder(new int[] {5, 4, 3, 2, 1, 0}, stage.train().interactions());
    EvalResult r = new Evaluator().evaluate(model, stage, options(1));
    // Top-2 lists: u0 [5, 4], u1 [5, 4], u3 [3, 2], u4 [5, 4]. Counts by item: [0, 0, 1, 1, 3, 3].
    assertEquals(4.0 / 6, r.mean("Coverage@2"), EPS);
    assertEquals(0.5, r.mean("Gini@2"), EPS); // worked out in CatalogMetricsTest.giniMatchesHandComputedValue
    // Categories c vs d for [5, 4] -> 1; b vs b for [3, 2] -> 0. (1 + 1 + 0 + 1) / 4.
    assertEquals(0.75, r.mean("Diversity@2"), 1e-6);
    // Training users per item: i2 3 (u0, u1, u4), i3 1 (u4), i4 1 (u3), i5 2 (u2, u3); 5 users.
    double expected = (3 * -log2(2 / 5.0) + 3 * -log2(1 / 5.0) + -log2(1 / 5.0) + -log2(3 / 5.0)) / 8;
    assertEquals(expected, r.mean("Novelty@2"), EPS);
    // Rating predictor: every held-out "view" has value 1, every prediction is 3.
    assertEquals(2, r.mean("RMSE"), EPS);
    assertEquals(2, r.mean("MAE"), EPS);
  }

  @Test
  void keepingSeenItemsCreditsRepeats() {
    Split.Stage stage = tinySplit().testing();
    Recommender model = new FixedOrder(new int[] {5, 4, 3, 2, 1, 0}, stage.train().interactions());
    EvalResult r = new Evaluator().evaluate(model, stage, options(1).withExcludeSeen(false).withKs(6));
    // Nothing excluded: every user ranks all 6 items, so every target is found.
    assertEquals(1, r.mean("HR@6"), EPS);
    // Ranks: u0 item 3 -> 3, u1 item 4 -> 2, u3 item 1 -> 5, u4 item 0 -> 6.
    assertEquals((1 / 3.0 + 1 / 2.0 + 1 / 5.0 + 1 / 6.0) / 4, r.mean("MRR"), EPS);
  }

  @Test
  void sampledMetricsAreLabelledAndRankAgainstNegativesOnly() {
    Split.Stage stage = tinySplit().testing();
    Recommender model = new FixedOrder(new int[] {5, 4, 3, 2, 1, 0}, stage.train().interactions());
    // 100 negatives but at most 3 unseen non-relevant items per user: every one is taken.
    EvalResult r = new Evaluator().evaluate(model, stage, options(1).withSampledNegatives(100));
    // Negatives above the target: u0 {4, 5} -> 2; u1 {0, 3, 5} -> 1 (5); u3 {0, 2, 3} -> 2 (3, 2); u4 miss.
    assertEquals(0.25, r.mean("HR@2 (sampled, 100 negatives)"), EPS);
    assertEquals(0.75, r.mean("HR@3 (sampled, 100 negatives)"), EPS);
    assertEquals((0.5 + 1 / log2(3) + 0.5) / 4, r.mean("NDCG@3 (sampled, 100 negatives)"), EPS);
    assertTrue(r.protocol().contains("sampled"), r.protocol());
    // the label says 100: the description says that the four users were ranked among fewer
    assertTrue(r.protocol().endsWith("(4 of the users had fewer unseen items and were ranked among all of theirs)"),
        r.protocol());
    assertEquals(4, r.usersWithFewerNegatives());
    assertEquals(4, r.withTrainSeconds(1).usersWithFewerNegatives(), "kept with the training time");
    assertFalse(new Evaluator().evaluate(model, stage, options(1).withSampledNegatives(2)).protocol()
        .contains("had fewer"), "two negatives each are there");
    // The full-ranking metrics keep their own labels and values.
    assertEquals(0.75, r.mean("HR@3"), EPS);
  }

  @Test
  void resultsDoNotDependOnThreadCount() {
    Split.Stage stage = tinySplit().testing();
    Recommender model = new FixedOrder(new int[] {5, 4, 3, 2, 1, 0}, stage.train().interactions());
    EvalResult one = new Evaluator().evaluate(model, stage, options(1));
    EvalResult four = new Evaluator().evaluate(model, stage, options(4));
    assertSameNumbers(one, four);
  }

  @Test
  void largerRandomRunIsDeterministicAcrossThreadsAndReportsProgress() {
    long seed = 99L;
    Split.Stage stage = randomSplit(seed).testing();
    Recommender model = new HashScorer(stage.train().interactions(), seed);
    EvalOptions opts = EvalOptions.DEFAULTS.withSampledNegatives(20).withMaxUsers(150).withSeed(seed);
    List<int[]> calls = new ArrayList<>();
    EvalResult one = new Evaluator().evaluate(model, stage, opts.withThreads(1),
        (done, total) -> calls.add(new int[] {done, total}));
    EvalResult four = new Evaluator().evaluate(model, stage, opts.withThreads(4));
    assertEquals(150, one.numUsers(), "seed " + seed);
    assertSameNumbers(one, four);
    // Progress: starts at 0, never decreases, ends at total, all on this thread.
    assertEquals(0, calls.get(0)[0]);
    assertEquals(150, calls.get(calls.size() - 1)[0]);
    for (int c = 1; c < calls.size(); c++) assertTrue(calls.get(c)[0] >= calls.get(c - 1)[0]);
    // A second run with the same seed samples the same users and negatives.
    assertSameNumbers(one, new Evaluator().evaluate(model, stage, opts.withThreads(3)));
    for (Metric m : one.metrics()) {
      double v = one.mean(m);
      if (m.kind() != Metric.Kind.NOVELTY && !Double.isNaN(v)) {
        assertTrue(v >= 0 && v <= 1, m + " = " + v + " (seed " + seed + ")");
      }
    }
  }

  @Test
  void rejectsAModelOfAnotherCatalogue() {
    Split.Stage stage = tinySplit().testing();
    Interactions wrong = Interactions.fromTriples(5, 4, new int[0], new int[0], new float[0]);
    Recommender model = new FixedOrder(new int[] {3, 2, 1, 0}, wrong);
    assertThrows(IllegalArgumentException.class, () -> new Evaluator().evaluate(model, stage, options(1)));
  }

  @Test
  void evaluatingASplitNamesItsProtocol() {
    Split split = tinySplit();
    Recommender model = new FixedOrder(new int[] {5, 4, 3, 2, 1, 0}, split.testing().train().interactions());
    EvalResult r = new Evaluator().evaluate(model, split, options(2), Evaluator.Progress.NONE);
    assertTrue(r.protocol().startsWith("leave-one-out"), r.protocol());
    assertEquals("FixedOrder", r.modelName());
    assertFalse(Double.isNaN(r.elapsedSeconds()));
  }

  private static void assertSameNumbers(EvalResult a, EvalResult b) {
    assertArrayEquals(a.evaluatedUsers(), b.evaluatedUsers());
    assertEquals(a.metrics(), b.metrics());
    for (Metric m : a.metrics()) {
      assertEquals(a.mean(m), b.mean(m), 0.0, m.label());
      if (m.kind().perUser()) assertArrayEquals(a.perUser(m.label()), b.perUser(m.label()), 0.0, m.label());
    }
  }

  /** 400 users with 3 to 12 views each over 60 items (skewed towards low indices). */
  private static Split randomSplit(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Dataset ds = new Dataset("random", Dataset.TimeKind.CLOCK);
    for (int i = 0; i < 60; i++) {
      ds.putItem(new Item("i" + i, "s", null, null, null, List.of("c" + (i % 5)), List.of(), Float.NaN,
          Item.UNKNOWN_TIME, null, Map.of()));
    }
    for (int u = 0; u < 400; u++) {
      int n = 3 + random.nextInt(10);
      for (int t = 0; t < n; t++) {
        int item = (int) (60 * Math.pow(random.nextDouble(), 2));
        ds.addEvent(new Event("u" + u, "i" + item, "view", 1, t + 1, "s"));
      }
    }
    return Splits.leaveOneOut(ds, EventWeights.defaults());
  }

  /** Scores each (user, item) pair by a hash: deterministic, with some ties. */
  private static final class HashScorer implements Recommender {
    private final Interactions train;
    private final long seed;

    HashScorer(Interactions train, long seed) {
      this.train = train;
      this.seed = seed;
    }

    @Override
    public String name() {
      return "HashScorer";
    }

    @Override
    public int numUsers() {
      return train.numUsers();
    }

    @Override
    public int numItems() {
      return train.numItems();
    }

    @Override
    public TopK recommend(Query query) {
      float[] scores = new float[numItems()];
      for (int i = 0; i < scores.length; i++) {
        long h = (query.userIndex() * 31L + i) * 0x9E3779B97F4A7C15L ^ seed;
        scores[i] = (float) ((h >>> 40) % 7) + (60 - i) / 60f; // popularity-ish bias plus noise
      }
      if (query.excludeSeen()) {
        for (int i : train.row(query.userIndex())) scores[i] = Float.NaN;
      }
      return TopKSelector.select(scores, scores.length, query.k(), query.filter());
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      return TopK.empty();
    }
  }
}
