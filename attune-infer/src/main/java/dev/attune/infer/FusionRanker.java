package dev.attune.infer;

import dev.attune.model.CandidateRanker;
import dev.attune.model.TopK;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A learned ranker over the first stage's evidence: scores each candidate of a
 * {@link dev.attune.model.TwoStageRecommender} from the ranks and scores the retrievers gave it, the item's
 * popularity and, optionally, the scores of other rankers (DIN's probability). Trained by
 * {@code attune-train}'s {@code FusionRankerTraining} on the retrievers' own candidates for a held-out step (the
 * true next item against the retrievers' best guesses), which is the task it faces when serving.
 *
 * <p>Features of candidate i for R retrievers, N candidates per retriever and B base rankers ({@link #features},
 * D = 3R + 3 + B values):
 * <pre>
 *   per retriever r:  proposed_r      1 if i is in r's list, else 0
 *                     rank_r          1 − ln(1 + rank) / ln(1 + N) for the 0-based rank in r's list, else 0
 *                     score_r         r's score standardised over r's list (z-score, clipped to ±5), else 0
 *   shared:           popularity      ln(1 + count_i) / ln(1 + max count) over the training users
 *                     agreement       number of retrievers proposing i / R
 *                     history         ln(1 + |history|) / ln(1 + 1000)   (the same for every candidate)
 *   per base ranker:  base_b          b's score standardised over the candidates (z-score, clipped to ±5)
 * </pre>
 * and the score is a one-hidden-layer network with a linear skip:
 * {@code s(x) = w_out · tanh(W_hidden x + b_hidden) + w_linear · x}. Only the order of the scores within a
 * request matters (the training loss is a softmax over each request's candidates).
 *
 * <p>Weight file ({@link WeightFile}, property {@code model = fusion-ranker}): properties {@code retrievers} (R),
 * {@code baseRankers} (B), {@code candidatesPerRetriever} (N), {@code hidden} (H); tensors {@code hidden.weight}
 * [H, D], {@code hidden.bias} [H], {@code output.weight} [H], {@code linear.weight} [D]. The popularity and the
 * base rankers are given at load: they belong to the training data the retrievers were fitted on, not to the
 * weights.
 *
 * <p>Immutable and thread-safe when the base rankers are.
 *
 * @implNote Cost of a request with n candidates: the base rankers, O(N·R) to index the lists, and n·D·(H + 1)
 *     multiply-adds (five retrievers, one base ranker and H 16: D 19, about 320 per candidate).
 * @apiNote Experimental.
 */
public final class FusionRanker implements CandidateRanker {
  /** Value of the {@code model} property this class reads. */
  public static final String MODEL_KIND = "fusion-ranker";
  /** Features per retriever: proposed, rank, standardised score. */
  public static final int FEATURES_PER_RETRIEVER = 3;
  /** Features that belong to no retriever: popularity, agreement, history length. */
  public static final int SHARED_FEATURES = 3;
  /** Standardised scores are clipped to ± this. */
  static final float CLIP = 5f;
  private static final double HISTORY_SCALE = Math.log1p(1000);

  private final int retrievers;
  private final int baseRankers;
  private final int candidatesPerRetriever;
  private final int hidden;
  private final int dim;
  private final float[] hiddenWeight;
  private final float[] hiddenBias;
  private final float[] outputWeight;
  private final float[] linearWeight;
  private final float[] itemPopularity;
  private final List<CandidateRanker> bases;

  private FusionRanker(WeightFile w, float[] itemPopularity, List<CandidateRanker> bases) {
    if (!MODEL_KIND.equals(w.propertyOr("model", null))) {
      throw new IllegalArgumentException("not a " + MODEL_KIND + " weight file: model = " + w.propertyOr("model", null));
    }
    if (itemPopularity == null || bases == null) throw new IllegalArgumentException("popularity and bases must be set");
    retrievers = Integer.parseInt(w.property("retrievers"));
    baseRankers = Integer.parseInt(w.property("baseRankers"));
    candidatesPerRetriever = Integer.parseInt(w.property("candidatesPerRetriever"));
    hidden = Integer.parseInt(w.property("hidden"));
    if (bases.size() != baseRankers) {
      throw new IllegalArgumentException("weights expect " + baseRankers + " base rankers, got " + bases.size());
    }
    dim = numFeatures(retrievers, baseRankers);
    hiddenWeight = w.tensor("hidden.weight", hidden, dim).values();
    hiddenBias = w.tensor("hidden.bias", hidden).values();
    outputWeight = w.tensor("output.weight", hidden).values();
    linearWeight = w.tensor("linear.weight", dim).values();
    this.itemPopularity = itemPopularity;
    this.bases = List.copyOf(bases);
  }

  /**
   * Reads a {@code fusion-ranker} weight file.
   *
   * @param itemPopularity the popularity feature of every item, from {@link #itemPopularity(int[])} over the data
   *     the retrievers were fitted on (held by reference; must not change)
   * @param bases the base rankers whose scores are features, in the order they were trained with
   * @throws IllegalArgumentException if the file is not one, a tensor is missing or misshapen, or the number of
   *     base rankers differs
   */
  public static FusionRanker fromWeights(WeightFile w, float[] itemPopularity, List<CandidateRanker> bases) {
    return new FusionRanker(w, itemPopularity, bases);
  }

  /** The weight file of a ranker; the inverse of {@link #fromWeights}. */
  public static WeightFile weights(int retrievers, int baseRankers, int candidatesPerRetriever, int hidden,
      float[] hiddenWeight, float[] hiddenBias, float[] outputWeight, float[] linearWeight) {
    int d = numFeatures(retrievers, baseRankers);
    return new WeightFile().property("model", MODEL_KIND)
        .property("retrievers", Integer.toString(retrievers))
        .property("baseRankers", Integer.toString(baseRankers))
        .property("candidatesPerRetriever", Integer.toString(candidatesPerRetriever))
        .property("hidden", Integer.toString(hidden))
        .put("hidden.weight", new int[] {hidden, d}, hiddenWeight.clone())
        .put("hidden.bias", new int[] {hidden}, hiddenBias.clone())
        .put("output.weight", new int[] {hidden}, outputWeight.clone())
        .put("linear.weight", new int[] {d}, linearWeight.clone());
  }

  /** D, the number of features for R retrievers and B base rankers. */
  public static int numFeatures(int retrievers, int baseRankers) {
    if (retrievers <= 0 || baseRankers < 0) {
      throw new IllegalArgumentException("need retrievers > 0 and baseRankers >= 0: " + retrievers + ", " + baseRankers);
    }
    return FEATURES_PER_RETRIEVER * retrievers + SHARED_FEATURES + baseRankers;
  }

  /**
   * The popularity feature of every item: ln(1 + count) / ln(1 + max count), in [0, 1].
   *
   * @param itemCounts users per item in the training data (for example {@code Interactions.itemCounts()} of the
   *     positive entries), each &gt;= 0
   */
  public static float[] itemPopularity(int[] itemCounts) {
    int max = 0;
    for (int c : itemCounts) {
      if (c < 0) throw new IllegalArgumentException("negative count: " + c);
      max = Math.max(max, c);
    }
    float[] out = new float[itemCounts.length];
    double scale = Math.log1p(max);
    for (int i = 0; i < out.length; i++) out[i] = max == 0 ? 0f : (float) (Math.log1p(itemCounts[i]) / scale);
    return out;
  }

  /**
   * Writes the features of every candidate (the class comment's table) into {@code out}, row-major [n, D].
   *
   * @param retrieved each retriever's list, best first
   * @param candidates n distinct items, each in at least one list
   * @param historyLength the number of items in the user's history
   * @param itemPopularity from {@link #itemPopularity(int[])}
   * @param baseScores B arrays of one score per candidate (none NaN)
   * @param candidatesPerRetriever N, the length the lists were asked for
   * @param out at least n·D floats
   * @throws IllegalArgumentException if a candidate is in no list or an array is too short
   */
  public static void features(TopK[] retrieved, int[] candidates, int historyLength, float[] itemPopularity,
      float[][] baseScores, int candidatesPerRetriever, float[] out) {
    int r = retrieved.length;
    int d = numFeatures(r, baseScores.length);
    int n = candidates.length;
    if (out.length < n * d) throw new IllegalArgumentException("out holds " + out.length + " floats, need " + n * d);
    Arrays.fill(out, 0, n * d, 0f);
    Map<Integer, Integer> position = new HashMap<>(2 * n);
    for (int j = 0; j < n; j++) position.put(candidates[j], j);
    int[] proposals = new int[n];
    double rankScale = Math.log1p(candidatesPerRetriever);
    for (int l = 0; l < r; l++) {
      TopK list = retrieved[l];
      int size = list.size();
      double mean = 0;
      for (int k = 0; k < size; k++) mean += list.score(k);
      mean = size == 0 ? 0 : mean / size;
      double var = 0;
      for (int k = 0; k < size; k++) var += (list.score(k) - mean) * (list.score(k) - mean);
      double std = size == 0 ? 0 : Math.sqrt(var / size);
      for (int k = 0; k < size; k++) {
        Integer j = position.get(list.item(k));
        if (j == null) continue; // an item the caller left out of the candidates
        int at = j * d + FEATURES_PER_RETRIEVER * l;
        out[at] = 1f;
        out[at + 1] = (float) Math.max(0, 1 - Math.log1p(k) / rankScale);
        out[at + 2] = std > 0 ? clip((list.score(k) - mean) / std) : 0f;
        proposals[j]++;
      }
    }
    float history = (float) (Math.log1p(historyLength) / HISTORY_SCALE);
    int shared = FEATURES_PER_RETRIEVER * r;
    for (int j = 0; j < n; j++) {
      if (proposals[j] == 0) throw new IllegalArgumentException("candidate " + candidates[j] + " is in no list");
      int at = j * d + shared;
      out[at] = itemPopularity[candidates[j]];
      out[at + 1] = (float) proposals[j] / r;
      out[at + 2] = history;
    }
    for (int b = 0; b < baseScores.length; b++) {
      float[] s = baseScores[b];
      if (s.length != n) throw new IllegalArgumentException("base ranker " + b + " gave " + s.length + " scores");
      double mean = 0;
      for (float v : s) mean += v;
      mean /= Math.max(1, n);
      double var = 0;
      for (float v : s) var += (v - mean) * (v - mean);
      double std = n == 0 ? 0 : Math.sqrt(var / n);
      for (int j = 0; j < n; j++) {
        out[j * d + shared + SHARED_FEATURES + b] = std > 0 ? clip((s[j] - mean) / std) : 0f;
      }
    }
  }

  private static float clip(double z) {
    return (float) Math.max(-CLIP, Math.min(CLIP, z));
  }

  /**
   * Scores n feature rows (row-major [n, D], from {@link #features}) with the network.
   *
   * @return one score per row
   */
  public float[] scoreFeatures(float[] x, int n) {
    if (x.length < n * dim) throw new IllegalArgumentException("need " + n * dim + " features, got " + x.length);
    float[] out = new float[n];
    for (int j = 0; j < n; j++) {
      int row = j * dim;
      double s = 0;
      for (int c = 0; c < dim; c++) s += (double) linearWeight[c] * x[row + c];
      for (int h = 0; h < hidden; h++) {
        double a = hiddenBias[h];
        int w = h * dim;
        for (int c = 0; c < dim; c++) a += (double) hiddenWeight[w + c] * x[row + c];
        s += outputWeight[h] * Math.tanh(a);
      }
      out[j] = (float) s;
    }
    return out;
  }

  /** Always throws: this ranker needs the retrievers' lists ({@link #score(int, int[], int[], TopK[])}). */
  @Override
  public float[] score(int userIndex, int[] history, int[] candidates) {
    throw new IllegalArgumentException("FusionRanker needs the retrievers' lists");
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException also if the number of lists is not the R the ranker was trained with, or an
   *     item is outside the popularity table
   */
  @Override
  public float[] score(int userIndex, int[] history, int[] candidates, TopK[] retrieved) {
    if (retrieved.length != retrievers) {
      throw new IllegalArgumentException("trained on " + retrievers + " retrievers, got " + retrieved.length + " lists");
    }
    for (int i : candidates) {
      if (i < 0 || i >= itemPopularity.length) throw new IllegalArgumentException("item outside the catalogue: " + i);
    }
    float[][] baseScores = new float[baseRankers][];
    for (int b = 0; b < baseRankers; b++) baseScores[b] = bases.get(b).score(userIndex, history, candidates);
    float[] x = new float[candidates.length * dim];
    features(retrieved, candidates, history.length, itemPopularity, baseScores, candidatesPerRetriever, x);
    return scoreFeatures(x, candidates.length);
  }

  /** R, the number of retrievers' lists a request must carry. */
  public int retrievers() {
    return retrievers;
  }

  /** D, the number of features per candidate. */
  public int numFeatures() {
    return dim;
  }
}
