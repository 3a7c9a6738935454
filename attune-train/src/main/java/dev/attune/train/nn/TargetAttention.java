package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * DIN's local activation unit (Zhou et al., "Deep Interest Network for Click-Through Rate Prediction", KDD 2018,
 * Fig. 2): the relevance of each past event h_j to the candidate c is a small MLP over the outer-product-style
 * features [h_j, c, h_j − c, h_j ⊙ c], and the history is pooled with those weights:
 * <pre>
 *   s_j = MLP([h_j ; c ; h_j − c ; h_j ⊙ c]),   α = softmax over real j of s_j,   v = Σ_j α_j h_j
 * </pre>
 *
 * <p>NOTE: the paper pools with the raw activations (no softmax) to keep the intensity of a user's interest.
 * Here α is a masked softmax, so the weights form a distribution that can explain a prediction; the intensity the
 * paper wants to keep reaches the output MLP through the history length field the models add. Padding positions
 * get the additive {@link CausalSelfAttention#MASKED}; a row without any real event pools to zero (its
 * weights are uniform and meaningless, and callers must not show them).
 *
 * <p>Parameters: the MLP {@code <prefix>.mlp} of widths 4e → hidden → 1 ({@link Mlp}).
 */
public final class TargetAttention {
  private final Mlp scorer;

  /**
   * The result of a forward pass.
   *
   * @param pooled v [B, e], zero for rows without history
   * @param weights α [B, L]
   */
  public record Output(NDArray pooled, NDArray weights) {}

  /**
   * Creates the parameters in {@code store}.
   *
   * @param dim e, width of an event and of the candidate, &gt; 0
   * @param hidden width of the scoring MLP's hidden layer, &gt; 0
   */
  public TargetAttention(ParameterStore store, String prefix, int dim, int hidden) {
    this.scorer = new Mlp(store, prefix + ".mlp", 4 * dim, hidden, 1);
  }

  /**
   * Attends from the candidate over the history.
   *
   * @param history h [B, L, e]
   * @param candidate c [B, e]
   * @param additiveMask [B, L]: 0 at real events, {@link CausalSelfAttention#MASKED} at padding
   * @param hasHistory [B, 1]: 1 for rows with at least one real event, else 0
   */
  public Output forward(NDArray history, NDArray candidate, NDArray additiveMask, NDArray hasHistory) {
    long l = history.getShape().get(1);
    NDArray c = candidate.expandDims(1).repeat(1, l); // [B, L, e]
    NDArray features = NDArrays.concat(new NDList(history, c, history.sub(c), history.mul(c)), 2);
    NDArray scores = scorer.forward(features).squeeze(2); // [B, L]
    NDArray alpha = scores.add(additiveMask).softmax(1);
    NDArray pooled = alpha.expandDims(1).matMul(history).squeeze(1).mul(hasHistory); // [B, e]
    return new Output(pooled, alpha);
  }
}
