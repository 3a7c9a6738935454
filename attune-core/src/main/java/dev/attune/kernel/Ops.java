package dev.attune.kernel;

/** The kernel operations; one implementation per instruction set. All methods are thread-safe. */
interface Ops {
  /** Sum of a[aOff + j] * b[bOff + j] for j in [0, n). */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** y[yOff + j] += alpha * x[xOff + j] for j in [0, n). */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

  /** out[r] = dot(matrix row r, v) for r in [0, rows); the matrix is row-major with {@code cols} columns. */
  void gemv(float[] matrix, int rows, int cols, float[] v, float[] out);

  /** Rows per panel that {@link #scorePanels} expects. */
  int panelWidth();

  /**
   * outs[j][r] = row r · users[j] for j in [0, count) and r in [0, m.rows()), each sum taken as a chain of fused
   * multiply-adds over c = 0, 1, ..., cols - 1 starting from 0, so every implementation gives the same bits.
   */
  void scorePanels(PanelMatrix m, float[][] users, int count, float[][] outs);

  /** The first index i in [from, n) with a[i] &gt; threshold (NaN never is), or n when there is none. */
  int firstAbove(float[] a, int from, int n, float threshold);

  /** out[outOff + r] = row r · user[userOff ..] for every row, with the bits of {@link #scorePanels}. */
  void scorePanels(PanelMatrix m, float[] user, int userOff, float[] out, int outOff);
}
