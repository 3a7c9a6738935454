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
}
