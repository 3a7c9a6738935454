package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.TrainingSet;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.TwoStageModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.Recommender;
import dev.attune.train.FusionPipeline;
import dev.attune.train.FusionRankerTraining;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code attune train --model two-stage}: fits the two-stage pipeline ({@link FusionPipeline}: iALS, ItemKnn,
 * popularity and transitions retrieve, a fusion ranker trained on their candidates for the validation step
 * re-ranks), scores it on the test part and writes a {@link TwoStageModel} directory, which {@code attune serve}
 * serves (refitting the retrievers on the store's events) and {@code attune evaluate --trained} scores.
 */
final class PipelineRun {
  /** The {@code --model} name. */
  static final String MODEL = TwoStageModel.KIND;

  private PipelineRun() {}

  /**
   * The pipeline's settings: the defaults with {@code two-stage.*} parameters over them ({@code candidates}, N per
   * retriever, and the fusion ranker's, {@link FusionRankerTraining.Params#with}).
   *
   * @param sasrec the SASRec retriever's training, null for none
   * @throws IllegalArgumentException for an unknown key or a bad value, and for {@code seed}, which --seed sets
   */
  static FusionPipeline.Params params(Map<String, String> overrides, dev.attune.train.SequenceTraining.Options sasrec,
      long seed, int threads) {
    Map<String, String> rankerOverrides = new LinkedHashMap<>(overrides);
    if (rankerOverrides.containsKey("seed")) {
      // one run, one seed: model.json would otherwise record --seed's beside another in its settings
      throw new IllegalArgumentException("--param two-stage.seed is set by --seed; use that");
    }
    String candidates = rankerOverrides.remove("candidates");
    for (String key : rankerOverrides.keySet()) {
      if (!FusionRankerTraining.Params.KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown --param two-stage." + key + "; known: candidates, "
            + String.join(", ", FusionRankerTraining.Params.KEYS.stream().filter(k -> !k.equals("seed")).toList()));
      }
    }
    FusionPipeline.Params defaults = FusionPipeline.Params.defaults(seed);
    return new FusionPipeline.Params(candidates == null ? defaults.candidates()
        : positiveInt("two-stage.candidates", candidates), sasrec, defaults.transitionRetriever(), seed, threads,
        defaults.ranker().with(rankerOverrides));
  }

  /**
   * Refuses a split without a validation step, on which the fusion ranker learns: the {@code given} protocol's own
   * test part has none (a QA run got "no request holds its target: nothing to learn" after a leaderboard's work).
   */
  static void requireValidationStep(Split split) {
    if (split.tuning().holdout().numUsersWithItems() > 0) return;
    throw new IllegalArgumentException("the two-stage pipeline learns its fusion ranker on a validation step, and "
        + EvaluateCommand.readableProtocol(split.protocol()) + " holds none"
        + (split.protocol().startsWith("given") ? " (a data set's own test part has no validation part)" : "")
        // leave-one-out needs an event order: offered only where the data set has one (QA: sent in a circle)
        + (split.dataset().timeKind() == dev.attune.data.Dataset.TimeKind.NONE ? ": use --protocol random:0.2"
            : ": use --protocol loo or random:0.2"));
  }

  /**
   * Trains, evaluates and writes the directory.
   *
   * @param overrides {@code two-stage.*} parameters: {@code candidates} (N per retriever) and the fusion ranker's
   *     ({@link FusionRankerTraining.Params#with})
   */
  static int train(Path data, Path out, String protocol, Map<String, String> overrides, long seed, int threads,
      boolean quiet, PrintWriter o, PrintWriter err) throws IOException {
    FusionPipeline.Params params = params(overrides, null, seed, threads);
    Dataset dataset = AttuneCli.readDataset(data, err);
    err.println("loaded " + dataset);
    Split split = EvaluateCommand.split(dataset, protocol, seed);
    requireValidationStep(split);
    err.println("training the two-stage pipeline (" + String.join(", ", FusionPipeline.retrieverNames(params))
        + " retrieve " + params.candidates() + " each; the fusion ranker learns the validation step of "
        + split.tuning().holdout().numUsersWithItems() + " users)");
    long start = System.nanoTime();
    FusionPipeline.Fitted fitted;
    TrainingHistory history;
    try (Progress progress = new Progress("two-stage", quiet, err)) {
      history = new TrainingHistory(progress);
      fitted = FusionPipeline.fit(split, params, history);
    }
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    boolean excludeSeen = !dataset.allScenesAllowRepeats();
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, 20).withExcludeSeen(excludeSeen).withThreads(threads)
        .withSeed(seed).withComputeAuc(false);
    EvalResult test;
    try (Progress progress = new Progress("two-stage", quiet, err)) {
      test = new Evaluator().evaluate(fitted.pipeline(), split, options, quiet ? Evaluator.Progress.NONE : progress)
          .withTrainSeconds(trainSeconds);
    }
    WeightFile weights = TwoStageModel.describe(fitted.ranker().weights(), FusionPipeline.retrieverNames(params),
        seed);
    Map<String, Object> info = TrainCommand.runInfo(MODEL, dataset, split, seed, threads, params.ranker());
    TrainCommand.noteExportOf(info, data, dataset);
    info.put("model", TwoStageModel.KIND);
    info.put("retrievers", FusionPipeline.retrieverNames(params));
    info.put("candidatesPerRetriever", params.candidates());
    info.put("bestEpoch", fitted.ranker().bestEpoch());
    double validationNdcg = fitted.ranker().validationNdcg();
    // NaN: the ranker's validation share of the requests held none (a tiny data set); JSON has no NaN
    info.put("validationNdcg10", Double.isNaN(validationNdcg) ? null : validationNdcg);
    info.put("trainSeconds", Math.round(trainSeconds * 10) / 10.0);
    info.put("test", test.toMap());
    info.put("history", history.toList());
    info.put("created", Instant.now().toString());
    ModelDirectory.write(out, weights, dataset.itemIds().ids(), info);
    o.printf("two-stage on %s (%s, full ranking%s): HR@10 %.4f  NDCG@10 %.4f  HR@20 %.4f  NDCG@20 %.4f  MRR@%d %.4f%n",
        dataset.name(), EvaluateCommand.readableProtocol(split.protocol()), EvaluateCommand.seenRule(dataset, excludeSeen),
        test.mean("HR@10"),
        test.mean("NDCG@10"), test.mean("HR@20"), test.mean("NDCG@20"), options.maxK(), test.mean("MRR"));
    if (Double.isNaN(validationNdcg)) {
      o.printf("trained %.1f s (fusion ranker: %d epochs without early stopping: its validation share of the"
          + " requests held none, too few users to validate on)%n", trainSeconds, fitted.ranker().epochsRun());
    } else {
      o.printf("trained %.1f s (fusion ranker: best epoch %d of %d, validation NDCG@10 %.4f)%n", trainSeconds,
          fitted.ranker().bestEpoch(), fitted.ranker().epochsRun(), validationNdcg);
    }
    o.println("wrote " + out);
    return 0;
  }

  /**
   * The model in {@code dir} over {@code train}: a pipeline with its retrievers refitted on it, or a sequential
   * network that reads histories of {@code train}'s users.
   */
  static Recommender open(ModelDirectory dir, TrainingSet train, int threads) {
    return TwoStageModel.isPipeline(dir) ? TwoStageModel.assemble(dir.weights(), train, threads)
        : SequentialModels.fromWeights(dir.weights(), train);
  }

  private static int positiveInt(String name, String value) {
    try {
      int v = Integer.parseInt(value.trim());
      if (v > 0) return v;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a positive whole number, not '" + value + "'");
  }
}
