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

  /**
   * Scores {@code candidates} with the retrieval evidence at hand: the first stage's lists, from which the
   * candidates were taken. A ranker that learns from the retrievers' ranks and scores (for example
   * {@code dev.attune.infer.FusionRanker}) overrides this; the default ignores the lists and calls
   * {@link #score(int, int[], int[])}.
   *
   * @param retrieved each retriever's top-N answer, in the pipeline's retriever order, best first; every
   *     candidate is in at least one of them
   * @return one score per candidate, in the order given, none NaN
   * @throws IllegalArgumentException as {@link #score(int, int[], int[])}, or if the lists do not fit the ranker
   */
  default float[] score(int userIndex, int[] history, int[] candidates, TopK[] retrieved) {
    return score(userIndex, history, candidates);
  }
}
