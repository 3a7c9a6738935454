package dev.attune.model;

/** A model that predicts explicit rating values (for RMSE and MAE). */
public interface RatingPredictor {
  /**
   * Predicted rating of {@code itemIndex} by {@code userIndex}, on the scale of the training values.
   *
   * @throws IllegalArgumentException if an index is out of range
   */
  float predictRating(int userIndex, int itemIndex);

  /**
   * The event type whose values are the ratings predicted. An evaluation compares the predictions with the
   * held-out events of this type only: a held-out view or play has a value on another scale, or none.
   */
  String ratingType();
}
