package dev.attune.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VectorOpsTest {
  private static final int[] LENGTHS = {0, 1, 7, 8, 16, 33, 64, 100};

  private static float[] random(int n, SplittableRandom r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }

  @Test
  void panamaRunsWhenTheModuleIsPresent() {
    assertEquals("PanamaVectorOps", VectorOps.implementation());
  }

  @Test
  void dotMatchesScalarReference() {
    SplittableRandom r = new SplittableRandom(1);
    for (int n : LENGTHS) {
      float[] a = random(n + 3, r);
      float[] b = random(n + 5, r);
      float expected = ScalarVectorOps.INSTANCE.dot(a, 3, b, 5, n);
      float actual = PanamaVectorOps.INSTANCE.dot(a, 3, b, 5, n);
      assertEquals(expected, actual, 1e-5f * Math.max(1, n), "n=" + n);
    }
  }

  @Test
  void axpyMatchesScalarReference() {
    SplittableRandom r = new SplittableRandom(2);
    for (int n : LENGTHS) {
      float[] x = random(n + 1, r);
      float[] y1 = random(n + 2, r);
      float[] y2 = y1.clone();
      ScalarVectorOps.INSTANCE.axpy(0.7f, x, 1, y1, 2, n);
      PanamaVectorOps.INSTANCE.axpy(0.7f, x, 1, y2, 2, n);
      assertArrayEquals(y1, y2, 1e-6f, "n=" + n);
    }
  }

  @Test
  void gemvMatchesScalarReference() {
    SplittableRandom r = new SplittableRandom(3);
    for (int cols : LENGTHS) {
      int rows = 13;
      float[] m = random(rows * cols, r);
      float[] v = random(cols, r);
      float[] o1 = new float[rows];
      float[] o2 = new float[rows];
      ScalarVectorOps.INSTANCE.gemv(m, rows, cols, v, o1);
      PanamaVectorOps.INSTANCE.gemv(m, rows, cols, v, o2);
      assertArrayEquals(o1, o2, 1e-5f * Math.max(1, cols), "cols=" + cols);
    }
  }

  @Test
  void panelScoringGivesTheSameBitsOnEveryImplementationAndMatchesGemv() {
    SplittableRandom r = new SplittableRandom(5);
    for (int rows : new int[] {0, 1, 15, 16, 17, 63, 64, 65, 1000}) {
      for (int cols : new int[] {1, 7, 64}) {
        for (int count : new int[] {1, 2, 3, 4, 5, 9}) {
          float[] m = random(rows * cols, r);
          float[][] users = new float[count][];
          float[][] scalar = new float[count][rows];
          float[][] panama = new float[count][rows];
          for (int j = 0; j < count; j++) users[j] = random(cols, r);
          Ops s = ScalarVectorOps.INSTANCE;
          Ops p = PanamaVectorOps.INSTANCE;
          s.scorePanels(PanelMatrix.of(m, rows, cols, s.panelWidth()), users, count, scalar);
          p.scorePanels(PanelMatrix.of(m, rows, cols, p.panelWidth()), users, count, panama);
          for (int j = 0; j < count; j++) {
            String where = "rows=" + rows + " cols=" + cols + " count=" + count + " user=" + j;
            assertArrayEquals(scalar[j], panama[j], 0f, where);
            float[] reference = new float[rows];
            ScalarVectorOps.INSTANCE.gemv(m, rows, cols, users[j], reference);
            assertArrayEquals(reference, panama[j], 1e-5f * cols, where);
          }
        }
      }
    }
  }

  @Test
  void panelScoringOfOneUserInsideLargerArraysHasTheSameBits() {
    SplittableRandom r = new SplittableRandom(8);
    for (int rows : new int[] {1, 15, 16, 17, 100}) {
      int cols = 24;
      float[] m = random(rows * cols, r);
      float[] user = random(cols + 7, r);
      float[] expected = new float[rows];
      float[] u = java.util.Arrays.copyOfRange(user, 5, 5 + cols);
      VectorOps.scoreAll(VectorOps.panels(m, rows, cols), new float[][] {u}, 1, new float[][] {expected});
      float[] out = new float[rows + 9];
      VectorOps.scoreAll(VectorOps.panels(m, rows, cols), user, 5, out, 3);
      assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 3, 3 + rows), 0f, "rows=" + rows);
      assertEquals(0f, out[2]);
      assertEquals(0f, out[3 + rows]);
      float[] scalar = new float[rows + 9];
      ScalarVectorOps.INSTANCE.scorePanels(PanelMatrix.of(m, rows, cols, ScalarVectorOps.INSTANCE.panelWidth()), user,
          5, scalar, 3);
      assertArrayEquals(out, scalar, 0f);
    }
    PanelMatrix small = VectorOps.panels(new float[6], 2, 3);
    assertThrows(IllegalArgumentException.class, () -> VectorOps.scoreAll(small, new float[3], 1, new float[2], 0));
    assertThrows(IllegalArgumentException.class, () -> VectorOps.scoreAll(small, new float[3], 0, new float[2], 1));
  }

  @Test
  void panelScoringRejectsMismatchedShapes() {
    PanelMatrix m = VectorOps.panels(new float[6], 2, 3);
    assertThrows(IllegalArgumentException.class,
        () -> VectorOps.scoreAll(m, new float[][] {new float[2]}, 1, new float[][] {new float[2]}));
    assertThrows(IllegalArgumentException.class,
        () -> VectorOps.scoreAll(m, new float[][] {new float[3]}, 1, new float[][] {new float[1]}));
    assertThrows(IllegalArgumentException.class,
        () -> VectorOps.scoreAll(m, new float[][] {new float[3]}, 0, new float[][] {new float[2]}));
    PanelMatrix foreign = PanelMatrix.of(new float[6], 2, 3, VectorOps.panels(new float[6], 2, 3).width() * 2);
    assertThrows(IllegalArgumentException.class,
        () -> VectorOps.scoreAll(foreign, new float[][] {new float[3]}, 1, new float[][] {new float[2]}));
  }

  @Test
  void firstAboveMatchesScalarReferenceAndSkipsNaN() {
    SplittableRandom r = new SplittableRandom(6);
    for (int n : new int[] {0, 1, 15, 16, 17, 100, 1000}) {
      float[] a = random(n, r);
      for (int i = 0; i < n; i += 7) a[i] = Float.NaN;
      for (float threshold : new float[] {-2f, 0.5f, 0.99f, 2f}) {
        for (int from = 0; from <= n; from += Math.max(1, n / 5)) {
          int expected = ScalarVectorOps.INSTANCE.firstAbove(a, from, n, threshold);
          assertEquals(expected, PanamaVectorOps.INSTANCE.firstAbove(a, from, n, threshold),
              "n=" + n + " from=" + from + " threshold=" + threshold);
          assertTrue(expected == n || a[expected] > threshold);
          for (int i = from; i < expected; i++) assertFalse(a[i] > threshold);
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> VectorOps.firstAbove(new float[3], 2, 4, 0f));
  }

  @Test
  void denseSolveInvertsASmallSystem() {
    // [[4,2],[2,3]] x = [2,1]  =>  x = [0.5, 0]
    double[] a = {4, 2, 2, 3};
    double[] b = {2, 1};
    DenseSolve.cholesky(a, 2);
    DenseSolve.solveCholesky(a, 2, b);
    assertEquals(0.5, b[0], 1e-12);
    assertEquals(0.0, b[1], 1e-12);
  }
}
