package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RankingMetricsTest {
  private static final double EPS = 1e-12;

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  @Test
  void matchesHandComputedValuesAtThree() {
    int[] ranked = {5, 3, 9, 1};
    int[] relevant = {1, 3};
    // Top 3 = [5, 3, 9]: one hit (item 3) at rank 2.
    assertEquals(1, RankingMetrics.hitRate(ranked, relevant, 3), EPS);
    assertEquals(1, RankingMetrics.hits(ranked, relevant, 3));
    assertEquals(0.5, RankingMetrics.recall(ranked, relevant, 3), EPS); // 1 / |{1, 3}|
    assertEquals(1.0 / 3, RankingMetrics.precision(ranked, relevant, 3), EPS); // 1 / k
    // DCG = 1/log2(2 + 1); ideal puts min(3, 2) = 2 hits at ranks 1, 2: 1/log2(2) + 1/log2(3) = 1 + 1/log2(3).
    assertEquals((1 / log2(3)) / (1 + 1 / log2(3)), RankingMetrics.ndcg(ranked, relevant, 3), EPS);
    assertEquals(0.5, RankingMetrics.reciprocalRank(ranked, relevant, 3), EPS); // first hit at rank 2
    // AP@3 = precision@2 / min(3, 2) = (1/2) / 2.
    assertEquals(0.25, RankingMetrics.averagePrecision(ranked, relevant, 3), EPS);
    // F1 = 2 * (1/3) * (1/2) / (1/3 + 1/2) = (1/3) / (5/6) = 0.4.
    assertEquals(0.4, RankingMetrics.f1(ranked, relevant, 3), EPS);
  }

  @Test
  void matchesHandComputedValuesAtFour() {
    int[] ranked = {5, 3, 9, 1};
    int[] relevant = {1, 3};
    // Hits at ranks 2 and 4.
    assertEquals(1, RankingMetrics.recall(ranked, relevant, 4), EPS);
    assertEquals(0.5, RankingMetrics.precision(ranked, relevant, 4), EPS); // 2 / 4
    // DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3).
    assertEquals((1 / log2(3) + 1 / log2(5)) / (1 + 1 / log2(3)), RankingMetrics.ndcg(ranked, relevant, 4), EPS);
    // AP@4 = (1/2 + 2/4) / min(4, 2) = 0.5.
    assertEquals(0.5, RankingMetrics.averagePrecision(ranked, relevant, 4), EPS);
  }

  @Test
  void idealDcgUsesMinOfKAndRelevantCount() {
    // Five relevant items, k = 2, both top-2 slots hit: DCG equals the ideal over min(2, 5) = 2 slots, so
    // NDCG = 1 (an ideal over all 5 would give less than 1). Recall = 2/5, AP@2 = (1 + 1) / min(2, 5) = 1.
    int[] ranked = {2, 4, 7};
    int[] relevant = {2, 4, 6, 8, 10};
    assertEquals(1, RankingMetrics.ndcg(ranked, relevant, 2), EPS);
    assertEquals(0.4, RankingMetrics.recall(ranked, relevant, 2), EPS);
    assertEquals(1, RankingMetrics.averagePrecision(ranked, relevant, 2), EPS);
  }

  @Test
  void emptyRankedListScoresZero() {
    int[] none = {};
    int[] relevant = {1};
    assertEquals(0, RankingMetrics.hitRate(none, relevant, 10));
    assertEquals(0, RankingMetrics.ndcg(none, relevant, 10));
    assertEquals(0, RankingMetrics.recall(none, relevant, 10));
    assertEquals(0, RankingMetrics.precision(none, relevant, 10));
    assertEquals(0, RankingMetrics.f1(none, relevant, 10));
    assertEquals(0, RankingMetrics.reciprocalRank(none, relevant, 10));
    assertEquals(0, RankingMetrics.reciprocalRank(none, relevant));
    assertEquals(0, RankingMetrics.averagePrecision(none, relevant, 10));
  }

  @Test
  void emptyRelevantSetIsUndefinedWhereItIsTheDenominator() {
    // The Evaluator skips such users; the functions still answer: NaN where |relevant| divides, else 0.
    int[] ranked = {1, 2};
    int[] none = {};
    assertTrue(Double.isNaN(RankingMetrics.ndcg(ranked, none, 2)));
    assertTrue(Double.isNaN(RankingMetrics.recall(ranked, none, 2)));
    assertTrue(Double.isNaN(RankingMetrics.f1(ranked, none, 2)));
    assertTrue(Double.isNaN(RankingMetrics.averagePrecision(ranked, none, 2)));
    assertEquals(0, RankingMetrics.hitRate(ranked, none, 2));
    assertEquals(0, RankingMetrics.precision(ranked, none, 2));
    assertEquals(0, RankingMetrics.reciprocalRank(ranked, none, 2));
  }

  @Test
  void kLargerThanListKeepsKAsPrecisionDenominator() {
    int[] ranked = {3};
    int[] relevant = {3};
    assertEquals(1, RankingMetrics.hitRate(ranked, relevant, 10));
    assertEquals(0.1, RankingMetrics.precision(ranked, relevant, 10), EPS); // 1 hit / k = 10
    assertEquals(1, RankingMetrics.ndcg(ranked, relevant, 10), EPS);
    assertEquals(1, RankingMetrics.recall(ranked, relevant, 10), EPS);
    assertEquals(1, RankingMetrics.averagePrecision(ranked, relevant, 10), EPS); // 1 / min(10, 1)
  }

  @Test
  void reciprocalRankRespectsCutOff() {
    int[] ranked = {1, 2, 3};
    int[] relevant = {3};
    assertEquals(0, RankingMetrics.reciprocalRank(ranked, relevant, 2)); // item 3 is at rank 3 > 2
    assertEquals(1.0 / 3, RankingMetrics.reciprocalRank(ranked, relevant), EPS);
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.hitRate(new int[] {1}, new int[] {3, 1}, 2));
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.ndcg(new int[] {1}, new int[] {1, 1}, 2));
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.recall(new int[] {1}, new int[] {1}, 0));
  }

  @Test
  void aucCountsTiesAsHalf() {
    // Positive 0.5 against negatives 0.9 (lost), 0.5 (tie, 1/2), 0.1 (won): 1.5 / 3.
    assertEquals(0.5, RankingMetrics.auc(new float[] {0.9f, 0.5f, 0.5f, 0.1f}, new int[] {1}), EPS);
    // Positives 0.8, 0.3 against negatives 0.3, 0.1: 0.8 wins twice; 0.3 ties once (1/2) and wins once.
    // (2 + 1.5) / (2 * 2) = 0.875.
    assertEquals(0.875, RankingMetrics.auc(new float[] {0.8f, 0.3f, 0.3f, 0.1f}, new int[] {0, 2}), EPS);
    assertEquals(0.875, RankingMetrics.auc(new float[] {0.8f, 0.3f, 0.3f, 0.1f},
        new boolean[] {true, false, true, false}), EPS);
    // All equal: every pair ties.
    assertEquals(0.5, RankingMetrics.auc(new float[] {1, 1, 1}, new int[] {0}), EPS);
    // Perfect and reversed.
    assertEquals(1, RankingMetrics.auc(new float[] {3, 2, 1}, new int[] {0}), EPS);
    assertEquals(0, RankingMetrics.auc(new float[] {1, 2, 3}, new int[] {0}), EPS);
  }

  @Test
  void aucIsUndefinedWithoutBothClasses() {
    assertTrue(Double.isNaN(RankingMetrics.auc(new float[] {1, 2}, new int[] {})));
    assertTrue(Double.isNaN(RankingMetrics.auc(new float[] {1, 2}, new int[] {0, 1})));
    assertTrue(Double.isNaN(RankingMetrics.auc(new float[] {1, 2}, new boolean[] {true, true})));
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.auc(new float[] {Float.NaN, 1}, new int[] {0}));
  }

  @Test
  void aucOfRankingPutsUnlistedItemsLast() {
    // Candidates: items 0..4. Listed 4 (0.9), 2 (0.5), 0 (0.5), 1 (0.2); item 3 left out. Positives {0, 3}.
    // Item 0: loses to 4, ties 2 (1/2), beats 1 -> 1.5. Item 3 (unlisted) is below every listed negative and
    // there are no unlisted negatives -> 0. AUC = 1.5 / (2 positives * 3 negatives) = 0.25.
    double ranked = RankingMetrics.auc(new int[] {4, 2, 0, 1}, new float[] {0.9f, 0.5f, 0.5f, 0.2f},
        new int[] {0, 3}, 5);
    assertEquals(0.25, ranked, EPS);
    // The same candidates as dense scores, the unlisted item scored below all.
    assertEquals(0.25, RankingMetrics.auc(new float[] {0.5f, 0.2f, 0.5f, -1f, 0.9f}, new int[] {0, 3}), EPS);
    // An unlisted positive ties with unlisted negatives: 1 candidate listed (negative), 1 positive and 1
    // negative unlisted -> the positive loses to the listed one and ties the other: 0.5 / 2.
    assertEquals(0.25, RankingMetrics.auc(new int[] {7}, new float[] {1f}, new int[] {3}, 3), EPS);
    assertThrows(IllegalArgumentException.class,
        () -> RankingMetrics.auc(new int[] {1, 2}, new float[] {0.1f, 0.2f}, new int[] {1}, 2));
  }

  @Test
  void aucOfRankingMatchesDenseAucOnRandomScores() {
    long seed = 20240611L;
    SplittableRandom random = new SplittableRandom(seed);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(40);
      float[] scores = new float[n];
      boolean[] labels = new boolean[n];
      int positives = 0;
      for (int i = 0; i < n; i++) {
        scores[i] = random.nextInt(6); // few distinct values: many ties
        labels[i] = random.nextInt(4) == 0;
        if (labels[i]) positives++;
      }
      int[] relevant = new int[positives];
      int w = 0;
      for (int i = 0; i < n; i++) if (labels[i]) relevant[w++] = i;
      // Rank items by score descending, ties by index, as a TopK would.
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
      int[] ranked = new int[n];
      float[] rankedScores = new float[n];
      for (int r = 0; r < n; r++) {
        ranked[r] = order[r];
        rankedScores[r] = scores[order[r]];
      }
      double dense = RankingMetrics.auc(scores, relevant);
      double fromList = RankingMetrics.auc(ranked, rankedScores, relevant, n);
      assertEquals(dense, fromList, 1e-12, "seed " + seed + " trial " + trial);
      assertEquals(dense, RankingMetrics.auc(scores, labels), 1e-12, "seed " + seed + " trial " + trial);
    }
  }

  @Test
  void logLossMatchesFormula() {
    // -(ln 0.9 + ln(1 - 0.2)) / 2
    double expected = -(Math.log(0.9) + Math.log(0.8)) / 2;
    assertEquals(expected, RankingMetrics.logLoss(new float[] {0.9f, 0.2f}, new boolean[] {true, false}), 1e-7);
    assertTrue(Double.isFinite(RankingMetrics.logLoss(new float[] {0f}, new boolean[] {true})));
    assertTrue(Double.isNaN(RankingMetrics.logLoss(new float[0], new boolean[0])));
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.logLoss(new float[] {1.5f}, new boolean[] {true}));
  }
}
