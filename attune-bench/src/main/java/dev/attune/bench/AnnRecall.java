package dev.attune.bench;

import dev.attune.data.Interactions;
import dev.attune.infer.SasRecModel;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Recall and latency of {@link HnswIndex} on a SASRec catalogue against exact scoring: the index's top 50 vs
 * the exact top 50 for random 5-item histories (the candidates the service takes for k = 10).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar dev.attune.bench.AnnRecall
 *     [items 100000] [queries 200] [m 16] [efConstruction 100] [ef 100]</pre>
 *
 * The model has seeded random weights ({@link SasRecInferenceBenchmark#randomWeights}): item vectors without the
 * cluster structure trained ones have, which is the hard case for a graph index.
 */
public final class AnnRecall {
  private AnnRecall() {}

  /** Runs the measurement; arguments as in the class comment. */
  public static void main(String[] args) {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int queries = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    HnswIndex.Params p = new HnswIndex.Params(args.length > 2 ? Integer.parseInt(args[2]) : 16,
        args.length > 3 ? Integer.parseInt(args[3]) : 100, args.length > 4 ? Integer.parseInt(args[4]) : 100, 0);
    Interactions none = new Interactions(0, items, new int[] {0}, new int[0], new float[0], new long[0]);
    SasRecModel model = SasRecModel.fromWeights(SasRecInferenceBenchmark.randomWeights(new SplittableRandom(6), items),
        none);
    int d = model.hidden();
    float[] vectors = new float[items * d];
    for (int i = 0; i < items; i++) System.arraycopy(model.itemRepresentation(i), 0, vectors, i * d, d);
    long t0 = System.nanoTime();
    HnswIndex index = HnswIndex.build(vectors, items, d, p);
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    SplittableRandom random = new SplittableRandom(42);
    long hits = 0;
    long total = 0;
    long exactNanos = 0;
    long approxNanos = 0;
    for (int q = 0; q < queries; q++) {
      int[] history = new int[5];
      for (int s = 0; s < history.length; s++) history[s] = random.nextInt(items);
      float[] u = model.userRepresentation(history, null);
      long a = System.nanoTime();
      TopK exact = model.recommend(new Query(-1, history, 50, null, false));
      long b = System.nanoTime();
      TopK approx = index.search(u, 50, null);
      long c = System.nanoTime();
      exactNanos += b - a;
      approxNanos += c - b;
      Set<Integer> found = new HashSet<>();
      for (int i : approx.items()) found.add(i);
      for (int i : exact.items()) if (found.contains(i)) hits++;
      total += exact.size();
    }
    System.out.printf(Locale.ROOT, "%d items x %d, %s: build %.1f s; recall of the exact top 50 over %d histories"
        + " %.3f; mean exact %.2f ms (forward + scoring) vs index search %.2f ms%n", items, d, p, buildSeconds, queries,
        hits / (double) total, exactNanos / 1e6 / queries, approxNanos / 1e6 / queries);
  }
}
