package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.infer.FusionRanker;
import dev.attune.infer.WeightFile;
import dev.attune.model.CandidateRanker;
import dev.attune.model.FitListener;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import dev.attune.model.TwoStageRecommender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #4 the fusion ranker of the two-stage pipeline on a planted case no single retriever and no rank fusion can
 * solve: two retrievers propose 20 items each, 10 of them shared, and the next item is always the one retriever B
 * alone proposes and ranks lowest. Only a ranker trained on the retrievers' candidates (the other 29 are its
 * negatives) with their ranks and agreement as features finds it.
 */
class FusionRankerTrainingTest {
  private static final long SEED = 7L;
  private static final int USERS = 300;
  private static final int ITEMS = 200;
  private static final int N = 20;

  /** Fixed ranked lists per user, as a retriever fitted elsewhere would give; scores fall with the rank. */
  private record Planted(String name, int[][] lists) implements Recommender {
    @Override
    public int numUsers() {
      return USERS;
    }

    @Override
    public int numItems() {
      return ITEMS;
    }

    @Override
    public TopK recommend(Query query) {
      int[] list = lists[query.userIndex()];
      int k = Math.min(query.k(), list.length);
      float[] scores = new float[k];
      for (int r = 0; r < k; r++) scores[r] = 10f - 0.3f * r;
      return new TopK(java.util.Arrays.copyOf(list, k), scores);
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      return TopK.empty();
    }
  }

  /** Retrievers A and B and the target of every user, drawn with the planted rule. */
  private record World(Planted a, Planted b, int[] targets) {
    static World draw(long seed) {
      SplittableRandom random = new SplittableRandom(seed);
      int[][] a = new int[USERS][];
      int[][] b = new int[USERS][];
      int[] targets = new int[USERS];
      for (int u = 0; u < USERS; u++) {
        int[] items = new int[ITEMS];
        for (int i = 0; i < ITEMS; i++) items[i] = i;
        shuffle(items, random);
        // items[0..10) both propose, [10, 20) only A, [20, 30) only B
        a[u] = new int[N];
        b[u] = new int[N];
        System.arraycopy(items, 0, a[u], 0, 20);
        System.arraycopy(items, 0, b[u], 0, 10);
        System.arraycopy(items, 20, b[u], 10, 10);
        shuffle(a[u], random);
        shuffle(b[u], random);
        for (int r = N - 1; r >= 0; r--) {
          int item = b[u][r];
          boolean onlyB = true;
          for (int i : a[u]) onlyB &= i != item;
          if (onlyB) {
            targets[u] = item;
            break;
          }
        }
      }
      return new World(new Planted("A", a), new Planted("B", b), targets);
    }

    private static void shuffle(int[] x, SplittableRandom random) {
      for (int i = x.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = x[i];
        x[i] = x[j];
        x[j] = t;
      }
    }

    List<Recommender> retrievers() {
      return List.of(a, b);
    }
  }

  private static final float[] NO_POPULARITY = new float[ITEMS];
  private static World tuningWorld;
  private static FusionRankerTraining.Impressions impressions;
  private static FusionRankerTraining.Result result;

  @BeforeAll
  static void train() {
    tuningWorld = World.draw(SEED);
    impressions = FusionRankerTraining.impressions(tuningWorld.retrievers(), N, USERS, u -> new int[] {u % ITEMS},
        u -> new int[] {tuningWorld.targets()[u]}, NO_POPULARITY, List.of());
    result = new FusionRankerTraining(new FusionRankerTraining.Params(8, 1e-2f, 0f, 8, 40, 5, 0.2, SEED))
        .train(impressions, FitListener.NONE);
  }

  /** Settings are read as every model's: a value that is no number, or out of range, is said with its key. */
  @Test
  void badSettingsNameTheirKey() {
    FusionRankerTraining.Params defaults = FusionRankerTraining.Params.DEFAULTS;
    IllegalArgumentException text = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> defaults.with(java.util.Map.of("hidden", "abc")));
    assertEquals("two-stage.hidden: not an integer: 'abc'", text.getMessage());
    IllegalArgumentException range = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> defaults.with(java.util.Map.of("epochs", "0")));
    assertEquals("two-stage: epochs must be > 0: 0", range.getMessage());
    assertEquals(7, defaults.with(java.util.Map.of("epochs", "7")).epochs());
  }

  @Test
  void learnsFromTheRetrieversCandidatesWhatNoSingleRetrieverOrRankFusionFinds() {
    assertEquals(1.0, impressions.targetRecall(), 0.0, "the target is always among the candidates");
    World test = World.draw(SEED + 1); // fresh lists: the ranker must have learnt the rule, not the users
    FusionRanker ranker = FusionRanker.fromWeights(result.weights(), NO_POPULARITY, List.of());
    TwoStageRecommender pipeline = new TwoStageRecommender("fusion", test.retrievers(), N, ranker, u -> new int[] {0});
    CandidateRanker constant = (u, h, c) -> new float[c.length];
    TwoStageRecommender rankFusion = new TwoStageRecommender("rank fusion", test.retrievers(), N, constant,
        u -> new int[] {0}, TwoStageRecommender.Fusion.RECIPROCAL_RANK);
    double fused = ndcgAt10(pipeline, test.targets());
    double best = Math.max(ndcgAt10(test.a(), test.targets()), ndcgAt10(test.b(), test.targets()));
    double rrf = ndcgAt10(rankFusion, test.targets());
    assertTrue(fused > 0.8, "fusion ranker NDCG@10 " + fused + " (seed " + SEED + ")");
    assertTrue(best < 0.1 && rrf < 0.1, "single retrievers " + best + ", rank fusion " + rrf + " (seed " + SEED + ")");
  }

  /**
   * Steps so large that the weights overflow: the run stops as diverged rather than write its starting weights as if
   * trained (a NaN validation loss never beat the first), or keeps its best validated epoch when it had one.
   */
  @Test
  void aRunWhoseLossOverflowsStopsAsDiverged() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new FusionRankerTraining.Params(8, Float.POSITIVE_INFINITY, 0f, 8, 40, 5, 0.2, SEED));
    try {
      FusionRankerTraining.Result r = new FusionRankerTraining(new FusionRankerTraining.Params(8, 1e30f, 0f, 8, 40, 5,
          0.2, SEED)).train(impressions, FitListener.NONE);
      assertTrue(r.bestEpoch() >= 1 && Double.isFinite(r.validationLoss()), "kept a validated epoch: " + r);
    } catch (IllegalArgumentException diverged) {
      assertTrue(diverged.getMessage().startsWith("training diverged: the fusion ranker's training loss is"),
          diverged.getMessage());
    }
  }

  /** QA: at learningRate 1e30 without validation the losses stayed finite, near 1e30, and the run wrote its model. */
  @Test
  void aRunWhoseLossSoarsWithoutValidationFails() {
    IllegalArgumentException diverged = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new FusionRankerTraining(new FusionRankerTraining.Params(8, 1e30f, 0f, 8, 40, 5, 0.0, SEED))
            .train(impressions, FitListener.NONE));
    assertTrue(diverged.getMessage().startsWith("training diverged"), diverged.getMessage());
  }

  @Test
  void sameSeedGivesTheSameWeightsAndTheExportScoresAlike(@TempDir Path dir) throws Exception {
    FusionRankerTraining.Result again = new FusionRankerTraining(
        new FusionRankerTraining.Params(8, 1e-2f, 0f, 8, 40, 5, 0.2, SEED)).train(impressions, FitListener.NONE);
    for (String name : result.weights().names()) {
      assertArrayEquals(result.weights().tensor(name).values(), again.weights().tensor(name).values(), name);
    }
    assertEquals(result.bestEpoch(), again.bestEpoch());
    Path file = dir.resolve("fusion.atw");
    result.weights().write(file);
    assertTrue(Files.size(file) > 0);
    FusionRanker read = FusionRanker.fromWeights(WeightFile.read(file), NO_POPULARITY, List.of());
    FusionRanker original = FusionRanker.fromWeights(result.weights(), NO_POPULARITY, List.of());
    TopK[] lists = {tuningWorld.a().recommend(Query.forUser(3, N)), tuningWorld.b().recommend(Query.forUser(3, N))};
    int[] candidates = TwoStageRecommender.union(lists);
    assertArrayEquals(original.score(3, new int[] {1}, candidates, lists), read.score(3, new int[] {1}, candidates, lists));
  }

  @Test
  void trainingScoresMatchTheServedRankerOnTheExportedWeights() {
    // the float64 training forward pass and FusionRanker's pass on the float32 export agree to float rounding
    FusionRankerTraining.Layout layout = new FusionRankerTraining.Layout(impressions.features()[0].length
        / impressions.sizes()[0], 8);
    double[] theta = new double[layout.size()];
    WeightFile w = result.weights();
    copy(w.tensor("hidden.weight").values(), theta, 0);
    copy(w.tensor("hidden.bias").values(), theta, layout.hiddenBias());
    copy(w.tensor("output.weight").values(), theta, layout.output());
    copy(w.tensor("linear.weight").values(), theta, layout.linear());
    float[] x = impressions.features()[0];
    int n = impressions.sizes()[0];
    float[] served = FusionRanker.fromWeights(w, NO_POPULARITY, List.of()).scoreFeatures(x, n);
    for (int j = 0; j < n; j++) {
      assertEquals(FusionRankerTraining.forward(layout, theta, x, j, null), served[j], 1e-4);
    }
  }

  @Test
  void lossGradientMatchesFiniteDifferences() {
    // float64 central differences of the softmax loss with respect to every weight
    SplittableRandom random = new SplittableRandom(SEED);
    FusionRankerTraining.Layout layout = new FusionRankerTraining.Layout(7, 3);
    double[] theta = new double[layout.size()];
    for (int p = 0; p < theta.length; p++) theta[p] = random.nextDouble(-1, 1);
    int n = 5;
    float[] x = new float[n * 7];
    for (int p = 0; p < x.length; p++) x[p] = (float) random.nextDouble(-2, 2);
    double[] grad = new double[theta.length];
    FusionRankerTraining.lossAndGradient(layout, theta, x, n, 2, grad, 0.5);
    double eps = 1e-6;
    for (int p = 0; p < theta.length; p++) {
      double keep = theta[p];
      theta[p] = keep + eps;
      double up = FusionRankerTraining.lossAndGradient(layout, theta, x, n, 2, null, 0);
      theta[p] = keep - eps;
      double down = FusionRankerTraining.lossAndGradient(layout, theta, x, n, 2, null, 0);
      theta[p] = keep;
      double numeric = 0.5 * (up - down) / (2 * eps);
      assertEquals(numeric, grad[p], 1e-7 + 1e-6 * Math.abs(numeric), "weight " + p + " (seed " + SEED + ")");
    }
  }

  private static void copy(float[] from, double[] to, int at) {
    for (int p = 0; p < from.length; p++) to[at + p] = from[p];
  }

  private static double ndcgAt10(Recommender model, int[] targets) {
    double sum = 0;
    for (int u = 0; u < USERS; u++) {
      TopK top = model.recommend(Query.forUser(u, 10));
      int rank = top.rankOf(targets[u]);
      if (rank >= 0) sum += 1 / (Math.log(rank + 2) / Math.log(2));
    }
    return sum / USERS;
  }
}
