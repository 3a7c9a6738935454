package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * NARM's attention over the states of a sequence, at every position at once, as
 * {@link dev.attune.infer.nn.AdditiveAttention} and {@code docs/design/gru-attn.md}:
 * <pre>
 *   e_tj = v · σ(h_t · A1 + h_j · A2),   α_t = softmax over j of (e_tj + mask_tj),   c_t = Σ_j α_tj h_j
 * </pre>
 * where the additive mask is {@link CausalSelfAttention#mask}: 0 where j &lt;= t and step j is real, the finite
 * {@link CausalSelfAttention#MASKED} elsewhere (so an all-padding row stays defined; callers zero its output).
 *
 * <p>NOTE: NARM weights the states by the raw e_tj; the softmax is the contract's departure, so the weights are
 * a distribution and can explain a recommendation.
 *
 * <p>Parameters {@code <prefix>.a1}, {@code .a2} [H, H] and {@code .v} [H], all Xavier normal.
 *
 * <p>Memory: the pairwise term σ(h_t · A1 + h_j · A2) is materialised, [B, T, T, H] values (plus as many for
 * autograd), e.g. 32 M floats for B 128, T 50, H 100.
 */
public final class AdditiveAttention {
  private final int dim;
  private final NDArray a1;
  private final NDArray a2;
  private final NDArray v;

  /**
   * The result of a forward pass.
   *
   * @param context c [B, T, H]
   * @param weights α [B, T, T] (query, key)
   */
  public record Output(NDArray context, NDArray weights) {}

  /** Creates the parameters in {@code store}. */
  public AdditiveAttention(ParameterStore store, String prefix, int dim) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
    this.dim = dim;
    this.a1 = store.xavier(prefix + ".a1", dim, dim);
    this.a2 = store.xavier(prefix + ".a2", dim, dim);
    this.v = store.normal(prefix + ".v", Math.sqrt(2.0 / (dim + 1)), dim);
  }

  /**
   * Attends from every position over the allowed positions.
   *
   * @param h states [B, T, H]
   * @param mask additive mask [B, 1, T, T] from {@link CausalSelfAttention#mask}
   */
  public Output forward(NDArray h, NDArray mask) {
    NDArray query = h.matMul(a1).expandDims(2); // [B, T, 1, H]
    NDArray key = h.matMul(a2).expandDims(1); // [B, 1, T, H]
    NDArray e = Activation.sigmoid(query.add(key)).matMul(v.reshape(dim, 1)).squeeze(3); // [B, T, T]
    NDArray alpha = e.add(mask.squeeze(1)).softmax(2);
    return new Output(alpha.matMul(h), alpha);
  }
}
