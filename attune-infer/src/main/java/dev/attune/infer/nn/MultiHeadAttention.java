package dev.attune.infer.nn;

import dev.attune.kernel.VectorOps;
import java.util.Arrays;

/**
 * Multi-head self-attention with a key padding mask, causal as in {@code docs/design/sasrec.md} or
 * bidirectional as in {@code docs/design/bert4rec.md}.
 *
 * <p>For an input h of {@code len} rows of width d (already layer-normalised): Q = h·Wq + bq,
 * K = h·Wk + bk, V = h·Wv + bv; head j uses features [j·d/H, (j+1)·d/H). For query row t and key row s,
 * logits[t, s] = Q_j[t] · K_j[s] / sqrt(d/H), plus −1e9 where s &gt; t (when causal) or key s is padding.
 * P = softmax over s; head output = P · V_j; the heads are concatenated and O = concat · Wo + bo.
 *
 * <p>The masking constant is the finite −1e9, so a row whose keys are all masked stays defined (it is
 * computed literally and comes out near uniform). When a row has at least one unmasked key, the masked
 * keys get probability exactly 0, which is what float arithmetic gives for exp(−1e9 + …): they are skipped
 * rather than computed.
 *
 * <p>Immutable and thread-safe: all intermediate rows live in a {@link Scratch} owned by the caller, one per
 * thread.
 *
 * @implNote for q query rows and len keys: (q + 2 len + q) × d² for the projections plus 2 q × len × d for
 *     the attention itself (causal keys only).
 */
public final class MultiHeadAttention {
  /** The additive mask value of the contract. */
  public static final float MASK = -1e9f;

  private final int dim;
  private final int heads;
  private final int headDim;
  private final float scale;
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final Linear output;
  private final boolean causal;

  /**
   * Per-thread working memory for sequences of up to {@code maxLength} rows. Not thread-safe: one per
   * worker thread.
   */
  public static final class Scratch {
    final int maxLength;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] concat;
    final float[] logits;

    /**
     * Allocates buffers for sequences of up to {@code maxLength} rows of width {@code dim}.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public Scratch(int maxLength, int dim) {
      if (maxLength <= 0 || dim <= 0) {
        throw new IllegalArgumentException("Scratch needs maxLength > 0 and dim > 0: " + maxLength + ", " + dim);
      }
      this.maxLength = maxLength;
      this.q = new float[maxLength * dim];
      this.k = new float[maxLength * dim];
      this.v = new float[maxLength * dim];
      this.concat = new float[dim];
      this.logits = new float[maxLength];
    }
  }

  /**
   * Causal attention over the four projections, each [d, d].
   *
   * @param heads H, dividing d
   * @throws IllegalArgumentException if a projection is not [d, d] or H does not divide d
   */
  public MultiHeadAttention(int heads, Linear query, Linear key, Linear value, Linear output) {
    this(heads, query, key, value, output, true);
  }

  /**
   * Attention over the four projections, each [d, d].
   *
   * @param heads H, dividing d
   * @param causal whether query t sees keys s &lt;= t only (SASRec) or every key (BERT4Rec)
   * @throws IllegalArgumentException if a projection is not [d, d] or H does not divide d
   */
  public MultiHeadAttention(int heads, Linear query, Linear key, Linear value, Linear output, boolean causal) {
    int d = query.in();
    for (Linear l : new Linear[] {query, key, value, output}) {
      if (l.in() != d || l.out() != d) {
        throw new IllegalArgumentException("attention projections must all be [" + d + ", " + d + "], got ["
            + l.in() + ", " + l.out() + "]");
      }
    }
    if (heads <= 0 || d % heads != 0) {
      throw new IllegalArgumentException("heads must be > 0 and divide d = " + d + ": " + heads);
    }
    this.dim = d;
    this.heads = heads;
    this.headDim = d / heads;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.query = query;
    this.key = key;
    this.value = value;
    this.output = output;
    this.causal = causal;
  }

  /** Model width d. */
  public int dim() {
    return dim;
  }

  /** Number of heads H. */
  public int heads() {
    return heads;
  }

  /** A scratch for sequences of up to {@code maxLength} rows of this layer's width. */
  public Scratch newScratch(int maxLength) {
    return new Scratch(maxLength, dim);
  }

  /**
   * Runs attention for query rows [firstQuery, len); keys and values come from all {@code len} rows.
   *
   * @param h input rows, row-major [len, d] starting at offset 0 (already normalised)
   * @param len number of rows, in [1, scratch.maxLength]
   * @param keyMask null when every row is a real step; otherwise {@code keyMask[s]} is false for padding
   *     rows (length &gt;= len)
   * @param firstQuery first query row to compute, in [0, len); earlier rows of {@code out} are not written
   * @param out receives O, row-major [len, d] at offset 0 (rows [firstQuery, len)); must not alias h
   * @param probs null, or receives the attention probabilities P laid out [H][len − firstQuery][len]
   *     (head, query row − firstQuery, key row), length &gt;= H × (len − firstQuery) × len
   * @param scratch working memory, one per thread
   * @throws IllegalArgumentException if len or firstQuery is out of range
   */
  public void forward(float[] h, int len, boolean[] keyMask, int firstQuery, float[] out, float[] probs,
      Scratch scratch) {
    if (len <= 0 || len > scratch.maxLength) {
      throw new IllegalArgumentException("len must be in [1, " + scratch.maxLength + "]: " + len);
    }
    if (firstQuery < 0 || firstQuery >= len) {
      throw new IllegalArgumentException("firstQuery must be in [0, " + len + "): " + firstQuery);
    }
    float[] q = scratch.q;
    float[] k = scratch.k;
    float[] v = scratch.v;
    float[] concat = scratch.concat;
    float[] logits = scratch.logits;
    int rows = len - firstQuery;
    query.forwardRows(h, firstQuery * dim, rows, q, firstQuery * dim);
    key.forwardRows(h, 0, len, k, 0);
    value.forwardRows(h, 0, len, v, 0);
    for (int t = firstQuery; t < len; t++) {
      int lastVisible = causal ? t : len - 1;
      boolean anyKey = false;
      for (int s = 0; s <= lastVisible && !anyKey; s++) {
        anyKey = keyMask == null || keyMask[s];
      }
      Arrays.fill(concat, 0f);
      for (int j = 0; j < heads; j++) {
        int ho = j * headDim;
        // Keys that take part: visible and not padding, or every key when all are masked (literal rule).
        int lastKey = anyKey ? lastVisible : len - 1;
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s <= lastKey; s++) {
          boolean masked = s > lastVisible || (keyMask != null && !keyMask[s]);
          if (anyKey && masked) {
            continue;
          }
          float l = VectorOps.dot(q, t * dim + ho, k, s * dim + ho, headDim) * scale;
          if (masked) {
            l += MASK;
          }
          logits[s] = l;
          if (l > max) max = l;
        }
        double sum = 0;
        for (int s = 0; s <= lastKey; s++) {
          boolean masked = s > lastVisible || (keyMask != null && !keyMask[s]);
          if (anyKey && masked) {
            logits[s] = 0f;
            continue;
          }
          float e = (float) Math.exp(logits[s] - max);
          logits[s] = e;
          sum += e;
        }
        for (int s = lastKey + 1; s < len; s++) {
          logits[s] = 0f;
        }
        float inv = (float) (1.0 / sum);
        for (int s = 0; s <= lastKey; s++) {
          float p = logits[s] * inv;
          logits[s] = p;
          if (p != 0f) {
            VectorOps.axpy(p, v, s * dim + ho, concat, ho, headDim);
          }
        }
        if (probs != null) {
          System.arraycopy(logits, 0, probs, (j * rows + (t - firstQuery)) * len, len);
        }
      }
      output.forward(concat, 0, out, t * dim);
    }
  }
}
