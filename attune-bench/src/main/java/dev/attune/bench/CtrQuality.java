package dev.attune.bench;

import dev.attune.data.CtrDataset;
import dev.attune.data.Dataset;
import dev.attune.infer.DinModel;
import dev.attune.model.FitListener;
import dev.attune.train.CtrBatch;
import dev.attune.train.CtrModels;
import dev.attune.train.CtrNetwork;
import dev.attune.train.CtrTrainer;
import dev.attune.train.CtrTraining;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CTR quality of the ranking models on MovieLens-100K in DIN's MovieLens setting ({@link CtrDataset.Params#MOVIELENS}:
 * ratings 4-5 positive, each user's last 20% of events test, the last 10% of the rest validation; features user
 * age bucket, gender, occupation, item genres and the user's earlier positives). Trains each named model with
 * early stopping on validation GAUC and prints validation and test AUC, GAUC and log-loss, the training time per
 * epoch, and for DIN the in-process latency of re-ranking 200 candidates with {@link DinModel}.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar
 * dev.attune.bench.CtrQuality <models, e.g. fm,ncf,din> <seed> <threads> [key=value overrides for every model]}
 * with DJL_CACHE_DIR set to a writable folder.
 */
public final class CtrQuality {
  private CtrQuality() {}

  public static void main(String[] args) throws Exception {
    String[] models = (args.length > 0 ? args[0] : "fm,ncf,din").split(",");
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 42L;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int k = 3; k < args.length; k++) {
      String[] kv = args[k].split("=", 2);
      overrides.put(kv[0], kv[1]);
    }
    Dataset ds = SharedData.imported("movielens-100k", "ml-100k", "movielens-100k");
    CtrDataset data = CtrDataset.build(ds, CtrDataset.Params.MOVIELENS);
    System.out.println(data);
    for (String name : models) {
      Map<String, String> own = new LinkedHashMap<>();
      overrides.forEach((k, v) -> {
        int dot = k.indexOf('.');
        if (dot < 0) own.put(k, v);
        else if (k.substring(0, dot).equalsIgnoreCase(name)) own.put(k.substring(dot + 1), v);
      });
      CtrTrainer trainer = CtrModels.create(name, own, seed, threads);
      long start = System.nanoTime();
      CtrTraining.Result r = trainer.train(data, new FitListener() {
        @Override
        public void status(String message) {
          if (message.startsWith("epoch")) System.out.println("  " + name + " " + message);
        }
      });
      double total = (System.nanoTime() - start) / 1e9;
      CtrTraining.Scores test;
      try (CtrNetwork net = CtrModels.network(r.weights())) {
        test = CtrTraining.score(CtrTraining.predict(net, data, data.test(), trainer.options().maxHistory(),
            CtrBatch.slotsFor(data)), data.test());
      }
      System.out.printf("%s seed %d %s: best epoch %d of %d, %.1f s per epoch, %.0f s total; validation %s; TEST %s%n",
          name, seed, own, r.bestEpoch(), r.epochsRun(), r.secondsPerEpoch(), total, r.validation(), test);
      if (name.equals("din")) latency(DinModel.fromWeights(r.weights()), data, seed);
    }
  }

  /** p50 / p99 of scoring 200 random candidates for a random test impression's user and history. */
  static void latency(DinModel model, CtrDataset data, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    CtrDataset.Part test = data.test();
    int requests = 3000;
    long[] nanos = new long[requests];
    long[] cpu = new long[requests];
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    float sink = 0;
    for (int q = -1000; q < requests; q++) { // the first 1000 warm the JIT
      int k = random.nextInt(test.size());
      int u = test.user()[k];
      int[] history = data.history(u, test.historyEnd()[k], model.maxHistory());
      int[] candidates = new int[200];
      for (int c = 0; c < 200; c++) candidates[c] = random.nextInt(data.numItems());
      long c = threads.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      sink += model.score(u, data.userFields(u), candidates, history, false).probabilities()[0];
      if (q >= 0) {
        nanos[q] = System.nanoTime() - t;
        cpu[q] = threads.getCurrentThreadCpuTime() - c;
      }
    }
    Arrays.sort(nanos);
    Arrays.sort(cpu);
    // CPU time excludes the time the thread waited for a core, which dominates wall time on a loaded machine.
    System.out.printf("DIN re-rank of 200 candidates (history %d, one thread): wall p50 %.3f ms, p99 %.3f ms; "
        + "thread CPU time p50 %.3f ms, p99 %.3f ms (%s)%n", model.maxHistory(), nanos[requests / 2] / 1e6,
        nanos[requests * 99 / 100] / 1e6, cpu[requests / 2] / 1e6, cpu[requests * 99 / 100] / 1e6,
        sink > -1 ? "ok" : "");
  }
}
