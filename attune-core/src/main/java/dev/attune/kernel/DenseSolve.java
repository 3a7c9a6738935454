package dev.attune.kernel;

/**
 * Small dense symmetric positive-definite solves (Cholesky), for per-user fold-in and explanations where
 * the system is factors × factors. Row-major double arrays; not for large matrices.
 */
public final class DenseSolve {
  private DenseSolve() {}

  /**
   * Factors {@code a} (n × n, row-major, symmetric positive definite) in place into its lower Cholesky
   * factor L with a = L Lᵀ; the upper triangle is left as garbage.
   *
   * @throws IllegalArgumentException if the matrix is not positive definite
   */
  public static void cholesky(double[] a, int n) {
    for (int j = 0; j < n; j++) {
      double d = a[j * n + j];
      for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
      if (!(d > 0)) {
        throw new IllegalArgumentException("matrix is not positive definite at column " + j);
      }
      double ljj = Math.sqrt(d);
      a[j * n + j] = ljj;
      for (int i = j + 1; i < n; i++) {
        double s = a[i * n + j];
        for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
        a[i * n + j] = s / ljj;
      }
    }
  }

  /** Solves L Lᵀ x = b in place in {@code b}, given the factor from {@link #cholesky}. */
  public static void solveCholesky(double[] l, int n, double[] b) {
    for (int i = 0; i < n; i++) {
      double s = b[i];
      for (int k = 0; k < i; k++) s -= l[i * n + k] * b[k];
      b[i] = s / l[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
      double s = b[i];
      for (int k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
      b[i] = s / l[i * n + i];
    }
  }
}
