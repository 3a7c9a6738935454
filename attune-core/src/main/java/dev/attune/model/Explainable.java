package dev.attune.model;

/** A model that can say why it scores an item as it does. */
public interface Explainable {
  /**
   * Explains the score of {@code itemIndex} for the query's user or history. The contributions add up to
   * the score where the model is additive in its evidence (ItemKNN, EASE, UserKNN); for factor models they
   * follow the item-based reading of the implicit-feedback ALS paper.
   *
   * @throws IllegalArgumentException if the item index is out of range
   */
  Explanation explain(Query query, int itemIndex);
}
