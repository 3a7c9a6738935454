package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.server.ModelTrainer;
import dev.attune.train.AttentionModels;
import dev.attune.train.SceneTransfer;
import dev.attune.train.SequenceTraining;
import dev.attune.train.WeightTrainer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The service's training engine (#7): SASRec (hidden 32, full softmax) trained with DJL for a fixed number of
 * epochs, written as a model directory the server serves in pure Java; while a transfer model is served, its own
 * engine instead ({@link #forServed}). {@code attune serve} and {@code attune
 * demo} give it to the server ({@link dev.attune.server.AttuneServer#create(dev.attune.server.ServerConfig,
 * dev.attune.store.Store, ModelTrainer)}), whose lifecycle calls {@link #train} for each candidate; {@code attune
 * demo} and the dashboard's browser test also write versions with {@link #write}.
 */
final class SasRecTrainer implements ModelTrainer {
  private final int epochs;
  private final int threads;
  /** The sequential model trained: sasrec unless the served one is another kind. */
  private final String modelKind;
  /** The served model's settings a candidate is trained with (its shape, window, loss, types), or none. */
  private final Map<String, String> carried;

  /**
   * @param epochs training epochs per candidate, > 0
   * @param threads the engine's threads, > 0
   */
  SasRecTrainer(int epochs, int threads) {
    this(epochs, threads, "sasrec", Map.of());
  }

  private SasRecTrainer(int epochs, int threads, String modelKind, Map<String, String> carried) {
    if (epochs <= 0) throw new IllegalArgumentException("epochs must be > 0: " + epochs);
    if (threads <= 0) throw new IllegalArgumentException("threads must be > 0: " + threads);
    this.epochs = epochs;
    this.threads = threads;
    this.modelKind = modelKind;
    this.carried = Map.copyOf(carried);
  }

  /**
   * The settings of a served sequential model a retrained candidate keeps: its network's shape, window, loss and
   * whether it reads event types (a candidate trained without them would quietly drop them when published). Not the
   * epochs (the server's), nor item attributes (the store's items may carry other ones), nor the run's bookkeeping.
   */
  private static final java.util.Set<String> CARRIED_KEYS = java.util.Set.of("hidden", "blocks", "heads", "gruHidden",
      "maskProbability", "lastOnlyProbability", "maxLength", "dropout", "learningRate", "batchSize", "loss",
      "negatives", "useTypes", "allWindows");

  /** Half the processors (at least one), so a server that trains keeps answering. */
  static int backgroundThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  @Override
  public String kind() {
    return modelKind;
  }

  /**
   * A served transfer model is retrained as one ({@link SceneTransferTrainer}, with its recorded settings), so
   * retraining never swaps it for SASRec; anything else (or nothing) is retrained as SASRec.
   */
  @Override
  public ModelTrainer forServed(Path servedDir) {
    Map<String, Object> info = servedDir == null ? null : SceneTransferTrainer.infoOrNull(servedDir);
    if (info != null && SceneTransfer.MODEL_KIND.equals(info.get("model"))) return SceneTransferTrainer.of(info, threads);
    // a served sequential model is retrained as its kind, with its settings
    if (info != null && info.get("model") instanceof String kind && AttentionModels.knows(kind)
        && info.get("params") instanceof Map<?, ?> params) {
      Map<String, String> kept = new LinkedHashMap<>();
      params.forEach((k, v) -> {
        if (CARRIED_KEYS.contains(String.valueOf(k)) && v != null) kept.put(String.valueOf(k), String.valueOf(v));
      });
      return new SasRecTrainer(epochs, threads, kind, kept);
    }
    return this;
  }

  @Override
  public void train(Dataset dataset, Split split, Path outDir, long seed, FitListener listener) throws Exception {
    write(outDir, dataset, split, seed, epochs, threads, false, false, listener, modelKind, carried);
  }

  /**
   * Trains SASRec for {@code epochs} epochs and writes {@code modelDir} with the parameters, the training time, the
   * per-epoch loss ({@code history}) and, when {@code test}, the metrics on the split's test part (full ranking,
   * seen items excluded).
   *
   * @param validate false: train on the training + validation part; true: train on the training part and score
   *     the validation part after every epoch (as {@code attune train} does, without stopping early), keeping the
   *     best epoch's weights and recording each epoch's validation NDCG@10
   * @param test whether to measure the model on the test part and record it in {@code model.json}
   * @return the test metrics by label (NDCG@10, HR@10, Coverage@10), empty without {@code test}
   */
  static Map<String, Double> write(Path modelDir, Dataset ds, Split split, long seed, int epochs, int threads,
      boolean validate, boolean test, FitListener listener) throws Exception {
    return write(modelDir, ds, split, seed, epochs, threads, validate, test, listener, "sasrec", Map.of());
  }

  /**
   * As {@link #write(Path, Dataset, Split, long, int, int, boolean, boolean, FitListener)} for a sequential model of
   * {@code kind} with {@code settings} over the defaults (hidden 32, full softmax).
   */
  static Map<String, Double> write(Path modelDir, Dataset ds, Split split, long seed, int epochs, int threads,
      boolean validate, boolean test, FitListener listener, String kind, Map<String, String> settings)
      throws Exception {
    Map<String, String> params = new LinkedHashMap<>(Map.of("loss", "full-ce", "hidden", "32"));
    params.putAll(settings);
    params.put("epochs", Integer.toString(epochs));
    if (validate) {
      params.put("validateEvery", "1");
      params.put("patience", "0");
    }
    WeightTrainer sasrec = AttentionModels.create(kind, params, seed, threads);
    TrainingHistory history = new TrainingHistory(listener);
    long start = System.nanoTime();
    WeightFile weights = validate
        ? sasrec.train(split.tuning().train(), new SequenceTraining.Run(split.tuning(), null, false), history)
        : sasrec.train(split.trainAndValidation(), SequenceTraining.Run.NONE, history);
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", sasrec.name());
    info.put("dataset", ds.name());
    info.put("seed", seed);
    info.put("params", TrainCommand.flatten(sasrec.params()));
    info.put("trainSeconds", Math.round(trainSeconds * 10) / 10.0);
    Map<String, Double> metrics = new LinkedHashMap<>();
    if (test) {
      EvalOptions options = EvalOptions.DEFAULTS.withKs(10, 20).withSeed(seed).withComputeAuc(false);
      EvalResult result = new Evaluator().evaluate(SequentialModels.fromWeights(weights, split.trainAndValidation()),
          split, options, Evaluator.Progress.NONE).withTrainSeconds(trainSeconds);
      info.put("test", result.toMap());
      for (String label : new String[] {"NDCG@10", "HR@10", "Coverage@10"}) {
        try {
          double v = result.mean(label);
          if (Double.isFinite(v)) metrics.put(label, v);
        } catch (IllegalArgumentException notMeasured) {
          // the options did not ask for it
        }
      }
    }
    info.put("history", history.toList());
    info.put("created", Instant.now().toString());
    ModelDirectory.write(modelDir, weights, ds.itemIds().ids(), info);
    return metrics;
  }
}
