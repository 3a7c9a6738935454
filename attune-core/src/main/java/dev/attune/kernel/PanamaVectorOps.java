package dev.attune.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API (SIMD). Sums are accumulated lane-wise, so results differ from
 * {@link ScalarVectorOps} by float rounding only (tests allow a relative 1e-5). Every operation has a
 * fixed order, so a result is bit-for-bit the same whether the JIT has compiled the code or not.
 */
public final class PanamaVectorOps implements Ops {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** The shared instance. */
  public static final PanamaVectorOps INSTANCE = new PanamaVectorOps();

  private PanamaVectorOps() {}

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    int lanes = SPECIES.length();
    int j = 0;
    FloatVector acc = FloatVector.zero(SPECIES);
    if (n >= 2 * lanes) {
      FloatVector acc2 = FloatVector.zero(SPECIES);
      int bound2 = n - n % (2 * lanes);
      for (; j < bound2; j += 2 * lanes) {
        acc = FloatVector.fromArray(SPECIES, a, aOff + j).fma(FloatVector.fromArray(SPECIES, b, bOff + j), acc);
        acc2 = FloatVector.fromArray(SPECIES, a, aOff + j + lanes)
            .fma(FloatVector.fromArray(SPECIES, b, bOff + j + lanes), acc2);
      }
      acc = acc.add(acc2);
    }
    int bound = n - n % lanes;
    for (; j < bound; j += lanes) {
      acc = FloatVector.fromArray(SPECIES, a, aOff + j).fma(FloatVector.fromArray(SPECIES, b, bOff + j), acc);
    }
    float s = sumLanesInOrder(acc);
    for (; j < n; j++) {
      s += a[aOff + j] * b[bOff + j];
    }
    return s;
  }

  /** Butterfly shuffles i -> i XOR h for h = lanes/2, lanes/4, ..., 1. */
  private static final VectorShuffle<Float>[] BUTTERFLIES = butterflies();

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] butterflies() {
    int lanes = SPECIES.length();
    int steps = Integer.numberOfTrailingZeros(lanes);
    VectorShuffle<Float>[] out = new VectorShuffle[steps];
    for (int s = 0, h = lanes / 2; s < steps; s++, h /= 2) {
      int half = h;
      out[s] = VectorShuffle.fromOp(SPECIES, i -> i ^ half);
    }
    return out;
  }

  /**
   * Sums the lanes as a fixed butterfly tree (lane-wise adds of the vector and its shuffled self).
   * {@code reduceLanes(ADD)} leaves the order unspecified, and the JIT and the interpreter do pick
   * different orders, which made seeded SGD training differ between runs; every step here is exact
   * lane-wise arithmetic, so the result is the same however the code runs.
   */
  private static float sumLanesInOrder(FloatVector v) {
    for (VectorShuffle<Float> shuffle : BUTTERFLIES) {
      v = v.add(v.rearrange(shuffle));
    }
    return v.lane(0);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    int j = 0;
    int bound = n - n % SPECIES.length();
    FloatVector va = FloatVector.broadcast(SPECIES, alpha);
    for (; j < bound; j += SPECIES.length()) {
      FloatVector.fromArray(SPECIES, x, xOff + j).fma(va, FloatVector.fromArray(SPECIES, y, yOff + j))
          .intoArray(y, yOff + j);
    }
    for (; j < n; j++) {
      y[yOff + j] += alpha * x[xOff + j];
    }
  }

  @Override
  public void gemv(float[] matrix, int rows, int cols, float[] v, float[] out) {
    for (int r = 0; r < rows; r++) {
      out[r] = dot(matrix, r * cols, v, 0, cols);
    }
  }

  /** One panel column is one vector. */
  @Override
  public int panelWidth() {
    return SPECIES.length();
  }

  /**
   * Users in groups of eight, each group in one pass over the matrix (the last group repeats its last user, whose
   * scores are then written twice with the same bits); a group of up to four takes the four-user kernel, a lone
   * user its own.
   */
  @Override
  public void scorePanels(PanelMatrix m, float[][] users, int count, float[][] outs) {
    if (m.width() != SPECIES.length()) {
      throw new IllegalArgumentException("panels of width " + m.width() + ", this kernel needs " + SPECIES.length());
    }
    for (int g = 0; g < count; g += 8) {
      int n = Math.min(8, count - g);
      int[] at = new int[8];
      for (int j = 0; j < 8; j++) at[j] = g + Math.min(j, n - 1);
      if (n == 1) {
        scoreOne(m, users[g], 0, outs[g], 0);
      } else if (n <= 4) {
        scoreFour(m, users[at[0]], users[at[1]], users[at[2]], users[at[3]], outs[at[0]], outs[at[1]], outs[at[2]],
            outs[at[3]]);
      } else {
        scoreEight(m, users[at[0]], users[at[1]], users[at[2]], users[at[3]], users[at[4]], users[at[5]],
            users[at[6]], users[at[7]], outs[at[0]], outs[at[1]], outs[at[2]], outs[at[3]], outs[at[4]],
            outs[at[5]], outs[at[6]], outs[at[7]]);
      }
    }
  }

  @Override
  public void scorePanels(PanelMatrix m, float[] user, int userOff, float[] out, int outOff) {
    if (m.width() != SPECIES.length()) {
      throw new IllegalArgumentException("panels of width " + m.width() + ", this kernel needs " + SPECIES.length());
    }
    scoreOne(m, user, userOff, out, outOff);
  }

  /**
   * One panel at a time: a single chain of fused multiply-adds per panel. Working on several panels at once to
   * overlap chains was measured slower (on the 25.6 MB item matrix several streams far apart defeated the
   * prefetcher; on DIN's small layers four interleaved panels per row did not beat dot products either).
   */
  private static void scoreOne(PanelMatrix m, float[] u, int uOff, float[] out, int outOff) {
    float[] data = m.data();
    int w = SPECIES.length();
    int cols = m.cols();
    for (int p = 0; p < m.panelCount(); p++) {
      int base = p * w * cols;
      FloatVector a = FloatVector.zero(SPECIES);
      for (int c = 0; c < cols; c++) {
        a = FloatVector.fromArray(SPECIES, data, base + c * w).fma(FloatVector.broadcast(SPECIES, u[uOff + c]), a);
      }
      store(a, out, outOff, p * w, m.rows());
    }
  }


  /** One panel by four users: four chains, and each column vector loaded once for four users. */
  private static void scoreFour(PanelMatrix m, float[] u0, float[] u1, float[] u2, float[] u3, float[] o0,
      float[] o1, float[] o2, float[] o3) {
    float[] data = m.data();
    int w = SPECIES.length();
    int cols = m.cols();
    int rows = m.rows();
    for (int p = 0; p < m.panelCount(); p++) {
      int base = p * w * cols;
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int c = 0; c < cols; c++) {
        FloatVector x = FloatVector.fromArray(SPECIES, data, base + c * w);
        a0 = x.fma(FloatVector.broadcast(SPECIES, u0[c]), a0);
        a1 = x.fma(FloatVector.broadcast(SPECIES, u1[c]), a1);
        a2 = x.fma(FloatVector.broadcast(SPECIES, u2[c]), a2);
        a3 = x.fma(FloatVector.broadcast(SPECIES, u3[c]), a3);
      }
      int r = p * w;
      store(a0, o0, 0, r, rows);
      store(a1, o1, 0, r, rows);
      store(a2, o2, 0, r, rows);
      store(a3, o3, 0, r, rows);
    }
  }

  /** One panel by eight users: eight chains, and each column vector loaded once for eight users. */
  private static void scoreEight(PanelMatrix m, float[] u0, float[] u1, float[] u2, float[] u3, float[] u4,
      float[] u5, float[] u6, float[] u7, float[] o0, float[] o1, float[] o2, float[] o3, float[] o4, float[] o5,
      float[] o6, float[] o7) {
    float[] data = m.data();
    int w = SPECIES.length();
    int cols = m.cols();
    int rows = m.rows();
    for (int p = 0; p < m.panelCount(); p++) {
      int base = p * w * cols;
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int c = 0; c < cols; c++) {
        FloatVector x = FloatVector.fromArray(SPECIES, data, base + c * w);
        a0 = x.fma(FloatVector.broadcast(SPECIES, u0[c]), a0);
        a1 = x.fma(FloatVector.broadcast(SPECIES, u1[c]), a1);
        a2 = x.fma(FloatVector.broadcast(SPECIES, u2[c]), a2);
        a3 = x.fma(FloatVector.broadcast(SPECIES, u3[c]), a3);
        a4 = x.fma(FloatVector.broadcast(SPECIES, u4[c]), a4);
        a5 = x.fma(FloatVector.broadcast(SPECIES, u5[c]), a5);
        a6 = x.fma(FloatVector.broadcast(SPECIES, u6[c]), a6);
        a7 = x.fma(FloatVector.broadcast(SPECIES, u7[c]), a7);
      }
      int r = p * w;
      store(a0, o0, 0, r, rows);
      store(a1, o1, 0, r, rows);
      store(a2, o2, 0, r, rows);
      store(a3, o3, 0, r, rows);
      store(a4, o4, 0, r, rows);
      store(a5, o5, 0, r, rows);
      store(a6, o6, 0, r, rows);
      store(a7, o7, 0, r, rows);
    }
  }

  /** Writes the lanes of {@code v} for rows r, r + 1, ... below {@code rows} to out[outOff + r ...]. */
  private static void store(FloatVector v, float[] out, int outOff, int r, int rows) {
    if (r + SPECIES.length() <= rows) {
      v.intoArray(out, outOff + r);
    } else if (r < rows) {
      VectorMask<Float> inRange = SPECIES.indexInRange(r, rows);
      v.intoArray(out, outOff + r, inRange);
    }
  }

  @Override
  public int firstAbove(float[] a, int from, int n, float threshold) {
    int i = from;
    int bound = from + (n - from) / SPECIES.length() * SPECIES.length();
    for (; i < bound; i += SPECIES.length()) {
      VectorMask<Float> above = FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.GT, threshold);
      if (above.anyTrue()) return i + above.firstTrue();
    }
    for (; i < n; i++) {
      if (a[i] > threshold) return i;
    }
    return n;
  }
}
