package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;

/**
 * Multi-head self-attention as in the SASRec contract ({@code docs/design/sasrec.md}): Q = h·Wq + bq,
 * K = h·Wk + bk, V = h·Wv + bv; head j uses features [j·d/H, (j+1)·d/H); logits Q_j K_jᵀ / sqrt(d/H) plus an
 * additive mask; P = softmax over keys; output concat_j(P_j V_j) · Wo + bo. The mask decides the direction:
 * {@link #mask} is causal (SASRec), {@link #bidirectionalMask} hides padding only (BERT4Rec).
 *
 * <p>Parameters {@code <prefix>.{query,key,value,output}.weight} [d, d] (Xavier normal) and {@code .bias} [d]
 * (zeros). In training, dropout is applied to P.
 */
public final class CausalSelfAttention {
  /** The finite logit added where attention is not allowed, so an all-masked row stays defined. */
  public static final double MASKED = -1e9;

  private final int heads;
  private final int dim;
  private final NDArray wq;
  private final NDArray bq;
  private final NDArray wk;
  private final NDArray bk;
  private final NDArray wv;
  private final NDArray bv;
  private final NDArray wo;
  private final NDArray bo;

  /**
   * The result of a forward pass.
   *
   * @param output [B, T, d]
   * @param probabilities attention probabilities P [B, H, T, T] (query, key), before dropout
   */
  public record Output(NDArray output, NDArray probabilities) {}

  /**
   * Creates the parameters in {@code store}.
   *
   * @throws IllegalArgumentException if {@code dim % heads != 0}
   */
  public CausalSelfAttention(ParameterStore store, String prefix, int dim, int heads) {
    if (heads <= 0 || dim % heads != 0) {
      throw new IllegalArgumentException("hidden " + dim + " must be a multiple of heads " + heads);
    }
    this.heads = heads;
    this.dim = dim;
    this.wq = store.xavier(prefix + ".query.weight", dim, dim);
    this.bq = store.zeros(prefix + ".query.bias", dim);
    this.wk = store.xavier(prefix + ".key.weight", dim, dim);
    this.bk = store.zeros(prefix + ".key.bias", dim);
    this.wv = store.xavier(prefix + ".value.weight", dim, dim);
    this.bv = store.zeros(prefix + ".value.bias", dim);
    this.wo = store.xavier(prefix + ".output.weight", dim, dim);
    this.bo = store.zeros(prefix + ".output.bias", dim);
  }

  /**
   * The additive attention mask [B, 1, T, T]: 0 where query t may attend to key s (s &lt;= t and key s is not
   * padding), {@link #MASKED} elsewhere.
   *
   * @param keyMask B × T flags, row-major: 1 for a real step, 0 for padding
   */
  public static NDArray mask(NDManager manager, DataType dataType, float[] keyMask, int batch, int length) {
    return mask(manager, dataType, keyMask, batch, length, true);
  }

  /**
   * The additive mask [B, 1, T, T] of bidirectional attention: 0 where key s is a real step, {@link #MASKED}
   * where it is padding, whatever the query.
   *
   * @param keyMask B × T flags, row-major: 1 for a real step, 0 for padding
   */
  public static NDArray bidirectionalMask(NDManager manager, DataType dataType, float[] keyMask, int batch,
      int length) {
    return mask(manager, dataType, keyMask, batch, length, false);
  }

  private static NDArray mask(NDManager manager, DataType dataType, float[] keyMask, int batch, int length,
      boolean causal) {
    double[] m = new double[batch * length * length];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < length; t++) {
        int row = (b * length + t) * length;
        for (int s = 0; s < length; s++) {
          boolean allowed = (!causal || s <= t) && keyMask[b * length + s] != 0;
          m[row + s] = allowed ? 0 : MASKED;
        }
      }
    }
    return manager.create(m, new Shape(batch, 1, length, length)).toType(dataType, false);
  }

  /**
   * Attends over {@code h}.
   *
   * @param h normalised input [B, T, d]
   * @param mask additive mask from {@link #mask}
   * @param dropout dropout rate on P, used only when {@code training}
   */
  public Output forward(NDArray h, NDArray mask, float dropout, boolean training) {
    Shape s = h.getShape();
    long b = s.get(0);
    long t = s.get(1);
    long dh = dim / heads;
    NDArray q = split(h.matMul(wq).add(bq), b, t, dh);
    NDArray k = split(h.matMul(wk).add(bk), b, t, dh);
    NDArray v = split(h.matMul(wv).add(bv), b, t, dh);
    NDArray logits = Scalars.dividedBy(q.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(dh)).add(mask);
    NDArray p = logits.softmax(-1);
    NDArray pd = training && dropout > 0 ? Dropout.dropout(p, dropout, true).singletonOrThrow() : p;
    NDArray heads = pd.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, dim);
    return new Output(heads.matMul(wo).add(bo), p);
  }

  private NDArray split(NDArray x, long b, long t, long dh) {
    return x.reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
  }
}
