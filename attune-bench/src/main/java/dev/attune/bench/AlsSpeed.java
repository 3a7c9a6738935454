package dev.attune.bench;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.model.cf.Als;
import dev.attune.model.cf.FactorModel;

/**
 * iALS seconds per iteration at 64 factors on the ML-1M implicit training file (800k events), and the
 * NDCG@10 it reaches on the given test file. Run: {@code java --add-modules jdk.incubator.vector -cp
 * attune-bench/target/attune-bench.jar dev.attune.bench.AlsSpeed [threads] [iterations]}.
 */
public final class AlsSpeed {
  private AlsSpeed() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Dataset ds = SharedData.imported("ml1m-implicit", "ml-1m-implicit", "movielens-1m/implicit_colakg");
    Split split = Splits.given(ds, EventWeights.defaults());
    System.out.println(ds + ", train nnz " + split.trainAndValidation().interactions().nnz());
    long[] stamps = new long[iterations + 1];
    stamps[0] = System.nanoTime();
    FitListener timer = new FitListener() {
      @Override
      public void epochEnd(int epoch, double loss) {
        stamps[epoch] = System.nanoTime();
      }
    };
    Als.Params params = new Als.Params(64, 1f, 1f, iterations, 3, threads, 42L);
    FactorModel model = new Als(params).fit(split.trainAndValidation(), timer);
    double[] seconds = new double[iterations];
    for (int i = 0; i < iterations; i++) seconds[i] = (stamps[i + 1] - stamps[i]) / 1e9;
    java.util.Arrays.sort(seconds);
    System.out.printf("iALS f=64 threads=%d: median %.3f s/iteration (min %.3f, max %.3f) over %d iterations%n",
        threads, seconds[iterations / 2], seconds[0], seconds[iterations - 1], iterations);
    EvalResult r = new Evaluator().evaluate(model, split, EvalOptions.DEFAULTS.withComputeAuc(false), Evaluator.Progress.NONE);
    System.out.printf("NDCG@10 %.4f  HR@10 %.4f  Recall@20 %.4f%n", r.mean("NDCG@10"), r.mean("HR@10"), r.mean("Recall@20"));
  }
}
