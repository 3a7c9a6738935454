package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.data.Sequences;
import dev.attune.data.TrainingSet;

/**
 * BERT4Rec (bidirectional self-attention trained by the Cloze task) served in pure Java from the weights that
 * {@code attune-train} exports.
 *
 * <p>Follows Sun et al., "BERT4Rec: Sequential Recommendation with Bidirectional Encoder Representations from
 * Transformer" (CIKM 2019) in the form of the contract {@code docs/design/bert4rec.md}: SASRec's network
 * ({@link SasRecModel}) with attention over every real step in both directions, and a learned [MASK] input
 * ({@code mask_embedding}) placed after the newest T − 1 history steps; u is the final state at [MASK] and
 * score(i) = u · r_i. A parity test holds this class and the DJL trainer to 1e-4.
 *
 * <p>Explanations: the last block's attention at [MASK] over the history steps, averaged over heads, with the
 * weight [MASK] gives itself left out and the rest renormalised to sum to 1.
 *
 * <p>Immutable and thread-safe, as {@link SasRecModel}.
 *
 * @implNote one user representation costs about L × (6 n d² + 2 n² d + 2 n d · ffnHidden) multiply-adds for
 *     n = min(|history|, T − 1) + 1 rows (the last block only its [MASK] row); scoring adds one gemv of N × d.
 * @apiNote Experimental.
 */
public final class Bert4RecModel extends SasRecModel {
  /** Value of the {@code model} property this class reads. */
  public static final String MODEL_KIND = "bert4rec";

  private Bert4RecModel(WeightFile w, Interactions train, Sequences sequences) {
    super(w, MODEL_KIND, true, train, sequences, null);
  }

  /**
   * A model for serving with explicit histories (known users fall back to their positive row in item-index
   * order).
   *
   * @throws IllegalArgumentException if a property is missing or malformed, or any tensor is missing or shaped
   *     differently from the contract (the message names it)
   */
  public static Bert4RecModel fromWeights(WeightFile weights, Interactions train) {
    return new Bert4RecModel(weights, train, null);
  }

  /**
   * A model whose known users' histories are their time-ordered positive training steps.
   *
   * @throws IllegalArgumentException as {@link #fromWeights(WeightFile, Interactions)}
   */
  public static Bert4RecModel fromWeights(WeightFile weights, TrainingSet trainingSet) {
    return new Bert4RecModel(weights, trainingSet.interactions(), trainingSet.sequences());
  }

  @Override
  public String name() {
    return "Bert4Rec";
  }
}
