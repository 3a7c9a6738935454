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

  /** The matrix regrouped into the panels {@link #scoreAll} reads (a copy; the input is not kept). */
  public static PanelMatrix panels(float[] matrix, int rows, int cols) {
    return PanelMatrix.of(matrix, rows, cols, IMPL.panelWidth());
  }

  /**
   * outs[j][r] = row r of the matrix · users[j], for j in [0, count) and every row r; the same numbers (to float
   * rounding) as {@link #gemv} per user, faster, and for several users in one pass over the matrix. Each sum is
   * a chain of fused multiply-adds over the columns in order, so the result does not depend on the
   * implementation, the batch or the JIT.
   *
   * @param m from {@link #panels}
   * @param users at least {@code count} vectors of length {@code m.cols()}
   * @param count users to score, 1 or more
   * @param outs at least {@code count} arrays of length {@code >= m.rows()}
   * @throws IllegalArgumentException if {@code m} was made for another implementation or a length is wrong
   */
  public static void scoreAll(PanelMatrix m, float[][] users, int count, float[][] outs) {
    if (count < 1 || users.length < count || outs.length < count) {
      throw new IllegalArgumentException("count " + count + " with " + users.length + " users, " + outs.length
          + " outputs");
    }
    for (int j = 0; j < count; j++) {
      if (users[j].length != m.cols() || outs[j].length < m.rows()) {
        throw new IllegalArgumentException("user " + j + " has length " + users[j].length + " (expected "
            + m.cols() + "), output " + outs[j].length + " (expected at least " + m.rows() + ")");
      }
    }
    if (m.width() != IMPL.panelWidth()) {
      throw new IllegalArgumentException("panels of width " + m.width() + " not made by VectorOps.panels");
    }
    IMPL.scorePanels(m, users, count, outs);
  }

  /**
   * The first index i in [from, n) with a[i] &gt; threshold, or n when there is none; NaN is never above. Top-k
   * selection skips with it over the many scores that cannot enter a full heap.
   */
  public static int firstAbove(float[] a, int from, int n, float threshold) {
    if (from < 0 || n > a.length || from > n) {
      throw new IllegalArgumentException("range [" + from + ", " + n + ") outside an array of " + a.length);
    }
    return IMPL.firstAbove(a, from, n, threshold);
  }

  /**
   * out[outOff + r] = row r of the matrix · user[userOff .. userOff + cols) for every row r: {@link
   * #scoreAll(PanelMatrix, float[][], int, float[][])} for one user inside larger arrays, without copying.
   *
   * @throws IllegalArgumentException if a range does not fit or {@code m} was made for another implementation
   */
  public static void scoreAll(PanelMatrix m, float[] user, int userOff, float[] out, int outOff) {
    if (userOff < 0 || userOff + m.cols() > user.length || outOff < 0 || outOff + m.rows() > out.length) {
      throw new IllegalArgumentException("user range [" + userOff + ", +" + m.cols() + ") of " + user.length
          + " or output range [" + outOff + ", +" + m.rows() + ") of " + out.length + " does not fit");
    }
    if (m.width() != IMPL.panelWidth()) {
      throw new IllegalArgumentException("panels of width " + m.width() + " not made by VectorOps.panels");
    }
    IMPL.scorePanels(m, user, userOff, out, outOff);
  }
}
