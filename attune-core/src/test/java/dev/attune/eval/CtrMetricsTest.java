package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** #4 CTR metrics: AUC with ties, group AUC and log-loss against hand values and brute-force references. */
class CtrMetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void aucMatchesAverageRankFormulaWithManyTies() {
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      int n = 2 + r.nextInt(60);
      float[] scores = new float[n];
      boolean[] labels = new boolean[n];
      for (int k = 0; k < n; k++) {
        scores[k] = r.nextInt(5); // few distinct values: many ties
        labels[k] = r.nextBoolean();
      }
      double expected = averageRankAuc(scores, labels);
      double actual = RankingMetrics.auc(scores, labels);
      if (Double.isNaN(expected)) {
        assertTrue(Double.isNaN(actual), "seed " + seed);
      } else {
        assertEquals(expected, actual, 1e-12, "seed " + seed);
      }
    }
  }

  @Test
  void groupAucMatchesHandComputedValue() {
    // Group 7: scores (pos 0.9, neg 0.1, neg 0.9): pairs (0.9 > 0.1) = 1, (0.9 = 0.9) = 1/2 → AUC 0.75, 3 impressions.
    // Group 3: (pos 0.2, neg 0.8) → AUC 0, 2 impressions.
    // Group 5: one class only (two positives) → left out.
    // GAUC = (0.75·3 + 0·2) / (3 + 2) = 0.45.
    float[] scores = {0.9f, 0.2f, 0.1f, 0.5f, 0.9f, 0.8f, 0.4f};
    boolean[] labels = {true, true, false, true, false, false, true};
    int[] groups = {7, 3, 7, 5, 7, 3, 5};
    assertEquals(0.45, RankingMetrics.groupAuc(scores, labels, groups), EPS);
  }

  @Test
  void groupAucMatchesBruteForceOnRandomGroups() {
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      int n = 1 + r.nextInt(200);
      float[] scores = new float[n];
      boolean[] labels = new boolean[n];
      int[] groups = new int[n];
      for (int k = 0; k < n; k++) {
        scores[k] = r.nextInt(10) / 10f;
        labels[k] = r.nextInt(3) == 0;
        groups[k] = r.nextInt(12) - 3;
      }
      double weighted = 0;
      long weight = 0;
      for (int g = -3; g < 9; g++) {
        long pairs = 0;
        double correct = 0;
        int size = 0;
        for (int i = 0; i < n; i++) {
          if (groups[i] != g) continue;
          size++;
          for (int j = 0; j < n; j++) {
            if (groups[j] != g || !labels[i] || labels[j]) continue;
            pairs++;
            correct += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
          }
        }
        if (pairs > 0) {
          weighted += size * correct / pairs;
          weight += size;
        }
      }
      double expected = weight == 0 ? Double.NaN : weighted / weight;
      double actual = RankingMetrics.groupAuc(scores, labels, groups);
      if (Double.isNaN(expected)) {
        assertTrue(Double.isNaN(actual), "seed " + seed);
      } else {
        assertEquals(expected, actual, 1e-12, "seed " + seed);
      }
    }
  }

  @Test
  void groupAucIsNaNWithoutAMixedGroupAndRejectsBadInput() {
    assertTrue(Double.isNaN(RankingMetrics.groupAuc(new float[] {1, 2}, new boolean[] {true, false},
        new int[] {0, 1})));
    assertThrows(IllegalArgumentException.class,
        () -> RankingMetrics.groupAuc(new float[] {1}, new boolean[] {true, false}, new int[] {0, 0}));
    assertThrows(IllegalArgumentException.class,
        () -> RankingMetrics.groupAuc(new float[] {Float.NaN, 1}, new boolean[] {true, false}, new int[] {0, 0}));
  }

  @Test
  void logLossClipsAndMatchesHandValue() {
    // −(ln 0.8 + ln(1 − 0.4)) / 2
    assertEquals(-(Math.log(0.8) + Math.log(0.6)) / 2,
        RankingMetrics.logLoss(new float[] {0.8f, 0.4f}, new boolean[] {true, false}), 1e-7);
    // A certain mistake costs −ln(1e-15) ≈ 34.54, not infinity.
    assertEquals(-Math.log(1e-15), RankingMetrics.logLoss(new float[] {0f}, new boolean[] {true}), 1e-9);
    assertThrows(IllegalArgumentException.class,
        () -> RankingMetrics.logLoss(new float[] {1.5f}, new boolean[] {true}));
  }

  /** Mann–Whitney U from average ranks: (Σ ranks of positives − P(P + 1)/2) / (P·N). */
  private static double averageRankAuc(float[] scores, boolean[] labels) {
    int n = scores.length;
    double rankSum = 0;
    long p = 0;
    for (int i = 0; i < n; i++) {
      if (!labels[i]) continue;
      p++;
      int less = 0;
      int equal = 0;
      for (int j = 0; j < n; j++) {
        if (scores[j] < scores[i]) less++;
        else if (scores[j] == scores[i]) equal++;
      }
      rankSum += less + (equal + 1) / 2.0; // average 1-based rank of the tie group
    }
    long neg = n - p;
    if (p == 0 || neg == 0) return Double.NaN;
    return (rankSum - p * (p + 1) / 2.0) / ((double) p * neg);
  }
}
