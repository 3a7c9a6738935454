package dev.attune.model;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Retrieval then ranking: each retrieval model proposes its top N items, the union (duplicates removed) is
 * scored by a {@link CandidateRanker}, and the best k by that score are the answer. A first-class
 * {@link Recommender}, so the evaluator and the service use the pipeline as they use any model.
 *
 * <p>Semantics: the retrievers answer the query with k = N, so filters and seen-item exclusion apply at
 * retrieval and the ranker only sees allowed items. An item no retriever proposes is never recommended, so the
 * pipeline's recall@k is bounded by the union's recall ({@link #candidates}). Equal ranker scores are broken by
 * ascending item index, as {@link TopK} requires. The ranker receives the query's history, or the user's
 * training history from {@code historyOf} when the query has none.
 *
 * <p>Thread-safe when the retrievers and the ranker are.
 *
 * @implNote Cost of a query: the retrievers' top-N queries, then the ranker over at most N × (number of
 *     retrievers) candidates and a sort of them.
 */
public final class TwoStageRecommender implements Recommender {
  private final String name;
  private final List<Recommender> retrievers;
  private final int candidatesPerRetriever;
  private final CandidateRanker ranker;
  private final IntFunction<int[]> historyOf;

  /**
   * Wires a pipeline.
   *
   * @param name name for leaderboards, non-blank
   * @param retrievers first-stage models over the same users and items, at least one
   * @param candidatesPerRetriever N, &gt; 0
   * @param ranker the second stage, non-null
   * @param historyOf a known user's training history, positive items oldest first (for queries without one)
   * @throws IllegalArgumentException if an argument is missing or the retrievers disagree on the catalogue
   */
  public TwoStageRecommender(String name, List<Recommender> retrievers, int candidatesPerRetriever,
      CandidateRanker ranker, IntFunction<int[]> historyOf) {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
    if (retrievers == null || retrievers.isEmpty()) throw new IllegalArgumentException("need a retriever");
    if (candidatesPerRetriever <= 0) {
      throw new IllegalArgumentException("candidatesPerRetriever must be > 0: " + candidatesPerRetriever);
    }
    if (ranker == null || historyOf == null) throw new IllegalArgumentException("ranker and historyOf must be set");
    for (Recommender r : retrievers) {
      if (r.numItems() != retrievers.get(0).numItems() || r.numUsers() != retrievers.get(0).numUsers()) {
        throw new IllegalArgumentException("retrievers disagree on users or items: " + r.name());
      }
    }
    this.name = name;
    this.retrievers = List.copyOf(retrievers);
    this.candidatesPerRetriever = candidatesPerRetriever;
    this.ranker = ranker;
    this.historyOf = historyOf;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int numUsers() {
    return retrievers.get(0).numUsers();
  }

  @Override
  public int numItems() {
    return retrievers.get(0).numItems();
  }

  /**
   * The union of the retrievers' top-N answers to {@code query}, in order of first proposal (retriever order,
   * then rank).
   */
  public int[] candidates(Query query) {
    LinkedHashSet<Integer> union = new LinkedHashSet<>();
    Query wide = query.withK(candidatesPerRetriever);
    for (Recommender r : retrievers) {
      TopK top = r.recommend(wide);
      for (int j = 0; j < top.size(); j++) union.add(top.item(j));
    }
    int[] out = new int[union.size()];
    int w = 0;
    for (int i : union) out[w++] = i;
    return out;
  }

  @Override
  public TopK recommend(Query query) {
    int[] candidates = candidates(query);
    if (candidates.length == 0) return TopK.empty();
    int[] history = query.history() != null ? query.history() : historyOf.apply(query.userIndex());
    float[] scores = ranker.score(query.userIndex(), history, candidates);
    if (scores.length != candidates.length) throw new IllegalStateException("ranker returned a wrong length");
    Integer[] order = new Integer[candidates.length];
    for (int j = 0; j < order.length; j++) order[j] = j;
    Arrays.sort(order, (a, b) -> {
      int c = Float.compare(scores[b], scores[a]);
      return c != 0 ? c : Integer.compare(candidates[a], candidates[b]);
    });
    int k = Math.min(query.k(), candidates.length);
    int[] items = new int[k];
    float[] top = new float[k];
    for (int r = 0; r < k; r++) {
      items[r] = candidates[order[r]];
      top[r] = scores[order[r]];
    }
    return new TopK(items, top);
  }

  /** The first retriever's similar items (ranking needs a user). */
  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    return retrievers.get(0).similarItems(itemIndex, k, filter);
  }
}
