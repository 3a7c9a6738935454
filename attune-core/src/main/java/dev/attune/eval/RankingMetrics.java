package dev.attune.eval;

import java.util.Arrays;

/**
 * Top-k ranking metrics of one ranked list, and AUC and log loss over scores. These functions are the one
 * definition of each metric: the offline {@link Evaluator} calls them per user, and an online service can call
 * them on logged impressions, since they take plain arrays rather than a model or a split.
 *
 * <h2>Inputs</h2>
 * <ul>
 *   <li>{@code ranked}: item indices, best first, without repeats (not checked). It may be shorter than k
 *       (the model returned fewer items) or longer (only the first k are read).
 *   <li>{@code relevant}: the items that count as hits, sorted ascending and distinct (checked, O(|relevant|)).
 *   <li>{@code k}: the cut-off, &gt; 0. Ranks are 0-based in the code and 1-based in the formulas below.
 * </ul>
 *
 * <h2>Empty inputs</h2>
 * An empty {@code ranked} list is a valid answer with no hits: every metric is 0. An empty {@code relevant} set
 * leaves the metrics whose denominator is |relevant| undefined: {@link #ndcg}, {@link #recall}, {@link #f1},
 * {@link #averagePrecision} and the AUCs return NaN; {@link #hitRate}, {@link #precision} and
 * {@link #reciprocalRank} return 0. The {@link Evaluator} never asks: it skips users with nothing held out.
 *
 * <p>Stateless and thread-safe. The top-k functions allocate nothing and cost O(k log |relevant|) plus the
 * O(|relevant|) argument check. The AUCs over dense scores sort and so allocate O(n).
 */
public final class RankingMetrics {
  private static final double LN2 = Math.log(2);

  private RankingMetrics() {}

  /**
   * Hit rate at k: 1 if any relevant item is among the first k ranked, else 0.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static double hitRate(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    int n = Math.min(k, ranked.length);
    for (int r = 0; r < n; r++) {
      if (contains(relevant, ranked[r])) return 1;
    }
    return 0;
  }

  /**
   * Number of relevant items among the first k ranked.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static int hits(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    return countHits(ranked, relevant, k);
  }

  /**
   * Normalised discounted cumulative gain at k with binary gains:
   * DCG = Σ over hits at rank r ≤ k of 1 / log2(r + 1), divided by the ideal DCG, which puts
   * min(k, |relevant|) hits at ranks 1, 2, .... The ideal uses min(k, |relevant|), not |relevant|, so a user
   * with more relevant items than k can still reach 1. In [0, 1]; NaN if {@code relevant} is empty.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static double ndcg(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    if (relevant.length == 0) return Double.NaN;
    int n = Math.min(k, ranked.length);
    double dcg = 0;
    for (int r = 0; r < n; r++) {
      if (contains(relevant, ranked[r])) dcg += discount(r);
    }
    double ideal = 0;
    int idealHits = Math.min(k, relevant.length);
    for (int r = 0; r < idealHits; r++) {
      ideal += discount(r);
    }
    return dcg / ideal;
  }

  /**
   * Recall at k: hits among the first k over |relevant| (so at most k / |relevant| when |relevant| &gt; k).
   * NaN if {@code relevant} is empty.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static double recall(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    if (relevant.length == 0) return Double.NaN;
    return (double) countHits(ranked, relevant, k) / relevant.length;
  }

  /**
   * Precision at k: hits among the first k over k. The denominator is k even when fewer than k items were
   * ranked: a model that returns fewer items than asked is not rewarded for it.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static double precision(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    return (double) countHits(ranked, relevant, k) / k;
  }

  /**
   * F1 at k: 2 · precision · recall / (precision + recall) with the definitions of {@link #precision} and
   * {@link #recall}; 0 when there is no hit, NaN if {@code relevant} is empty.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static double f1(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    if (relevant.length == 0) return Double.NaN;
    int hits = countHits(ranked, relevant, k);
    if (hits == 0) return 0;
    double p = (double) hits / k;
    double r = (double) hits / relevant.length;
    return 2 * p * r / (p + r);
  }

  /**
   * Reciprocal rank within the first k: 1 / (rank of the first relevant item), or 0 if none of the first k
   * ranked is relevant. Averaged over users this is MRR. The {@link Evaluator} uses k = the largest of
   * {@link EvalOptions#ks()}, so its {@code MRR} is MRR at that cut-off.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static double reciprocalRank(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    int n = Math.min(k, ranked.length);
    for (int r = 0; r < n; r++) {
      if (contains(relevant, ranked[r])) return 1.0 / (r + 1);
    }
    return 0;
  }

  /**
   * Reciprocal rank over the whole ranked list (no cut-off beyond the list's length).
   *
   * @throws IllegalArgumentException if {@code relevant} is not sorted and distinct
   */
  public static double reciprocalRank(int[] ranked, int[] relevant) {
    return reciprocalRank(ranked, relevant, Math.max(1, ranked.length));
  }

  /**
   * Average precision at k: Σ over hits at rank r ≤ k of precision@r, divided by min(k, |relevant|), so a
   * perfect top-k scores 1 even when more than k items are relevant. Averaged over users this is MAP@k.
   * NaN if {@code relevant} is empty.
   *
   * @throws IllegalArgumentException if k &lt;= 0 or {@code relevant} is not sorted and distinct
   */
  public static double averagePrecision(int[] ranked, int[] relevant, int k) {
    checkArguments(relevant, k);
    if (relevant.length == 0) return Double.NaN;
    int n = Math.min(k, ranked.length);
    int hits = 0;
    double sum = 0;
    for (int r = 0; r < n; r++) {
      if (contains(relevant, ranked[r])) {
        hits++;
        sum += (double) hits / (r + 1);
      }
    }
    return sum / Math.min(k, relevant.length);
  }

  /**
   * Full-ranking AUC of one user from dense scores: the share of (positive, negative) candidate pairs in which
   * the positive scores higher, ties counting 1/2. Every index of {@code scores} is a candidate; the ones listed
   * in {@code positives} are positives, the rest negatives. NaN if there are no positives or no negatives.
   *
   * @param scores score of every candidate, none NaN
   * @param positives indices into {@code scores}, sorted ascending and distinct
   * @throws IllegalArgumentException if a score is NaN, or {@code positives} is unsorted, repeats or is out of
   *     range
   * @implNote O(n log n) time, O(n) memory (two sorted copies).
   */
  public static double auc(float[] scores, int[] positives) {
    checkSorted(positives);
    if (positives.length > 0 && (positives[0] < 0 || positives[positives.length - 1] >= scores.length)) {
      throw new IllegalArgumentException("positive index outside [0, " + scores.length + ")");
    }
    float[] pos = new float[positives.length];
    float[] neg = new float[scores.length - positives.length];
    int np = 0;
    int nn = 0;
    for (int i = 0; i < scores.length; i++) {
      if (np < positives.length && positives[np] == i) {
        pos[np++] = scores[i];
      } else {
        neg[nn++] = scores[i];
      }
    }
    return pairAuc(pos, neg);
  }

  /**
   * AUC over labelled impressions (the CTR form): the share of (clicked, not clicked) pairs in which the
   * clicked impression scores higher, ties counting 1/2. The same quantity as {@link #auc(float[], int[])} with
   * the positives given as flags. NaN if all labels are equal.
   *
   * @param scores predicted score of each impression, none NaN
   * @param labels whether each impression was a positive (clicked, consumed); same length as {@code scores}
   * @throws IllegalArgumentException if the lengths differ or a score is NaN
   * @implNote O(n log n) time, O(n) memory.
   */
  public static double auc(float[] scores, boolean[] labels) {
    if (scores.length != labels.length) {
      throw new IllegalArgumentException("scores and labels differ in length: " + scores.length + " vs " + labels.length);
    }
    int positives = 0;
    for (boolean b : labels) {
      if (b) positives++;
    }
    float[] pos = new float[positives];
    float[] neg = new float[scores.length - positives];
    int np = 0;
    int nn = 0;
    for (int i = 0; i < scores.length; i++) {
      if (labels[i]) pos[np++] = scores[i];
      else neg[nn++] = scores[i];
    }
    return pairAuc(pos, neg);
  }

  /**
   * Group AUC (GAUC, Zhou et al., "Deep Interest Network for Click-Through Rate Prediction", KDD 2018, eq. 3):
   * the AUC of each group's impressions ({@link #auc(float[], boolean[])}, ties 1/2) averaged with each group's
   * number of impressions as its weight. Groups whose impressions are all positive or all negative have no AUC
   * and are left out of both the sum and the weights. The group is normally the user, so the metric asks how
   * well each user's own impressions are ordered and ignores differences in level between users.
   *
   * @param scores predicted score of each impression, none NaN
   * @param labels whether each impression was a positive; same length
   * @param groups group (user) of each impression, any int values; same length
   * @return GAUC in [0, 1]; NaN if no group has both classes
   * @throws IllegalArgumentException if the lengths differ or a score is NaN
   * @implNote O(n log n) time (one sort by group, then one per group), O(n) memory.
   */
  public static double groupAuc(float[] scores, boolean[] labels, int[] groups) {
    if (scores.length != labels.length || scores.length != groups.length) {
      throw new IllegalArgumentException("scores, labels and groups differ in length: " + scores.length + ", "
          + labels.length + ", " + groups.length);
    }
    Integer[] order = new Integer[scores.length];
    for (int k = 0; k < order.length; k++) order[k] = k;
    Arrays.sort(order, (a, b) -> Integer.compare(groups[a], groups[b]));
    double weighted = 0;
    long weights = 0;
    int from = 0;
    while (from < order.length) {
      int to = from;
      while (to < order.length && groups[order[to]] == groups[order[from]]) to++;
      float[] s = new float[to - from];
      boolean[] l = new boolean[to - from];
      for (int k = from; k < to; k++) {
        s[k - from] = scores[order[k]];
        l[k - from] = labels[order[k]];
      }
      double auc = auc(s, l);
      if (!Double.isNaN(auc)) {
        weighted += auc * s.length;
        weights += s.length;
      }
      from = to;
    }
    return weights == 0 ? Double.NaN : weighted / weights;
  }

  /**
   * Full-ranking AUC of one user from a ranked answer, without scoring the catalogue again: the candidates are
   * {@code numCandidates} items, all relevant items among them; items missing from {@code ranked} rank below
   * every listed item and tie with each other. So a relevant item the model left out (for example because it
   * was excluded as already seen) counts as ranked last, like a miss in the top-k metrics. Equal scores in
   * {@code ranked} tie (count 1/2), whatever their order in the list.
   *
   * @param ranked listed items, best first, without repeats
   * @param scores their scores, same length, non-increasing (as in a {@link dev.attune.model.TopK})
   * @param relevant the positives, sorted ascending and distinct
   * @param numCandidates number of candidate items (positives + negatives), at least |relevant| plus the
   *     listed non-relevant items
   * @return AUC in [0, 1]; NaN if there are no positives or no negatives
   * @throws IllegalArgumentException if the arrays differ in length, scores increase or are NaN, or
   *     {@code numCandidates} is too small
   * @implNote O(m log |relevant|) for a list of m items; allocates nothing.
   */
  public static double auc(int[] ranked, float[] scores, int[] relevant, int numCandidates) {
    if (ranked.length != scores.length) {
      throw new IllegalArgumentException("ranked and scores differ in length");
    }
    checkSorted(relevant);
    int listedPositives = 0;
    for (int r = 0; r < ranked.length; r++) {
      if (Float.isNaN(scores[r]) || (r > 0 && scores[r] > scores[r - 1])) {
        throw new IllegalArgumentException("scores must be non-increasing and not NaN (rank " + r + ")");
      }
      if (contains(relevant, ranked[r])) listedPositives++;
    }
    long positives = relevant.length;
    long negatives = (long) numCandidates - positives;
    long listedNegatives = ranked.length - listedPositives;
    if (negatives < listedNegatives) {
      throw new IllegalArgumentException("numCandidates " + numCandidates + " is smaller than |relevant| "
          + positives + " + listed negatives " + listedNegatives);
    }
    if (positives == 0 || negatives == 0) return Double.NaN;
    // Walk groups of equal score, best first; a positive beats every negative below its group and ties
    // with the negatives inside it.
    double correct = 0;
    long negativesAbove = 0;
    int r = 0;
    while (r < ranked.length) {
      int end = r;
      long groupPositives = 0;
      while (end < ranked.length && scores[end] == scores[r]) {
        if (contains(relevant, ranked[end])) groupPositives++;
        end++;
      }
      long groupNegatives = (end - r) - groupPositives;
      long below = negatives - negativesAbove - groupNegatives;
      correct += groupPositives * (below + 0.5 * groupNegatives);
      negativesAbove += groupNegatives;
      r = end;
    }
    // Unlisted positives tie with unlisted negatives.
    correct += 0.5 * (positives - listedPositives) * (negatives - listedNegatives);
    return correct / ((double) positives * negatives);
  }

  /**
   * Mean binary cross-entropy of predicted probabilities against labels, in nats. Probabilities are clipped to
   * [1e-15, 1 - 1e-15] so a confident mistake costs about 34.5 rather than infinity. NaN for empty input.
   *
   * @param probabilities predicted probability of a positive per impression, each in [0, 1]
   * @param labels observed outcome per impression, same length
   * @throws IllegalArgumentException if the lengths differ or a probability is outside [0, 1] or NaN
   * @implNote O(n), allocates nothing.
   */
  public static double logLoss(float[] probabilities, boolean[] labels) {
    if (probabilities.length != labels.length) {
      throw new IllegalArgumentException("probabilities and labels differ in length");
    }
    if (probabilities.length == 0) return Double.NaN;
    final double eps = 1e-15;
    double sum = 0;
    for (int i = 0; i < probabilities.length; i++) {
      float p = probabilities[i];
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("probability outside [0, 1] at " + i + ": " + p);
      }
      double q = Math.min(1 - eps, Math.max(eps, p));
      sum -= labels[i] ? Math.log(q) : Math.log(1 - q);
    }
    return sum / probabilities.length;
  }

  /** 1 / log2(r + 2) for the 0-based rank r. */
  static double discount(int r) {
    return LN2 / Math.log(r + 2);
  }

  private static int countHits(int[] ranked, int[] relevant, int k) {
    int n = Math.min(k, ranked.length);
    int hits = 0;
    for (int r = 0; r < n; r++) {
      if (contains(relevant, ranked[r])) hits++;
    }
    return hits;
  }

  private static boolean contains(int[] sorted, int item) {
    return Arrays.binarySearch(sorted, item) >= 0;
  }

  private static void checkArguments(int[] relevant, int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be > 0: " + k);
    }
    checkSorted(relevant);
  }

  private static void checkSorted(int[] relevant) {
    for (int j = 1; j < relevant.length; j++) {
      if (relevant[j] <= relevant[j - 1]) {
        throw new IllegalArgumentException("relevant items must be sorted ascending and distinct");
      }
    }
  }

  /** Share of (p, n) pairs with p &gt; n, ties 1/2; sorts both arrays in place. */
  private static double pairAuc(float[] pos, float[] neg) {
    for (float s : pos) {
      if (Float.isNaN(s)) throw new IllegalArgumentException("scores must not be NaN");
    }
    for (float s : neg) {
      if (Float.isNaN(s)) throw new IllegalArgumentException("scores must not be NaN");
    }
    if (pos.length == 0 || neg.length == 0) return Double.NaN;
    Arrays.sort(pos);
    Arrays.sort(neg);
    double correct = 0;
    int below = 0; // negatives strictly below the current positive score
    int upTo = 0; // negatives at or below it
    for (float s : pos) {
      while (below < neg.length && neg[below] < s) below++;
      if (upTo < below) upTo = below;
      while (upTo < neg.length && neg[upTo] <= s) upTo++;
      correct += below + 0.5 * (upTo - below);
    }
    return correct / ((double) pos.length * neg.length);
  }
}
