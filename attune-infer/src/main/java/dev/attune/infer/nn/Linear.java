package dev.attune.infer.nn;

import dev.attune.kernel.VectorOps;

/**
 * An affine map y = x · W + b with W of shape [in, out] (row-major, as exported by training) and b of
 * shape [out].
 *
 * <p>Immutable and thread-safe. The weight is stored transposed ([out, in]) so each output is one
 * contiguous dot product.
 *
 * @implNote one call costs in × out multiply-adds.
 */
public final class Linear {
  private final int in;
  private final int out;
  private final float[] weightT;
  private final float[] bias;

  /**
   * Wraps a weight and a bias (both copied).
   *
   * @param in input width, &gt; 0
   * @param out output width, &gt; 0
   * @param weight W, row-major [in, out], length in × out
   * @param bias b, length out; null means zero
   * @throws IllegalArgumentException if a length does not match
   */
  public Linear(int in, int out, float[] weight, float[] bias) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("Linear needs in > 0 and out > 0: " + in + ", " + out);
    }
    if (weight.length != (long) in * out) {
      throw new IllegalArgumentException("Linear weight needs " + in + " x " + out + " values, got " + weight.length);
    }
    if (bias != null && bias.length != out) {
      throw new IllegalArgumentException("Linear bias needs " + out + " values, got " + bias.length);
    }
    this.in = in;
    this.out = out;
    this.weightT = new float[in * out];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) {
        weightT[o * in + i] = weight[i * out + o];
      }
    }
    this.bias = bias == null ? new float[out] : bias.clone();
  }

  /** Input width. */
  public int in() {
    return in;
  }

  /** Output width. */
  public int out() {
    return out;
  }

  /**
   * Writes y[yOff .. yOff + out) = x[xOff .. xOff + in) · W + b. The two ranges must not overlap.
   */
  public void forward(float[] x, int xOff, float[] y, int yOff) {
    for (int o = 0; o < out; o++) {
      y[yOff + o] = VectorOps.dot(weightT, o * in, x, xOff, in) + bias[o];
    }
  }

  /**
   * Applies {@link #forward(float[], int, float[], int)} to {@code rows} consecutive rows: row r is read at
   * {@code xOff + r * in} and written at {@code yOff + r * out}. Input and output must not overlap.
   */
  public void forwardRows(float[] x, int xOff, int rows, float[] y, int yOff) {
    for (int r = 0; r < rows; r++) {
      forward(x, xOff + r * in, y, yOff + r * out);
    }
  }
}
