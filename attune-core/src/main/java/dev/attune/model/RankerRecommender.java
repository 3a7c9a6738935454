package dev.attune.model;

import dev.attune.data.TrainingSet;
import dev.attune.kernel.TopKSelector;

/**
 * A {@link CandidateRanker} used as a recommender over the whole catalogue: every item is a candidate. For
 * rankers that need no retrieval stage (a {@link TransitionRanker}, which scores the whole catalogue in one pass
 * over its followers), or as the reference row that shows what a ranker does without one.
 *
 * @param name the name on leaderboards
 * @param ranker the ranker, fitted on {@code train}
 * @param train the training data: user histories (for queries by user) and seen items
 */
public record RankerRecommender(String name, CandidateRanker ranker, TrainingSet train) implements Recommender {
  /** Checks the arguments. */
  public RankerRecommender {
    if (name == null || name.isBlank() || ranker == null || train == null) {
      throw new IllegalArgumentException("name, ranker and train are required");
    }
  }

  @Override
  public int numUsers() {
    return train.numUsers();
  }

  @Override
  public int numItems() {
    return train.numItems();
  }

  @Override
  public TopK recommend(Query query) {
    int[] history = query.history() != null ? query.history() : train.sequences().positiveItemsOf(query.userIndex());
    float[] scores;
    if (ranker instanceof TransitionRanker transitions) { // one pass over the followers instead of a search per item
      scores = new float[numItems()];
      transitions.scoreAll(history, scores);
    } else {
      int[] all = new int[numItems()];
      for (int i = 0; i < all.length; i++) all[i] = i;
      scores = ranker.score(query.userIndex(), history, all);
    }
    if (query.excludeSeen()) {
      if (query.history() == null) {
        for (int i : train.interactions().row(query.userIndex())) scores[i] = Float.NaN;
      } else {
        for (int i : history) scores[i] = Float.NaN;
      }
    }
    return TopKSelector.select(scores, numItems(), query.k(), query.filter());
  }

  /** None: a candidate ranker scores items for a history, not items for an item. */
  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    return TopK.empty();
  }
}
