package dev.attune.infer.nn;

/**
 * One gated recurrent unit layer (Cho et al., 2014), in the gate layout of {@code docs/design/gru-attn.md}:
 * the 3H columns of both weights are [reset r | update z | candidate n], and for input x_t and previous state
 * h_{t−1}
 * <pre>
 *   g = x_t · Wi + bi,  q = h_{t−1} · Wh + bh          (both of width 3H)
 *   r = σ(g_r + q_r),   z = σ(g_z + q_z),   n = tanh(g_n + r ⊙ q_n)
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 * </pre>
 * with h_{−1} = 0. The reset gate multiplies the recurrent candidate term after its bias, as in PyTorch's
 * {@code nn.GRU}.
 *
 * <p>Immutable and thread-safe; intermediate rows live in a caller-owned {@link Scratch}, one per thread.
 *
 * @implNote n steps cost n × 3H × (in + H) multiply-adds and 3 n H exp/tanh evaluations.
 */
public final class Gru {
  private final int in;
  private final int hidden;
  private final Linear input;
  private final Linear recurrent;

  /** Working memory of one sequence. Not thread-safe: one per worker thread. */
  public static final class Scratch {
    final float[] g;
    final float[] q;
    final float[] zero;

    Scratch(int hidden) {
      this.g = new float[3 * hidden];
      this.q = new float[3 * hidden];
      this.zero = new float[hidden];
    }
  }

  /**
   * Wraps the two projections.
   *
   * @param input x · Wi + bi, [in, 3H]
   * @param recurrent h · Wh + bh, [H, 3H]
   * @throws IllegalArgumentException if the shapes do not fit a GRU of width H
   */
  public Gru(Linear input, Linear recurrent) {
    int h = recurrent.in();
    if (recurrent.out() != 3 * h || input.out() != 3 * h) {
      throw new IllegalArgumentException("GRU needs input [in, 3H] and recurrent [H, 3H], got [" + input.in() + ", "
          + input.out() + "] and [" + recurrent.in() + ", " + recurrent.out() + "]");
    }
    this.in = input.in();
    this.hidden = h;
    this.input = input;
    this.recurrent = recurrent;
  }

  /** Input width. */
  public int in() {
    return in;
  }

  /** State width H. */
  public int hidden() {
    return hidden;
  }

  /** A scratch for this layer. */
  public Scratch newScratch() {
    return new Scratch(hidden);
  }

  /**
   * Runs the recurrence from h_{−1} = 0 over {@code n} input rows.
   *
   * @param x inputs, row-major [n, in] from offset 0
   * @param n number of steps, &gt;= 0
   * @param states receives h_0 … h_{n−1}, row-major [n, H] from offset 0; must not alias x
   * @param scratch working memory, one per thread
   */
  public void forward(float[] x, int n, float[] states, Scratch scratch) {
    float[] g = scratch.g;
    float[] q = scratch.q;
    int h2 = 2 * hidden;
    for (int t = 0; t < n; t++) {
      float[] prev = t == 0 ? scratch.zero : states;
      int prevOff = t == 0 ? 0 : (t - 1) * hidden;
      input.forward(x, t * in, g, 0);
      recurrent.forward(prev, prevOff, q, 0);
      int out = t * hidden;
      for (int k = 0; k < hidden; k++) {
        float r = sigmoid(g[k] + q[k]);
        float z = sigmoid(g[hidden + k] + q[hidden + k]);
        float c = (float) Math.tanh(g[h2 + k] + r * q[h2 + k]);
        states[out + k] = (1f - z) * c + z * prev[prevOff + k];
      }
    }
  }

  /** The logistic function 1 / (1 + e^−x), evaluated in double. */
  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }
}
