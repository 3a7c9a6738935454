package dev.attune.model.cf;

import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.kernel.TopKSelector;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.FitListener;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.ScoringRecommender;
import dev.attune.model.TopK;
import dev.attune.model.Trainer;
import java.util.List;

/**
 * Popularity: every user gets the items the most users liked, optionally decayed with age.
 *
 * <p>An item's score is the number of users with a positive entry for it, each counted with weight
 * 2^(−age / half-life) where age = latest training time − the entry's latest event time. A half-life of 0
 * means no decay (plain counts). Per-scene popularity is this model queried with
 * {@link ItemFilter#inScene}: every item belongs to one scene, so counting within a scene and filtering to
 * it give the same ranking. {@code similarItems} returns the most popular other items.
 *
 * <p>Cost of {@code fit}: O(nnz).
 */
public final class Popularity implements Trainer<Popularity.Model> {

  /**
   * Hyper-parameters.
   *
   * @param halfLifeDays half-life of the time decay in days; 0 = no decay, &gt;= 0
   */
  public record Params(double halfLifeDays) {
    /** No decay. */
    public static final Params DEFAULTS = new Params(0);

    public Params {
      if (!(halfLifeDays >= 0)) throw new IllegalArgumentException("halfLifeDays must be >= 0: " + halfLifeDays);
    }
  }

  private final Params params;

  public Popularity(Params params) {
    this.params = params;
  }

  @Override
  public String name() {
    return params.halfLifeDays() > 0 ? "PopularityDecay" : "Popularity";
  }

  @Override
  public Model fit(TrainingSet train, FitListener listener) {
    Interactions m = train.interactions();
    float[] counts = new float[m.numItems()];
    int[] indices = m.indices();
    float[] values = m.values();
    long[] times = m.lastTimes();
    double halfLifeMs = params.halfLifeDays() * 86_400_000.0;
    for (int p = 0; p < indices.length; p++) {
      if (values[p] <= 0) continue;
      double w = 1;
      if (halfLifeMs > 0) {
        w = Math.pow(2, -Math.max(0, train.latestTime() - times[p]) / halfLifeMs);
      }
      counts[indices[p]] += (float) w;
    }
    return new Model(name(), m, counts);
  }

  /** A fitted popularity table. Immutable and thread-safe. */
  public static final class Model extends ScoringRecommender implements Explainable {
    private final String name;
    private final float[] popularity;

    Model(String name, Interactions train, float[] popularity) {
      super(train);
      this.name = name;
      this.popularity = popularity;
    }

    @Override
    public String name() {
      return name;
    }

    /** The (decayed) popularity of item {@code i}. */
    public float popularity(int i) {
      return popularity[i];
    }

    @Override
    protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
      System.arraycopy(popularity, 0, scores, 0, popularity.length);
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      checkItem(itemIndex);
      float[] scores = popularity.clone();
      scores[itemIndex] = Float.NaN;
      return TopKSelector.select(scores, numItems(), k, filter);
    }

    @Override
    public Explanation explain(Query query, int itemIndex) {
      checkItem(itemIndex);
      return new Explanation(itemIndex, popularity[itemIndex],
          List.of(new Explanation.Contribution(Explanation.Kind.POPULARITY, itemIndex, popularity[itemIndex])),
          "popular: liked by " + Math.round(popularity[itemIndex]) + " users" + (name.endsWith("Decay") ? " (time-decayed)" : ""));
    }
  }
}
