package dev.attune.server;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.events.EventType;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training engine the service retrains with ({@link ModelLifecycle}): trains a candidate model directory from
 * the store's data, and measures a model directory on a holdout. The server itself has no training engine (it
 * must not depend on DJL); {@code attune serve} and {@code attune demo} pass the one from {@code attune-cli}, which
 * retrains a served transfer or sequential model as its kind with its settings and anything else as SASRec ({@link
 * #forServed}).
 * Without a trainer, the admin route that trains answers 503 and the schedule is off.
 *
 * <p>Called from one background thread at a time (one training job at a time).
 */
public interface ModelTrainer {
  /**
   * How the service weighs its events, in serving and in training alike: the default table, plus {@code onboard}
   * (an item chosen at sign-up, weight 2); types the table does not know count as positive (weight 1), since the API
   * accepts any type name. A trainer splitting the store's data again uses these, never the default table (which
   * rejects unknown types).
   */
  EventWeights WEIGHTS = EventWeights.defaults()
      .with(new EventType(Recommendations.ONBOARD_TYPE, 2f, EventType.ValueRule.IGNORE)).withUnknownTypeWeight(1f);

  /** The model name written into the registry and version ids ({@code sasrec}). */
  String kind();

  /**
   * The engine for a job that starts while {@code servedDir} is served (null: no model is), so the service can
   * retrain the kind of model it serves; its {@link #kind} names the versions it writes. The default is this
   * engine whatever is served. Called once per job and for status reports; must not fail (an unreadable directory
   * gets this engine).
   */
  default ModelTrainer forServed(Path servedDir) {
    return this;
  }

  /**
   * Trains a candidate on {@code split.trainAndValidation()} (everything before the holdout's time cut) and writes a
   * model directory that {@code attune serve} can serve ({@code model.json}, {@code weights.atw}, {@code items.txt})
   * to {@code outDir}, which does not exist yet.
   *
   * @param dataset everything the store held when the job started
   * @param split the time-based holdout split of {@code dataset}; the test part must not be trained on
   * @param seed the training seed (the same seed gives the same model on one machine)
   * @param listener receives {@link FitListener#epochEnd} per epoch (the job's progress)
   * @throws Exception when training fails (the job is then {@code failed} with the message)
   */
  void train(Dataset dataset, Split split, Path outDir, long seed, FitListener listener) throws Exception;

  /**
   * Measures a model directory on {@code split}'s test part (full ranking, seen items excluded): metrics by label,
   * at least {@code NDCG@10}. The default serves the directory in pure Java and maps its item ids to the data set's,
   * so a model trained before newer items existed is measured on the same holdout as a fresh candidate ({@link
   * ModelEvaluation}).
   *
   * @throws IOException if the directory cannot be read
   */
  default Map<String, Double> evaluate(Path modelDir, Dataset dataset, Split split) throws IOException {
    return ModelEvaluation.evaluate(modelDir, dataset, split);
  }
}
