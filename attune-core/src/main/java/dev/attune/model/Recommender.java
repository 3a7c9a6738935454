package dev.attune.model;

/**
 * A trained recommendation model. Immutable, thread-safe, pure Java.
 *
 * <p>Training is separate: a {@link Trainer} produces a {@code Recommender}. Optional abilities are
 * separate interfaces ({@link Explainable}, {@link RatingPredictor}).
 */
public interface Recommender {
  /** Short name for leaderboards and logs, such as {@code ItemKnn}. */
  String name();

  /** Number of users known at training time. */
  int numUsers();

  /** Number of items in the catalogue (item indices are [0, numItems())). */
  int numItems();

  /**
   * Returns up to {@code query.k()} items for the query's user or history, best first, ties by ascending
   * item index. Items rejected by the filter and, if requested, items in the history are left out, so
   * fewer than k may be returned.
   *
   * <p>Thread-safe.
   *
   * @throws IllegalArgumentException if the user index is outside [-1, numUsers()) or a history item is
   *     outside [0, numItems())
   */
  TopK recommend(Query query);

  /**
   * Answers several queries; the same results as calling {@link #recommend(Query)} one by one.
   */
  default TopK[] recommend(Query[] queries) {
    TopK[] out = new TopK[queries.length];
    for (int q = 0; q < queries.length; q++) {
      out[q] = recommend(queries[q]);
    }
    return out;
  }

  /**
   * Items most similar to {@code itemIndex} by this model's notion of similarity, excluding the item itself.
   *
   * @throws IllegalArgumentException if the item index is out of range or k &lt;= 0
   */
  TopK similarItems(int itemIndex, int k, ItemFilter filter);
}
