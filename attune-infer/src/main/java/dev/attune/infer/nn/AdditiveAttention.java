package dev.attune.infer.nn;

import dev.attune.kernel.VectorOps;

/**
 * Additive attention pooling over a sequence of states, as in NARM (Li et al., CIKM 2017) and
 * {@code docs/design/gru-attn.md}: for the query row t and every key row j &lt;= t,
 * <pre>
 *   e_tj = v · σ(h_t · A1 + h_j · A2),   α_tj = softmax over j of e_tj,   c_t = Σ_j α_tj h_j
 * </pre>
 * with A1, A2 of shape [H, H] (used as y = x · A) and v of length H. Every row passed in is a real step
 * (padding never reaches this class), so the softmax runs over exactly the rows 0 … t.
 *
 * <p>NOTE: NARM uses the unnormalised e_tj as weights; the contract normalises them with a softmax so the
 * weights form a distribution that can serve as an explanation.
 *
 * <p>Immutable and thread-safe; intermediate rows live in a caller-owned {@link Scratch}, one per thread.
 *
 * @implNote a query over t + 1 keys costs (t + 2) × H² multiply-adds and (t + 1) × H exp evaluations.
 */
public final class AdditiveAttention {
  private final int dim;
  private final Linear query;
  private final Linear key;
  private final float[] v;

  /** Working memory. Not thread-safe: one per worker thread. */
  public static final class Scratch {
    final float[] q;
    final float[] k;

    Scratch(int dim) {
      this.q = new float[dim];
      this.k = new float[dim];
    }
  }

  /**
   * Wraps the parameters (v is copied).
   *
   * @param query h · A1, [H, H] (a bias, if any, is applied)
   * @param key h · A2, [H, H]
   * @param v the scoring vector, length H
   * @throws IllegalArgumentException if a shape is not H
   */
  public AdditiveAttention(Linear query, Linear key, float[] v) {
    int h = query.in();
    if (query.out() != h || key.in() != h || key.out() != h || v.length != h) {
      throw new IllegalArgumentException("additive attention needs A1, A2 [H, H] and v [H], got [" + query.in()
          + ", " + query.out() + "], [" + key.in() + ", " + key.out() + "], [" + v.length + "]");
    }
    this.dim = h;
    this.query = query;
    this.key = key;
    this.v = v.clone();
  }

  /** State width H. */
  public int dim() {
    return dim;
  }

  /** A scratch for this layer. */
  public Scratch newScratch() {
    return new Scratch(dim);
  }

  /**
   * Attends from row {@code t} over rows 0 … t of {@code states}.
   *
   * @param states rows of width H, row-major from offset 0, at least t + 1 of them
   * @param t the query row, &gt;= 0
   * @param weights receives α_t0 … α_tt (length &gt;= t + 1): non-negative, summing to 1
   * @param context receives c_t at {@code contextOff} (H values); must not alias {@code states}
   * @param scratch working memory, one per thread
   */
  public void forward(float[] states, int t, float[] weights, float[] context, int contextOff, Scratch scratch) {
    if (t < 0) {
      throw new IllegalArgumentException("query row must be >= 0: " + t);
    }
    float[] q = scratch.q;
    float[] k = scratch.k;
    query.forward(states, t * dim, q, 0);
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j <= t; j++) {
      key.forward(states, j * dim, k, 0);
      float e = 0f;
      for (int c = 0; c < dim; c++) {
        e += v[c] * Gru.sigmoid(q[c] + k[c]);
      }
      weights[j] = e;
      if (e > max) max = e;
    }
    double sum = 0;
    for (int j = 0; j <= t; j++) {
      float e = (float) Math.exp(weights[j] - max);
      weights[j] = e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    for (int c = 0; c < dim; c++) {
      context[contextOff + c] = 0f;
    }
    for (int j = 0; j <= t; j++) {
      weights[j] *= inv;
      VectorOps.axpy(weights[j], states, j * dim, context, contextOff, dim);
    }
  }
}
