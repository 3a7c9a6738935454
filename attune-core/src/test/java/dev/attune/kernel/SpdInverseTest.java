package dev.attune.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class SpdInverseTest {
  private static final int[] SIZES = {1, 2, 7, 33, 64, 65, 130, 300};
  /** Small blocking so that sizes up to 300 cross many panels, tiles and edges. */
  private static final int[][] BLOCKINGS = {
      {SpdInverse.PANEL, SpdInverse.TILE_ROWS, SpdInverse.TILE_COLS}, {16, 8, 8}, {24, 12, 40}, {5, 4, 3}
  };

  /** Bᵀ B + n I for B uniform in [-1, 1]: well conditioned, dense. */
  private static double[] randomSpd(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] b = new double[n * n];
    for (int i = 0; i < b.length; i++) b[i] = r.nextDouble() * 2 - 1;
    double[] g = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = 0;
        for (int k = 0; k < n; k++) s += b[k * n + i] * b[k * n + j];
        g[i * n + j] = s;
        g[j * n + i] = s;
      }
      g[i * n + i] += n;
    }
    return g;
  }

  /**
   * XᵀX + λI for a binary user × item matrix with a skewed item popularity, like the EASE Gram matrix:
   * integer co-occurrence counts, many zeros, a few large entries.
   */
  private static double[] coOccurrenceGram(int n, double lambda, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] g = new double[n * n];
    int users = 20 * n + 50;
    boolean[] seen = new boolean[n];
    int[] items = new int[n];
    for (int u = 0; u < users; u++) {
      int count = 0;
      int length = 1 + r.nextInt(Math.min(n, 30));
      for (int t = 0; t < length; t++) {
        int item = (int) (n * Math.pow(r.nextDouble(), 2.5)); // popular items have small indices
        if (!seen[item]) {
          seen[item] = true;
          items[count++] = item;
        }
      }
      for (int p = 0; p < count; p++) {
        for (int q = 0; q < count; q++) g[items[p] * n + items[q]] += 1;
        seen[items[p]] = false;
      }
    }
    for (int i = 0; i < n; i++) g[i * n + i] += lambda;
    return g;
  }

  private static double[] ejmlInverse(double[] g, int n) {
    DMatrixRMaj inverse = new DMatrixRMaj(n, n);
    assertTrue(CommonOps_DDRM.invertSPD(DMatrixRMaj.wrap(n, n, g.clone()), inverse));
    return inverse.getData();
  }

  private static double[] invert(double[] g, int n, int threads, boolean simd, int[] blocking) {
    double[] a = g.clone();
    SpdInverse.invertInPlace(a, n, threads, simd, blocking[0], blocking[1], blocking[2]);
    return a;
  }

  private static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) m = Math.max(m, Math.abs(v));
    return m;
  }

  /** max |G · inv − I| divided by max |G| · max |inv|, the scale of a single product term. */
  private static double scaledResidual(double[] g, double[] inv, int n) {
    double worst = 0;
    double[] row = new double[n];
    for (int i = 0; i < n; i++) {
      java.util.Arrays.fill(row, 0);
      for (int k = 0; k < n; k++) {
        double gik = g[i * n + k];
        for (int j = 0; j < n; j++) row[j] += gik * inv[k * n + j];
      }
      for (int j = 0; j < n; j++) worst = Math.max(worst, Math.abs(row[j] - (i == j ? 1 : 0)));
    }
    return worst / (maxAbs(g) * maxAbs(inv));
  }

  private static double relativeDifference(double[] actual, double[] expected) {
    double diff = 0;
    for (int i = 0; i < expected.length; i++) diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    return diff / maxAbs(expected);
  }

  private static void checkAgainstEjml(double[] g, int n, String what) {
    double[] expected = ejmlInverse(g, n);
    for (int[] blocking : BLOCKINGS) {
      String label = what + " n=" + n + " blocking=" + java.util.Arrays.toString(blocking);
      double[] inv = invert(g, n, 2, true, blocking);
      assertTrue(relativeDifference(inv, expected) < 1e-10, label + ": differs from EJML by "
          + relativeDifference(inv, expected));
      if (blocking == BLOCKINGS[0]) { // the others agree with EJML, hence with this one
        double residual = scaledResidual(g, inv, n);
        assertTrue(residual < 1e-12, label + ": residual " + residual);
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
          assertEquals(inv[i * n + j], inv[j * n + i], 0.0, label + ": not symmetric at " + i + "," + j);
        }
      }
    }
  }

  @Test
  void vectorKernelRunsWhenTheModuleIsPresent() {
    assertEquals("vector", SpdInverse.implementation());
  }

  @Test
  void invertsRandomDenseMatricesLikeEjml() {
    for (int n : SIZES) {
      long seed = 1000 + n;
      checkAgainstEjml(randomSpd(n, seed), n, "random seed=" + seed);
    }
  }

  @Test
  void invertsCoOccurrenceGramMatricesLikeEjml() {
    for (int n : SIZES) {
      long seed = 2000 + n;
      checkAgainstEjml(coOccurrenceGram(n, 10, seed), n, "gram seed=" + seed);
    }
  }

  @Test
  void productWithOriginalIsIdentity() {
    int n = 300;
    long seed = 7;
    double[] g = coOccurrenceGram(n, 500, seed);
    double[] inv = g.clone();
    SpdInverse.invertInPlace(inv, n, 2);
    // Entries of G reach a few thousand and those of G⁻¹ about 1/500; G · G⁻¹ sums 300 products.
    double worst = scaledResidual(g, inv, n) * maxAbs(g) * maxAbs(inv);
    assertTrue(worst < 1e-9, "seed=" + seed + ": max |G G⁻¹ - I| = " + worst);
  }

  @Test
  void resultDoesNotDependOnThreadCount() {
    for (int n : new int[] {65, 300}) {
      for (int[] blocking : BLOCKINGS) {
        double[] g = coOccurrenceGram(n, 50, 3000 + n);
        double[] one = invert(g, n, 1, true, blocking);
        assertArrayEquals(one, invert(g, n, 2, true, blocking), "n=" + n);
        assertArrayEquals(one, invert(g, n, 3, true, blocking), "n=" + n);
      }
    }
  }

  @Test
  void scalarFallbackGivesIdenticalResults() {
    for (int n : new int[] {1, 7, 33, 130}) {
      for (int[] blocking : BLOCKINGS) {
        double[] g = randomSpd(n, 4000 + n);
        assertArrayEquals(invert(g, n, 2, true, blocking), invert(g, n, 2, false, blocking),
            "n=" + n + " blocking=" + java.util.Arrays.toString(blocking));
      }
    }
  }

  @Test
  void readsOnlyTheLowerTriangle() {
    int n = 65;
    double[] g = randomSpd(n, 5);
    double[] garbled = g.clone();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) garbled[i * n + j] = Double.NaN;
    }
    for (int[] blocking : BLOCKINGS) {
      assertArrayEquals(invert(g, n, 2, true, blocking), invert(garbled, n, 2, true, blocking));
    }
  }

  @Test
  void leavesElementsPastTheMatrixAlone() {
    int n = 33;
    double[] g = randomSpd(n, 6);
    double[] a = java.util.Arrays.copyOf(g, n * n + 5);
    java.util.Arrays.fill(a, n * n, a.length, 42);
    SpdInverse.invertInPlace(a, n, 2);
    for (int i = n * n; i < a.length; i++) assertEquals(42, a[i]);
    assertTrue(relativeDifference(java.util.Arrays.copyOf(a, n * n), ejmlInverse(g, n)) < 1e-10);
  }

  @Test
  void emptyMatrixIsANoOp() {
    SpdInverse.invertInPlace(new double[0], 0, 2);
  }

  @Test
  void oneByOneIsTheReciprocal() {
    double[] a = {4};
    SpdInverse.invertInPlace(a, 1, 1);
    assertEquals(0.25, a[0]);
  }

  @Test
  void rejectsMatricesThatAreNotPositiveDefinite() {
    // Eigenvalues 3 and -1.
    assertThrows(IllegalArgumentException.class, () -> SpdInverse.invertInPlace(new double[] {1, 2, 2, 1}, 2, 1));
    assertThrows(IllegalArgumentException.class, () -> SpdInverse.invertInPlace(new double[] {0}, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> SpdInverse.invertInPlace(new double[] {Double.NaN}, 1, 1));
    // The last Cholesky pivot of G is 1 / (G⁻¹)_nn; lowering G_nn by twice that makes it negative, so the
    // failure shows up only in the last panel, after all the updates.
    int n = 100;
    for (int[] blocking : BLOCKINGS) {
      double[] g = randomSpd(n, 8);
      double[] expected = ejmlInverse(g, n);
      g[(n - 1) * n + (n - 1)] -= 2 / expected[(n - 1) * n + (n - 1)];
      double[] a = g;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SpdInverse.invertInPlace(a, n, 2, true, blocking[0], blocking[1], blocking[2]));
      assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    }
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> SpdInverse.invertInPlace(null, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> SpdInverse.invertInPlace(new double[4], -1, 1));
    assertThrows(IllegalArgumentException.class, () -> SpdInverse.invertInPlace(new double[3], 2, 1));
    assertThrows(IllegalArgumentException.class, () -> SpdInverse.invertInPlace(new double[] {1}, 1, 0));
  }
}
