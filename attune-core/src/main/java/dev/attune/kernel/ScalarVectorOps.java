package dev.attune.kernel;

/** Plain Java reference implementation of the kernels; always available. */
public final class ScalarVectorOps implements Ops {
  /** The shared instance. */
  public static final ScalarVectorOps INSTANCE = new ScalarVectorOps();

  private ScalarVectorOps() {}

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float s = 0f;
    for (int j = 0; j < n; j++) {
      s += a[aOff + j] * b[bOff + j];
    }
    return s;
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int j = 0; j < n; j++) {
      y[yOff + j] += alpha * x[xOff + j];
    }
  }

  @Override
  public void gemv(float[] matrix, int rows, int cols, float[] v, float[] out) {
    for (int r = 0; r < rows; r++) {
      out[r] = dot(matrix, r * cols, v, 0, cols);
    }
  }

  /** Any width works for the scalar loop; 8 keeps a panel column within one cache line. */
  @Override
  public int panelWidth() {
    return 8;
  }

  @Override
  public void scorePanels(PanelMatrix m, float[][] users, int count, float[][] outs) {
    float[] data = m.data();
    int w = m.width();
    int cols = m.cols();
    for (int j = 0; j < count; j++) {
      float[] u = users[j];
      float[] out = outs[j];
      for (int r = 0; r < m.rows(); r++) {
        int base = (r / w) * w * cols + r % w;
        float s = 0f;
        for (int c = 0; c < cols; c++) {
          s = Math.fma(data[base + c * w], u[c], s);
        }
        out[r] = s;
      }
    }
  }

  @Override
  public int firstAbove(float[] a, int from, int n, float threshold) {
    for (int i = from; i < n; i++) {
      if (a[i] > threshold) return i;
    }
    return n;
  }

  @Override
  public void scorePanels(PanelMatrix m, float[] user, int userOff, float[] out, int outOff) {
    float[] data = m.data();
    int w = m.width();
    int cols = m.cols();
    for (int r = 0; r < m.rows(); r++) {
      int base = (r / w) * w * cols + r % w;
      float s = 0f;
      for (int c = 0; c < cols; c++) {
        s = Math.fma(data[base + c * w], user[userOff + c], s);
      }
      out[outOff + r] = s;
    }
  }
}
