package dev.attune.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import dev.attune.kernel.TopKSelector;
import dev.attune.model.Explanation;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GruAttentionModelTest {
  private static final RandomGruAttention.Config PLAIN = new RandomGruAttention.Config(37, 8, 6, 7, 0, 31L);
  private static final RandomGruAttention.Config TYPES = new RandomGruAttention.Config(29, 6, 10, 5, 3, 32L);
  private static final RandomGruAttention.Config WIDE = new RandomGruAttention.Config(53, 16, 12, 12, 0, 33L);

  // ------------------------------------------------------------------ reference forward pass

  /**
   * The forward pass of docs/design/gru-attn.md in double precision, written literally: a full left-padded
   * window of T, h_t = mask_t × GRU(x_t, h_{t−1}) at every position, attention at T − 1 over every position
   * with −1e9 added for padding keys. Returns the scores of all items; {@code alpha} (if non-null, length T)
   * receives the attention weights at T − 1.
   */
  static double[] referenceScores(WeightFile w, int[] history, int[] types, double[] alpha) {
    int n = Integer.parseInt(w.property("numItems"));
    int d = Integer.parseInt(w.property("hidden"));
    int h = Integer.parseInt(w.property("gruHidden"));
    int t = Integer.parseInt(w.property("maxLength"));
    boolean useTypes = w.property("usesTypes").equals("true");
    float[] emb = w.tensor("item_embedding").values();
    float[] wi = w.tensor("gru.input_weight").values();
    float[] bi = w.tensor("gru.input_bias").values();
    float[] wh = w.tensor("gru.recurrent_weight").values();
    float[] bh = w.tensor("gru.recurrent_bias").values();
    float[] a1 = w.tensor("attention.a1").values();
    float[] a2 = w.tensor("attention.a2").values();
    float[] v = w.tensor("attention.v").values();
    float[] b = w.tensor("decoder.weight").values();
    // 1. window
    int[] token = new int[t];
    int[] type = new int[t];
    double[] mask = new double[t];
    int len = Math.min(history.length, t);
    for (int k = 0; k < len; k++) {
      int src = history.length - len + k;
      int pos = t - len + k;
      token[pos] = history[src] + 1;
      type[pos] = types == null ? -1 : types[src];
      mask[pos] = 1;
    }
    // 2. inputs (padding reads row 0 and type 0, and is masked below)
    double[][] x = new double[t][d];
    for (int p = 0; p < t; p++) {
      for (int c = 0; c < d; c++) {
        x[p][c] = emb[token[p] * d + c];
        if (useTypes && types != null) x[p][c] += w.tensor("type_embedding").values()[Math.max(type[p], 0) * d + c];
      }
    }
    // 3. GRU with mask multiply
    double[][] hs = new double[t][h];
    double[] prev = new double[h];
    for (int p = 0; p < t; p++) {
      double[] g = new double[3 * h];
      double[] q = new double[3 * h];
      for (int o = 0; o < 3 * h; o++) {
        g[o] = bi[o];
        for (int c = 0; c < d; c++) g[o] += x[p][c] * wi[c * 3 * h + o];
        q[o] = bh[o];
        for (int c = 0; c < h; c++) q[o] += prev[c] * wh[c * 3 * h + o];
      }
      for (int k = 0; k < h; k++) {
        double r = sigmoid(g[k] + q[k]);
        double z = sigmoid(g[h + k] + q[h + k]);
        double cand = Math.tanh(g[2 * h + k] + r * q[2 * h + k]);
        hs[p][k] = mask[p] * ((1 - z) * cand + z * prev[k]);
      }
      prev = hs[p];
    }
    // 4. attention at the newest position over every position, padding keys at −1e9
    int last = t - 1;
    double[] query = new double[h];
    for (int o = 0; o < h; o++) {
      for (int c = 0; c < h; c++) query[o] += hs[last][c] * a1[c * h + o];
    }
    double[] logits = new double[t];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < t; j++) {
      double e = 0;
      for (int o = 0; o < h; o++) {
        double key = 0;
        for (int c = 0; c < h; c++) key += hs[j][c] * a2[c * h + o];
        e += v[o] * sigmoid(query[o] + key);
      }
      logits[j] = e + (mask[j] == 0 ? -1e9 : 0);
      max = Math.max(max, logits[j]);
    }
    double sum = 0;
    for (int j = 0; j < t; j++) {
      logits[j] = Math.exp(logits[j] - max);
      sum += logits[j];
    }
    double[] ctx = new double[2 * h];
    System.arraycopy(hs[last], 0, ctx, 0, h);
    for (int j = 0; j < t; j++) {
      double a = logits[j] / sum;
      if (alpha != null) alpha[j] = a;
      for (int c = 0; c < h; c++) ctx[h + c] += a * hs[j][c];
    }
    // 5. decoder, masked at the newest position; 6. scores
    double[] u = new double[d];
    for (int o = 0; o < d; o++) {
      for (int c = 0; c < 2 * h; c++) u[o] += ctx[c] * b[c * d + o];
      u[o] *= mask[last];
    }
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < d; c++) scores[i] += u[c] * emb[(i + 1) * d + c];
    }
    return scores;
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static GruAttentionModel model(WeightFile w, int users) {
    return GruAttentionModel.fromWeights(w, RandomSasRec.emptyTrain(users, Integer.parseInt(w.property("numItems"))));
  }

  @Test
  void matchesDoublePrecisionReferenceOnRandomWeights() {
    for (RandomGruAttention.Config c : List.of(PLAIN, TYPES, WIDE)) {
      WeightFile w = RandomGruAttention.weights(c);
      GruAttentionModel m = model(w, 1);
      SplittableRandom r = new SplittableRandom(c.seed() * 31);
      int t = c.maxLength();
      double worst = 0;
      for (int len : new int[] {0, 1, 2, t - 1, t, t + 1, 3 * t + 2}) {
        for (int rep = 0; rep < 3; rep++) {
          int[] history = RandomSasRec.history(r, len, c.numItems());
          int[] types = null;
          if (c.numTypes() > 0 && rep > 0) {
            types = new int[len];
            for (int k = 0; k < len; k++) types[k] = r.nextInt(c.numTypes());
          }
          double[] expected = referenceScores(w, history, types, null);
          float[] actual = new float[c.numItems()];
          m.scoreAll(history, types, actual);
          for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            worst = Math.max(worst, diff);
            assertTrue(diff <= 1e-4, "seed " + c.seed() + " length " + len + " rep " + rep + " item " + i
                + ": expected " + expected[i] + ", got " + actual[i]);
          }
        }
      }
      System.out.printf("GruAttentionModelTest seed %d: max |score diff| vs double reference = %.3g%n", c.seed(),
          worst);
    }
  }

  @Test
  void typesChangeTheScores() {
    // Guards the reference test against a type term that is silently ignored.
    GruAttentionModel m = model(RandomGruAttention.weights(TYPES), 1);
    int[] history = {3, 1, 4};
    float[] without = new float[29];
    float[] with = new float[29];
    m.scoreAll(history, null, without);
    m.scoreAll(history, new int[] {2, 2, 2}, with);
    assertTrue(Math.abs(without[0] - with[0]) > 1e-3, without[0] + " vs " + with[0]);
  }

  @Test
  void emptyHistoryScoresEveryItemZero() {
    GruAttentionModel m = model(RandomGruAttention.weights(PLAIN), 1);
    assertArrayEquals(new float[8], m.userRepresentation(new int[0], null), 0f);
    Explanation e = m.explain(Query.forHistory(new int[0], 3), 2);
    assertEquals(0f, e.score(), 0f);
    assertTrue(e.contributions().isEmpty());
  }

  // ------------------------------------------------------------------ explanations

  @Test
  void explanationWeightsAreTheReferenceAttentionAndSumToOne() {
    RandomGruAttention.Config c = WIDE;
    WeightFile w = RandomGruAttention.weights(c);
    GruAttentionModel m = model(w, 1);
    SplittableRandom r = new SplittableRandom(3);
    for (int len : new int[] {1, 4, 12, 25}) {
      int[] history = RandomSasRec.history(r, len, c.numItems());
      double[] alpha = new double[c.maxLength()];
      double[] scores = referenceScores(w, history, null, alpha);
      AttentionExplanation e = m.explainAttention(history, null, 5);
      int n = Math.min(len, c.maxLength());
      assertEquals(n, e.steps().length);
      assertEquals(len - n, e.firstStep());
      assertEquals(scores[5], e.score(), 1e-4);
      assertEquals(1, e.headWeights().length, "one head");
      assertEquals(1, e.blockWeights().length, "one attention layer");
      assertArrayEquals(e.stepWeights(), e.blockWeights()[0]);
      assertArrayEquals(e.stepWeights(), e.headWeights()[0]);
      double total = 0;
      int pad = c.maxLength() - n;
      for (int s = 0; s < n; s++) {
        assertTrue(e.stepWeights()[s] >= 0);
        assertEquals(alpha[pad + s], e.stepWeights()[s], 1e-5, "length " + len + " step " + s);
        total += e.stepWeights()[s];
      }
      assertEquals(1.0, total, 1e-5);
    }
  }

  @Test
  void explainGivesSortedAttentionOverTheWindow() {
    RandomGruAttention.Config c = PLAIN;
    GruAttentionModel m = model(RandomGruAttention.weights(c), 1);
    int[] history = {3, 14, 15, 9, 26, 5, 35, 8, 30}; // longer than T = 7
    Explanation e = m.explain(Query.forHistory(history, 5), 11);
    float[] scores = new float[c.numItems()];
    m.scoreAll(history, null, scores);
    assertEquals(scores[11], e.score(), 1e-6f);
    assertEquals(7, e.contributions().size(), "one per step in the window");
    List<Integer> window = List.of(15, 9, 26, 5, 35, 8, 30);
    double total = 0;
    for (int p = 0; p < e.contributions().size(); p++) {
      Explanation.Contribution part = e.contributions().get(p);
      assertEquals(Explanation.Kind.HISTORY_ITEM, part.kind());
      assertTrue(window.contains(part.index()), "refers to a history item in the window: " + part.index());
      if (p > 0) assertTrue(e.contributions().get(p - 1).weight() >= part.weight(), "sorted");
      total += part.weight();
    }
    assertEquals(1.0, total, 1e-5);
    assertTrue(e.summary().contains("attention over the GRU states"), e.summary());
    assertTrue(e.summary().contains("not additive"));
    assertTrue(e.summary().contains("2 oldest steps are outside the window"), e.summary());
  }

  @Test
  void leaveOneOutChecksAreConsistentAndSeeded() {
    RandomGruAttention.Config c = WIDE;
    GruAttentionModel m = model(RandomGruAttention.weights(c), 1);
    int[] history = {1, 2, 3, 4, 5, 6, 7, 8};
    AttentionExplanation e = m.explainAttention(history, null, 20, 99L);
    int top = e.topSteps()[0];
    for (int s = 0; s < history.length; s++) assertTrue(e.stepWeights()[top] >= e.stepWeights()[s]);
    int[] withoutTop = new int[7];
    for (int s = 0, k = 0; s < 8; s++) if (s != top) withoutTop[k++] = history[s];
    float[] scores = new float[c.numItems()];
    m.scoreAll(withoutTop, null, scores);
    assertEquals(e.score() - scores[20], e.topStepDrop(), 1e-5f);
    assertTrue(e.randomStep() >= 0 && e.randomStep() != top);
    assertEquals(e.randomStep(), m.explainAttention(history, null, 20, 99L).randomStep(), "seeded");

    AttentionExplanation single = m.explainAttention(new int[] {4}, null, 20);
    assertEquals(-1, single.randomStep());
    assertTrue(Float.isNaN(single.randomStepDrop()));
    assertEquals(1f, single.stepWeights()[0], 1e-6f);
    float[] empty = new float[c.numItems()];
    m.scoreAll(new int[0], null, empty);
    assertEquals(single.score() - empty[20], single.topStepDrop(), 1e-6f, "dropping the only step empties it");

    List<int[]> cases = new ArrayList<>();
    int[] items = new int[30];
    SplittableRandom r = new SplittableRandom(8);
    for (int k = 0; k < items.length; k++) {
      int[] h = RandomSasRec.history(r, k == 0 ? 1 : 2 + r.nextInt(15), c.numItems());
      cases.add(h);
      items[k] = m.recommend(Query.forHistory(h, 1)).item(0);
    }
    AttentionExplanation.Faithfulness f = AttentionExplanation.faithfulness(m, cases, null, items, 5L);
    assertEquals(29, f.cases());
    assertEquals(1, f.skipped());
    assertEquals((double) f.topWins() / f.cases(), f.share(), 1e-12);
    assertEquals(f, AttentionExplanation.faithfulness(m, cases, null, items, 5L));
  }

  // ------------------------------------------------------------------ serving

  @Test
  void newUserWithOneEventGetsAFullListWithoutThatItem() {
    GruAttentionModel m = model(RandomGruAttention.weights(PLAIN), 2);
    TopK top = m.recommend(Query.forHistory(new int[] {5}, 10));
    assertEquals(10, top.size());
    assertEquals(-1, top.rankOf(5));
    for (int rank = 1; rank < top.size(); rank++) assertTrue(top.score(rank - 1) >= top.score(rank));
    float[] scores = new float[37];
    m.scoreAll(new int[] {5}, null, scores);
    scores[5] = Float.NaN;
    assertEquals(TopKSelector.select(scores, 37, 10, ItemFilter.ALL), top);
    assertEquals(36, m.recommend(Query.forHistory(new int[] {5}, 100)).size(), "every item but the seen one");
    assertEquals(37, m.recommend(Query.forHistory(new int[] {5}, 100).withExcludeSeen(false)).size());
  }

  @Test
  void orderOfTheHistoryMatters() {
    // A recurrent encoder (unlike a bag of items) must see the order.
    GruAttentionModel m = model(RandomGruAttention.weights(PLAIN), 1);
    float[] a = m.userRepresentation(new int[] {1, 2, 3}, null);
    float[] b = m.userRepresentation(new int[] {3, 2, 1}, null);
    double diff = 0;
    for (int c = 0; c < a.length; c++) diff += Math.abs(a[c] - b[c]);
    assertTrue(diff > 1e-3, "diff " + diff);
  }

  @Test
  void knownUsersReadTheirTimeOrderedPositiveTrainingStepsWithTypes() {
    Dataset ds = new Dataset("t", Dataset.TimeKind.CLOCK);
    for (int i = 0; i < 29; i++) ds.putItem(Item.bare("i" + i, "music"));
    ds.addEvent(new Event("a", "i9", "view", 1, 10, "music"));
    ds.addEvent(new Event("a", "i2", "like", 1, 20, "music"));
    ds.addEvent(new Event("a", "i20", "skip", 1, 25, "music")); // negative weight: not in the history
    ds.addEvent(new Event("a", "i7", "view", 1, 30, "music"));
    ds.addEvent(new Event("b", "i1", "view", 1, 5, "music"));
    TrainingSet ts = DatasetBuilder.build(ds, EventWeights.defaults());
    int numTypes = ds.typeNames().size();
    RandomGruAttention.Config c = new RandomGruAttention.Config(29, 6, 5, 5, numTypes, 34L);
    GruAttentionModel m = GruAttentionModel.fromWeights(RandomGruAttention.weights(c), ts);
    int a = ds.userIds().indexOf("a");
    int view = ds.typeNames().indexOf("view");
    int like = ds.typeNames().indexOf("like");
    float[] expected = new float[29];
    m.scoreAll(new int[] {9, 2, 7}, new int[] {view, like, view}, expected);
    for (int i : new int[] {9, 2, 7, 20}) expected[i] = Float.NaN;
    assertEquals(TopKSelector.select(expected, 29, 10, ItemFilter.ALL), m.recommend(Query.forUser(a, 10)));
  }

  @Test
  void batchRecommendEqualsSingle() {
    GruAttentionModel m = model(RandomGruAttention.weights(WIDE), 3);
    SplittableRandom r = new SplittableRandom(4);
    Query[] queries = new Query[8];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = Query.forHistory(RandomSasRec.history(r, 1 + r.nextInt(20), 53), 1 + r.nextInt(10));
    }
    TopK[] batch = m.recommend(queries);
    for (int q = 0; q < queries.length; q++) assertEquals(m.recommend(queries[q]), batch[q], "query " + q);
  }

  @Test
  void concurrentRequestsMatchSequentialOnes() throws Exception {
    GruAttentionModel m = model(RandomGruAttention.weights(WIDE), 1);
    SplittableRandom r = new SplittableRandom(6);
    Query[] queries = new Query[64];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = Query.forHistory(RandomSasRec.history(r, 1 + r.nextInt(30), 53), 5);
    }
    TopK[] expected = m.recommend(queries);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<TopK>> futures = new ArrayList<>();
      for (int rep = 0; rep < 4; rep++) {
        for (Query q : queries) futures.add(pool.submit(() -> m.recommend(q)));
      }
      for (int k = 0; k < futures.size(); k++) assertEquals(expected[k % queries.length], futures.get(k).get());
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void similarItemsRanksByCosineOfItemEmbeddings() {
    WeightFile w = RandomGruAttention.weights(PLAIN);
    GruAttentionModel m = model(w, 1);
    TopK similar = m.similarItems(7, 5, ItemFilter.ALL);
    float[] e = w.tensor("item_embedding").values();
    double best = Double.NEGATIVE_INFINITY;
    int bestItem = -1;
    for (int i = 0; i < 37; i++) {
      if (i == 7) continue;
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int c = 0; c < 8; c++) {
        dot += e[8 * 8 + c] * e[(i + 1) * 8 + c];
        na += e[8 * 8 + c] * e[8 * 8 + c];
        nb += e[(i + 1) * 8 + c] * e[(i + 1) * 8 + c];
      }
      double cos = dot / Math.sqrt(na * nb);
      if (cos > best) {
        best = cos;
        bestItem = i;
      }
    }
    assertEquals(bestItem, similar.item(0));
    assertEquals(best, similar.score(0), 1e-5);
  }

  // ------------------------------------------------------------------ weight files

  @Test
  void roundTripsThroughAWeightFile(@TempDir Path dir) throws IOException {
    WeightFile w = RandomGruAttention.weights(TYPES);
    Path file = dir.resolve("gru.atwt");
    w.write(file);
    WeightFile back = WeightFile.read(file);
    int[] history = {3, 1, 4, 1, 5, 9, 2, 6};
    int[] types = {0, 1, 2, 0, 1, 2, 0, 1};
    float[] a = new float[29];
    float[] b = new float[29];
    model(w, 1).scoreAll(history, types, a);
    model(back, 1).scoreAll(history, types, b);
    assertArrayEquals(a, b, 0f);
  }

  @Test
  void rejectsMalformedWeightFilesWithNamedCauses() {
    RandomGruAttention.Config c = TYPES;
    Interactions train = RandomSasRec.emptyTrain(1, c.numItems());
    expectError(RandomGruAttention.weights(c).put("gru.recurrent_weight", new int[] {10, 29}, new float[290]), train,
        "gru.recurrent_weight");
    expectError(RandomGruAttention.weights(c).put("attention.v", new int[] {9}, new float[9]), train, "attention.v");
    expectError(RandomGruAttention.weights(c).put("decoder.weight", new int[] {10, 6}, new float[60]), train,
        "decoder.weight");
    expectError(RandomGruAttention.weights(c).property("gruHidden", "0"), train, "gruHidden");
    expectError(RandomGruAttention.weights(c).property("model", "sasrec"), train, "model");
    expectError(RandomGruAttention.weights(c).property("usesAttributes", "true").property("numAttributes", "2"), train,
        "attributes");
    expectError(RandomGruAttention.weights(c), RandomSasRec.emptyTrain(1, 30), "numItems");
  }

  private static void expectError(WeightFile w, Interactions train, String fragment) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GruAttentionModel.fromWeights(w, train));
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should name " + fragment);
  }

  @Test
  void rejectsBadHistoriesAndHasNoAttributes() {
    GruAttentionModel m = model(RandomGruAttention.weights(TYPES), 1);
    assertThrows(IllegalArgumentException.class, () -> m.userRepresentation(new int[] {29}, null));
    assertThrows(IllegalArgumentException.class, () -> m.userRepresentation(new int[] {1, 2}, new int[] {0}));
    assertThrows(IllegalArgumentException.class, () -> m.userRepresentation(new int[] {1}, new int[] {3}));
    assertThrows(IllegalArgumentException.class, () -> m.scoreAll(new int[] {1}, null, new float[28]));
    assertThrows(IllegalArgumentException.class, () -> m.itemRepresentationFromAttributes(new int[] {0}));
  }

  // ------------------------------------------------------------------ SequentialModels

  @Test
  void sequentialModelsDispatchesOnTheModelProperty() {
    Interactions train = RandomSasRec.emptyTrain(1, 37);
    assertInstanceOf(GruAttentionModel.class,
        SequentialModels.fromWeights(RandomGruAttention.weights(PLAIN), train));
    WeightFile sasrec = RandomSasRec.weights(new RandomSasRec.Config(37, 8, 1, 2, 8, 6, 0, 0, null, null, 1L));
    SequentialModel s = SequentialModels.fromWeights(sasrec, train);
    assertInstanceOf(SasRecModel.class, s);
    float[] direct = new float[37];
    float[] viaBase = new float[37];
    SasRecModel.fromWeights(sasrec, train).scoreAll(new int[] {1, 2}, null, direct);
    s.scoreAll(new int[] {1, 2}, null, viaBase);
    assertArrayEquals(direct, viaBase, 0f);
    WeightFile bert4rec = RandomSasRec.bert4rec(new RandomSasRec.Config(37, 8, 1, 2, 8, 6, 0, 0, null, null, 1L));
    assertInstanceOf(Bert4RecModel.class, SequentialModels.fromWeights(bert4rec, train));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SequentialModels.fromWeights(RandomGruAttention.weights(PLAIN).property("model", "nextitnet"), train));
    assertTrue(e.getMessage().contains("nextitnet") && e.getMessage().contains("bert4rec")
        && e.getMessage().contains("gru-attn"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SequentialModels.fromWeights(new WeightFile(), train));
  }
}
