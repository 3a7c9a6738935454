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
import dev.attune.infer.FusionRanker;
import dev.attune.model.CandidateRanker;
import dev.attune.model.FitListener;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TransitionRanker;
import dev.attune.model.TwoStageRecommender;
import dev.attune.train.CtrModels;
import dev.attune.train.CtrTrainer;
import dev.attune.train.CtrTraining;
import dev.attune.train.FusionRankerTraining;
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
 * [key=value ...]} with DJL_CACHE_DIR set to a writable folder. Keys: {@code ranker=din} (the default: DIN trained
 * on sampled negatives, as above) or {@code ranker=fusion} (a {@link FusionRanker} trained on the retrievers'
 * candidates for the validation step, see {@code fusionPipeline}); {@code bases=transition,din} (base rankers whose
 * scores are the fusion ranker's features); {@code transitionRetriever=true} (the transition scores over the whole
 * catalogue as one more retriever); {@code fusion.<option>=value} ({@link FusionRankerTraining.Params});
 * any other key is a DIN option.
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

    String rankerKind = dinOverrides.getOrDefault("ranker", "din");
    dinOverrides.remove("ranker");
    Map<String, String> fusionOverrides = new java.util.LinkedHashMap<>();
    for (String key : List.copyOf(dinOverrides.keySet())) {
      if (key.startsWith("fusion.")) fusionOverrides.put(key.substring(7), dinOverrides.remove(key));
    }
    List<String> bases = List.of(dinOverrides.getOrDefault("bases", "").split(",")).stream()
        .filter(b -> !b.isBlank()).toList();
    dinOverrides.remove("bases");
    boolean transitionRetriever = Boolean.parseBoolean(dinOverrides.getOrDefault("transitionRetriever", "false"));
    dinOverrides.remove("transitionRetriever");
    if (rankerKind.equals("fusion")) {
      fusionPipeline(split, movielens, n, seed, threads, sasrecEpochs, bases, transitionRetriever,
          dinOverrides, FusionRankerTraining.Params.DEFAULTS.with(Map.of("seed", Long.toString(seed)))
              .with(fusionOverrides));
      return;
    }
    List<Recommender> retrievers = retrievers(train, movielens, seed, threads, sasrecEpochs);

    CtrDataset.Params fields = movielens ? CtrDataset.Params.MOVIELENS
        : new CtrDataset.Params(4f, 0.2, 0.1, List.of(), Map.of());
    CtrDataset rankingData = CtrDataset.forRanking(train, fields, 4, seed);
    System.out.println(rankingData);
    DinRanker ranker = dinRanker(rankingData, dinOverrides, seed);
    TwoStageRecommender pipeline = new TwoStageRecommender("TwoStage(" + n + ")+DIN", retrievers, n, ranker,
        u -> train.sequences().positiveItemsOf(u));

    Evaluator evaluator = new Evaluator();
    evaluateRetrievers(evaluator, retrievers, stage, n, threads);
    System.out.printf("union recall@%d (per retriever) = %.4f%n", n, unionRecall(pipeline, stage.holdout()));
    TwoStageRecommender fused = new TwoStageRecommender("TwoStage(" + n + ")+DIN, rank fusion", retrievers, n, ranker,
        u -> train.sequences().positiveItemsOf(u), TwoStageRecommender.Fusion.RECIPROCAL_RANK);
    for (TwoStageRecommender p : List.of(pipeline, fused)) evaluatePipeline(evaluator, p, stage, threads);
  }

  /**
   * The pipeline with a {@link FusionRanker} trained on the retrievers' own candidates for the validation step:
   * retrievers (and DIN, when asked) fitted on the tuning part (each user's history without the validation and
   * test items), the ranker trained to put the validation item first among their union, then the retrievers
   * refitted on the training part (with the validation item) and the pipeline scored on the test items. The test
   * items are in no stage's training data; DIN is not refitted (it is given the full history at test).
   */
  private static void fusionPipeline(Split split, boolean movielens, int n, long seed, int threads, int sasrecEpochs,
      List<String> baseNames, boolean transitionRetriever, Map<String, String> dinOverrides,
      FusionRankerTraining.Params params) throws Exception {
    Split.Stage tuning = split.tuning();
    Split.Stage stage = split.testing();
    TrainingSet tuningTrain = tuning.train();
    System.out.println("tuning: validation users " + tuning.holdout().numUsersWithItems() + "; " + params);
    List<Recommender> tuningRetrievers = retrievers(tuningTrain, movielens, seed, threads, sasrecEpochs);
    if (transitionRetriever) tuningRetrievers.add(transitionsAlone(tuningTrain));
    List<CandidateRanker> tuningBases = new ArrayList<>();
    DinRanker din = null;
    for (String b : baseNames) {
      switch (b) {
        case "transition" -> tuningBases.add(TransitionRanker.fit(tuningTrain.sequences(), tuningTrain.numItems(),
            TransitionRanker.Params.DEFAULTS));
        case "din" -> {
          CtrDataset.Params fields = movielens ? CtrDataset.Params.MOVIELENS
              : new CtrDataset.Params(4f, 0.2, 0.1, List.of(), Map.of());
          CtrDataset rankingData = CtrDataset.forRanking(tuningTrain, fields, 4, seed);
          System.out.println(rankingData);
          din = dinRanker(rankingData, dinOverrides, seed);
          tuningBases.add(din);
        }
        default -> throw new IllegalArgumentException("unknown base ranker: " + b);
      }
    }
    long start = System.nanoTime();
    FusionRankerTraining.Impressions impressions = FusionRankerTraining.impressions(tuningRetrievers, n,
        tuningTrain.numUsers(), u -> tuningTrain.sequences().positiveItemsOf(u),
        u -> tuning.holdout().distinctItemsOf(u), dev.attune.infer.TwoStageModel.popularity(tuningTrain), tuningBases);
    System.out.printf("ranker impressions (validation step): %s; %.0f s%n", impressions,
        (System.nanoTime() - start) / 1e9);
    FusionRankerTraining.Result r = new FusionRankerTraining(params).train(impressions, new FitListener() {
      @Override
      public void status(String message) {
        System.out.println("  fusion " + message);
      }
    });
    System.out.printf("fusion ranker: best epoch %d of %d, %.2f s per epoch, validation loss %.4f, NDCG@10 %.4f%n",
        r.bestEpoch(), r.epochsRun(), r.secondsPerEpoch(), r.validationLoss(), r.validationNdcg());
    tuningRetrievers = null; // the tuning models are done; free them before the refit
    TrainingSet train = stage.train();
    List<Recommender> retrievers = retrievers(train, movielens, seed, threads, sasrecEpochs);
    if (transitionRetriever) retrievers.add(transitionsAlone(train));
    List<CandidateRanker> bases = new ArrayList<>();
    for (String b : baseNames) {
      bases.add(b.equals("din") ? din : TransitionRanker.fit(train.sequences(), train.numItems(),
          TransitionRanker.Params.DEFAULTS));
    }
    FusionRanker ranker = FusionRanker.fromWeights(r.weights(), dev.attune.infer.TwoStageModel.popularity(train), bases);
    String name = "TwoStage(" + n + ")+Fusion" + (baseNames.isEmpty() ? "" : "(" + String.join(",", baseNames) + ")");
    TwoStageRecommender pipeline = new TwoStageRecommender(name, retrievers, n, ranker,
        u -> train.sequences().positiveItemsOf(u));
    Evaluator evaluator = new Evaluator();
    List<EvalResult> single = evaluateRetrievers(evaluator, retrievers, stage, n, threads);
    System.out.printf("union recall@%d (per retriever) = %.4f%n", n, unionRecall(pipeline, stage.holdout()));
    EvalResult fused = evaluatePipelineLike(evaluator, pipeline, stage, threads);
    EvalResult best = single.get(0);
    for (EvalResult e : single) if (e.mean("NDCG@10") > best.mean("NDCG@10")) best = e;
    dev.attune.eval.Significance.Bootstrap b = dev.attune.eval.Significance.pairedBootstrap(fused, best, "NDCG@10");
    System.out.printf("pipeline - %s NDCG@10: %+.4f, 95%% bootstrap interval [%+.4f, %+.4f], p %.4f (%d users)%n",
        best.modelName(), b.meanDifference(), b.lower(), b.upper(), b.pValue(), b.users());
    rerankLatency(pipeline, ranker, train, 3000);
    if (baseNames.contains("transition") && !transitionRetriever) {
      // a reference, not a retriever: the transition scores alone over the whole catalogue
      CandidateRanker transitions = bases.get(baseNames.indexOf("transition"));
      evaluatePipelineLike(evaluator, new dev.attune.model.RankerRecommender("Transitions alone (full catalogue)", transitions, train), stage,
          threads);
    }
  }

  /**
   * Wall time of the second stage alone (features, base rankers and the network over the union of the retrievers'
   * lists), one thread, for the first {@code requests} users after as many warm-up calls: p50, p99 and the mean
   * number of candidates.
   */
  private static void rerankLatency(TwoStageRecommender pipeline, CandidateRanker ranker, TrainingSet train,
      int requests) {
    int users = Math.min(requests, train.numUsers());
    long[] nanos = new long[users];
    long candidates = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int u = 0; u < users; u++) {
        dev.attune.model.TopK[] lists = pipeline.retrieve(Query.forUser(u, 10));
        int[] union = TwoStageRecommender.union(lists);
        int[] history = train.sequences().positiveItemsOf(u);
        long start = System.nanoTime();
        float[] s = ranker.score(u, history, union, lists);
        nanos[u] = System.nanoTime() - start;
        if (s.length != union.length) throw new IllegalStateException("ranker returned a wrong length");
        if (pass == 1) candidates += union.length;
      }
    }
    Arrays.sort(nanos);
    System.out.printf("re-rank latency (second stage only, %d requests after %d warm-up, mean %.0f candidates): "
        + "p50 %.3f ms, p99 %.3f ms%n", users, users, (double) candidates / users, nanos[users / 2] / 1e6,
        nanos[(int) (users * 0.99)] / 1e6);
  }

  /** {@link TransitionRanker} over the whole catalogue, a fifth retriever ({@code transitionRetriever=true}). */
  private static Recommender transitionsAlone(TrainingSet train) {
    return new dev.attune.model.RankerRecommender("Transitions", dev.attune.infer.TwoStageModel.transitions(train),
        train);
  }

  /** SASRec (when epochs &gt; 0), iALS, ItemKnn and popularity fitted on {@code train}. */
  private static List<Recommender> retrievers(TrainingSet train, boolean movielens, long seed, int threads,
      int sasrecEpochs) {
    SequenceTraining.Options sasrec = null;
    if (sasrecEpochs > 0) {
      // The settings of the SASRec rows in docs/benchmarks.md (Beauty: dropout 0.5, α 2e-3; MovieLens-100K:
      // T 200, dropout 0.2, α 1e-3), full softmax, a fixed number of epochs (no validation: refit-style).
      SequenceTraining.Options d = SasRec.Params.DEFAULTS.training();
      sasrec = new SequenceTraining.Options(movielens ? 200 : d.maxLength(), movielens ? 0.2f : 0.5f,
          movielens ? 1e-3f : 2e-3f, d.batchSize(), sasrecEpochs, SequenceTraining.Loss.FULL_CE, 1, false, seed,
          threads, 0, 1);
    }
    long start = System.nanoTime();
    List<Recommender> retrievers = dev.attune.train.FusionPipeline.retrievers(train,
        new dev.attune.train.FusionPipeline.Params(1, sasrec, false, seed, threads,
            FusionRankerTraining.Params.DEFAULTS));
    if (sasrec != null) {
      System.out.printf("SASRec and the classic retrievers: %.0f s%n", (System.nanoTime() - start) / 1e9);
    }
    return new ArrayList<>(retrievers); // callers add the transitions retriever
  }


  private static DinRanker dinRanker(CtrDataset rankingData, Map<String, String> dinOverrides, long seed) {
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
    return new DinRanker(DinModel.fromWeights(r.weights()), userFields);
  }

  private static List<EvalResult> evaluateRetrievers(Evaluator evaluator, List<Recommender> retrievers,
      Split.Stage stage, int n, int threads) {
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, n).withComputeAuc(false).withThreads(threads);
    List<EvalResult> results = new ArrayList<>();
    for (Recommender m : retrievers) {
      EvalResult e = evaluator.evaluate(m, stage, options);
      results.add(e);
      System.out.printf("%-14s NDCG@10 %.4f  HR@10 %.4f  Recall@%d %.4f%n", m.name(), e.mean("NDCG@10"),
          e.mean("HR@10"), n, e.mean("Recall@" + n));
    }
    return results;
  }

  private static void evaluatePipeline(Evaluator evaluator, TwoStageRecommender p, Split.Stage stage, int threads) {
    evaluatePipelineLike(evaluator, p, stage, threads);
  }

  private static EvalResult evaluatePipelineLike(Evaluator evaluator, Recommender p, Split.Stage stage,
      int threads) {
    long start = System.nanoTime();
    EvalResult e = evaluator.evaluate(p, stage, EvalOptions.DEFAULTS.withKs(10).withComputeAuc(false)
        .withThreads(threads));
    System.out.printf("%-14s NDCG@10 %.4f  HR@10 %.4f  (%.0f s)%n", p.name(), e.mean("NDCG@10"), e.mean("HR@10"),
        (System.nanoTime() - start) / 1e9);
    return e;
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
