package dev.attune.bench;

import dev.attune.data.CtrDataset;
import dev.attune.data.Dataset;
import dev.attune.data.Holdout;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.Importer;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.events.EventWeights;
import dev.attune.infer.DinModel;
import dev.attune.infer.DinRanker;
import dev.attune.model.FitListener;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TwoStageRecommender;
import dev.attune.model.cf.ClassicModels;
import dev.attune.train.CtrModels;
import dev.attune.train.CtrTrainer;
import dev.attune.train.CtrTraining;
import dev.attune.train.SasRec;
import dev.attune.train.SequenceTraining;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The two-stage pipeline on a leave-one-out split (full ranking, seen items excluded): retrieval by SASRec
 * (optional), iALS, ItemKNN and popularity, each proposing its top N, the union re-ranked by DIN trained on the
 * training part with popularity-sampled negatives ({@link CtrDataset#forRanking}). Prints NDCG@10 and HR@10 of
 * every retriever alone and of the pipeline ordered by DIN alone and by reciprocal rank fusion of DIN's and the
 * retrievers' orders ({@link TwoStageRecommender.Fusion}), and the union's recall@N, which bounds the pipeline.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar
 * dev.attune.bench.TwoStageQuality <beauty|ml-100k> <N> <seed> <threads> <sasrec epochs, 0 = none>
 * [din key=value overrides]} with DJL_CACHE_DIR set to a writable folder.
 */
public final class TwoStageQuality {
  private TwoStageQuality() {}

  public static void main(String[] args) throws Exception {
    String data = args[0];
    int n = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    int threads = Integer.parseInt(args[3]);
    int sasrecEpochs = Integer.parseInt(args[4]);
    Map<String, String> dinOverrides = new java.util.LinkedHashMap<>();
    for (int k = 5; k < args.length; k++) {
      String[] kv = args[k].split("=", 2);
      dinOverrides.put(kv[0], kv[1]);
    }
    boolean movielens = data.equals("ml-100k");
    Importer importer = Importer.forFormat(movielens ? "movielens-100k" : "s3rec");
    Dataset ds = importer.newDataset(data);
    importer.importInto(ds, SharedData.root().resolve(movielens ? "movielens-100k" : "s3rec-sequential/Beauty.txt"),
        ImportOptions.DEFAULTS);
    Split split = Splits.leaveOneOut(ds, EventWeights.defaults());
    Split.Stage stage = split.testing();
    TrainingSet train = stage.train();
    System.out.println(ds + "; leave-one-out test users " + stage.holdout().numUsersWithItems());

    List<Recommender> retrievers = new ArrayList<>();
    if (sasrecEpochs > 0) {
      long start = System.nanoTime();
      // The settings of the SASRec rows in docs/benchmarks.md (Beauty: dropout 0.5, α 2e-3; MovieLens-100K:
      // T 200, dropout 0.2, α 1e-3), full softmax, a fixed number of epochs (no validation: refit-style).
      SequenceTraining.Options d = SasRec.Params.DEFAULTS.training();
      SequenceTraining.Options o = new SequenceTraining.Options(movielens ? 200 : d.maxLength(),
          movielens ? 0.2f : 0.5f, movielens ? 1e-3f : 2e-3f, d.batchSize(), sasrecEpochs,
          SequenceTraining.Loss.FULL_CE, 1, false, seed, threads, 0, 1);
      SasRec.Params p = SasRec.Params.DEFAULTS.withTraining(o);
      retrievers.add(new SasRec(p).fit(train, FitListener.NONE));
      System.out.printf("SASRec: %d epochs, %.0f s%n", sasrecEpochs, (System.nanoTime() - start) / 1e9);
    }
    for (String name : List.of("als", "itemknn", "pop")) {
      retrievers.add(ClassicModels.create(name, Map.of(), seed, threads).fit(train, FitListener.NONE));
    }

    CtrDataset.Params fields = movielens ? CtrDataset.Params.MOVIELENS
        : new CtrDataset.Params(4f, 0.2, 0.1, List.of(), Map.of());
    CtrDataset rankingData = CtrDataset.forRanking(train, fields, 4, seed);
    System.out.println(rankingData);
    CtrTrainer din = CtrModels.create("din", dinOverrides, seed, 1);
    CtrTraining.Result r = din.train(rankingData, new FitListener() {
      @Override
      public void status(String message) {
        if (message.startsWith("epoch")) System.out.println("  din " + message);
      }
    });
    System.out.printf("DIN ranker: best epoch %d of %d, %.1f s per epoch, validation %s%n", r.bestEpoch(),
        r.epochsRun(), r.secondsPerEpoch(), r.validation());
    int[][] userFields = new int[rankingData.numUsers()][];
    for (int u = 0; u < userFields.length; u++) userFields[u] = rankingData.userFields(u);
    DinRanker ranker = new DinRanker(DinModel.fromWeights(r.weights()), userFields);
    TwoStageRecommender pipeline = new TwoStageRecommender("TwoStage(" + n + ")+DIN", retrievers, n, ranker,
        u -> train.sequences().positiveItemsOf(u));

    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, n).withComputeAuc(false).withThreads(threads);
    Evaluator evaluator = new Evaluator();
    for (Recommender m : retrievers) {
      EvalResult e = evaluator.evaluate(m, stage, options);
      System.out.printf("%-14s NDCG@10 %.4f  HR@10 %.4f  Recall@%d %.4f%n", m.name(), e.mean("NDCG@10"),
          e.mean("HR@10"), n, e.mean("Recall@" + n));
    }
    System.out.printf("union recall@%d (per retriever) = %.4f%n", n, unionRecall(pipeline, stage.holdout()));
    TwoStageRecommender fused = new TwoStageRecommender("TwoStage(" + n + ")+DIN, rank fusion", retrievers, n, ranker,
        u -> train.sequences().positiveItemsOf(u), TwoStageRecommender.Fusion.RECIPROCAL_RANK);
    for (TwoStageRecommender p : List.of(pipeline, fused)) {
      long start = System.nanoTime();
      EvalResult e = evaluator.evaluate(p, stage, EvalOptions.DEFAULTS.withKs(10).withComputeAuc(false)
          .withThreads(threads));
      System.out.printf("%-14s NDCG@10 %.4f  HR@10 %.4f  (%.0f s)%n", p.name(), e.mean("NDCG@10"), e.mean("HR@10"),
          (System.nanoTime() - start) / 1e9);
    }
  }

  /** Share of test users whose held-out item is among the pipeline's candidates. */
  static double unionRecall(TwoStageRecommender pipeline, Holdout holdout) {
    int users = 0;
    int hits = 0;
    for (int u = 0; u < holdout.numUsers(); u++) {
      int[] relevant = holdout.distinctItemsOf(u);
      if (relevant.length == 0) continue;
      users++;
      int[] candidates = pipeline.candidates(Query.forUser(u, 10));
      Arrays.sort(candidates);
      for (int i : relevant) {
        if (Arrays.binarySearch(candidates, i) >= 0) {
          hits++;
          break;
        }
      }
    }
    return (double) hits / users;
  }
}
