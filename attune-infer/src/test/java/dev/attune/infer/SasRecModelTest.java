package dev.attune.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import dev.attune.model.Explanation;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SasRecModelTest {
  private static final RandomSasRec.Config PLAIN =
      new RandomSasRec.Config(37, 8, 2, 2, 12, 6, 0, 0, null, null, 11L);
  private static final RandomSasRec.Config ONE_HEAD_TYPES_ATTRIBUTES =
      new RandomSasRec.Config(29, 8, 1, 1, 8, 5, 3, 6, null, null, 12L);
  private static final RandomSasRec.Config DEEP =
      new RandomSasRec.Config(53, 16, 3, 2, 24, 10, 4, 9, 1.5f, 1e-5f, 13L);
  private static final RandomSasRec.Config FOUR_HEADS_ATTRIBUTES =
      new RandomSasRec.Config(41, 12, 2, 4, 12, 7, 0, 5, null, null, 14L);

  // ------------------------------------------------------------------ (a) reference forward pass

  /**
   * The forward pass of docs/design/sasrec.md in double precision, written literally: a full padded
   * window of T, the −1e9 mask added to every masked logit, every position of every block computed.
   * Returns the scores of all items; {@code lastProbs} (if non-null, [H][T]) receives the last block's
   * attention at query T − 1. For a {@code bert4rec} file, the forward pass of docs/design/bert4rec.md: the
   * last T − 1 steps, then the [MASK] input at T − 1, and no causal term in the mask.
   */
  static double[] referenceScores(WeightFile w, int[] history, int[] types, double[][] lastProbs) {
    int n = Integer.parseInt(w.property("numItems"));
    int d = Integer.parseInt(w.property("hidden"));
    int blocks = Integer.parseInt(w.property("blocks"));
    int heads = Integer.parseInt(w.property("heads"));
    int f = Integer.parseInt(w.property("ffnHidden"));
    int t = Integer.parseInt(w.property("maxLength"));
    double eps = Double.parseDouble(w.propertyOr("layerNormEps", "1e-6"));
    double scale = Double.parseDouble(w.propertyOr("embeddingScale", Double.toString(Math.sqrt(d))));
    boolean useTypes = w.property("usesTypes").equals("true");
    boolean useAttributes = w.property("usesAttributes").equals("true");
    boolean bidirectional = w.property("model").equals("bert4rec");

    // 1. item representations
    double[][] r = new double[n][d];
    float[] emb = w.tensor("item_embedding").values();
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < d; c++) r[i][c] = emb[(i + 1) * d + c];
      if (useAttributes) {
        float[] ptr = w.tensor("item_attributes_indptr").values();
        float[] ids = w.tensor("item_attributes_indices").values();
        float[] a = w.tensor("attribute_embedding").values();
        int from = (int) ptr[i];
        int to = (int) ptr[i + 1];
        for (int c = 0; c < d && to > from; c++) {
          double s = 0;
          for (int p = from; p < to; p++) s += a[(int) ids[p] * d + c];
          r[i][c] += s / (to - from);
        }
      }
    }
    // 2. window
    int[] token = new int[t];
    int[] type = new int[t];
    double[] mask = new double[t];
    java.util.Arrays.fill(token, -1);
    int len = Math.min(history.length, bidirectional ? t - 1 : t);
    for (int k = 0; k < len; k++) {
      int src = history.length - len + k;
      int pos = (bidirectional ? t - 1 : t) - len + k;
      token[pos] = history[src];
      type[pos] = types == null ? -1 : types[src];
      mask[pos] = 1;
    }
    if (bidirectional) {
      mask[t - 1] = 1; // [MASK] is a real step without an event type
      type[t - 1] = -1;
    }
    // 3. input
    double[][] x = new double[t][d];
    float[] pe = w.tensor("position_embedding").values();
    for (int p = 0; p < t; p++) {
      for (int c = 0; c < d; c++) {
        double v = (token[p] >= 0 ? r[token[p]][c] : emb[c]) * scale + pe[p * d + c];
        if (bidirectional && p == t - 1) v = w.tensor("mask_embedding").values()[c] * scale + pe[p * d + c];
        if (useTypes && type[p] >= 0) v += w.tensor("type_embedding").values()[type[p] * d + c];
        x[p][c] = v * mask[p];
      }
    }
    // 4. blocks
    int dh = d / heads;
    for (int l = 0; l < blocks; l++) {
      String b = "block" + l + ".";
      double[][] h = new double[t][];
      for (int p = 0; p < t; p++) h[p] = layerNorm(x[p], w, b + "attention_norm", eps);
      double[][] q = affine(h, w, b + "attention.query.weight", b + "attention.query.bias");
      double[][] k = affine(h, w, b + "attention.key.weight", b + "attention.key.bias");
      double[][] v = affine(h, w, b + "attention.value.weight", b + "attention.value.bias");
      double[][] concat = new double[t][d];
      for (int j = 0; j < heads; j++) {
        for (int qi = 0; qi < t; qi++) {
          double[] logits = new double[t];
          double max = Double.NEGATIVE_INFINITY;
          for (int s = 0; s < t; s++) {
            double dot = 0;
            for (int c = j * dh; c < (j + 1) * dh; c++) dot += q[qi][c] * k[s][c];
            boolean hidden = (!bidirectional && s > qi) || mask[s] == 0;
            logits[s] = dot / Math.sqrt(dh) + (hidden ? -1e9 : 0);
            max = Math.max(max, logits[s]);
          }
          double sum = 0;
          for (int s = 0; s < t; s++) {
            logits[s] = Math.exp(logits[s] - max);
            sum += logits[s];
          }
          for (int s = 0; s < t; s++) {
            double pr = logits[s] / sum;
            if (l == blocks - 1 && qi == t - 1 && lastProbs != null) lastProbs[j][s] = pr;
            for (int c = j * dh; c < (j + 1) * dh; c++) concat[qi][c] += pr * v[s][c];
          }
        }
      }
      double[][] o = affine(concat, w, b + "attention.output.weight", b + "attention.output.bias");
      for (int p = 0; p < t; p++) {
        for (int c = 0; c < d; c++) x[p][c] = (x[p][c] + o[p][c]) * mask[p];
      }
      double[][] h2 = new double[t][];
      for (int p = 0; p < t; p++) h2[p] = layerNorm(x[p], w, b + "ffn_norm", eps);
      double[][] inner = affine(h2, w, b + "ffn.w1", b + "ffn.b1");
      for (double[] row : inner) {
        for (int c = 0; c < f; c++) row[c] = Math.max(0, row[c]);
      }
      double[][] ff = affine(inner, w, b + "ffn.w2", b + "ffn.b2");
      for (int p = 0; p < t; p++) {
        for (int c = 0; c < d; c++) x[p][c] = (x[p][c] + ff[p][c]) * mask[p];
      }
    }
    // 5. user, 6. scores
    double[] u = layerNorm(x[t - 1], w, "final_norm", eps);
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < d; c++) scores[i] += u[c] * r[i][c];
    }
    return scores;
  }

  private static double[] layerNorm(double[] v, WeightFile w, String name, double eps) {
    float[] gamma = w.tensor(name + ".gamma").values();
    float[] beta = w.tensor(name + ".beta").values();
    int d = v.length;
    double mean = 0;
    for (double a : v) mean += a;
    mean /= d;
    double var = 0;
    for (double a : v) var += (a - mean) * (a - mean);
    var /= d;
    double[] out = new double[d];
    for (int c = 0; c < d; c++) out[c] = (v[c] - mean) / Math.sqrt(var + eps) * gamma[c] + beta[c];
    return out;
  }

  /** rows · W + b with W [in, out] row-major. */
  private static double[][] affine(double[][] rows, WeightFile w, String weight, String bias) {
    WeightFile.Tensor wt = w.tensor(weight);
    int in = wt.dim(0);
    int out = wt.dim(1);
    float[] b = w.tensor(bias).values();
    double[][] y = new double[rows.length][out];
    for (int p = 0; p < rows.length; p++) {
      for (int o = 0; o < out; o++) {
        double s = b[o];
        for (int i = 0; i < in; i++) s += rows[p][i] * wt.values()[i * out + o];
        y[p][o] = s;
      }
    }
    return y;
  }

  private static SasRecModel model(WeightFile w, int users) {
    int n = Integer.parseInt(w.property("numItems"));
    return SasRecModel.fromWeights(w, RandomSasRec.emptyTrain(users, n));
  }

  @Test
  void matchesDoublePrecisionReferenceOnRandomWeights() {
    for (RandomSasRec.Config c : List.of(PLAIN, ONE_HEAD_TYPES_ATTRIBUTES, DEEP, FOUR_HEADS_ATTRIBUTES)) {
      WeightFile w = RandomSasRec.weights(c);
      SasRecModel m = model(w, 1);
      SplittableRandom r = new SplittableRandom(c.seed() * 31);
      int t = c.maxLength();
      int[] lengths = {0, 1, 2, t - 1, t, t + 1, 3 * t + 2};
      double worst = 0;
      for (int len : lengths) {
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
      System.out.printf("SasRecModelTest seed %d: max |score diff| vs double reference = %.3g%n", c.seed(), worst);
    }
  }

  @Test
  void bert4RecMatchesDoublePrecisionReferenceAndReadsTMinusOneSteps() {
    for (RandomSasRec.Config c : List.of(PLAIN, DEEP, FOUR_HEADS_ATTRIBUTES)) {
      WeightFile w = RandomSasRec.bert4rec(c);
      Bert4RecModel m = Bert4RecModel.fromWeights(w, RandomSasRec.emptyTrain(1, c.numItems()));
      SplittableRandom r = new SplittableRandom(c.seed() * 37);
      int t = c.maxLength();
      for (int len : new int[] {0, 1, 2, t - 2, t - 1, t, 3 * t + 2}) {
        int[] history = RandomSasRec.history(r, len, c.numItems());
        double[] expected = referenceScores(w, history, null, null);
        float[] actual = new float[c.numItems()];
        m.scoreAll(history, null, actual);
        for (int i = 0; i < actual.length; i++) {
          assertEquals(expected[i], actual[i], 1e-4, "seed " + c.seed() + " length " + len + " item " + i);
        }
        if (len >= t - 1) { // an older step outside the window of T − 1 changes nothing
          int[] longer = new int[len + 1];
          longer[0] = (history.length == 0 ? 0 : history[0] + 1) % c.numItems();
          System.arraycopy(history, 0, longer, 1, len);
          float[] same = new float[c.numItems()];
          m.scoreAll(longer, null, same);
          assertArrayEquals(actual, same, 0f);
        }
      }
      int[] history = RandomSasRec.history(r, t + 3, c.numItems());
      AttentionExplanation e = m.explainAttention(history, null, 1);
      assertEquals(t - 1, e.steps().length, "the explanation covers the steps the network read");
      assertEquals(4, e.firstStep());
      for (float[] head : e.headWeights()) assertEquals(1.0, sum(head), 1e-5);
      assertTrue(m.explain(new Query(0, history, 5, null, false), 1).summary().contains("[MASK]"));
    }
    WeightFile noMask = RandomSasRec.bert4rec(PLAIN);
    WeightFile stripped = new WeightFile();
    noMask.properties().forEach(stripped::property);
    for (String name : noMask.names()) {
      if (!name.equals("mask_embedding")) stripped.put(name, noMask.tensor(name).shape(), noMask.tensor(name).values());
    }
    var e = assertThrows(IllegalArgumentException.class,
        () -> Bert4RecModel.fromWeights(stripped, RandomSasRec.emptyTrain(1, PLAIN.numItems())));
    assertTrue(e.getMessage().contains("mask_embedding"), e.getMessage());
  }

  @Test
  void attentionExplanationMatchesReferenceProbabilities() {
    RandomSasRec.Config c = DEEP;
    WeightFile w = RandomSasRec.weights(c);
    SasRecModel m = model(w, 1);
    int[] history = RandomSasRec.history(new SplittableRandom(5), 7, c.numItems()); // shorter than T = 10
    double[][] probs = new double[c.heads()][c.maxLength()];
    double[] scores = referenceScores(w, history, null, probs);
    AttentionExplanation e = m.explainAttention(history, null, 3);
    assertEquals(scores[3], e.score(), 1e-4);
    int pad = c.maxLength() - history.length;
    for (int j = 0; j < c.heads(); j++) {
      for (int s = 0; s < pad; s++) assertTrue(probs[j][s] < 1e-12, "reference gives padding keys no weight");
      for (int s = 0; s < history.length; s++) {
        assertEquals(probs[j][pad + s], e.headWeights()[j][s], 1e-5, "head " + j + " step " + s);
      }
    }
  }

  @Test
  void userWithNoHistoryGetsFinalNormBeta() {
    WeightFile w = RandomSasRec.weights(PLAIN);
    assertArrayEquals(w.tensor("final_norm.beta").values(), model(w, 1).userRepresentation(new int[0], null), 1e-6f);
  }

  // ------------------------------------------------------------------ (b) attention probabilities

  @Test
  void explanationWeightsAreDistributionsOverRealSteps() {
    RandomSasRec.Config c = DEEP;
    SasRecModel m = model(RandomSasRec.weights(c), 1);
    SplittableRandom r = new SplittableRandom(3);
    for (int len : new int[] {1, 4, 10, 25}) {
      int[] history = RandomSasRec.history(r, len, c.numItems());
      AttentionExplanation e = m.explainAttention(history, null, 0);
      int n = Math.min(len, c.maxLength());
      assertEquals(n, e.steps().length);
      assertEquals(len - n, e.firstStep());
      assertEquals(c.blocks(), e.blockWeights().length);
      for (float[] head : e.headWeights()) assertEquals(1.0, sum(head), 1e-5);
      for (float[] block : e.blockWeights()) assertEquals(1.0, sum(block), 1e-5);
      assertArrayEquals(e.stepWeights(), e.blockWeights()[0]);
    }
  }

  private static double sum(float[] v) {
    double s = 0;
    for (float a : v) {
      assertTrue(a >= 0);
      s += a;
    }
    return s;
  }

  // ------------------------------------------------------------------ (c) weight file and validation

  @Test
  void roundTripsThroughAWeightFile(@TempDir Path dir) throws IOException {
    WeightFile w = RandomSasRec.weights(ONE_HEAD_TYPES_ATTRIBUTES);
    Path file = dir.resolve("sasrec.atwt");
    w.write(file);
    WeightFile back = WeightFile.read(file);
    assertEquals(w.properties(), back.properties());
    assertEquals(w.names(), back.names());
    int[] history = {3, 1, 4, 1, 5, 9, 2, 6};
    int[] types = {0, 1, 2, 0, 1, 2, 0, 1};
    float[] a = new float[29];
    float[] b = new float[29];
    model(w, 1).scoreAll(history, types, a);
    model(back, 1).scoreAll(history, types, b);
    assertArrayEquals(a, b, 0f);
  }

  /**
   * Review: a NaN in a weight file made every score NaN (an empty list, the server falling back without a word), and a
   * corrupt shape asked for gigabytes; both are refused at read, naming the file and the tensor.
   */
  @Test
  void aCorruptOrNonFiniteWeightFileIsRefusedAtRead(@TempDir Path dir) throws IOException {
    Path nan = dir.resolve("nan.atwt");
    new WeightFile().put("item_embedding", new int[] {2, 2}, new float[] {1, Float.NaN, 0, 1}).write(nan);
    IOException e = assertThrows(IOException.class, () -> WeightFile.read(nan));
    assertTrue(e.getMessage().contains("tensor 'item_embedding' holds NaN at index 1"), e.getMessage());
    Path good = dir.resolve("good.atwt");
    new WeightFile().put("w", new int[] {2, 2}, new float[] {1, 2, 3, 4}).write(good);
    byte[] bytes = java.nio.file.Files.readAllBytes(good);
    Path extra = dir.resolve("extra.atwt");
    java.nio.file.Files.write(extra, java.util.Arrays.copyOf(bytes, bytes.length + 3));
    assertTrue(assertThrows(IOException.class, () -> WeightFile.read(extra)).getMessage().contains("after the last"));
    // the first shape int made huge: 2 becomes 2^30
    int at = bytes.length - 4 * Float.BYTES - 2 * Integer.BYTES;
    byte[] huge = bytes.clone();
    huge[at] = 0x40;
    Path corrupt = dir.resolve("huge.atwt");
    java.nio.file.Files.write(corrupt, huge);
    assertTrue(assertThrows(IOException.class, () -> WeightFile.read(corrupt)).getMessage()
        .contains("larger than the file"));
  }

  /**
   * A property longer than 64 KB of UTF-8 (a long run's training curve in its checkpoint) is written and read back,
   * where writing it threw; a file without one keeps the version earlier builds read.
   */
  @Test
  void propertiesOfAnyLengthRoundTrip(@TempDir Path dir) throws IOException {
    String curve = "1:0.5;".repeat(12_000) + "ü€"; // 72 KB, with two- and three-byte characters at the end
    Path longFile = dir.resolve("long.atwt");
    new WeightFile().property("history", curve).property("short", "x").put("w", new int[] {1}, new float[] {2})
        .write(longFile);
    WeightFile back = WeightFile.read(longFile);
    assertEquals(curve, back.property("history"));
    assertEquals("x", back.property("short"));
    assertArrayEquals(new float[] {2}, back.tensor("w").values(), 0f);
    Path shortFile = dir.resolve("short.atwt");
    new WeightFile().property("short", "x").put("w", new int[] {1}, new float[] {2}).write(shortFile);
    assertEquals(1, java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(shortFile)).getInt(4), "version 1");
    assertEquals(2, java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(longFile)).getInt(4), "version 2");
    byte[] whole = java.nio.file.Files.readAllBytes(longFile);
    java.nio.file.Files.write(longFile, java.util.Arrays.copyOf(whole, 40_000)); // cut inside the long property
    assertTrue(assertThrows(IOException.class, () -> WeightFile.read(longFile)).getMessage().contains("truncated"));
  }

  @Test
  void rejectsMalformedWeightFilesWithNamedCauses() {
    RandomSasRec.Config c = ONE_HEAD_TYPES_ATTRIBUTES;
    Interactions train = RandomSasRec.emptyTrain(1, c.numItems());
    expectError(RandomSasRec.weights(c).put("block0.attention.key.weight", new int[] {8, 7}, new float[56]), train,
        "block0.attention.key.weight");
    expectError(RandomSasRec.weights(c).put("position_embedding", new int[] {6, 8}, new float[48]), train,
        "position_embedding");
    expectError(RandomSasRec.weights(c).put("item_embedding", new int[] {29, 8}, new float[29 * 8]), train,
        "item_embedding");
    expectError(RandomSasRec.weights(c).put("block0.ffn.w1", new int[] {8, 9}, new float[72]), train, "block0.ffn.w1");
    expectError(RandomSasRec.weights(c).put("type_embedding", new int[] {2, 8}, new float[16]), train,
        "type_embedding");
    expectError(RandomSasRec.weights(c).put("item_attributes_indices", new int[] {1}, new float[] {0.5f}), train,
        "item_attributes");
    expectError(RandomSasRec.weights(c).property("heads", "3"), train, "heads");
    expectError(RandomSasRec.weights(c).property("hidden", "x"), train, "hidden");
    expectError(RandomSasRec.weights(c).property("model", "bert4rec"), train, "model");
    expectError(RandomSasRec.weights(c), RandomSasRec.emptyTrain(1, 30), "numItems");
    expectError(without(RandomSasRec.weights(c), "final_norm.gamma"), train, "final_norm.gamma");
    WeightFile attributes = RandomSasRec.weights(c);
    float[] ids = attributes.tensor("item_attributes_indices").values().clone();
    ids[0] = 6; // numAttributes = 6
    expectError(attributes.put("item_attributes_indices", new int[] {ids.length}, ids), train, "attribute id 6");
  }

  private static void expectError(WeightFile w, Interactions train, String fragment) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SasRecModel.fromWeights(w, train));
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should name " + fragment);
  }

  private static WeightFile without(WeightFile w, String name) {
    WeightFile out = new WeightFile();
    w.properties().forEach(out::property);
    for (String n : w.names()) {
      if (!n.equals(name)) out.put(n, w.tensor(n).shape(), w.tensor(n).values());
    }
    return out;
  }

  @Test
  void rejectsBadHistoriesAndTypes() {
    SasRecModel m = model(RandomSasRec.weights(ONE_HEAD_TYPES_ATTRIBUTES), 1);
    assertThrows(IllegalArgumentException.class, () -> m.userRepresentation(new int[] {29}, null));
    assertThrows(IllegalArgumentException.class, () -> m.userRepresentation(new int[] {1, 2}, new int[] {0}));
    assertThrows(IllegalArgumentException.class, () -> m.userRepresentation(new int[] {1}, new int[] {3}));
    assertThrows(IllegalArgumentException.class, () -> m.scoreAll(new int[] {1}, null, new float[28]));
    assertThrows(IllegalArgumentException.class, () -> m.recommend(Query.forHistory(new int[] {-1}, 3)));
  }

  // ------------------------------------------------------------------ (d) serving

  @Test
  void newUserWithOneEventGetsAFullListWithoutThatItem() {
    SasRecModel m = model(RandomSasRec.weights(PLAIN), 2);
    TopK top = m.recommend(Query.forHistory(new int[] {5}, 10));
    assertEquals(10, top.size());
    assertEquals(-1, top.rankOf(5));
    for (int rank = 1; rank < top.size(); rank++) assertTrue(top.score(rank - 1) >= top.score(rank));
    TopK all = m.recommend(Query.forHistory(new int[] {5}, 100));
    assertEquals(36, all.size(), "every item but the seen one");
    TopK kept = m.recommend(Query.forHistory(new int[] {5}, 100).withExcludeSeen(false));
    assertEquals(37, kept.size());
  }

  @Test
  void recommendRanksByScoreAllAndRespectsFilters() {
    SasRecModel m = model(RandomSasRec.weights(DEEP), 1);
    int[] history = {4, 8, 15, 16, 23, 42};
    float[] scores = new float[53];
    m.scoreAll(history, null, scores);
    TopK top = m.recommend(new Query(-1, history, 5, ItemFilter.excluding(0, 1, 2), true));
    Set<Integer> banned = Set.of(0, 1, 2, 4, 8, 15, 16, 23, 42);
    int best = -1;
    for (int i = 0; i < scores.length; i++) {
      if (!banned.contains(i) && (best < 0 || scores[i] > scores[best])) best = i;
    }
    assertEquals(best, top.item(0));
    assertEquals(scores[best], top.score(0), 0f);
    for (int i : top.items()) assertFalse(banned.contains(i));
  }

  @Test
  void knownUsersReadTheirTimeOrderedPositiveTrainingSteps() {
    Dataset ds = new Dataset("t", Dataset.TimeKind.CLOCK);
    for (int i = 0; i < 37; i++) ds.putItem(Item.bare("i" + i, "music"));
    // Time order differs from item order; a skip (negative weight) is left out of the history.
    ds.addEvent(new Event("a", "i9", "view", 1, 10, "music"));
    ds.addEvent(new Event("a", "i2", "like", 1, 20, "music"));
    ds.addEvent(new Event("a", "i30", "skip", 1, 25, "music"));
    ds.addEvent(new Event("a", "i7", "view", 1, 30, "music"));
    ds.addEvent(new Event("a", "i2", "view", 1, 40, "music"));
    ds.addEvent(new Event("b", "i1", "view", 1, 5, "music"));
    TrainingSet ts = DatasetBuilder.build(ds, EventWeights.defaults());
    int numTypes = ds.typeNames().size();
    RandomSasRec.Config c = new RandomSasRec.Config(37, 8, 2, 2, 8, 6, numTypes, 0, null, null, 21L);
    SasRecModel m = SasRecModel.fromWeights(RandomSasRec.weights(c), ts);
    int a = ds.userIds().indexOf("a");
    int view = ds.typeNames().indexOf("view");
    int like = ds.typeNames().indexOf("like");
    int[] items = {9, 2, 7, 2};
    int[] types = {view, like, view, view};
    float[] expected = new float[37];
    m.scoreAll(items, types, expected);
    for (int i : new int[] {9, 2, 7, 30}) expected[i] = Float.NaN; // seen items, the skipped one included
    TopK want = dev.attune.kernel.TopKSelector.select(expected, 37, 10, ItemFilter.ALL);
    assertEquals(want, m.recommend(Query.forUser(a, 10)));

    Explanation e = m.explain(Query.forUser(a, 10), 0);
    assertEquals(4, e.contributions().size());
    List<Integer> referred = new ArrayList<>();
    for (Explanation.Contribution part : e.contributions()) referred.add(part.index());
    referred.sort(null);
    assertEquals(List.of(2, 2, 7, 9), referred);
  }

  /**
   * A file naming its event types maps another data set's type ids by name (the service's store numbers its types
   * as events arrive), and a type it was not trained on adds no type term, as the reference does for a step
   * without a type.
   */
  @Test
  void namedEventTypesMapAnotherDataSetsTypesByName() {
    Dataset ds = new Dataset("t", Dataset.TimeKind.CLOCK);
    for (int i = 0; i < 37; i++) ds.putItem(Item.bare("i" + i, "music"));
    ds.addEvent(new Event("a", "i9", "view", 1, 10, "music"));
    ds.addEvent(new Event("a", "i2", "like", 1, 20, "music"));
    ds.addEvent(new Event("a", "i7", "view", 1, 30, "music"));
    TrainingSet ts = DatasetBuilder.build(ds, EventWeights.defaults());
    RandomSasRec.Config c = new RandomSasRec.Config(37, 8, 2, 2, 8, 6, 3, 0, null, null, 23L);
    // the trained ids: like 0, play 1, view 2; this data set has view 0, like 1
    WeightFile w = RandomSasRec.weights(c).property(SequentialModel.TYPE_NAMES_PROPERTY, "like\nplay\nview");
    SasRecModel m = SasRecModel.fromWeights(w, ts);
    assertTrue(m.namesTypes());
    assertEquals(2, m.typeIndex("VIEW"));
    assertEquals(SequentialModel.NO_TYPE, m.typeIndex("purchase"));
    float[] expected = new float[37];
    m.scoreAll(new int[] {9, 2, 7}, new int[] {2, 0, 2}, expected);
    for (int i : new int[] {9, 2, 7}) expected[i] = Float.NaN;
    assertEquals(dev.attune.kernel.TopKSelector.select(expected, 37, 10, ItemFilter.ALL),
        m.recommend(Query.forUser(ds.userIds().indexOf("a"), 10)), "the user's view, like, view as the model names them");

    int[] history = {4, 5, 6};
    double[] reference = referenceScores(w, history, new int[] {1, -1, 0}, null);
    float[] actual = new float[37];
    m.scoreAll(history, new int[] {1, SequentialModel.NO_TYPE, 0}, actual);
    for (int i = 0; i < 37; i++) assertEquals(reference[i], actual[i], 1e-4, "item " + i);

    WeightFile miscounted = RandomSasRec.weights(c).property(SequentialModel.TYPE_NAMES_PROPERTY, "like\nview");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SasRecModel.fromWeights(miscounted, ts));
    assertTrue(e.getMessage().contains("numTypes = 3"), e.getMessage());
  }

  // ------------------------------------------------------------------ (e) explanations

  @Test
  void explanationContributionsAreSortedAttentionOverHistoryItems() {
    RandomSasRec.Config c = PLAIN;
    SasRecModel m = model(RandomSasRec.weights(c), 1);
    int[] history = {3, 14, 15, 9, 26, 5, 35, 8}; // longer than T = 6
    Explanation e = m.explain(Query.forHistory(history, 5), 11);
    float[] scores = new float[c.numItems()];
    m.scoreAll(history, null, scores);
    assertEquals(scores[11], e.score(), 1e-6f);
    assertEquals(6, e.contributions().size(), "one per step in the window");
    Set<Integer> window = new HashSet<>(List.of(15, 9, 26, 5, 35, 8));
    double total = 0;
    for (int p = 0; p < e.contributions().size(); p++) {
      Explanation.Contribution part = e.contributions().get(p);
      assertEquals(Explanation.Kind.HISTORY_ITEM, part.kind());
      assertTrue(window.contains(part.index()), "refers to a history item in the window: " + part.index());
      if (p > 0) assertTrue(e.contributions().get(p - 1).weight() >= part.weight(), "sorted");
      total += part.weight();
    }
    assertEquals(1.0, total, 1e-5);
    assertTrue(e.summary().contains("attention"));
    assertTrue(e.summary().contains("not additive"));
  }

  @Test
  void explainingSeveralItemsAtOnceEqualsExplainingEachAlone() {
    SasRecModel m = model(RandomSasRec.weights(DEEP), 1);
    int[] history = {1, 2, 3, 4, 5, 6, 7, 8};
    int[] items = {20, 3, 0, 11};
    AttentionExplanation[] batch = m.explainAttention(history, null, items, 99L);
    for (int k = 0; k < items.length; k++) {
      AttentionExplanation one = m.explainAttention(history, null, items[k], 99L);
      assertEquals(one.score(), batch[k].score(), 0f);
      assertEquals(one.topStepDrop(), batch[k].topStepDrop(), 0f);
      assertEquals(one.randomStep(), batch[k].randomStep());
      assertEquals(one.randomStepDrop(), batch[k].randomStepDrop(), 0f);
      assertArrayEquals(one.topSteps(), batch[k].topSteps());
    }
    AttentionExplanation single = m.explainAttention(new int[] {4}, null, new int[] {20}, 1L)[0];
    assertTrue(Float.isNaN(single.randomStepDrop()));
  }

  /**
   * Occlusion: each window step's drop is the item's score less its score for the window without that step (computed
   * here from the public representations), the oldest steps outside the window have none, and the attention weights
   * and the drop of the most-attended step are those of {@code explainAttention}.
   */
  @Test
  void occlusionDropsAreEachItemsScoreLessItsScoreWithoutTheStep() {
    SasRecModel m = model(RandomSasRec.weights(DEEP), 1);
    int window = m.historyWindow();
    int[] history = new int[window + 3];
    for (int s = 0; s < history.length; s++) history[s] = 1 + s % 19;
    int[] items = {20, 3, 0, 11};
    SequentialModel.Occlusion o = m.occlusion(history, null, items);
    assertEquals(3, o.firstStep());
    assertEquals(window, o.drops().length);
    int[] read = java.util.Arrays.copyOfRange(history, 3, history.length);
    float[] full = m.userRepresentation(history, null);
    for (int p = 0; p < window; p++) {
      int[] without = new int[window - 1];
      for (int s = 0, j = 0; s < window; s++) if (s != p) without[j++] = read[s];
      float[] u = m.userRepresentation(without, null);
      for (int k = 0; k < items.length; k++) {
        float[] r = m.itemRepresentation(items[k]);
        assertEquals(m.score(full, r), o.scores()[k], 1e-5f);
        assertEquals(m.score(full, r) - m.score(u, r), o.drops()[p][k], 1e-4f, "step " + p + ", item " + k);
      }
    }
    AttentionExplanation[] attention = m.explainAttention(history, null, items, 5L);
    assertArrayEquals(attention[0].stepWeights(), o.stepWeights(), 1e-6f);
    for (int k = 0; k < items.length; k++) {
      assertEquals(attention[k].topStepDrop(), o.drops()[attention[k].topSteps()[0]][k], 1e-5f);
    }
    assertEquals(0, m.occlusion(new int[0], null, items).drops().length, "an empty history has no step");
  }

  @Test
  void leaveOneOutChecksAreConsistentAndSeeded() {
    RandomSasRec.Config c = DEEP;
    SasRecModel m = model(RandomSasRec.weights(c), 1);
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

  // ------------------------------------------------------------------ (f) batch and similar items

  @Test
  void batchRecommendEqualsSingle() {
    SasRecModel m = model(RandomSasRec.weights(FOUR_HEADS_ATTRIBUTES), 3);
    SplittableRandom r = new SplittableRandom(4);
    Query[] queries = new Query[8];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = Query.forHistory(RandomSasRec.history(r, 1 + r.nextInt(12), 41), 1 + r.nextInt(10));
    }
    TopK[] batch = m.recommend(queries);
    for (int q = 0; q < queries.length; q++) assertEquals(m.recommend(queries[q]), batch[q], "query " + q);
  }

  @Test
  void concurrentRequestsMatchSequentialOnes() throws Exception {
    SasRecModel m = model(RandomSasRec.weights(DEEP), 1);
    SplittableRandom r = new SplittableRandom(6);
    Query[] queries = new Query[64];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = Query.forHistory(RandomSasRec.history(r, 1 + r.nextInt(20), 53), 5);
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
  void similarItemsRanksByCosineOfItemRepresentations() {
    SasRecModel m = model(RandomSasRec.weights(FOUR_HEADS_ATTRIBUTES), 1);
    TopK similar = m.similarItems(7, 5, ItemFilter.ALL);
    assertEquals(5, similar.size());
    assertEquals(-1, similar.rankOf(7));
    float[] a = m.itemRepresentation(7);
    double best = Double.NEGATIVE_INFINITY;
    int bestItem = -1;
    for (int i = 0; i < 41; i++) {
      if (i == 7) continue;
      float[] b = m.itemRepresentation(i);
      double cos = dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
      if (cos > best) {
        best = cos;
        bestItem = i;
      }
    }
    assertEquals(bestItem, similar.item(0));
    assertEquals(best, similar.score(0), 1e-5);
  }

  @Test
  void unseenItemsAreScoredFromTheirAttributes() {
    WeightFile w = RandomSasRec.weights(FOUR_HEADS_ATTRIBUTES);
    SasRecModel m = model(w, 1);
    float[] r = m.itemRepresentationFromAttributes(new int[] {1, 3});
    float[] a = w.tensor("attribute_embedding").values();
    int d = 12;
    for (int c = 0; c < d; c++) assertEquals((a[d + c] + a[3 * d + c]) / 2, r[c], 1e-6f);
    float[] u = m.userRepresentation(new int[] {2, 5}, null);
    assertEquals(dot(u, r), m.score(u, r), 1e-5);
    assertArrayEquals(new float[d], m.itemRepresentationFromAttributes(new int[0]), 0f);
    assertThrows(IllegalArgumentException.class, () -> m.itemRepresentationFromAttributes(new int[] {5}));
    assertThrows(IllegalArgumentException.class,
        () -> model(RandomSasRec.weights(PLAIN), 1).itemRepresentationFromAttributes(new int[] {0}));
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) s += (double) a[k] * b[k];
    return s;
  }
}
