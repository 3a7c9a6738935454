package dev.attune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** #4 the two-stage pipeline: union with dedupe, re-ranking, ties by item index, history passed to the ranker. */
class TwoStageRecommenderTest {

  /** Proposes a fixed ranked list (minus excluded history items) to every query. */
  private record Fixed(String name, int[] list) implements Recommender {
    @Override
    public int numUsers() {
      return 3;
    }

    @Override
    public int numItems() {
      return 10;
    }

    @Override
    public TopK recommend(Query query) {
      int[] items = java.util.Arrays.stream(list).filter(i -> query.filter().accepts(i)).limit(query.k()).toArray();
      float[] scores = new float[items.length];
      for (int r = 0; r < scores.length; r++) scores[r] = -r;
      return new TopK(items, scores);
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      return TopK.empty();
    }
  }

  @Test
  void reranksTheDedupedUnionOfTheRetrieversTopN() {
    Recommender a = new Fixed("a", new int[] {1, 2, 3, 9});
    Recommender b = new Fixed("b", new int[] {3, 4, 5, 8});
    int[][] seenHistory = new int[1][];
    // ranker: score = item index, except item 4 which ties with item 5
    CandidateRanker ranker = (user, history, candidates) -> {
      seenHistory[0] = history;
      float[] s = new float[candidates.length];
      for (int j = 0; j < s.length; j++) s[j] = candidates[j] == 4 ? 5 : candidates[j];
      return s;
    };
    TwoStageRecommender p = new TwoStageRecommender("p", List.of(a, b), 3, ranker, u -> new int[] {7, u});
    // top 3 of each: {1, 2, 3} ∪ {3, 4, 5} = 1 2 3 4 5 (3 once); items 8, 9 are beyond N and never returned
    assertArrayEquals(new int[] {1, 2, 3, 4, 5}, p.candidates(Query.forUser(2, 10)));
    TopK top = p.recommend(Query.forUser(2, 4));
    // scores 5 (item 4), 5 (item 5), 3, 2: the tie goes to the smaller index
    assertArrayEquals(new int[] {4, 5, 3, 2}, top.items());
    assertArrayEquals(new int[] {7, 2}, seenHistory[0], "a query without history gets the training history");
    p.recommend(new Query(1, new int[] {6}, 2, ItemFilter.ALL, true));
    assertArrayEquals(new int[] {6}, seenHistory[0], "the query's own history wins");
    assertEquals(2, p.recommend(Query.forUser(0, 2)).size());
  }

  @Test
  void reciprocalRankFusionAddsTheRetrieversOrders() {
    Recommender a = new Fixed("a", new int[] {1, 2, 3});
    Recommender b = new Fixed("b", new int[] {2, 1, 4});
    // ranker order: 4, 3, 2, 1 (score = item index)
    CandidateRanker ranker = (user, history, candidates) -> {
      float[] s = new float[candidates.length];
      for (int j = 0; j < s.length; j++) s[j] = candidates[j];
      return s;
    };
    TwoStageRecommender p = new TwoStageRecommender("p", List.of(a, b), 3, ranker, u -> new int[0],
        TwoStageRecommender.Fusion.RECIPROCAL_RANK);
    // item 1: a 1/61 + b 1/62 + ranker 1/64; item 2: 1/62 + 1/61 + 1/63; item 3: 1/63 + 1/62; item 4: 1/63 + 1/61
    TopK top = p.recommend(Query.forUser(0, 4));
    assertArrayEquals(new int[] {2, 1, 4, 3}, top.items());
    assertEquals(1.0 / 62 + 1.0 / 61 + 1.0 / 63, top.score(0), 1e-6);
  }

  @Test
  void givesTheRankerTheRetrieversListsAsEvidence() {
    Recommender a = new Fixed("a", new int[] {1, 2, 3});
    Recommender b = new Fixed("b", new int[] {2, 4});
    TopK[][] seen = new TopK[1][];
    // a ranker that scores by the number of lists proposing the item (ties by index)
    CandidateRanker byAgreement = new CandidateRanker() {
      @Override
      public float[] score(int user, int[] history, int[] candidates) {
        throw new AssertionError("the pipeline must pass its lists");
      }

      @Override
      public float[] score(int user, int[] history, int[] candidates, TopK[] retrieved) {
        seen[0] = retrieved;
        float[] s = new float[candidates.length];
        for (int j = 0; j < s.length; j++) {
          for (TopK list : retrieved) s[j] += list.rankOf(candidates[j]) >= 0 ? 1 : 0;
        }
        return s;
      }
    };
    TwoStageRecommender p = new TwoStageRecommender("p", List.of(a, b), 2, byAgreement, u -> new int[0]);
    // top 2 of each: {1, 2} and {2, 4}; item 2 is in both lists
    assertArrayEquals(new int[] {2, 1, 4}, p.recommend(Query.forUser(0, 3)).items());
    assertArrayEquals(new int[] {1, 2}, seen[0][0].items());
    assertArrayEquals(new int[] {2, 4}, seen[0][1].items());
  }
}
