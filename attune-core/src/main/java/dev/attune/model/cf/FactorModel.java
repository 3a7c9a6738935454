package dev.attune.model.cf;

import dev.attune.data.Interactions;
import dev.attune.kernel.DenseSolve;
import dev.attune.kernel.TopKSelector;
import dev.attune.kernel.VectorOps;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A latent-factor model: score(u, i) = x_u · y_i. Shared by {@link Als} and {@link Bpr}.
 *
 * <p>A history that is not a training row (a new user, a session) is folded in with one implicit-ALS
 * solve against the fixed item factors: x = (YᵀY + λI + Σ_j α d_j y_j y_jᵀ)⁻¹ Σ_j (1 + α d_j) y_j over the
 * history's distinct items j, d_j the times j occurs in it: the confidence 1 + α·w of training, where an item's
 * repeats sum into its weight w (counting each repeat as an item of its own, as before, gave a track played 20 times
 * 40 y where training gives 21 y, a review). The same matrix W = (…)⁻¹ gives the explanation of Hu, Koren and
 * Volinsky (ICDM 2008, §5): score(i) = Σ_j (1 + α d_j) y_iᵀ W y_j, one term per distinct history item.
 *
 * <p>Immutable and thread-safe.
 *
 * @implNote scoring costs O(items × factors); a fold-in adds O(|history| × factors² + factors³).
 */
public final class FactorModel extends dev.attune.model.ScoringRecommender implements Explainable {
  private final String name;
  private final int factors;
  private final float[] userFactors;
  private final float[] itemFactors;
  private final float[] itemNorms;
  private final double[] gram;
  private final float foldInAlpha;
  private final float foldInRegularization;

  /**
   * Wraps trained factors.
   *
   * @param name model name for reports
   * @param train the training matrix (for histories and seen items)
   * @param factors latent dimension
   * @param userFactors row-major numUsers × factors
   * @param itemFactors row-major numItems × factors
   * @param foldInAlpha confidence scale α used when folding in a history
   * @param foldInRegularization λ used when folding in a history, &gt; 0
   */
  public FactorModel(String name, Interactions train, int factors, float[] userFactors, float[] itemFactors,
      float foldInAlpha, float foldInRegularization) {
    super(train);
    if (userFactors.length != (long) train.numUsers() * factors || itemFactors.length != (long) train.numItems() * factors) {
      throw new IllegalArgumentException("factor arrays do not match numUsers/numItems × factors");
    }
    if (!(foldInRegularization > 0)) {
      throw new IllegalArgumentException("foldInRegularization must be > 0");
    }
    this.name = name;
    this.factors = factors;
    this.userFactors = userFactors;
    this.itemFactors = itemFactors;
    this.foldInAlpha = foldInAlpha;
    this.foldInRegularization = foldInRegularization;
    this.itemNorms = new float[train.numItems()];
    for (int i = 0; i < itemNorms.length; i++) {
      itemNorms[i] = (float) Math.sqrt(VectorOps.dot(itemFactors, i * factors, itemFactors, i * factors, factors));
    }
    this.gram = new double[factors * factors];
    for (int i = 0; i < train.numItems(); i++) {
      int o = i * factors;
      for (int a = 0; a < factors; a++) {
        double ya = itemFactors[o + a];
        for (int b = 0; b < factors; b++) gram[a * factors + b] += ya * itemFactors[o + b];
      }
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** Latent dimension. */
  public int factors() {
    return factors;
  }

  /** A copy of user {@code u}'s factors. */
  public float[] userVector(int u) {
    return java.util.Arrays.copyOfRange(userFactors, u * factors, (u + 1) * factors);
  }

  /** A copy of item {@code i}'s factors. */
  public float[] itemVector(int i) {
    return java.util.Arrays.copyOfRange(itemFactors, i * factors, (i + 1) * factors);
  }

  @Override
  protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
    float[] x = useTrainingRow ? userVector(userIndex) : foldIn(history);
    VectorOps.gemv(itemFactors, numItems(), factors, x, scores);
  }

  /** The user vector for a history (see class javadoc); zero for an empty history. */
  public float[] foldIn(int[] history) {
    float[] x = new float[factors];
    if (history.length == 0) return x;
    int[][] counted = distinctCounts(history);
    double[] w = weightedGram(counted);
    DenseSolve.cholesky(w, factors);
    double[] b = new double[factors];
    for (int k = 0; k < counted[0].length; k++) {
      int j = counted[0][k];
      double confidence = 1 + (double) foldInAlpha * counted[1][k];
      for (int a = 0; a < factors; a++) b[a] += confidence * itemFactors[j * factors + a];
    }
    DenseSolve.solveCholesky(w, factors, b);
    for (int a = 0; a < factors; a++) x[a] = (float) b[a];
    return x;
  }

  /** The history's distinct items, ascending, and how often each occurs: {items, counts}. */
  private static int[][] distinctCounts(int[] history) {
    int[] sorted = history.clone();
    java.util.Arrays.sort(sorted);
    int[] items = new int[sorted.length];
    int[] counts = new int[sorted.length];
    int n = 0;
    for (int p = 0; p < sorted.length; p++) {
      if (n > 0 && items[n - 1] == sorted[p]) {
        counts[n - 1]++;
      } else {
        items[n] = sorted[p];
        counts[n++] = 1;
      }
    }
    return new int[][] {java.util.Arrays.copyOf(items, n), java.util.Arrays.copyOf(counts, n)};
  }

  private double[] weightedGram(int[][] counted) {
    double[] w = gram.clone();
    for (int a = 0; a < factors; a++) w[a * factors + a] += foldInRegularization;
    for (int k = 0; k < counted[0].length; k++) {
      int o = counted[0][k] * factors;
      double alpha = (double) foldInAlpha * counted[1][k];
      for (int a = 0; a < factors; a++) {
        double ya = alpha * itemFactors[o + a];
        for (int b = 0; b < factors; b++) w[a * factors + b] += ya * itemFactors[o + b];
      }
    }
    return w;
  }

  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    checkItem(itemIndex);
    float[] scores = new float[numItems()];
    VectorOps.gemv(itemFactors, numItems(), factors, itemVector(itemIndex), scores);
    float ni = itemNorms[itemIndex];
    for (int j = 0; j < scores.length; j++) {
      float d = ni * itemNorms[j];
      // an item without factors (none of its entries was positive) is similar to nothing: ranked at 0 it came before
      // every item of negative cosine, and filled short lists in index order (a review)
      scores[j] = d > 0 ? scores[j] / d : Float.NaN;
    }
    scores[itemIndex] = Float.NaN;
    return TopKSelector.select(scores, numItems(), k, filter);
  }

  /**
   * Explains with the item-based reading of the implicit ALS model: each distinct history item's term
   * (1 + α d_j) y_iᵀ W y_j, d_j its times in the history. The terms sum to the folded-in score, which for a training
   * user approximates the learned score.
   */
  @Override
  public Explanation explain(Query query, int itemIndex) {
    checkItem(itemIndex);
    int[] history = validatedHistory(query);
    if (history.length == 0) {
      return new Explanation(itemIndex, 0f, List.of(), "no history to explain from");
    }
    int[][] counted = distinctCounts(history);
    double[] w = weightedGram(counted);
    DenseSolve.cholesky(w, factors);
    double[] v = new double[factors];
    for (int a = 0; a < factors; a++) v[a] = itemFactors[itemIndex * factors + a];
    DenseSolve.solveCholesky(w, factors, v); // v = W y_i (W symmetric)
    List<Explanation.Contribution> parts = new ArrayList<>();
    double total = 0;
    for (int k = 0; k < counted[0].length; k++) {
      int j = counted[0][k];
      double s = 0;
      for (int a = 0; a < factors; a++) s += v[a] * itemFactors[j * factors + a];
      s *= 1 + (double) foldInAlpha * counted[1][k];
      total += s;
      parts.add(new Explanation.Contribution(Explanation.Kind.HISTORY_ITEM, j, (float) s));
    }
    parts.sort(Comparator.comparingDouble((Explanation.Contribution c) -> -Math.abs(c.weight())));
    return new Explanation(itemIndex, (float) total, parts,
        "latent-factor score decomposed over " + counted[0].length + " distinct history items");
  }
}
