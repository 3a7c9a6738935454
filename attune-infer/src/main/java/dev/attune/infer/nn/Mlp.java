package dev.attune.infer.nn;

import dev.attune.infer.WeightFile;

/**
 * A multi-layer perceptron read from a weight file: affine layers {@code <prefix>.<k>.weight} [w_k, w_{k+1}] and
 * {@code <prefix>.<k>.bias} [w_{k+1}] with ReLU between them and none after the last, the twin of
 * {@code dev.attune.train.nn.Mlp}.
 *
 * <p>Immutable and thread-safe; {@link #forward} takes the caller's scratch.
 */
public final class Mlp {
  private final Linear[] layers;
  private final int maxWidth;

  /**
   * Reads the layers {@code <prefix>.0}, {@code <prefix>.1}, ... until one is missing.
   *
   * @throws IllegalArgumentException if there is no layer or widths do not chain
   */
  public Mlp(WeightFile w, String prefix) {
    int count = 0;
    while (w.has(prefix + "." + count + ".weight")) count++;
    if (count == 0) throw new IllegalArgumentException("no layer " + prefix + ".0.weight");
    this.layers = new Linear[count];
    int widest = 0;
    for (int k = 0; k < count; k++) {
      WeightFile.Tensor weight = w.tensor(prefix + "." + k + ".weight");
      int in = weight.dim(0);
      int out = weight.dim(1);
      if (k > 0 && in != layers[k - 1].out()) throw new IllegalArgumentException(prefix + ": widths do not chain");
      layers[k] = new Linear(in, out, weight.values(), w.tensor(prefix + "." + k + ".bias", out).values());
      widest = Math.max(widest, Math.max(in, out));
    }
    this.maxWidth = widest;
  }

  /** The layer k. */
  public Linear layer(int k) {
    return layers[k];
  }

  /** Number of layers. */
  public int layers() {
    return layers.length;
  }

  /** Input width. */
  public int in() {
    return layers[0].in();
  }

  /** Output width. */
  public int out() {
    return layers[layers.length - 1].out();
  }

  /** Floats of scratch {@link #forward} needs: twice the widest layer. */
  public int scratchSize() {
    return 2 * maxWidth;
  }

  /**
   * Writes the output for {@code x[xOff .. xOff + in)} into {@code y[yOff .. yOff + out)}.
   *
   * @param scratch at least {@link #scratchSize()} floats, not overlapping x or y
   */
  public void forward(float[] x, int xOff, float[] y, int yOff, float[] scratch) {
    forwardFrom(0, x, xOff, y, yOff, scratch);
  }

  /**
   * Applies layers {@code first} .. last to an input of layer {@code first}'s width: ReLU is applied to the input
   * first when {@code first} &gt; 0 (it is then a pre-activation of layer first − 1).
   */
  public void forwardFrom(int first, float[] x, int xOff, float[] y, int yOff, float[] scratch) {
    int half = maxWidth;
    float[] in = x;
    int inOff = xOff;
    if (first > 0) {
      int width = layers[first].in();
      for (int i = 0; i < width; i++) scratch[half + i] = Math.max(0f, x[xOff + i]);
      in = scratch;
      inOff = half;
    }
    int cur = 0;
    for (int k = first; k < layers.length; k++) {
      boolean last = k == layers.length - 1;
      float[] out = last ? y : scratch;
      int outOff = last ? yOff : (cur == 0 ? 0 : half);
      layers[k].forward(in, inOff, out, outOff);
      if (!last) {
        for (int i = 0; i < layers[k].out(); i++) out[outOff + i] = Math.max(0f, out[outOff + i]);
        in = out;
        inOff = outOff;
        cur = 1 - cur;
      }
    }
  }
}
