package dev.attune.infer;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What a {@link SequentialModel} attended to when scoring one item, with a leave-one-out check of whether the
 * attention points at steps that matter.
 *
 * <p>Step positions p index {@code steps} (the history window the network read, oldest first); the step's
 * position in the caller's history is {@code firstStep + p}. All weights are attention probabilities at
 * the newest query position: non-negative, summing to 1 over the steps. They are not additive parts of the
 * score.
 *
 * <p>The arrays are not copied: treat them as read-only. {@code equals} compares arrays by identity.
 *
 * @param itemIndex the explained item
 * @param score u · r_item for the full history
 * @param steps the item indices in the window (the newest T steps), oldest first
 * @param firstStep index in the given history of {@code steps[0]} (history length − window length)
 * @param stepWeights [len] last attention layer, averaged over heads
 * @param headWeights [H][len] last attention layer, per head ({@link SasRecModel}: the last block's heads;
 *     {@link GruAttentionModel}: one head, the attention α over the GRU states)
 * @param blockWeights [L][len] per attention layer, averaged over heads, last layer first
 *     ({@code blockWeights[0] == stepWeights}; {@link SasRecModel}: one per block; {@link GruAttentionModel}: one)
 * @param topSteps every step position ordered by {@code stepWeights}, largest first (ties: older first)
 * @param topStepDrop score − the score with step {@code topSteps[0]} removed from the window; NaN for an
 *     empty history
 * @param randomStep the step position removed for the baseline, drawn uniformly from the steps other than
 *     {@code topSteps[0]} with the given seed; -1 when the window has fewer than 2 steps
 * @param randomStepDrop score − the score with step {@code randomStep} removed; NaN when
 *     {@code randomStep == -1}
 * @apiNote Experimental.
 */
public record AttentionExplanation(
    int itemIndex, float score, int[] steps, int firstStep, float[] stepWeights, float[][] headWeights,
    float[][] blockWeights, int[] topSteps, float topStepDrop, int randomStep, float randomStepDrop) {

  /**
   * Whether removing the most-attended step lowers the score strictly more than removing the random step
   * (false when there is no random step).
   */
  public boolean topStepMattersMore() {
    return randomStep >= 0 && topStepDrop > randomStepDrop;
  }

  /**
   * The result of {@link #faithfulness}.
   *
   * @param cases cases with at least 2 steps in the window (the others are skipped)
   * @param skipped cases with fewer than 2 steps
   * @param topWins cases where {@link #topStepMattersMore()} holds
   * @param share topWins / cases (NaN when cases is 0); 0.5 is what uninformative attention would give
   * @param meanTopDrop mean {@link #topStepDrop()} over the counted cases
   * @param meanRandomDrop mean {@link #randomStepDrop()} over the counted cases
   */
  public record Faithfulness(int cases, int skipped, int topWins, double share, double meanTopDrop,
      double meanRandomDrop) {}

  /**
   * Over (history, recommended item) cases, the share where removing the most-attended step lowers the
   * item's score more than removing a random other step. Case c uses seed
   * {@code new SplittableRandom(seed)}'s c-th {@code nextLong()}, so a run is reproducible.
   *
   * @param model the model to check
   * @param histories item histories, oldest first
   * @param types event types per history (entries may be null), or null for none
   * @param items the recommended item of each case, same count as histories
   * @param seed seed of the random baseline steps
   * @throws IllegalArgumentException if the lists differ in size or a case is invalid for the model
   */
  public static Faithfulness faithfulness(SequentialModel model, List<int[]> histories, List<int[]> types, int[] items,
      long seed) {
    if (histories.size() != items.length || (types != null && types.size() != items.length)) {
      throw new IllegalArgumentException("histories, types and items must have the same size: "
          + histories.size() + ", " + (types == null ? "null" : types.size()) + ", " + items.length);
    }
    SplittableRandom seeds = new SplittableRandom(seed);
    int cases = 0;
    int skipped = 0;
    int wins = 0;
    double top = 0;
    double random = 0;
    for (int c = 0; c < items.length; c++) {
      long caseSeed = seeds.nextLong();
      AttentionExplanation e = model.explainAttention(histories.get(c), types == null ? null : types.get(c),
          items[c], caseSeed);
      if (e.randomStep() < 0) {
        skipped++;
        continue;
      }
      cases++;
      if (e.topStepMattersMore()) wins++;
      top += e.topStepDrop();
      random += e.randomStepDrop();
    }
    return new Faithfulness(cases, skipped, wins, cases == 0 ? Double.NaN : (double) wins / cases,
        cases == 0 ? Double.NaN : top / cases, cases == 0 ? Double.NaN : random / cases);
  }
}
