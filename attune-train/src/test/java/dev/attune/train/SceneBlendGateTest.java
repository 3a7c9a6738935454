package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The gate search's pruning ({@link SceneBlendGate#contenders}) against the full ranking it replaces: on components
 * with ties, a constant component, identical items and excluded items, NDCG@10 over the contenders equals NDCG@10
 * over every item at every point of the grid, and the contenders are few.
 */
class SceneBlendGateTest {
  private static final int ITEMS = 600;

  /** Only the buckets a cold protocol's users left without examples are taken from the warm users' gate. */
  @Test
  void copiedBucketsAreFilledFromTheWarmGateAndTunedOnesKept() {
    int[] buckets = {0, 1, 2, 4};
    float[] cold = new float[4 * 6];
    float[] warm = new float[4 * 6];
    for (int b = 0; b < 4; b++) {
      cold[6 * b] = 1f; // attention alone, copied up from bucket 0 into 2 and 3
      warm[6 * b + 1] = 1f; // iALS alone
    }
    SceneBlendGate.Tuned coldTuned = new SceneBlendGate.Tuned(cold, buckets, new int[] {40, 30, 0, 0},
        new double[] {0.1, 0.2, Double.NaN, Double.NaN});
    SceneBlendGate.Tuned warmTuned = new SceneBlendGate.Tuned(warm, buckets, new int[] {90, 80, 70, 0},
        new double[] {0.3, 0.3, 0.4, Double.NaN});
    assertTrue(SceneBlendGate.hasCopiedBuckets(coldTuned));
    SceneBlendGate.Tuned filled = SceneBlendGate.fillCopiedBuckets(coldTuned, warmTuned);
    for (int b = 0; b < 4; b++) {
      assertEquals(b < 2 ? 1f : 0f, filled.gate()[6 * b], "attention weight of bucket " + b);
      assertEquals(b < 2 ? 0f : 1f, filled.gate()[6 * b + 1], "iALS weight of bucket " + b);
    }
    assertArrayEquals(new int[] {40, 30, 70, 0}, filled.examples(), "the warm gate's own copy stays a copy");
    assertEquals(1f, cold[0], "the cold gate is not changed");
    assertThrows(IllegalArgumentException.class, () -> SceneBlendGate.fillCopiedBuckets(coldTuned,
        new SceneBlendGate.Tuned(warm, new int[] {0, 1, 3, 4}, new int[4], new double[4])));
  }

  @Test
  void contendersRankLikeEveryItemAtEveryGridPoint() {
    SplittableRandom random = new SplittableRandom(11L);
    float[][] grid = SceneBlendGate.grid(SceneBlendGate.STEPS);
    float[] combined = new float[ITEMS];
    int pruned = 0;
    for (int example = 0; example < 12; example++) {
      float[][] c = components(random);
      boolean[] excluded = new boolean[ITEMS];
      for (int r = 0; r < ITEMS; r++) excluded[r] = random.nextDouble() < 0.1;
      int[] relevant = new int[5];
      for (int j = 0; j < relevant.length; j++) relevant[j] = random.nextInt(ITEMS);
      SceneBlendGate.Example e = new SceneBlendGate.Example(null, new int[0], relevant, excluded);
      int[] rows = SceneBlendGate.contenders(c, excluded, 10);
      for (int j = 1; j < rows.length; j++) assertTrue(rows[j - 1] < rows[j], "ascending");
      for (int r : rows) assertTrue(!excluded[r], "an excluded item is never a contender");
      pruned += ITEMS - rows.length;
      for (float[] g : grid) {
        double all = SceneBlendGate.ndcg(c, g, e, notExcluded(excluded), combined);
        double some = SceneBlendGate.ndcg(c, g, e, rows, combined);
        assertEquals(all, some, 0.0, "example " + example + ", gate " + java.util.Arrays.toString(g));
      }
      // the top 10 itself, not only its NDCG: every item of the full top 10 of a few gates is a contender
      for (int r : top10(c, new float[] {0.3f, 0.2f, 0.1f, 0.1f, 0.2f, 0.1f}, excluded)) {
        assertTrue(java.util.Arrays.binarySearch(rows, r) >= 0, "top item " + r + " kept");
      }
    }
    assertTrue(pruned > 12 * ITEMS / 2, "most items cannot reach a top 10: pruned " + pruned);
  }

  /**
   * Six components as the blend has them: correlated scores, one coarse with many ties, one constant (iALS with no
   * target events), a popularity-like one, and a block of identical items.
   */
  private static float[][] components(SplittableRandom random) {
    float[][] c = new float[6][ITEMS];
    for (int r = 0; r < ITEMS; r++) {
      double base = random.nextGaussian();
      c[0][r] = (float) base;
      c[1][r] = (float) (0.7 * base + 0.3 * random.nextGaussian());
      c[2][r] = Math.round(4 * (base + random.nextGaussian())) / 4f;
      c[3][r] = 0f;
      c[4][r] = (float) Math.log1p(Math.floor(Math.exp(2 + base + random.nextGaussian())));
      c[5][r] = random.nextInt(3);
    }
    for (int r = 1; r < 40; r++) for (float[] k : c) k[r] = k[0]; // identical items: the index breaks their ties
    return c;
  }

  private static int[] notExcluded(boolean[] excluded) {
    return java.util.stream.IntStream.range(0, excluded.length).filter(r -> !excluded[r]).toArray();
  }

  private static int[] top10(float[][] c, float[] g, boolean[] excluded) {
    Integer[] order = java.util.stream.IntStream.range(0, ITEMS).filter(r -> !excluded[r]).boxed()
        .toArray(Integer[]::new);
    float[] s = new float[ITEMS];
    for (int k = 0; k < c.length; k++) for (int r = 0; r < ITEMS; r++) s[r] += g[k] * c[k][r];
    java.util.Arrays.sort(order, (x, y) -> s[x] != s[y] ? Float.compare(s[y], s[x]) : Integer.compare(x, y));
    return java.util.Arrays.stream(order).limit(10).mapToInt(Integer::intValue).toArray();
  }
}
