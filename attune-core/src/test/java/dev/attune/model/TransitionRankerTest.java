package dev.attune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** #4 the transition scores, a base ranker of the two-stage pipeline, worked out by hand. */
class TransitionRankerTest {

  @Test
  void scoresFollowersOfTheRecentItemsWithGapAndRecencyWeights() {
    int[][] sequences = {{0, 1, 2}, {0, 2}, {3, 3, 1}};
    TransitionRanker ranker = TransitionRanker.fit(sequences.length, u -> sequences[u], 5,
        new TransitionRanker.Params(2, 2, 0.5f));
    // c(0, 1) = 1 (gap 1); c(0, 2) = 1/2 (gap 2, user 0) + 1 (gap 1, user 1) = 1.5; c(1, 2) = 1;
    // c(3, 1) = 1 (gap 1 from the second 3) + 1/2 (gap 2 from the first 3) = 1.5; 3 -> 3 is not a transition.
    // history {3, 0}: the newest item 0 weighs 1, item 3 weighs 0.5.
    float[] s = ranker.score(-1, new int[] {3, 0}, new int[] {1, 2, 3, 4});
    float item1 = (float) (Math.log1p(1) + 0.5 * Math.log1p(1.5));
    float item2 = (float) Math.log1p(1.5);
    assertArrayEquals(new float[] {item1, item2, 0f, 0f}, s, 1e-6f);
    // only the K = 2 most recent items count: 2 and 4 have no followers, the older 0 is ignored
    assertArrayEquals(new float[] {0f, 0f}, ranker.score(0, new int[] {0, 4, 2}, new int[] {1, 2}), 0f);
    assertThrows(IllegalArgumentException.class, () -> ranker.score(0, new int[] {0}, new int[] {5}));
    // the whole-catalogue pass gives the same scores
    float[] all = new float[5];
    ranker.scoreAll(new int[] {3, 0}, all);
    assertArrayEquals(new float[] {0f, item1, item2, 0f, 0f}, all, 1e-6f);
  }
}
