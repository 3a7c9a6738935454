package dev.attune.model;

import dev.attune.data.Interactions;
import dev.attune.kernel.TopKSelector;

/**
 * Base for models that score every item for a user and keep the best: subclasses implement
 * {@link #scoreAll}; this class resolves the history, applies exclusions and filters, and selects top-k.
 *
 * <p>Thread-safe when subclasses are: a score buffer is kept per thread.
 */
public abstract class ScoringRecommender implements Recommender {
  /** The training matrix (all entries, negative ones included); rows give each known user's history. */
  protected final Interactions train;
  private final ThreadLocal<float[]> scratch;

  protected ScoringRecommender(Interactions train) {
    this.train = train;
    int n = train.numItems();
    this.scratch = ThreadLocal.withInitial(() -> new float[n]);
  }

  @Override
  public int numUsers() {
    return train.numUsers();
  }

  @Override
  public int numItems() {
    return train.numItems();
  }

  /**
   * Writes a score for every item into {@code scores} (length {@link #numItems()}); higher is better.
   *
   * @param userIndex the user, or -1 when only the history is known
   * @param history positive history item indices: as the query gave them (oldest first), or, when it gave none,
   *     the training row's positive items in ascending item index, not in time order (a model that reads order
   *     takes the user's sequence from {@code TrainingSet.sequences()}, as {@code RankerRecommender} does)
   * @param useTrainingRow true when {@code history} is the user's training row, so per-user state learned
   *     in training (factors, neighbours) may be used
   */
  protected abstract void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores);

  @Override
  public TopK recommend(Query query) {
    int[] history = validatedHistory(query);
    boolean trainingRow = query.history() == null;
    float[] scores = scratch.get();
    scoreAll(query.userIndex(), history, trainingRow, scores);
    if (query.excludeSeen()) {
      if (trainingRow) {
        int[] indptr = train.indptr();
        int[] indices = train.indices();
        for (int p = indptr[query.userIndex()]; p < indptr[query.userIndex() + 1]; p++) {
          scores[indices[p]] = Float.NaN; // NaN = excluded, see TopKSelector
        }
      } else {
        for (int i : history) scores[i] = Float.NaN;
      }
    }
    return TopKSelector.select(scores, numItems(), query.k(), query.filter());
  }

  /** The positive history of the query, checked. */
  protected final int[] validatedHistory(Query query) {
    if (query.userIndex() >= numUsers()) {
      throw new IllegalArgumentException("user index " + query.userIndex() + " outside [0, " + numUsers() + ")");
    }
    if (query.history() == null) {
      return positiveRow(query.userIndex());
    }
    for (int i : query.history()) {
      if (i < 0 || i >= numItems()) {
        throw new IllegalArgumentException("history item " + i + " outside [0, " + numItems() + ")");
      }
    }
    return query.history();
  }

  /** Items with positive weight in user {@code u}'s training row. */
  protected final int[] positiveRow(int u) {
    int[] indptr = train.indptr();
    int[] indices = train.indices();
    float[] values = train.values();
    int n = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (values[p] > 0) n++;
    }
    int[] out = new int[n];
    int w = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (values[p] > 0) out[w++] = indices[p];
    }
    return out;
  }

  /** Checks an item index argument. */
  protected final void checkItem(int itemIndex) {
    if (itemIndex < 0 || itemIndex >= numItems()) {
      throw new IllegalArgumentException("item index " + itemIndex + " outside [0, " + numItems() + ")");
    }
  }
}
