package dev.attune.model;

import dev.attune.data.Sequences;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Scores candidates by how often they followed the user's most recent items in the training sequences: an
 * order- and recency-aware co-occurrence signal that whole-history models (ItemKNN, iALS) average away. Meant as
 * a base ranker whose score is a feature of {@code dev.attune.infer.FusionRanker}, not as a ranker of its own.
 *
 * <p>With c(a, b) = Σ over training sequences of 1 / g for every time b comes g ∈ [1, W] positions after a
 * (a ≠ b), and h_1, h_2, … the history from the most recent back:
 * <pre>
 *   score(i) = Σ_{k = 1..K} δ^(k − 1) · ln(1 + c(h_k, i))
 * </pre>
 * W = {@link Params#window}, K = {@link Params#recent}, δ = {@link Params#decay}.
 *
 * <p>Immutable and thread-safe.
 *
 * @implNote Fitting: O(W) per training event and one sparse row per item (memory: the distinct pairs). Scoring:
 *     K binary searches per candidate.
 * @apiNote Experimental.
 */
public final class TransitionRanker implements CandidateRanker {

  /**
   * Options.
   *
   * @param window W, how many positions after an item count as following it, &gt; 0
   * @param recent K, how many of the most recent history items are looked at, &gt; 0
   * @param decay δ, the weight of each older history item relative to the next newer one, in (0, 1]
   */
  public record Params(int window, int recent, float decay) {
    /** W 3, K 5, δ 0.6: the next few steps carry most of a sequence's signal (S3Rec-style data). */
    public static final Params DEFAULTS = new Params(3, 5, 0.6f);

    public Params {
      if (window <= 0) throw new IllegalArgumentException("window must be > 0: " + window);
      if (recent <= 0) throw new IllegalArgumentException("recent must be > 0: " + recent);
      if (!(decay > 0 && decay <= 1)) throw new IllegalArgumentException("decay must be in (0, 1]: " + decay);
    }
  }

  private final Params params;
  private final int numItems;
  /** CSR over the preceding item a: followers (ascending) and ln(1 + c(a, b)). */
  private final int[] indptr;
  private final int[] followers;
  private final float[] weights;

  private TransitionRanker(Params params, int numItems, int[] indptr, int[] followers, float[] weights) {
    this.params = params;
    this.numItems = numItems;
    this.indptr = indptr;
    this.followers = followers;
    this.weights = weights;
  }

  /**
   * Counts the transitions of every user's positive training steps.
   *
   * @param sequences the training sequences (positive items, oldest first, are read)
   * @param numItems the catalogue size; every item index is in [0, numItems)
   */
  public static TransitionRanker fit(Sequences sequences, int numItems, Params params) {
    return fit(sequences.numUsers(), sequences::positiveItemsOf, numItems, params);
  }

  /**
   * Counts the transitions of the given sequences.
   *
   * @param numUsers users [0, numUsers) whose sequences are read
   * @param sequenceOf a user's items, oldest first
   * @param numItems the catalogue size; every item index is in [0, numItems)
   * @throws IllegalArgumentException if an item is outside the catalogue
   */
  public static TransitionRanker fit(int numUsers, IntFunction<int[]> sequenceOf, int numItems, Params params) {
    if (params == null) throw new IllegalArgumentException("params must be set");
    @SuppressWarnings("unchecked")
    Map<Integer, Float>[] rows = new Map[numItems];
    for (int u = 0; u < numUsers; u++) {
      int[] s = sequenceOf.apply(u);
      for (int i : s) {
        if (i < 0 || i >= numItems) throw new IllegalArgumentException("item outside [0, " + numItems + "): " + i);
      }
      for (int p = 0; p < s.length; p++) {
        for (int g = 1; g <= params.window() && p + g < s.length; g++) {
          if (s[p] == s[p + g]) continue;
          if (rows[s[p]] == null) rows[s[p]] = new HashMap<>();
          rows[s[p]].merge(s[p + g], 1f / g, Float::sum);
        }
      }
    }
    int[] indptr = new int[numItems + 1];
    for (int a = 0; a < numItems; a++) indptr[a + 1] = indptr[a] + (rows[a] == null ? 0 : rows[a].size());
    int[] followers = new int[indptr[numItems]];
    float[] weights = new float[indptr[numItems]];
    for (int a = 0; a < numItems; a++) {
      if (rows[a] == null) continue;
      int[] keys = rows[a].keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      for (int k = 0; k < keys.length; k++) {
        followers[indptr[a] + k] = keys[k];
        weights[indptr[a] + k] = (float) Math.log1p(rows[a].get(keys[k]));
      }
    }
    return new TransitionRanker(params, numItems, indptr, followers, weights);
  }

  /**
   * Scores every item of the catalogue, as {@link #score} would score it as a candidate (same formula, possibly
   * different float rounding order).
   *
   * @param out at least numItems floats; overwritten
   */
  public void scoreAll(int[] history, float[] out) {
    Arrays.fill(out, 0, numItems, 0f);
    double weight = 1;
    for (int k = 0; k < params.recent() && k < history.length; k++) {
      int a = history[history.length - 1 - k];
      if (a < 0 || a >= numItems) throw new IllegalArgumentException("history item outside the catalogue: " + a);
      for (int p = indptr[a]; p < indptr[a + 1]; p++) out[followers[p]] += (float) (weight * weights[p]);
      weight *= params.decay();
    }
  }

  /** {@inheritDoc} The user index is not used; any history works, anonymous ones included. */
  @Override
  public float[] score(int userIndex, int[] history, int[] candidates) {
    float[] out = new float[candidates.length];
    for (int i : candidates) {
      if (i < 0 || i >= numItems) throw new IllegalArgumentException("item outside [0, " + numItems + "): " + i);
    }
    double weight = 1;
    for (int k = 0; k < params.recent() && k < history.length; k++) {
      int a = history[history.length - 1 - k];
      if (a < 0 || a >= numItems) throw new IllegalArgumentException("history item outside the catalogue: " + a);
      for (int j = 0; j < candidates.length; j++) {
        int at = Arrays.binarySearch(followers, indptr[a], indptr[a + 1], candidates[j]);
        if (at >= 0) out[j] += (float) (weight * weights[at]);
      }
      weight *= params.decay();
    }
    return out;
  }
}
