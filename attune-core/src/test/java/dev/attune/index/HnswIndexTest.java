package dev.attune.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernel.TopKSelector;
import dev.attune.kernel.VectorOps;
import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link HnswIndex} against exact maximum-inner-product search on seeded random vectors. */
class HnswIndexTest {
  private static final int N = 3000;
  private static final int D = 16;

  private static float[] vectors(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[N * D];
    for (int i = 0; i < N; i++) {
      double norm = 0.5 + r.nextDouble(); // unequal norms: inner product is not cosine
      for (int d = 0; d < D; d++) v[i * D + d] = (float) (r.nextGaussian() * norm);
    }
    return v;
  }

  private static TopK exact(float[] v, float[] q, int k, ItemFilter filter) {
    float[] scores = new float[N];
    for (int i = 0; i < N; i++) scores[i] = VectorOps.dot(q, 0, v, i * D, D);
    return TopKSelector.select(scores, N, k, filter);
  }

  @Test
  void findsMostOfTheExactTopTen() {
    float[] v = vectors(3);
    HnswIndex index = HnswIndex.build(v, N, D, HnswIndex.Params.DEFAULTS);
    SplittableRandom r = new SplittableRandom(4);
    int hits = 0;
    int total = 0;
    for (int q = 0; q < 100; q++) {
      float[] query = new float[D];
      for (int d = 0; d < D; d++) query[d] = (float) r.nextGaussian();
      TopK approx = index.search(query, 10, null);
      TopK truth = exact(v, query, 10, ItemFilter.ALL);
      assertEquals(10, approx.size());
      Set<Integer> want = new HashSet<>();
      for (int i : truth.items()) want.add(i);
      for (int i : approx.items()) if (want.contains(i)) hits++;
      total += 10;
      for (int k = 0; k < approx.size(); k++) {
        assertEquals(VectorOps.dot(query, 0, v, approx.item(k) * D, D), approx.score(k), 0f, "exact scores");
        if (k > 0) assertTrue(approx.score(k) <= approx.score(k - 1), "best first");
      }
    }
    double recall = hits / (double) total;
    System.out.printf("HNSW recall@10 on %d x %d random vectors: %.3f%n", N, D, recall);
    assertTrue(recall >= 0.9, "recall@10 " + recall);
  }

  @Test
  void theFilterIsAppliedAndTheSearchWidensUntilEnoughPass() {
    float[] v = vectors(5);
    HnswIndex index = HnswIndex.build(v, N, D, new HnswIndex.Params(8, 50, 20, 1));
    float[] query = new float[D];
    query[0] = 1f;
    TopK best = index.search(query, 5, null);
    int top = best.item(0);
    TopK without = index.search(query, 5, i -> i != top);
    for (int i : without.items()) assertFalse(i == top);
    // only every 100th item passes: the search must widen far beyond k to find 5 of them
    TopK sparse = index.search(query, 5, i -> i % 100 == 0);
    assertEquals(5, sparse.size());
    for (int i : sparse.items()) assertEquals(0, i % 100);
    TopK none = index.search(query, 5, i -> false);
    assertEquals(0, none.size());
    assertThrows(IllegalArgumentException.class, () -> index.search(new float[D + 1], 5, null));
  }
}
