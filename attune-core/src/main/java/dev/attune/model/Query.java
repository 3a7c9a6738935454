package dev.attune.model;

/**
 * One recommendation request. Every option a request can carry is a field here, so models need only one
 * {@code recommend} method.
 *
 * @param userIndex dense index of a user known to the model, or -1 for an anonymous or new user
 * @param history the user's consumed item indices, oldest first; null means "the user's training history"
 *     (requires {@code userIndex >= 0}). A given history replaces the training history, which lets a model
 *     serve a brand-new user or a session without retraining.
 * @param k maximum number of items to return, &gt; 0
 * @param filter which items may be returned; never null
 * @param excludeSeen whether items in the history are left out (true for most catalogues; false where
 *     repeats are normal, such as music)
 */
public record Query(int userIndex, int[] history, int k, ItemFilter filter, boolean excludeSeen) {
  public Query {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be > 0: " + k);
    }
    if (userIndex < -1) {
      throw new IllegalArgumentException("userIndex must be >= -1: " + userIndex);
    }
    if (userIndex < 0 && history == null) {
      throw new IllegalArgumentException("an anonymous query (userIndex -1) needs a history");
    }
    filter = filter == null ? ItemFilter.ALL : filter;
  }

  /** Top-k for a known user over their training history, seen items excluded. */
  public static Query forUser(int userIndex, int k) {
    return new Query(userIndex, null, k, ItemFilter.ALL, true);
  }

  /** Top-k for an anonymous user with the given history, seen items excluded. */
  public static Query forHistory(int[] history, int k) {
    return new Query(-1, history, k, ItemFilter.ALL, true);
  }

  /** This query with another k. */
  public Query withK(int newK) {
    return new Query(userIndex, history, newK, filter, excludeSeen);
  }

  /** This query with another filter. */
  public Query withFilter(ItemFilter newFilter) {
    return new Query(userIndex, history, k, newFilter, excludeSeen);
  }

  /** This query with seen items kept or excluded. */
  public Query withExcludeSeen(boolean exclude) {
    return new Query(userIndex, history, k, filter, exclude);
  }
}
