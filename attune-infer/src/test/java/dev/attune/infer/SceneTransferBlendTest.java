package dev.attune.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Interactions;
import dev.attune.model.Explanation;
import dev.attune.model.Query;
import dev.attune.model.cf.FactorModel;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The blend of {@link SceneTransferModel} (docs/design/scene-transfer.md) on random weights, without DJL: each gate
 * row selects the documented component (iALS fold-in, popularity, attention score, the two neighbours' scores),
 * the bucket follows the number of target-scene events, and the explanation adds up to the served score. Gates of
 * three or four components (files written before the neighbours' scores) still read, the missing weights 0.
 */
class SceneTransferBlendTest {
  private static final int N = 30;
  private static final int F = RandomSceneTransfer.FACTORS;
  private static final float ALPHA = RandomSceneTransfer.ALPHA;
  private static final float LAMBDA = RandomSceneTransfer.REGULARIZATION;
  private static final int[] SCENES = IntStream.range(0, N).map(i -> i % 3 == 0 ? 1 : 0).toArray(); // 1 = music
  private static final int[] MUSIC = IntStream.range(0, N).filter(i -> SCENES[i] == 1).toArray();
  private static final Interactions EMPTY = Interactions.fromTriples(1, N, new int[0], new int[0], new float[0]);

  /**
   * Random weights; the gate of music (scene 1) per bucket as given (rows of 3 to 5 components, the tensor as
   * wide), books (1, 0, ...); {@code neighbours} as |N(H)| and |N_t(H)| where the gate has their weights.
   */
  private static WeightFile weights(float[][] musicGate, int neighbours) {
    float[] books = new float[musicGate[0].length];
    books[0] = 1;
    return RandomSceneTransfer.weights(SCENES, "books,music", new float[][][] {{books}, musicGate}, neighbours, 11L);
  }

  private static float[] standardised(float[] x) {
    double mean = 0;
    for (float v : x) mean += v / x.length;
    double sq = 0;
    for (float v : x) sq += (v - mean) * (v - mean) / x.length;
    float[] out = new float[x.length];
    for (int k = 0; k < x.length; k++) out[k] = (float) ((x[k] - mean) / Math.sqrt(sq));
    return out;
  }

  /** Review: a scene named "books,comics" was written comma-separated and read back as two scenes. */
  @Test
  void sceneNamesWithCommasRoundTrip() {
    for (List<String> names : List.of(List.of("books", "music"), List.of("books,comics", "music"))) {
      WeightFile w = new WeightFile().property("scenes", SceneTransferModel.joinSceneNames(names));
      assertEquals(names, SceneTransferModel.sceneNames(w));
    }
    assertEquals("books,music", SceneTransferModel.joinSceneNames(List.of("books", "music")), "as earlier builds");
  }

  /** Review: a model without the blend gave five gate weights, and `attune explain` read a sixth. */
  @Test
  void withoutTheBlendTheGateIsTheAttentionAloneInEveryComponent() {
    WeightFile blended = weights(new float[][] {{0, 0, 1}}, 0);
    WeightFile plain = new WeightFile();
    blended.properties().forEach(plain::property);
    for (String name : blended.names()) {
      if (name.startsWith("blend")) continue;
      plain.put(name, blended.tensor(name).shape(), blended.tensor(name).values());
    }
    SceneTransferModel model = SceneTransferModel.fromWeights(plain, EMPTY, "music");
    assertFalse(model.hasBlend());
    assertArrayEquals(new float[] {1, 0, 0, 0, 0, 0}, model.gate(new int[] {1, 2}), 0f);
  }

  @Test
  void gateRowsSelectPopularityIalsOrAttentionByTargetSceneEvents() {
    // bucket 0 (no music event): popularity; bucket 1 (one): the attention score; 2+ : iALS
    WeightFile w = weights(new float[][] {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}, 0);
    SceneTransferModel model = SceneTransferModel.fromWeights(w, EMPTY, "music");
    float[] pop = new float[MUSIC.length];
    for (int r = 0; r < MUSIC.length; r++) pop[r] = w.tensor("item_popularity").values()[MUSIC[r]];
    int[] booksOnly = {1, 2, 4, 5};
    assertArrayEquals(standardised(pop), model.score(booksOnly, MUSIC), 1e-4f, "no music event: popularity");

    int[] oneMusic = {1, 2, 3};
    assertArrayEquals(standardised(model.transferScore(oneMusic, MUSIC)), model.score(oneMusic, MUSIC), 1e-4f,
        "one music event: the attention score");

    // three music events: the iALS fold-in over the music items only, as FactorModel computes it when the other
    // scenes' factors are 0 (iALS fitted on music alone)
    int[] history = {1, 2, 3, 6, 9};
    float[] cf = w.tensor("cf_item_factors").values().clone();
    for (int i = 0; i < N; i++) if (SCENES[i] != 1) for (int a = 0; a < F; a++) cf[i * F + a] = 0;
    FactorModel als = new FactorModel("als", EMPTY, F, new float[F], cf, ALPHA, LAMBDA);
    float[] x = als.foldIn(new int[] {3, 6, 9});
    float[] expected = new float[MUSIC.length];
    for (int r = 0; r < MUSIC.length; r++) {
      for (int a = 0; a < F; a++) expected[r] += x[a] * cf[MUSIC[r] * F + a];
    }
    assertArrayEquals(standardised(expected), model.score(history, MUSIC), 1e-4f, "3 music events: iALS");
    assertArrayEquals(new float[] {0, 1, 0, 0, 0, 0}, model.gate(history), 0f,
        "a three-component gate reads w_N = w_U = w_E = 0");
  }

  /**
   * Review: the fold-in weighed an item the history holds d times d (1 + α), where training (and FactorModel) weighs it
   * 1 + α·d. With repeats in the history the served iALS score is FactorModel's fold-in of the same music items.
   */
  @Test
  void repeatsInTheHistoryWeighTheFoldInAsTrainingDoes() {
    WeightFile w = weights(new float[][] {{0, 1, 0}}, 0); // iALS in every bucket
    SceneTransferModel model = SceneTransferModel.fromWeights(w, EMPTY, "music");
    float[] cf = w.tensor("cf_item_factors").values().clone();
    for (int i = 0; i < N; i++) if (SCENES[i] != 1) for (int a = 0; a < F; a++) cf[i * F + a] = 0;
    FactorModel als = new FactorModel("als", EMPTY, F, new float[F], cf, ALPHA, LAMBDA);
    int[] history = {1, 3, 3, 2, 6, 9, 9, 9, 3}; // music: 3 three times, 6 once, 9 three times
    float[] x = als.foldIn(new int[] {3, 3, 6, 9, 9, 9, 3});
    float[] expected = new float[MUSIC.length];
    for (int r = 0; r < MUSIC.length; r++) {
      for (int a = 0; a < F; a++) expected[r] += x[a] * cf[MUSIC[r] * F + a];
    }
    assertArrayEquals(standardised(expected), model.score(history, MUSIC), 1e-4f);
    float[] once = als.foldIn(new int[] {3, 6, 9});
    float[] distinct = new float[MUSIC.length];
    for (int r = 0; r < MUSIC.length; r++) {
      for (int a = 0; a < F; a++) distinct[r] += once[a] * cf[MUSIC[r] * F + a];
    }
    assertFalse(java.util.Arrays.equals(standardised(distinct), model.score(history, MUSIC)),
        "the repeats count: the score differs from that of the distinct items");
  }

  @Test
  void explanationAddsUpToTheServedScoreAndRecommendationsStayInTheTargetScene() {
    WeightFile w = weights(new float[][] {{0.5f, 0f, 0.3f, 0.2f, 0f, 0f}, {0.3f, 0.2f, 0.1f, 0.2f, 0.1f, 0.1f}}, 3);
    SceneTransferModel model = SceneTransferModel.fromWeights(w, TRAIN, "music");
    for (int[] history : new int[][] {{}, {1, 2}, {1, 3, 4, 6}, {1, 1, 3, 4, 4, 6}}) {
      float[] served = model.score(history, MUSIC);
      float[][] allShares = model.historyShares(history, MUSIC);
      for (int r = 0; r < MUSIC.length; r++) {
        Explanation e = model.explain(Query.forHistory(history, 5), MUSIC[r]);
        double sum = 0;
        for (Explanation.Contribution c : e.contributions()) sum += c.weight();
        assertEquals(served[r], e.score(), 1e-4, "explained score");
        assertEquals(e.score(), sum, 1e-4, "contributions add up");
        // by position: the explanation's past-item entries in history order, repeats alike
        float[] shares = allShares[r];
        List<Float> listed = new ArrayList<>();
        for (Explanation.Contribution c : e.contributions()) {
          if (c.kind() == Explanation.Kind.HISTORY_ITEM) listed.add(c.weight());
        }
        List<Float> byPosition = new ArrayList<>();
        for (float v : shares) byPosition.add(v);
        listed.sort(null);
        byPosition.sort(null);
        assertEquals(listed, byPosition, "the same shares");
        for (int j = 0; j < history.length; j++) {
          for (int j2 = 0; j2 < history.length; j2++) {
            if (history[j] == history[j2]) assertEquals(shares[j], shares[j2], 0f, "repeats share alike");
          }
        }
      }
      for (int item : model.recommend(Query.forHistory(history, 5)).items()) assertEquals(1, SCENES[item]);
    }
    assertThrows(IllegalArgumentException.class, () -> model.score(new int[0], new int[] {1}), "a books item");
  }

  /** Five training users over both scenes (rows as item lists). */
  private static final int[][] ROWS = {{1, 2, 3, 6}, {1, 4, 9, 12}, {2, 5, 6, 15, 18}, {7, 8, 21}, {1, 2, 4, 5, 24, 27}};
  private static final Interactions TRAIN = interactions(ROWS);

  private static Interactions interactions(int[][] rows) {
    int nnz = 0;
    for (int[] row : rows) nnz += row.length;
    int[] users = new int[nnz];
    int[] items = new int[nnz];
    int k = 0;
    for (int u = 0; u < rows.length; u++) {
      for (int i : rows[u]) {
        users[k] = u;
        items[k++] = i;
      }
    }
    float[] ones = new float[nnz];
    java.util.Arrays.fill(ones, 1f);
    return Interactions.fromTriples(rows.length, N, users, items, ones);
  }

  /**
   * A gate of (0, 0, 0, 1) (a file of four components) serves the neighbours' score alone: computed here by brute
   * force from the documented formula (cosine of distinct item sets, the 3 most similar users, lower index first on
   * a tie), a history of books only gets music from the users who share its books.
   */
  @Test
  void aNeighbourGateServesUserBasedScoresAcrossScenes() {
    WeightFile w = weights(new float[][] {{0, 0, 0, 1}}, 3);
    SceneTransferModel model = SceneTransferModel.fromWeights(w, TRAIN, "music");
    int[] history = {1, 2, 2, 4}; // books only; distinct {1, 2, 4}
    int[] distinct = {1, 2, 4};
    double[] sim = new double[ROWS.length];
    for (int u = 0; u < ROWS.length; u++) {
      int overlap = 0;
      for (int i : distinct) for (int j : ROWS[u]) if (i == j) overlap++;
      sim[u] = overlap / Math.sqrt((double) distinct.length * ROWS[u].length);
    }
    Integer[] order = IntStream.range(0, ROWS.length).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(order, (x, y) -> sim[x] != sim[y] ? Double.compare(sim[y], sim[x]) : Integer.compare(x, y));
    float[] expected = new float[MUSIC.length];
    for (int k = 0; k < 3; k++) {
      for (int i : ROWS[order[k]]) {
        int r = java.util.Arrays.binarySearch(MUSIC, i);
        if (r >= 0 && sim[order[k]] > 0) expected[r] += (float) sim[order[k]];
      }
    }
    assertArrayEquals(standardised(expected), model.score(history, MUSIC), 1e-4f, "s_N standardised");
    assertArrayEquals(new float[] {0, 0, 0, 1, 0, 0}, model.gate(history), 0f, "a four-component gate: w_U = w_E = 0");
    // the neighbours are users 4 (3 shared books of 6 items), 0 and 1 (2 of 4; tie, lower index first); user 2
    // (1 of 5) is not, so its music (15, 18) gets nothing, and user 4's music comes first
    int top = model.recommend(Query.forHistory(history, 1)).item(0);
    assertTrue(top == 24 || top == 27, "top music item " + top);
    float[] served = model.score(history, new int[] {15, 3});
    assertTrue(served[0] < served[1], "a non-neighbour's music scores below a neighbour's");
  }

  /**
   * A gate of (0, 0, 0, 0, 1) serves the target-scene neighbours' score alone: the same brute force on the music
   * items only (the history's books play no part), with the 2 most similar users.
   */
  @Test
  void aTargetNeighbourGateServesUserBasedScoresWithinTheTargetScene() {
    WeightFile w = weights(new float[][] {{0, 0, 0, 0, 1}}, 2);
    SceneTransferModel model = SceneTransferModel.fromWeights(w, TRAIN, "music");
    int[] history = {1, 2, 6, 6, 3, 4}; // music {3, 6}; the books must not matter
    int[] music = {3, 6};
    double[] sim = new double[ROWS.length];
    int[][] musicRows = new int[ROWS.length][];
    for (int u = 0; u < ROWS.length; u++) {
      musicRows[u] = java.util.Arrays.stream(ROWS[u]).filter(i -> SCENES[i] == 1).toArray();
      int overlap = 0;
      for (int i : music) for (int j : musicRows[u]) if (i == j) overlap++;
      sim[u] = musicRows[u].length == 0 ? 0 : overlap / Math.sqrt((double) music.length * musicRows[u].length);
    }
    Integer[] order = IntStream.range(0, ROWS.length).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(order, (x, y) -> sim[x] != sim[y] ? Double.compare(sim[y], sim[x]) : Integer.compare(x, y));
    float[] expected = new float[MUSIC.length];
    for (int k = 0; k < 2; k++) {
      for (int i : musicRows[order[k]]) {
        if (sim[order[k]] > 0) expected[java.util.Arrays.binarySearch(MUSIC, i)] += (float) sim[order[k]];
      }
    }
    assertArrayEquals(standardised(expected), model.score(history, MUSIC), 1e-4f, "s_U standardised");
    assertArrayEquals(standardised(expected), model.score(new int[] {6, 3}, MUSIC), 1e-4f, "books play no part");
    Explanation e = model.explain(Query.forHistory(history, 1), 15);
    double sum = 0;
    for (Explanation.Contribution c : e.contributions()) {
      sum += c.weight();
      if (c.kind() == Explanation.Kind.HISTORY_ITEM && SCENES[c.index()] == 0) assertEquals(0f, c.weight(), 1e-6f);
    }
    assertEquals(e.score(), sum, 1e-4, "contributions add up; books contribute nothing to s_U");
  }

  /**
   * A gate of (0, 0, 0, 0, 0, 1) serves EASE's score alone: brute force from the exported weights (s_E(i) = Σ over
   * the distinct past music items j of the kept B[j, i]), books and repeats playing no part; the explanation's
   * shares still add up to the served score.
   */
  @Test
  void anEaseGateServesTheKeptItemWeightsOfThePastTargetItems() {
    WeightFile w = weights(new float[][] {{0, 0, 0, 0, 0, 1}}, 2);
    SceneTransferModel model = SceneTransferModel.fromWeights(w, TRAIN, "music");
    float[] items = w.tensor("ease_items").values();
    float[] weights = w.tensor("ease_weights").values();
    int kept = RandomSceneTransfer.EASE_KEPT;
    int[] history = {1, 3, 3, 6, 2}; // music {3, 6}
    float[] expected = new float[MUSIC.length];
    for (int r = 0; r < MUSIC.length; r++) {
      for (int k = 0; k < kept; k++) {
        int j = (int) items[MUSIC[r] * kept + k];
        if (j == 3 || j == 6) expected[r] += weights[MUSIC[r] * kept + k];
      }
    }
    assertTrue(IntStream.range(0, expected.length).anyMatch(r -> expected[r] != 0), "the history reaches some items");
    assertArrayEquals(standardised(expected), model.score(history, MUSIC), 1e-4f, "s_E standardised");
    assertArrayEquals(standardised(expected), model.score(new int[] {6, 3}, MUSIC), 1e-4f, "books, repeats: no part");
    for (int r = 0; r < MUSIC.length; r++) {
      Explanation e = model.explain(Query.forHistory(history, 1), MUSIC[r]);
      double sum = 0;
      for (Explanation.Contribution c : e.contributions()) sum += c.weight();
      assertEquals(model.score(history, new int[] {MUSIC[r]})[0], sum, 1e-4, "contributions add up");
    }
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 1}, model.gate(history), 0f);
    float[] five = model.gate(new int[] {3});
    assertEquals(1f, five[5], 0f, "one bucket row copied to every bucket");
  }
}
