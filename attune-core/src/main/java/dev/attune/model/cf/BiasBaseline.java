package dev.attune.model.cf;

import dev.attune.data.Sequences;
import dev.attune.data.TrainingSet;
import dev.attune.kernel.TopKSelector;
import dev.attune.model.FitListener;
import dev.attune.model.ItemFilter;
import dev.attune.model.RatingPredictor;
import dev.attune.model.ScoringRecommender;
import dev.attune.model.TopK;
import dev.attune.model.Trainer;

/**
 * Baseline rating predictor: r̂_ui = μ + b_u + b_i with regularised biases, for explicit ratings (RMSE, MAE).
 *
 * <p>Follows Koren, "Factor in the Neighbors" (TKDD 2010, §2.1): biases are fitted by alternating
 * regularised means, b_i = Σ (r_ui − μ − b_u) / (λ_i + n_i) and b_u = Σ (r_ui − μ − b_i) / (λ_u + n_u), with
 * λ_i = {@link Params#itemRegularization} and λ_u = {@link Params#userRegularization}. Ratings are the
 * values of training events of type {@link Params#ratingType}. As a ranker it orders items by b_i
 * ("best rated, shrunk toward the mean"), the same for everyone.
 *
 * <p>Cost of {@code fit}: iterations × O(rating events).
 */
public final class BiasBaseline implements Trainer<BiasBaseline.Model> {

  /**
   * Hyper-parameters.
   *
   * @param ratingType event type whose values are ratings
   * @param userRegularization λ_u, &gt;= 0
   * @param itemRegularization λ_i, &gt;= 0
   * @param iterations alternating passes, &gt; 0
   */
  public record Params(String ratingType, float userRegularization, float itemRegularization, int iterations) {
    /** Type "rating", λ_u 10, λ_i 25 (Koren's values), 10 passes. */
    public static final Params DEFAULTS = new Params("rating", 10f, 25f, 10);

    public Params {
      if (ratingType == null || ratingType.isBlank()) throw new IllegalArgumentException("ratingType must not be blank");
      if (!(userRegularization >= 0 && itemRegularization >= 0)) throw new IllegalArgumentException("regularization must be >= 0");
      if (iterations <= 0) throw new IllegalArgumentException("iterations must be > 0: " + iterations);
    }
  }

  private final Params params;

  public BiasBaseline(Params params) {
    this.params = params;
  }

  @Override
  public String name() {
    return "BiasBaseline";
  }

  /**
   * Fits the biases.
   *
   * @throws IllegalArgumentException if the training data has no events of the rating type
   */
  @Override
  public Model fit(TrainingSet train, FitListener listener) {
    int type = train.dataset().typeNames().indexOf(params.ratingType());
    Sequences s = train.sequences();
    int[] indptr = s.indptr();
    int[] items = s.items();
    short[] types = s.types();
    float[] values = s.values();
    double sum = 0;
    long n = 0;
    for (int p = 0; p < items.length; p++) {
      if (types[p] == type) {
        sum += values[p];
        n++;
      }
    }
    if (n == 0) {
      throw new IllegalArgumentException("no '" + params.ratingType() + "' events to learn ratings from");
    }
    float mu = (float) (sum / n);
    float[] bu = new float[s.numUsers()];
    float[] bi = new float[train.numItems()];
    double[] acc = new double[bi.length];
    int[] cnt = new int[bi.length];
    for (int it = 0; it < params.iterations(); it++) {
      java.util.Arrays.fill(acc, 0);
      java.util.Arrays.fill(cnt, 0);
      for (int u = 0; u < bu.length; u++) {
        for (int p = indptr[u]; p < indptr[u + 1]; p++) {
          if (types[p] != type) continue;
          acc[items[p]] += values[p] - mu - bu[u];
          cnt[items[p]]++;
        }
      }
      for (int i = 0; i < bi.length; i++) bi[i] = (float) (acc[i] / (params.itemRegularization() + cnt[i]));
      for (int u = 0; u < bu.length; u++) {
        double a = 0;
        int c = 0;
        for (int p = indptr[u]; p < indptr[u + 1]; p++) {
          if (types[p] != type) continue;
          a += values[p] - mu - bi[items[p]];
          c++;
        }
        bu[u] = (float) (a / (params.userRegularization() + c));
      }
      listener.progress("bias passes", it + 1, params.iterations());
    }
    return new Model(train, params.ratingType(), mu, bu, bi);
  }

  /** Fitted biases. Immutable and thread-safe. */
  public static final class Model extends ScoringRecommender implements RatingPredictor {
    private final String ratingType;
    private final float mu;
    private final float[] userBias;
    private final float[] itemBias;

    Model(TrainingSet train, String ratingType, float mu, float[] userBias, float[] itemBias) {
      super(train.interactions());
      this.ratingType = ratingType;
      this.mu = mu;
      this.userBias = userBias;
      this.itemBias = itemBias;
    }

    @Override
    public String name() {
      return "BiasBaseline";
    }

    @Override
    public String ratingType() {
      return ratingType;
    }

    @Override
    public float predictRating(int userIndex, int itemIndex) {
      checkItem(itemIndex);
      if (userIndex < 0 || userIndex >= userBias.length) {
        throw new IllegalArgumentException("user index " + userIndex + " outside [0, " + userBias.length + ")");
      }
      return mu + userBias[userIndex] + itemBias[itemIndex];
    }

    @Override
    protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
      System.arraycopy(itemBias, 0, scores, 0, itemBias.length);
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      checkItem(itemIndex);
      float[] scores = itemBias.clone();
      scores[itemIndex] = Float.NaN;
      return TopKSelector.select(scores, numItems(), k, filter);
    }
  }
}
