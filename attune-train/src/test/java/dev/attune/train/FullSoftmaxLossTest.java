package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.attune.train.nn.ParameterStore;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chunked, hand-differentiated catalogue softmax of {@link SequenceTraining#fullSoftmaxLoss} against
 * autograd through log-softmax (float64): same value, same gradients for the states and the items, for one
 * position, a partial chunk, a whole chunk and several chunks.
 */
class FullSoftmaxLossTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 50, SequenceTraining.SOFTMAX_CHUNK, 2 * SequenceTraining.SOFTMAX_CHUNK + 37})
  void valueAndGradientsEqualAutogradThroughLogSoftmax(int positions) {
    int items = 23;
    int d = 5;
    int[] targets = new SplittableRandom(3).ints(positions, 0, items).toArray();
    double[][] reference = run(positions, items, d, targets, false);
    double[][] fused = run(positions, items, d, targets, true);
    assertEquals(reference[0][0], fused[0][0], 1e-12 * Math.abs(reference[0][0]), "loss");
    for (int g = 1; g <= 2; g++) {
      double num = 0;
      double den = 0;
      for (int k = 0; k < reference[g].length; k++) {
        num += Math.pow(reference[g][k] - fused[g][k], 2);
        den += Math.pow(reference[g][k], 2);
      }
      assertTrue(den > 0);
      assertTrue(Math.sqrt(num / den) < 1e-12, "relative gradient error " + Math.sqrt(num / den) + " (tensor " + g + ")");
    }
  }

  /** {loss}, d loss / d states, d loss / d items. */
  private static double[][] run(int positions, int items, int d, int[] targets, boolean fused) {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT64, 9L)) {
      // scaled up so that the softmax is far from uniform
      NDArray table = store.normal("items", 2.0, items, d);
      NDArray states = store.normal("states", 2.0, positions, d);
      store.requireGradients();
      try (NDManager scope = m.newSubManager()) {
        store.attachTo(scope);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray value;
          if (fused) {
            value = SequenceTraining.fullSoftmaxLoss(scope, table, states, targets);
          } else {
            long[] t = new long[positions];
            for (int k = 0; k < positions; k++) t[k] = targets[k];
            value = states.matMul(table.transpose()).logSoftmax(1)
                .gather(scope.create(t, new Shape(positions, 1)), 1).neg().mean();
          }
          double loss = value.getDouble();
          collector.backward(value);
          return new double[][] {{loss}, store.get("states").getGradient().toDoubleArray(),
              store.get("items").getGradient().toDoubleArray()};
        }
      }
    }
  }
}
