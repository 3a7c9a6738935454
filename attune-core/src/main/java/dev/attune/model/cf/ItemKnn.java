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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Item-based k-nearest neighbours: an item scores by how similar it is to what the user consumed.
 *
 * <p>Follows Sarwar, Karypis, Konstan and Riedl, "Item-Based Collaborative Filtering Recommendation
 * Algorithms" (WWW 2001) and Deshpande and Karypis (TOIS 2004) for top-k neighbourhoods. Similarity is the
 * shrunk cosine of {@link Neighbours}; each item keeps its {@link Params#neighbours} most similar items.
 * score(u, i) = Σ_{j ∈ history(u)} w_uj sim(j, i), with w_uj the user's positive weight for j (1 for a
 * history given in the query).
 *
 * <p>Cost of {@code fit}: O(Σ_u |row_u|²) on {@link Params#threads} threads; memory O(items × neighbours).
 */
public final class ItemKnn implements Trainer<ItemKnn.Model> {

  /**
   * Hyper-parameters.
   *
   * @param neighbours neighbours kept per item, &gt; 0
   * @param shrinkage cosine shrinkage, &gt;= 0
   * @param threads worker threads, &gt;= 0 (0 = all processors)
   */
  public record Params(int neighbours, float shrinkage, int threads) {
    /** 100 neighbours, shrinkage 10, all processors. */
    public static final Params DEFAULTS = new Params(100, 10f, 0);

    public Params {
      if (neighbours <= 0) throw new IllegalArgumentException("neighbours must be > 0: " + neighbours);
      if (!(shrinkage >= 0)) throw new IllegalArgumentException("shrinkage must be >= 0: " + shrinkage);
      if (threads < 0) throw new IllegalArgumentException("threads must be >= 0: " + threads);
    }
  }

  private final Params params;

  public ItemKnn(Params params) {
    this.params = params;
  }

  @Override
  public String name() {
    return "ItemKnn";
  }

  @Override
  public Model fit(TrainingSet train, FitListener listener) {
    Interactions byUser = train.interactions().positive();
    Interactions byItem = byUser.transpose();
    Neighbours n = Neighbours.compute(byItem, byUser, params.neighbours(), params.shrinkage(),
        Neighbours.threads(params.threads()), listener, "item neighbours");
    return new Model(train.interactions(), n);
  }

  /** A fitted item-neighbour table. Immutable and thread-safe. */
  public static final class Model extends ScoringRecommender implements Explainable {
    private final Neighbours neighbours;

    Model(Interactions train, Neighbours neighbours) {
      super(train);
      this.neighbours = neighbours;
    }

    @Override
    public String name() {
      return "ItemKnn";
    }

    @Override
    protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
      java.util.Arrays.fill(scores, 0f);
      for (int j : history) {
        float w = useTrainingRow ? train.get(userIndex, j) : 1f;
        for (int p = neighbours.indptr[j]; p < neighbours.indptr[j + 1]; p++) {
          scores[neighbours.indices[p]] += w * neighbours.similarities[p];
        }
      }
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      checkItem(itemIndex);
      int start = neighbours.indptr[itemIndex];
      int end = neighbours.indptr[itemIndex + 1];
      float[] scores = new float[numItems()];
      java.util.Arrays.fill(scores, Float.NaN);
      for (int p = start; p < end; p++) scores[neighbours.indices[p]] = neighbours.similarities[p];
      return TopKSelector.select(scores, numItems(), k, filter);
    }

    /** Contributions w_uj sim(j, i) of each history item j; they sum to the score. */
    @Override
    public Explanation explain(Query query, int itemIndex) {
      checkItem(itemIndex);
      int[] history = validatedHistory(query);
      boolean trainingRow = query.history() == null;
      List<Explanation.Contribution> parts = new ArrayList<>();
      double total = 0;
      for (int j : history) {
        float w = trainingRow ? train.get(query.userIndex(), j) : 1f;
        float c = w * neighbours.similarity(j, itemIndex);
        if (c == 0f) continue;
        total += c;
        parts.add(new Explanation.Contribution(Explanation.Kind.HISTORY_ITEM, j, c));
      }
      parts.sort(Comparator.comparingDouble((Explanation.Contribution c) -> -Math.abs(c.weight())));
      return new Explanation(itemIndex, (float) total, parts,
          parts.isEmpty() ? "not similar to anything in the history" : "similar to " + parts.size() + " history items");
    }
  }
}
