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
 * User-based k-nearest neighbours: an item scores by how much similar users liked it.
 *
 * <p>Follows Herlocker, Konstan, Borchers and Riedl (SIGIR 1999) for neighbourhood prediction, with the
 * shrunk cosine of {@link Neighbours}. score(u, i) = Σ_{v ∈ N(u)} sim(u, v) w_vi over the
 * {@link Params#neighbours} most similar users. A history given in the query (a new user) is matched
 * against all training users at request time.
 *
 * <p>Cost of {@code fit}: O(Σ_i |column_i|²); a query with a new history costs O(Σ_{j ∈ history} |column_j|
 * + users).
 */
public final class UserKnn implements Trainer<UserKnn.Model> {

  /**
   * Hyper-parameters.
   *
   * @param neighbours neighbours kept per user, &gt; 0
   * @param shrinkage cosine shrinkage, &gt;= 0
   * @param threads worker threads, &gt;= 0 (0 = all processors)
   */
  public record Params(int neighbours, float shrinkage, int threads) {
    /** 50 neighbours, shrinkage 10, all processors. */
    public static final Params DEFAULTS = new Params(50, 10f, 0);

    public Params {
      if (neighbours <= 0) throw new IllegalArgumentException("neighbours must be > 0: " + neighbours);
      if (!(shrinkage >= 0)) throw new IllegalArgumentException("shrinkage must be >= 0: " + shrinkage);
      if (threads < 0) throw new IllegalArgumentException("threads must be >= 0: " + threads);
    }
  }

  private final Params params;

  public UserKnn(Params params) {
    this.params = params;
  }

  @Override
  public String name() {
    return "UserKnn";
  }

  @Override
  public Model fit(TrainingSet train, FitListener listener) {
    Interactions byUser = train.interactions().positive();
    Interactions byItem = byUser.transpose();
    Neighbours n = Neighbours.compute(byUser, byItem, params.neighbours(), params.shrinkage(),
        Neighbours.threads(params.threads()), listener, "user neighbours");
    return new Model(train.interactions(), byUser, byItem, n, params);
  }

  /** A fitted user-neighbour table. Immutable and thread-safe. */
  public static final class Model extends ScoringRecommender implements Explainable {
    private final Interactions byUser;
    private final Interactions byItem;
    private final Neighbours neighbours;
    private final float[] userNorms;
    private final float[] itemNorms;
    private final Params params;

    Model(Interactions train, Interactions byUser, Interactions byItem, Neighbours neighbours, Params params) {
      super(train);
      this.byUser = byUser;
      this.byItem = byItem;
      this.neighbours = neighbours;
      this.userNorms = Neighbours.norms(byUser);
      this.itemNorms = Neighbours.norms(byItem);
      this.params = params;
    }

    @Override
    public String name() {
      return "UserKnn";
    }

    /** Neighbour users and similarities for a query: stored ones for training rows, computed otherwise. */
    private TopK neighboursOf(int userIndex, int[] history, boolean useTrainingRow) {
      if (useTrainingRow) {
        int s = neighbours.indptr[userIndex];
        int e = neighbours.indptr[userIndex + 1];
        return new TopK(java.util.Arrays.copyOfRange(neighbours.indices, s, e),
            java.util.Arrays.copyOfRange(neighbours.similarities, s, e));
      }
      float[] acc = new float[numUsers()];
      int[] cp = byItem.indptr();
      int[] ci = byItem.indices();
      float[] cv = byItem.values();
      for (int j : history) {
        for (int q = cp[j]; q < cp[j + 1]; q++) acc[ci[q]] += cv[q];
      }
      float norm = (float) Math.sqrt(history.length);
      for (int v = 0; v < acc.length; v++) {
        acc[v] = acc[v] == 0f ? Float.NaN : acc[v] / (norm * userNorms[v] + params.shrinkage());
      }
      return TopKSelector.select(acc, acc.length, params.neighbours(), ItemFilter.ALL);
    }

    @Override
    protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
      java.util.Arrays.fill(scores, 0f);
      TopK nb = neighboursOf(userIndex, history, useTrainingRow);
      int[] rp = byUser.indptr();
      int[] ri = byUser.indices();
      float[] rv = byUser.values();
      for (int r = 0; r < nb.size(); r++) {
        int v = nb.item(r);
        float sim = nb.score(r);
        for (int p = rp[v]; p < rp[v + 1]; p++) scores[ri[p]] += sim * rv[p];
      }
    }

    /** Items whose user columns are most cosine-similar to this item's column. */
    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      checkItem(itemIndex);
      float[] acc = new float[numItems()];
      Neighbours.similarityRow(byItem, byUser, itemNorms, params.shrinkage(), itemIndex, acc);
      for (int j = 0; j < acc.length; j++) {
        if (acc[j] == 0f) acc[j] = Float.NaN;
      }
      return TopKSelector.select(acc, acc.length, k, filter);
    }

    /** Contributions sim(u, v) w_vi of each neighbour v; they sum to the score. */
    @Override
    public Explanation explain(Query query, int itemIndex) {
      checkItem(itemIndex);
      int[] history = validatedHistory(query);
      TopK nb = neighboursOf(query.userIndex(), history, query.history() == null);
      List<Explanation.Contribution> parts = new ArrayList<>();
      double total = 0;
      for (int r = 0; r < nb.size(); r++) {
        float w = byUser.get(nb.item(r), itemIndex);
        if (w == 0f) continue;
        float c = nb.score(r) * w;
        total += c;
        parts.add(new Explanation.Contribution(Explanation.Kind.NEIGHBOUR_USER, nb.item(r), c));
      }
      parts.sort(Comparator.comparingDouble((Explanation.Contribution c) -> -Math.abs(c.weight())));
      return new Explanation(itemIndex, (float) total, parts, parts.size() + " similar users liked it");
    }
  }
}
