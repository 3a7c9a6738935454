package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.attune.train.nn.ParameterStore;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The batching and the non-finite-gradient guard of {@link SequenceTraining}. */
class SequenceTrainingTest {

  @Test
  void batchesCoverEveryUserOnceAndGroupSimilarLengths() {
    int users = 5000;
    int[] ids = new int[users];
    int[] length = new int[users];
    SplittableRandom r = new SplittableRandom(1);
    for (int u = 0; u < users; u++) {
      ids[u] = u;
      length[u] = 1 + r.nextInt(50);
    }
    int[][] batches = SequenceTraining.batches(ids, length, 32, new SplittableRandom(7));
    int[] seen = new int[users];
    long padded = 0;
    long real = 0;
    for (int[] b : batches) {
      assertTrue(b.length <= 32 && b.length > 0);
      int longest = Arrays.stream(b).map(u -> length[u]).max().orElseThrow();
      for (int u : b) {
        seen[u]++;
        real += length[u];
        padded += longest;
      }
    }
    for (int u = 0; u < users; u++) assertEquals(1, seen[u], "user " + u);
    // unsorted batches of uniform lengths 1..50 would pad to about 2x the real steps
    assertTrue(padded < 1.2 * real, "padding " + padded + " for " + real + " real steps");
    int[][] again = SequenceTraining.batches(ids, length, 32, new SplittableRandom(7));
    for (int b = 0; b < batches.length; b++) assertArrayEquals(batches[b], again[b], "same seed, same batches");
  }

  @Test
  void guardRejectsNonFiniteGradients() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT32, 3L)) {
      NDArray w = store.normal("w", 1.0, 3, 2);
      store.requireGradients();
      assertTrue(gradientOf(store, m, w, 1f), "finite");
      store.zeroGradients();
      assertFalse(gradientOf(store, m, w, Float.NaN), "NaN");
      store.zeroGradients();
      assertFalse(gradientOf(store, m, w, Float.POSITIVE_INFINITY), "infinite");
    }
  }

  /** Backpropagates sum(w × scale) and asks the guard. */
  private static boolean gradientOf(ParameterStore store, NDManager m, NDArray w, float scale) {
    try (NDManager scope = m.newSubManager()) {
      store.attachTo(scope);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(w.mul(scale).sum());
      }
      return SequenceTraining.gradientsFinite(store, scope);
    }
  }
}
