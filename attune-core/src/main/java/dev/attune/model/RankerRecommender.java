package dev.attune.model;

import dev.attune.data.TrainingSet;
import java.util.stream.IntStream;

/**
 * A {@link CandidateRanker} used as a recommender over the whole catalogue: every item is a candidate. For
 * rankers that need no retrieval stage (a {@link TransitionRanker}, which scores the whole catalogue in one pass
 * over its followers), or as the reference row that shows what a ranker does without one.
 *
 * <p>A known user's history is their training sequence in time order (rankers such as the transitions read its
 * newest items), not the training row; exclusions, filters and top-k are {@link ScoringRecommender}'s.
 */
public final class RankerRecommender extends ScoringRecommender {
  private final String name;
  private final CandidateRanker ranker;
  private final TrainingSet trainingSet;
  /** 0..numItems−1, the candidates of a ranker without a whole-catalogue pass. */
  private final int[] allItems;

  /**
   * @param name the name on leaderboards
   * @param ranker the ranker, fitted on {@code train}
   * @param train the training data: user histories (for queries by user) and seen items
   */
  public RankerRecommender(String name, CandidateRanker ranker, TrainingSet train) {
    super(requireTrain(name, ranker, train).interactions());
    this.name = name;
    this.ranker = ranker;
    this.trainingSet = train;
    this.allItems = ranker instanceof TransitionRanker ? null : IntStream.range(0, numItems()).toArray();
  }

  private static TrainingSet requireTrain(String name, CandidateRanker ranker, TrainingSet train) {
    if (name == null || name.isBlank() || ranker == null || train == null) {
      throw new IllegalArgumentException("name, ranker and train are required");
    }
    return train;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
    int[] ordered = useTrainingRow ? trainingSet.sequences().positiveItemsOf(userIndex) : history;
    if (ranker instanceof TransitionRanker transitions) { // one pass over the followers instead of a search per item
      transitions.scoreAll(ordered, scores);
    } else {
      System.arraycopy(ranker.score(userIndex, ordered, allItems), 0, scores, 0, allItems.length);
    }
  }

  /** None: a candidate ranker scores items for a history, not items for an item. */
  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    return TopK.empty();
  }
}
