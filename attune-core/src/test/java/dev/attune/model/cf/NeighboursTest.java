package dev.attune.model.cf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.attune.data.Interactions;
import dev.attune.kernel.TopKSelector;
import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Neighbours#compute}, which reads and resets only the rows a row co-occurs with, against the dense reference:
 * every row's similarities over all rows ({@link Neighbours#similarityRow}), then the top k of them.
 */
class NeighboursTest {

  @Test
  void sparseSelectionEqualsTheDenseReference() {
    SplittableRandom r = new SplittableRandom(11);
    int users = 300;
    int items = 500;
    int events = 3_000;
    int[] u = new int[events];
    int[] i = new int[events];
    float[] w = new float[events];
    for (int e = 0; e < events; e++) {
      u[e] = r.nextInt(users);
      i[e] = r.nextInt(40) == 0 ? 7 : r.nextInt(items); // item 7 popular, many items with no event
      // a few negative weights (dislikes), whole numbers so that dot products can cancel to exactly 0
      w[e] = r.nextInt(10) == 0 ? -1f : 1 + r.nextInt(3);
    }
    Interactions byUser = Interactions.fromTriples(users, items, u, i, w);
    Interactions byItem = byUser.transpose();
    for (int threads : new int[] {1, 2}) {
      for (float shrinkage : new float[] {0f, 10f}) {
        Neighbours sparse = Neighbours.compute(byItem, byUser, 12, shrinkage, threads, null, "test");
        float[] norms = Neighbours.norms(byItem);
        for (int a = 0; a < items; a++) {
          float[] acc = new float[items];
          Neighbours.similarityRow(byItem, byUser, norms, shrinkage, a, acc);
          for (int b = 0; b < items; b++) if (acc[b] == 0f) acc[b] = Float.NaN;
          TopK dense = TopKSelector.select(acc, items, 12, ItemFilter.ALL);
          int[] got = Arrays.copyOfRange(sparse.indices, sparse.indptr[a], sparse.indptr[a + 1]);
          float[] sims = Arrays.copyOfRange(sparse.similarities, sparse.indptr[a], sparse.indptr[a + 1]);
          assertArrayEquals(dense.items(), got, "row " + a + ", " + threads + " threads, shrinkage " + shrinkage);
          assertArrayEquals(dense.scores(), sims, 0f, "row " + a);
        }
      }
    }
  }
}
