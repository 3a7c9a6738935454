package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;

/**
 * Scaled dot-product attention from M query vectors shared by every row over each row's history (#5, the attention
 * of {@link dev.attune.train.SceneTransfer}, whose queries are the target scene's interest features): which past
 * events each query gathers.
 * <pre>
 *   q_m = x_m · W_q,   k_bj = h_bj · W_k,   v_bj = h_bj · W_v            (W_* of shape [d, d], x · W as in Linear)
 *   α_bmj = softmax over j of (q_m · k_bj / √d + mask_bj),   z_bm = Σ_j α_bmj v_bj
 * </pre>
 * The queries are shared by every row of the batch, so the logits are one broadcast matrix product
 * [M, d] × [B, d, L] → [B, M, L] rather than a loop over rows.
 *
 * <p>Padding positions get the additive {@link CausalSelfAttention#MASKED}; a row without any real event pools to
 * zero (its weights are uniform over padding and meaningless; callers must not show them).
 *
 * <p>Parameters: {@code <prefix>.query}, {@code <prefix>.key}, {@code <prefix>.value}, each [d, d], Xavier-normal.
 * No biases: a key bias shifts every logit of a row equally, which the softmax ignores.
 */
public final class SharedQueryAttention {
  private final NDArray query;
  private final NDArray key;
  private final NDArray value;
  private final double scale;

  /**
   * The result of a forward pass.
   *
   * @param pooled z [B, M, d], zero for rows without history
   * @param weights α [B, M, L]
   */
  public record Output(NDArray pooled, NDArray weights) {}

  /**
   * Creates the parameters in {@code store}.
   *
   * @param dim d, the width of queries and history events, &gt; 0
   */
  public SharedQueryAttention(ParameterStore store, String prefix, int dim) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
    this.query = store.xavier(prefix + ".query", dim, dim);
    this.key = store.xavier(prefix + ".key", dim, dim);
    this.value = store.xavier(prefix + ".value", dim, dim);
    this.scale = 1 / Math.sqrt(dim);
  }

  /**
   * Attends from every query over every row's history.
   *
   * @param queries x [M, d], the queries' inputs, shared by all rows
   * @param history h [B, L, d]
   * @param additiveMask [B, L]: 0 at real events, {@link CausalSelfAttention#MASKED} at padding
   * @param hasHistory [B, 1]: 1 for rows with at least one real event, else 0
   */
  public Output forward(NDArray queries, NDArray history, NDArray additiveMask, NDArray hasHistory) {
    NDArray q = queries.matMul(query).expandDims(0); // [1, M, d]
    NDArray k = history.matMul(key); // [B, L, d]
    NDArray v = history.matMul(value); // [B, L, d]
    NDArray logits = Scalars.times(q.matMul(k.transpose(0, 2, 1)), scale); // [B, M, L]
    NDArray alpha = logits.add(additiveMask.expandDims(1)).softmax(2);
    NDArray pooled = alpha.matMul(v).mul(hasHistory.expandDims(2)); // [B, M, d]
    return new Output(pooled, alpha);
  }
}
