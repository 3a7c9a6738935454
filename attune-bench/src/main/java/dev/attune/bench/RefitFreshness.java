package dev.attune.bench;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.events.EventWeights;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.AttentionModels;
import dev.attune.train.SequenceTraining;
import java.util.Arrays;
import java.util.Map;

/**
 * What the server's refit of a published candidate is worth ({@code --refit-published}): a store holding the oldest
 * {@code storeShare} of a data set's events is retrained as a job does it (the candidate on the events before the
 * store's newest {@code holdout} share, the refit on all of the store's events; SASRec with the server's settings:
 * hidden 32, full softmax, {@code epochs}), and both are measured on what came after the store's newest event, the
 * real future: a global time cut there, each test user's history being their events before it (the same for both
 * models), full ranking, seen items excluded.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar dev.attune.bench.RefitFreshness \
 *   [seed=42] [epochs=12] [storeShare=0.85] [holdout=0.1] [threads=1]
 * </pre>
 *
 * Reads {@code ../shared/data/movielens-100k}.
 */
public final class RefitFreshness {
  private RefitFreshness() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = SharedData.arguments(Map.of("seed", "42", "epochs", "12", "storeShare", "0.85",
        "holdout", "0.1", "threads", "1"), args);
    long seed = Long.parseLong(a.get("seed"));
    int threads = Integer.parseInt(a.get("threads"));
    Dataset ds = SharedData.imported("movielens-100k", "ml-100k", "movielens-100k");
    EventWeights weights = EventWeights.defaults();
    long[] times = new long[ds.events().size()];
    for (int r = 0; r < times.length; r++) times[r] = ds.events().time(r);
    Arrays.sort(times);
    long storeEnd = times[(int) (times.length * Double.parseDouble(a.get("storeShare")))];
    int inStore = 0;
    while (inStore < times.length && times[inStore] < storeEnd) inStore++;
    long holdoutStart = times[(int) (inStore * (1 - Double.parseDouble(a.get("holdout"))))];
    Split future = Splits.temporal(ds, weights, storeEnd);
    Split job = Splits.temporal(ds, weights, holdoutStart);
    System.out.printf("%s: store = %,d events before %d, holdout from %d; the future: %,d test users, %,d targets%n",
        ds, inStore, storeEnd, holdoutStart, future.test().numUsersWithItems(), future.test().size());
    Map<String, String> params = Map.of("loss", "full-ce", "hidden", "32", "epochs", a.get("epochs"));
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, 20).withComputeAuc(false).withThreads(threads)
        .withSeed(seed);
    Evaluator evaluator = new Evaluator();
    for (String model : new String[] {"candidate", "refit"}) {
      long start = System.nanoTime();
      // the candidate learns the store's events before its holdout; the refit all of the store's events
      var trainingSet = (model.equals("candidate") ? job : future).trainAndValidation();
      WeightFile w = AttentionModels.create("sasrec", params, seed, threads).train(trainingSet,
          SequenceTraining.Run.NONE, FitListener.NONE);
      double seconds = (System.nanoTime() - start) / 1e9;
      // both read each user's history up to the store's newest event, as the server would
      EvalResult e = evaluator.evaluate(SequentialModels.fromWeights(w, future.trainAndValidation()), future, options,
          Evaluator.Progress.NONE);
      System.out.printf("%-9s trained %.0f s: NDCG@10 %.4f  HR@10 %.4f  NDCG@20 %.4f  HR@20 %.4f  MRR %.4f%n", model,
          seconds, e.mean("NDCG@10"), e.mean("HR@10"), e.mean("NDCG@20"), e.mean("HR@20"), e.mean("MRR"));
    }
  }
}
