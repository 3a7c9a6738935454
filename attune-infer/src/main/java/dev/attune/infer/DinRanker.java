package dev.attune.infer;

import dev.attune.model.CandidateRanker;

/**
 * A {@link DinModel} as the ranking stage of a {@link dev.attune.model.TwoStageRecommender}: candidates are scored
 * by DIN's predicted probability, with each known user's profile fields given at construction.
 *
 * <p>Immutable and thread-safe.
 */
public final class DinRanker implements CandidateRanker {
  private final DinModel model;
  private final int[][] userFields;

  /**
   * Wraps a model.
   *
   * @param userFields the F field values of every user index (copied by reference; must not change)
   * @throws IllegalArgumentException if the number of users or fields does not match the model
   */
  public DinRanker(DinModel model, int[][] userFields) {
    if (model == null || userFields == null) throw new IllegalArgumentException("model and userFields must be set");
    if (userFields.length != model.numUsers()) {
      throw new IllegalArgumentException("fields for " + userFields.length + " users, model has " + model.numUsers());
    }
    this.model = model;
    this.userFields = userFields;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException also for an anonymous user (DIN embeds the user id)
   */
  @Override
  public float[] score(int userIndex, int[] history, int[] candidates) {
    if (userIndex < 0 || userIndex >= userFields.length) {
      throw new IllegalArgumentException("DIN ranks known users only: " + userIndex);
    }
    return model.score(userIndex, userFields[userIndex], candidates, history, false).probabilities();
  }
}
