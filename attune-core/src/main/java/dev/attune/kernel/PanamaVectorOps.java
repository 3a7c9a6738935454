package dev.attune.kernel;

import jdk.incubator.vector.FloatVector;
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
}
