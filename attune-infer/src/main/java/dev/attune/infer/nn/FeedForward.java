package dev.attune.infer.nn;

/**
 * The position-wise feed-forward layer F(x) = relu(x · W1 + b1) · W2 + b2, applied to one row at a time.
 *
 * <p>Immutable and thread-safe; the hidden activations go to a caller-owned scratch buffer.
 *
 * @implNote one row costs 2 × d × hidden multiply-adds.
 */
public final class FeedForward {
  private final Linear first;
  private final Linear second;

  /**
   * Composes two linear maps.
   *
   * @param first x · W1 + b1, [d, hidden]
   * @param second h · W2 + b2, [hidden, d]
   * @throws IllegalArgumentException if the widths do not chain back to d
   */
  public FeedForward(Linear first, Linear second) {
    if (first.out() != second.in() || second.out() != first.in()) {
      throw new IllegalArgumentException("FeedForward needs [d, h] then [h, d], got [" + first.in() + ", "
          + first.out() + "] then [" + second.in() + ", " + second.out() + "]");
    }
    this.first = first;
    this.second = second;
  }

  /** Model width d. */
  public int dim() {
    return first.in();
  }

  /** Inner width (ffnHidden). */
  public int hidden() {
    return first.out();
  }

  /**
   * Writes F(x[xOff .. xOff + d)) to y[yOff .. yOff + d). Input and output must not overlap.
   *
   * @param hidden scratch of length at least {@link #hidden()}, overwritten
   */
  public void forward(float[] x, int xOff, float[] y, int yOff, float[] hidden) {
    first.forward(x, xOff, hidden, 0);
    int h = first.out();
    for (int j = 0; j < h; j++) {
      if (hidden[j] < 0f) hidden[j] = 0f;
    }
    second.forward(hidden, 0, y, yOff);
  }
}
