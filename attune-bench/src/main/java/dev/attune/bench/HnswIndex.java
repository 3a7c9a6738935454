package dev.attune.bench;

import com.github.jelmerk.hnswlib.core.DistanceFunctions;
import com.github.jelmerk.hnswlib.core.Item;
import com.github.jelmerk.hnswlib.core.SearchResult;
import dev.attune.kernel.TopKSelector;
import dev.attune.kernel.VectorOps;
import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Approximate maximum-inner-product search over item vectors with an HNSW graph (Malkov and Yashunin, 2018;
 * the hnswlib-core implementation), kept as an experiment ({@link AnnRecall}): on 100,000 SASRec item vectors it
 * recalled too little of the exact top 50 and searched slower than exact scoring, so the service scores every
 * item (docs/benchmarks.md, "Service (issue 6)").
 *
 * <p>Scores are exact dot products of the returned items (recomputed), so they can be mixed with exact scores;
 * which items come back is approximate.
 *
 * <p>Inner product is not a metric, so the graph is built over a transformed space where it is (Bachrach et al.,
 * 2014, "Speeding up the Xbox recommender system using a Euclidean transformation for inner-product spaces"):
 * each item vector x gets one extra coordinate sqrt(M² − |x|²), M the largest item norm, and the query q a 0, so
 * that |q' − x'|² = |q|² + M² − 2 q·x ranks items exactly as q·x does, and the search is Euclidean.
 *
 * <p>Thread-safe for searching once built.
 */
public final class HnswIndex {
  /**
   * Graph parameters.
   *
   * @param m links per node (hnswlib's M), &gt; 1
   * @param efConstruction candidate list while building, &gt;= m
   * @param ef candidate list while searching (raised to k when k is larger), &gt; 0
   * @param threads building threads, 0 = all processors
   */
  public record Params(int m, int efConstruction, int ef, int threads) {
    /** M 16, efConstruction 100, ef 100, all processors. */
    public static final Params DEFAULTS = new Params(16, 100, 100, 0);

    public Params {
      if (m <= 1) throw new IllegalArgumentException("m must be > 1: " + m);
      if (efConstruction < m) throw new IllegalArgumentException("efConstruction must be >= m: " + efConstruction);
      if (ef <= 0) throw new IllegalArgumentException("ef must be > 0: " + ef);
      if (threads < 0) throw new IllegalArgumentException("threads must be >= 0: " + threads);
    }
  }

  private record Vector(Integer id, float[] vector) implements Item<Integer, float[]> {
    @Override
    public int dimensions() {
      return vector.length;
    }
  }

  private final com.github.jelmerk.hnswlib.core.hnsw.HnswIndex<Integer, float[], Vector, Float> graph;
  private final float[] vectors;
  private final int numItems;
  private final int dim;

  private HnswIndex(com.github.jelmerk.hnswlib.core.hnsw.HnswIndex<Integer, float[], Vector, Float> graph,
      float[] vectors, int numItems, int dim) {
    this.graph = graph;
    this.vectors = vectors;
    this.numItems = numItems;
    this.dim = dim;
  }

  /**
   * Builds the graph over {@code numItems} row-major vectors of length {@code dim} (not copied: do not change
   * them afterwards).
   *
   * @implNote O(numItems · log numItems · efConstruction · dim); about a minute for 100,000 × 64 on 2 cores.
   * @throws IllegalArgumentException if the array length is not numItems × dim or numItems is 0
   */
  public static HnswIndex build(float[] vectors, int numItems, int dim, Params params) {
    if (numItems <= 0 || dim <= 0 || vectors.length != (long) numItems * dim) {
      throw new IllegalArgumentException("expected " + numItems + " x " + dim + " floats, got " + vectors.length);
    }
    com.github.jelmerk.hnswlib.core.hnsw.HnswIndex<Integer, float[], Vector, Float> graph =
        com.github.jelmerk.hnswlib.core.hnsw.HnswIndex
            .newBuilder(dim + 1, DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE, numItems)
            .withM(params.m()).withEfConstruction(params.efConstruction()).withEf(params.ef())
            .<Integer, Vector>build();
    double maxSquaredNorm = 0;
    for (int i = 0; i < numItems; i++) maxSquaredNorm = Math.max(maxSquaredNorm, squaredNorm(vectors, i * dim, dim));
    List<Vector> items = new ArrayList<>(numItems);
    for (int i = 0; i < numItems; i++) {
      float[] lifted = new float[dim + 1];
      System.arraycopy(vectors, i * dim, lifted, 0, dim);
      lifted[dim] = (float) Math.sqrt(Math.max(0, maxSquaredNorm - squaredNorm(vectors, i * dim, dim)));
      items.add(new Vector(i, lifted));
    }
    int threads = params.threads() == 0 ? Runtime.getRuntime().availableProcessors() : params.threads();
    try {
      graph.addAll(items, threads, (done, max) -> { }, Integer.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the index", e);
    }
    return new HnswIndex(graph, vectors, numItems, dim);
  }

  /** Number of indexed items. */
  public int numItems() {
    return numItems;
  }

  /**
   * About the k items with the largest {@code query · vector} that {@code filter} accepts, best first (exact
   * scores). Searches wider while too few accepted items come back, up to every item.
   *
   * @throws IllegalArgumentException if the query length differs from the vectors' or k &lt;= 0
   */
  public TopK search(float[] query, int k, ItemFilter filter) {
    if (query.length != dim) throw new IllegalArgumentException("query has " + query.length + " values, not " + dim);
    if (k <= 0) throw new IllegalArgumentException("k must be > 0: " + k);
    ItemFilter accept = filter == null ? ItemFilter.ALL : filter;
    int want = Math.min(numItems, k);
    for (int fetch = Math.min(numItems, 2 * k); ; fetch = Math.min(numItems, fetch * 4)) {
      List<SearchResult<Vector, Float>> found = graph.findNearest(Arrays.copyOf(query, dim + 1), fetch);
      float[] scores = new float[found.size()];
      int[] items = new int[found.size()];
      int accepted = 0;
      for (SearchResult<Vector, Float> r : found) {
        int i = r.item().id();
        if (!accept.accepts(i)) continue;
        items[accepted] = i;
        scores[accepted] = VectorOps.dot(query, 0, vectors, i * dim, dim);
        accepted++;
      }
      if (accepted >= want || fetch >= numItems) {
        return best(items, scores, accepted, want);
      }
    }
  }

  private static double squaredNorm(float[] v, int from, int n) {
    double s = 0;
    for (int k = 0; k < n; k++) s += (double) v[from + k] * v[from + k];
    return s;
  }

  private static TopK best(int[] items, float[] scores, int n, int k) {
    // order the accepted candidates by exact score through the shared selector
    float[] dense = new float[n];
    System.arraycopy(scores, 0, dense, 0, n);
    TopK local = TopKSelector.select(dense, n, Math.min(k, Math.max(1, n)), ItemFilter.ALL);
    int[] outItems = new int[local.size()];
    float[] outScores = new float[local.size()];
    for (int r = 0; r < local.size(); r++) {
      outItems[r] = items[local.item(r)];
      outScores[r] = local.score(r);
    }
    return n == 0 ? TopK.empty() : new TopK(outItems, outScores);
  }
}
