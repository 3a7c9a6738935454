package dev.attune.train.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finite-difference gradient checks of every layer in float64 on tiny shapes: the autograd gradient of
 * L = Σ out ⊙ R (R fixed and random) against central differences (L(θ + h) − L(θ − h)) / 2h with h = 1e-6.
 *
 * <p>Tolerance: ‖g_auto − g_num‖₂ / (‖g_auto‖₂ + ‖g_num‖₂) &lt; 1e-6 per tensor. In float64 the central
 * difference has truncation error O(h²) ≈ 1e-12 and round-off ≈ 1e-16 / h ≈ 1e-10, so 1e-6 (stricter than
 * the 1e-4 asked for) leaves a wide margin while still catching any wrong term. A gradient that is exactly zero
 * in theory (the key bias) is held to an absolute 1e-8 instead.
 */
class GradientCheckTest {
  private static final double H = 1e-6;
  private static final double TOLERANCE = 1e-6;
  private static final double ABSOLUTE = 1e-8;
  private static final long SEED = 7L;

  @Test
  void layerNormGradientsMatchFiniteDifferences() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      LayerNorm ln = new LayerNorm(store, "norm", 5, 1e-6f);
      perturbAffine(store, "norm");
      NDArray x = store.normal("input", 1.0, 2, 3, 5);
      check(store, () -> ln.forward(x));
    }
  }

  @Test
  void feedForwardGradientsMatchFiniteDifferences() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      FeedForward ffn = new FeedForward(store, "ffn", 4, 6);
      randomise(store, "ffn.b1", 0.5);
      randomise(store, "ffn.b2", 0.5);
      NDArray x = store.normal("input", 1.0, 2, 3, 4);
      check(store, () -> ffn.forward(x));
    }
  }

  @Test
  void attentionGradientsMatchFiniteDifferences() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      CausalSelfAttention att = new CausalSelfAttention(store, "att", 4, 2);
      for (String w : new String[] {"query", "key", "value", "output"}) randomise(store, "att." + w + ".bias", 0.5);
      NDArray x = store.normal("input", 1.0, 2, 4, 4);
      // Second sequence left-padded by one step; its first query row is then fully masked. As in the network,
      // that padded row's output is multiplied by 0: with every logit near -1e9 its finite differences are pure
      // round-off (the ulp of 1e9 is 1.2e-7 > h), although autograd's value is exact.
      float[] keyMask = {1, 1, 1, 1, 0, 1, 1, 1};
      NDArray mask = CausalSelfAttention.mask(m, DataType.FLOAT64, keyMask, 2, 4);
      NDArray rows = m.create(new double[] {1, 1, 1, 1, 0, 1, 1, 1}, new Shape(2, 4, 1));
      check(store, () -> att.forward(x, mask, 0f, false).output().mul(rows));
    }
  }

  @Test
  void attentionProbabilitiesAreCausalAndSumToOne() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      CausalSelfAttention att = new CausalSelfAttention(store, "att", 4, 2);
      NDArray x = store.normal("input", 1.0, 1, 3, 4);
      NDArray mask = CausalSelfAttention.mask(m, DataType.FLOAT64, new float[] {0, 1, 1}, 1, 3);
      double[] p = att.forward(x, mask, 0f, false).probabilities().toDoubleArray(); // [1, 2, 3, 3]
      for (int h = 0; h < 2; h++) {
        for (int t = 1; t < 3; t++) {
          double sum = 0;
          for (int s = 0; s < 3; s++) {
            double v = p[(h * 3 + t) * 3 + s];
            if (s > t || s == 0) assertEquals(0.0, v, 0.0, "head " + h + " query " + t + " key " + s);
            sum += v;
          }
          assertEquals(1.0, sum, 1e-12);
        }
      }
    }
  }

  @ParameterizedTest(name = "dense {0}")
  @ValueSource(booleans = {false, true})
  void embeddingAndAttributeMeanGradientsMatchFiniteDifferences(boolean dense) {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      Embedding items = new Embedding(store, "item_embedding", 5, 3, true);
      Embedding attributes = new Embedding(store, "attribute_embedding", 4, 3, false);
      // Token 1 has attributes {0, 2}, token 2 none, token 3 {3}, token 4 {1, 2, 3}.
      AttributeMean mean = new AttributeMean(m, DataType.FLOAT64, new int[] {0, 0, 2, 2, 3, 6},
          new int[] {0, 2, 3, 1, 2, 3}, 4, dense);
      NDArray tokens = m.create(new long[] {1, 4, 4, 0, 2, 3}, new Shape(2, 3));
      check(store, () -> {
        NDArray table = items.weight().add(mean.forward(attributes.weight()));
        return Embedding.lookup(table, tokens);
      });
      // Row 4 = mean of attributes 1, 2, 3.
      double[] a = store.get("attribute_embedding").toDoubleArray();
      double[] r = mean.forward(store.get("attribute_embedding")).toDoubleArray();
      for (int j = 0; j < 3; j++) assertEquals((a[3 + j] + a[6 + j] + a[9 + j]) / 3, r[12 + j], 1e-12);
    }
  }

  @Test
  void gruGradientsMatchFiniteDifferences() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      Gru gru = new Gru(store, "gru", 3, 4);
      randomise(store, "gru.input_bias", 0.5);
      randomise(store, "gru.recurrent_bias", 0.5);
      NDArray x = store.normal("input", 1.0, 2, 4, 3);
      // Second sequence left-padded by two steps: the loss must not reach its padded inputs (their gradient is 0).
      NDArray rows = m.create(new double[] {1, 1, 1, 1, 0, 0, 1, 1}, new Shape(2, 4, 1));
      check(store, () -> gru.forward(x, rows));
      double[] g = store.get("input").getGradient().toDoubleArray();
      for (int k = 12; k < 18; k++) assertEquals(0.0, g[k], 0.0, "padded input " + k);
    }
  }

  @Test
  void gruStateIsZeroOverPaddingAndPaddingChangesNothing() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      Gru gru = new Gru(store, "gru", 3, 4);
      randomise(store, "gru.input_bias", 0.5);
      randomise(store, "gru.recurrent_bias", 0.5);
      NDArray x = store.normal("input", 1.0, 1, 5, 3);
      double[] padded = gru.forward(x, m.create(new double[] {0, 0, 1, 1, 1}, new Shape(1, 5, 1))).toDoubleArray();
      double[] alone = gru.forward(x.get(":, 2:, :"), m.ones(new Shape(1, 3, 1), DataType.FLOAT64)).toDoubleArray();
      for (int k = 0; k < 8; k++) assertEquals(0.0, padded[k], 0.0, "state over padding");
      for (int k = 0; k < 12; k++) assertEquals(alone[k], padded[8 + k], 1e-15, "real step state " + k);
      assertTrue(Math.abs(alone[0]) > 1e-3, "the state moves");
    }
  }

  @Test
  void additiveAttentionGradientsMatchFiniteDifferences() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      AdditiveAttention att = new AdditiveAttention(store, "att", 4);
      NDArray h = store.normal("input", 1.0, 2, 4, 4);
      // As for self-attention: the padded query row of the second sequence is all-masked and multiplied by 0.
      float[] keyMask = {1, 1, 1, 1, 0, 1, 1, 1};
      NDArray mask = CausalSelfAttention.mask(m, DataType.FLOAT64, keyMask, 2, 4);
      NDArray rows = m.create(new double[] {1, 1, 1, 1, 0, 1, 1, 1}, new Shape(2, 4, 1));
      check(store, () -> att.forward(h, mask).context().mul(rows));
    }
  }

  @Test
  void additiveAttentionWeightsAreCausalAndSumToOne() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      AdditiveAttention att = new AdditiveAttention(store, "att", 4);
      NDArray h = store.normal("input", 1.0, 1, 3, 4);
      NDArray mask = CausalSelfAttention.mask(m, DataType.FLOAT64, new float[] {0, 1, 1}, 1, 3);
      AdditiveAttention.Output out = att.forward(h, mask);
      double[] a = out.weights().toDoubleArray(); // [1, 3, 3]
      double[] c = out.context().toDoubleArray(); // [1, 3, 4]
      double[] hv = h.toDoubleArray();
      for (int t = 1; t < 3; t++) {
        double sum = 0;
        for (int j = 0; j < 3; j++) {
          double w = a[t * 3 + j];
          if (j > t || j == 0) assertEquals(0.0, w, 0.0, "query " + t + " key " + j);
          sum += w;
        }
        assertEquals(1.0, sum, 1e-12);
        for (int k = 0; k < 4; k++) {
          double expected = 0;
          for (int j = 0; j < 3; j++) expected += a[t * 3 + j] * hv[j * 4 + k];
          assertEquals(expected, c[t * 4 + k], 1e-12, "context is the weighted sum of states");
        }
      }
      assertEquals(1.0, a[4], 1e-12, "the first real step attends only to itself");
    }
  }

  @Test
  void mlpGradientsMatchFiniteDifferences() {
    // #4 the MLP of the CTR models
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      Mlp mlp = new Mlp(store, "mlp", 5, 7, 3, 2);
      for (int k = 0; k < 3; k++) randomise(store, "mlp." + k + ".bias", 0.5);
      NDArray x = store.normal("input", 1.0, 4, 5);
      check(store, () -> mlp.forward(x));
    }
  }

  @Test
  void targetAttentionGradientsMatchFiniteDifferences() {
    // #4 DIN's activation unit, with one padded history position and one row without history
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      TargetAttention att = new TargetAttention(store, "att", 3, 5);
      randomise(store, "att.mlp.0.bias", 0.5);
      randomise(store, "att.mlp.1.bias", 0.5);
      NDArray history = store.normal("history", 1.0, 3, 4, 3);
      NDArray candidate = store.normal("candidate", 1.0, 3, 3);
      double masked = CausalSelfAttention.MASKED;
      NDArray mask = m.create(new double[] {masked, 0, 0, 0, 0, 0, 0, 0, masked, masked, masked, masked},
          new Shape(3, 4));
      NDArray has = m.create(new double[] {1, 1, 0}, new Shape(3, 1));
      // The pooled vector and the weights of the rows with history (the third row's weights mean nothing).
      NDArray rows = m.create(new double[] {1, 1, 0}, new Shape(3, 1));
      check(store, () -> {
        TargetAttention.Output o = att.forward(history, candidate, mask, has);
        return o.pooled().concat(o.weights().mul(rows), 1);
      });
    }
  }

  @Test
  void targetAttentionWeightsSumToOneOverRealEventsAndPoolThem() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      TargetAttention att = new TargetAttention(store, "att", 2, 4);
      NDArray history = store.normal("history", 1.0, 1, 3, 2);
      NDArray candidate = store.normal("candidate", 1.0, 1, 2);
      NDArray mask = m.create(new double[] {CausalSelfAttention.MASKED, 0, 0}, new Shape(1, 3));
      TargetAttention.Output o = att.forward(history, candidate, mask, m.create(new double[] {1}, new Shape(1, 1)));
      double[] a = o.weights().toDoubleArray();
      assertEquals(0, a[0], 1e-12, "padding gets no weight");
      assertEquals(1, a[1] + a[2], 1e-12, "weights over real events sum to 1");
      double[] h = history.toDoubleArray();
      double[] v = o.pooled().toDoubleArray();
      for (int k = 0; k < 2; k++) assertEquals(a[1] * h[2 + k] + a[2] * h[4 + k], v[k], 1e-12);
    }
  }

  @Test
  void sharedQueryAttentionGradientsMatchFiniteDifferences() {
    // #5 the scene-transfer attention: shared candidates, one padded history step and one row without history
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      SharedQueryAttention att = new SharedQueryAttention(store, "att", 3);
      NDArray candidates = store.normal("candidates", 1.0, 4, 3);
      NDArray history = store.normal("history", 1.0, 3, 2, 3);
      double masked = CausalSelfAttention.MASKED;
      NDArray mask = m.create(new double[] {0, masked, 0, 0, masked, masked}, new Shape(3, 2));
      NDArray has = m.create(new double[] {1, 1, 0}, new Shape(3, 1));
      NDArray rows = m.create(new double[] {1, 1, 0}, new Shape(3, 1, 1));
      check(store, () -> {
        SharedQueryAttention.Output o = att.forward(candidates, history, mask, has);
        return o.pooled().concat(o.weights().mul(rows), 2);
      });
    }
  }

  @Test
  void sharedQueryAttentionWeightsSumToOneOverRealEventsAndPoolValues() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, SEED)) {
      SharedQueryAttention att = new SharedQueryAttention(store, "att", 2);
      NDArray candidates = store.normal("candidates", 1.0, 2, 2);
      NDArray history = store.normal("history", 1.0, 1, 3, 2);
      NDArray mask = m.create(new double[] {0, 0, CausalSelfAttention.MASKED}, new Shape(1, 3));
      SharedQueryAttention.Output o = att.forward(candidates, history, mask, m.create(new double[] {1}, new Shape(1, 1)));
      double[] a = o.weights().toDoubleArray(); // [1, 2, 3]
      double[] v = history.matMul(store.get("att.value")).toDoubleArray(); // [1, 3, 2]
      double[] z = o.pooled().toDoubleArray(); // [1, 2, 2]
      for (int c = 0; c < 2; c++) {
        assertEquals(0, a[c * 3 + 2], 1e-12, "padding gets no weight");
        assertEquals(1, a[c * 3] + a[c * 3 + 1], 1e-12, "weights over real events sum to 1");
        for (int k = 0; k < 2; k++) assertEquals(a[c * 3] * v[k] + a[c * 3 + 1] * v[2 + k], z[c * 2 + k], 1e-12);
      }
      assertTrue(Math.abs(a[0] - a[3]) > 1e-6, "different queries attend differently");
    }
  }

  private static void perturbAffine(ParameterStore store, String prefix) {
    randomise(store, prefix + ".gamma", 0.5);
    randomise(store, prefix + ".beta", 0.5);
  }

  private static void randomise(ParameterStore store, String name, double std) {
    double[] v = store.get(name).toDoubleArray();
    SplittableRandom r = new SplittableRandom(name.hashCode());
    for (int k = 0; k < v.length; k++) v[k] += r.nextGaussian() * std;
    store.setValues(name, v);
  }

  /** Checks the gradient of every parameter (inputs included) of {@code store}. */
  private static void check(ParameterStore store, Supplier<NDArray> forward) {
    NDManager m = store.manager();
    NDArray r;
    try (NDArray probe = forward.get()) {
      double[] w = new double[(int) probe.size()];
      SplittableRandom random = new SplittableRandom(SEED);
      for (int k = 0; k < w.length; k++) w[k] = random.nextGaussian();
      r = m.create(w, probe.getShape());
    }
    store.requireGradients();
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(forward.get().mul(r).sum());
    }
    for (String name : store.names()) {
      NDArray p = store.get(name);
      double[] analytic = p.getGradient().toDoubleArray();
      double[] values = p.toDoubleArray();
      double[] numeric = new double[values.length];
      for (int k = 0; k < values.length; k++) {
        double keep = values[k];
        values[k] = keep + H;
        store.setValues(name, values);
        double plus = forward.get().mul(r).sum().getDouble();
        values[k] = keep - H;
        store.setValues(name, values);
        double minus = forward.get().mul(r).sum().getDouble();
        values[k] = keep;
        numeric[k] = (plus - minus) / (2 * H);
      }
      store.setValues(name, values);
      double diff = 0;
      double na = 0;
      double nn = 0;
      for (int k = 0; k < values.length; k++) {
        diff += (analytic[k] - numeric[k]) * (analytic[k] - numeric[k]);
        na += analytic[k] * analytic[k];
        nn += numeric[k] * numeric[k];
      }
      double rel = Math.sqrt(diff) / Math.max(Math.sqrt(na) + Math.sqrt(nn), 1e-300);
      if (name.equals("item_embedding")) {
        // Row 0 is padding and never looked up here except through token 0: its gradient must be that of the lookups.
        assertTrue(na > 0, "item_embedding has a gradient");
      }
      // A gradient that is zero in exact arithmetic (the key bias: softmax ignores a shift shared by all keys)
      // has no relative error to speak of; there the absolute difference must be round-off (other entries are O(1)).
      assertTrue(rel < TOLERANCE || Math.sqrt(diff) < ABSOLUTE,
          name + ": relative error " + rel + ", absolute " + Math.sqrt(diff) + " (seed " + SEED + ")");
    }
  }
}
