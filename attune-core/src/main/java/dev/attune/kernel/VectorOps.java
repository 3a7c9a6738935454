package dev.attune.kernel;

/**
 * The one entry point for dense float kernels. Picks {@link PanamaVectorOps} once at class load when the
 * {@code jdk.incubator.vector} module is present, else {@link ScalarVectorOps}. Thread-safe.
 */
public final class VectorOps {
  private static final Ops IMPL = pick();

  private VectorOps() {}

  private static Ops pick() {
    if (Boolean.getBoolean("attune.scalar")) {
      return ScalarVectorOps.INSTANCE;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      try {
        return PanamaVectorOps.INSTANCE;
      } catch (LinkageError e) {
        return ScalarVectorOps.INSTANCE;
      }
    }
    return ScalarVectorOps.INSTANCE;
  }

  /** Name of the implementation in use ({@code PanamaVectorOps} or {@code ScalarVectorOps}). */
  public static String implementation() {
    return IMPL.getClass().getSimpleName();
  }

  /** Sum of a[aOff + j] * b[bOff + j] for j in [0, n). */
  public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    return IMPL.dot(a, aOff, b, bOff, n);
  }

  /** Dot product of two equal-length vectors. */
  public static float dot(float[] a, float[] b) {
    return IMPL.dot(a, 0, b, 0, a.length);
  }

  /** y[yOff + j] += alpha * x[xOff + j] for j in [0, n). */
  public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    IMPL.axpy(alpha, x, xOff, y, yOff, n);
  }

  /**
   * out[r] = row r of {@code matrix} · {@code v} for r in [0, rows); {@code matrix} is row-major with
   * {@code cols} columns. This scores every item against a user vector.
   */
  public static void gemv(float[] matrix, int rows, int cols, float[] v, float[] out) {
    IMPL.gemv(matrix, rows, cols, v, out);
  }
}
