package dev.attune.model;

/**
 * The second stage of a {@link TwoStageRecommender}: scores a short list of candidate items for one user, with
 * a model too costly to run over the whole catalogue (a CTR model such as DIN).
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface CandidateRanker {
  /**
   * Scores {@code candidates} for the user; higher is better.
   *
   * @param userIndex the user, or -1 when only the history is known (a ranker may reject it)
   * @param history the user's positive items, oldest first
   * @param candidates item indices, distinct
   * @return one score per candidate, in the order given, none NaN
   * @throws IllegalArgumentException if an index is out of range or the ranker cannot serve the user
   */
  float[] score(int userIndex, int[] history, int[] candidates);
}
