package dev.attune.infer.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LayersTest {
  @Test
  void linearComputesXTimesWPlusB() {
    // W = [[1, 2, 3], [4, 5, 6]] ([in = 2, out = 3]), b = [0.5, 0, -1], x = [1, -1]:
    // y = [1 - 4 + 0.5, 2 - 5, 3 - 6 - 1] = [-2.5, -3, -4]
    Linear l = new Linear(2, 3, new float[] {1, 2, 3, 4, 5, 6}, new float[] {0.5f, 0, -1});
    float[] y = new float[4];
    l.forward(new float[] {9, 1, -1}, 1, y, 1);
    assertArrayEquals(new float[] {0, -2.5f, -3, -4}, y, 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> new Linear(2, 3, new float[5], null));
  }

  @Test
  void layerNormUsesPopulationVariance() {
    // v = [1, 3]: mean 2, population variance 1, so (v - 2) / sqrt(1 + 0) = [-1, 1]; × [2, 3] + [0, 1] = [-2, 4]
    LayerNorm n = new LayerNorm(new float[] {2, 3}, new float[] {0, 1}, 0f);
    float[] v = {1, 3};
    n.forward(v, 0, v, 0);
    assertArrayEquals(new float[] {-2, 4}, v, 1e-6f);
    float[] constant = {5, 5};
    n.forward(constant, 0, constant, 0);
    assertArrayEquals(new float[] {0, 1}, constant, 0f, "a constant row with ε = 0 is β, not NaN");
  }

  @Test
  void feedForwardAppliesReluBetweenTheLayers() {
    // W1 = I (2 x 2), b1 = [0, -5]; x = [1, 2] -> relu([1, -3]) = [1, 0]; W2 = [[2, 0], [0, 7]], b2 = [1, 1] -> [3, 1]
    FeedForward f = new FeedForward(new Linear(2, 2, new float[] {1, 0, 0, 1}, new float[] {0, -5}),
        new Linear(2, 2, new float[] {2, 0, 0, 7}, new float[] {1, 1}));
    float[] y = new float[2];
    f.forward(new float[] {1, 2}, 0, y, 0, new float[2]);
    assertArrayEquals(new float[] {3, 1}, y, 1e-6f);
  }

  @Test
  void gruAppliesTheResetGateAfterTheRecurrentBias() {
    // in = 1, H = 1; columns [r | z | n]. Wi = [0, 0, 1], bi = 0; Wh = [0, 0, 1], bh = [0, 0, 1].
    // Step 0, x = 0.5, h = 0: g = [0, 0, 0.5], q = [0, 0, 1] -> r = z = σ(0) = 0.5,
    //   n = tanh(0.5 + 0.5 × 1) = tanh(1) = 0.76159416, h0 = 0.5 × n + 0.5 × 0 = 0.38079708.
    // Step 1, x = 0: g = 0, q = [0, 0, 0.38079708 + 1] -> n = tanh(0.5 × 1.38079708) = 0.59823797,
    //   h1 = 0.5 × 0.59823797 + 0.5 × 0.38079708 = 0.48951752.
    // (Multiplying r into h before Wh, as in Cho et al., would give tanh(0.5 × 0.38079708 + 1) for step 1.)
    Gru gru = new Gru(new Linear(1, 3, new float[] {0, 0, 1}, null), new Linear(1, 3, new float[] {0, 0, 1},
        new float[] {0, 0, 1}));
    float[] states = new float[2];
    gru.forward(new float[] {0.5f, 0f}, 2, states, gru.newScratch());
    assertArrayEquals(new float[] {0.38079708f, 0.48951752f}, states, 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> new Gru(new Linear(2, 3, new float[6], null),
        new Linear(2, 6, new float[12], null)));
  }

  @Test
  void additiveAttentionNormalisesTheScoresWithASoftmax() {
    // H = 1, A1 = [0], A2 = [1], v = [1], states h = [0, 2], query row 1:
    // e_0 = σ(0 + 0) = 0.5, e_1 = σ(0 + 2) = 0.88079708; α = softmax(e) = [0.40593467, 0.59406533];
    // c = 0.40593467 × 0 + 0.59406533 × 2 = 1.18813067.
    AdditiveAttention a = new AdditiveAttention(new Linear(1, 1, new float[] {0}, null),
        new Linear(1, 1, new float[] {1}, null), new float[] {1});
    float[] weights = new float[2];
    float[] context = new float[2];
    a.forward(new float[] {0, 2}, 1, weights, context, 1, a.newScratch());
    assertArrayEquals(new float[] {0.40593467f, 0.59406533f}, weights, 1e-6f);
    assertArrayEquals(new float[] {0, 1.18813067f}, context, 1e-6f);
    // Query row 0 sees only itself.
    a.forward(new float[] {0, 2}, 0, weights, context, 0, a.newScratch());
    assertArrayEquals(new float[] {1, 0}, new float[] {weights[0], context[0]}, 1e-6f);
  }
}
