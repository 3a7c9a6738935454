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
 * training history from {@code historyOf} when the query has none, and the retrievers' lists as evidence
 * ({@link CandidateRanker#score(int, int[], int[], TopK[])}).
 *
 * <p>{@link Fusion#RANKER} orders the candidates by the ranker's score alone. {@link Fusion#RECIPROCAL_RANK}
 * orders them by reciprocal rank fusion (Cormack et al., SIGIR 2009) of the ranker's order with every
 * retriever's: score(i) = Σ_lists 1 / (60 + rank(i)), rank 1-based, a list that does not hold i adding nothing.
 * It has no weight to tune; it keeps the retrievers' evidence (for example item-to-item co-occurrence) that a
 * ranker trained on sampled negatives may not have learnt.
 *
 * <p>Thread-safe when the retrievers and the ranker are.
 *
 * @implNote Cost of a query: the retrievers' top-N queries, then the ranker over at most N × (number of
 *     retrievers) candidates and a sort of them.
 */
public final class TwoStageRecommender implements Recommender {
  /** How the final order is made from the ranker's scores. */
  public enum Fusion {
    /** By the ranker's score alone. */
    RANKER,
    /** By reciprocal rank fusion (k = 60) of the ranker's order and the retrievers' orders. */
    RECIPROCAL_RANK
  }

  /** The k of reciprocal rank fusion (the value of Cormack et al.). */
  static final int FUSION_K = 60;

  private final String name;
  private final List<Recommender> retrievers;
  private final int candidatesPerRetriever;
  private final CandidateRanker ranker;
  private final IntFunction<int[]> historyOf;
  private final Fusion fusion;

  /** A pipeline ordered by the ranker alone ({@link Fusion#RANKER}); see the other constructor. */
  public TwoStageRecommender(String name, List<Recommender> retrievers, int candidatesPerRetriever,
      CandidateRanker ranker, IntFunction<int[]> historyOf) {
    this(name, retrievers, candidatesPerRetriever, ranker, historyOf, Fusion.RANKER);
  }

  /**
   * Wires a pipeline.
   *
   * @param name name for leaderboards, non-blank
   * @param retrievers first-stage models over the same users and items, at least one
   * @param candidatesPerRetriever N, &gt; 0
   * @param ranker the second stage, non-null
   * @param historyOf a known user's training history, positive items oldest first (for queries without one)
   * @param fusion how the final order is made, non-null
   * @throws IllegalArgumentException if an argument is missing or the retrievers disagree on the catalogue
   */
  public TwoStageRecommender(String name, List<Recommender> retrievers, int candidatesPerRetriever,
      CandidateRanker ranker, IntFunction<int[]> historyOf, Fusion fusion) {
    if (fusion == null) throw new IllegalArgumentException("fusion must not be null");
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
    this.fusion = fusion;
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
    return union(retrieve(query));
  }

  /**
   * Each retriever's answer to {@code query} with k = N, in retriever order: the evidence the ranker receives
   * ({@link CandidateRanker#score(int, int[], int[], TopK[])}).
   */
  public TopK[] retrieve(Query query) {
    Query wide = query.withK(candidatesPerRetriever);
    TopK[] lists = new TopK[retrievers.size()];
    for (int r = 0; r < lists.length; r++) lists[r] = retrievers.get(r).recommend(wide);
    return lists;
  }

  /** The items of {@code lists} without duplicates, in order of first appearance (list order, then rank). */
  public static int[] union(TopK[] lists) {
    LinkedHashSet<Integer> union = new LinkedHashSet<>();
    for (TopK top : lists) {
      for (int j = 0; j < top.size(); j++) union.add(top.item(j));
    }
    int[] out = new int[union.size()];
    int w = 0;
    for (int i : union) out[w++] = i;
    return out;
  }

  @Override
  public TopK recommend(Query query) {
    TopK[] lists = retrieve(query);
    int[] candidates = union(lists);
    if (candidates.length == 0) return TopK.empty();
    int[] history = query.history() != null ? query.history() : historyOf.apply(query.userIndex());
    float[] ranked = ranker.score(query.userIndex(), history, candidates, lists);
    if (ranked.length != candidates.length) throw new IllegalStateException("ranker returned a wrong length");
    float[] scores = fusion == Fusion.RANKER ? ranked : reciprocalRankFusion(candidates, ranked, lists);
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

  /** Σ over the ranker's order and every retriever's list of 1 / (60 + 1-based rank). */
  private static float[] reciprocalRankFusion(int[] candidates, float[] ranked, TopK[] lists) {
    int n = candidates.length;
    Integer[] byRanker = new Integer[n];
    for (int j = 0; j < n; j++) byRanker[j] = j;
    Arrays.sort(byRanker, (a, b) -> {
      int c = Float.compare(ranked[b], ranked[a]);
      return c != 0 ? c : Integer.compare(candidates[a], candidates[b]);
    });
    double[] fused = new double[n];
    for (int r = 0; r < n; r++) fused[byRanker[r]] += 1.0 / (FUSION_K + r + 1);
    java.util.Map<Integer, Integer> position = new java.util.HashMap<>();
    for (int j = 0; j < n; j++) position.put(candidates[j], j);
    for (TopK top : lists) {
      for (int r = 0; r < top.size(); r++) fused[position.get(top.item(r))] += 1.0 / (FUSION_K + r + 1);
    }
    float[] out = new float[n];
    for (int j = 0; j < n; j++) out[j] = (float) fused[j];
    return out;
  }

  /** The first retriever's similar items (ranking needs a user). */
  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    return retrievers.get(0).similarItems(itemIndex, k, filter);
  }
}
