package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.server.ModelTrainer;
import dev.attune.train.SceneBlendGate;
import dev.attune.train.SceneTransfer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's engine for a served transfer model (#5, #7): retrains {@code scene-transfer} on the store with the
 * settings the served model recorded in its {@code model.json} (its {@code params} and {@code target}), so
 * retraining keeps the model the operator chose instead of replacing it by SASRec.
 *
 * <p>A job: for every scene of the store, {@link SceneBlendGate#tuneWarm} tunes that scene's gate on a warm split
 * of the events before the holdout ({@link Split#trainingDataset}; one training run each); then the network trains
 * on everything before the holdout and every tuned gate is written into it. So each scene is served with its own
 * tuned blend. A scene with too few such users keeps the attention score alone, which {@code model.json}'s {@code
 * blendGates} says.
 *
 * <p>Cost: one training run per scene plus one, and a gate search per scene; on Douban book + music (12 epochs, one
 * engine thread) 160 s in all, 40 s per run and 16-23 s per search (docs/benchmarks.md).
 */
final class SceneTransferTrainer implements ModelTrainer {
  private final SceneTransfer.Params params;
  private final String target;
  private final String settingsNote;

  /**
   * @param params the network's settings (the seed and threads are replaced by the job's)
   * @param target the scene answered when a request names none (the served model's)
   * @param settingsNote why the settings are not the served model's, or null
   */
  SceneTransferTrainer(SceneTransfer.Params params, String target, String settingsNote) {
    this.params = params;
    this.target = target;
    this.settingsNote = settingsNote;
  }

  /**
   * The engine for a served transfer model's {@code model.json}: its recorded settings (its threads replaced by
   * {@code threads}); the defaults, with a note, when they cannot be read (a file from another version).
   */
  static SceneTransferTrainer of(Map<String, Object> info, int threads) {
    Map<String, String> recorded = new LinkedHashMap<>();
    if (info.get("params") instanceof Map<?, ?> p) {
      for (Map.Entry<?, ?> e : p.entrySet()) {
        if (e.getValue() != null) recorded.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
      }
    }
    recorded.remove("seed"); // the job's seed
    recorded.put("threads", Integer.toString(threads));
    SceneTransfer.Params params;
    String note = null;
    try {
      params = SceneTransfer.Params.DEFAULTS.with(recorded);
    } catch (IllegalArgumentException e) {
      params = SceneTransfer.Params.DEFAULTS.with(Map.of("threads", Integer.toString(threads)));
      note = "the served model's settings could not be read (" + e.getMessage() + "); trained with the defaults";
    }
    Object target = info.get("target");
    return new SceneTransferTrainer(params, target == null ? null : target.toString(), note);
  }

  @Override
  public String kind() {
    return SceneTransfer.MODEL_KIND;
  }

  @Override
  public void train(Dataset dataset, Split split, Path outDir, long seed, FitListener listener) throws Exception {
    List<String> scenes = dataset.sceneNames().ids();
    if (scenes.size() < 2) {
      throw new IllegalStateException("the served model is scene-transfer, which learns one scene from the others,"
          + " but the store's events name one scene only: " + scenes);
    }
    String defaultTarget = target != null && scenes.contains(target) ? target : scenes.get(0);
    SceneTransfer trainer = new SceneTransfer(params.withSeed(seed));
    long start = System.nanoTime();
    Dataset beforeHoldout = split.trainingDataset();
    Map<String, SceneBlendGate.Tuned> gates = new LinkedHashMap<>();
    Map<String, Object> gateInfo = new LinkedHashMap<>();
    for (int s = 0; s < scenes.size(); s++) {
      String scene = scenes.get(s);
      SceneBlendGate.WarmTuned g = SceneBlendGate.tuneWarm(trainer, beforeHoldout, ModelTrainer.WEIGHTS, scene, seed,
          FitListener.progressOnly(listener, "gate of " + scene + " (" + (s + 1) + "/" + scenes.size() + "): "));
      if (g.gate() != null) gates.put(scene, g.gate());
      gateInfo.put(scene, g.description());
    }
    TrainingHistory history = new TrainingHistory(listener);
    WeightFile weights = trainer.train(split.trainAndValidation(), history);
    for (Map.Entry<String, SceneBlendGate.Tuned> g : gates.entrySet()) {
      SceneBlendGate.apply(weights, g.getKey(), g.getValue());
    }
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", trainer.name());
    info.put("dataset", dataset.name());
    info.put("seed", seed);
    info.put("params", TrainCommand.flatten(trainer.params()));
    if (settingsNote != null) info.put("note", settingsNote);
    info.put("target", defaultTarget);
    info.put("scenes", scenes);
    info.put("blendGates", gateInfo);
    info.put("trainSeconds", Math.round(trainSeconds * 10) / 10.0);
    info.put("history", history.toList());
    info.put("created", Instant.now().toString());
    ModelDirectory.write(outDir, weights, dataset.itemIds().ids(), info);
  }

  /** A directory's model.json, or null when it cannot be read. */
  static Map<String, Object> infoOrNull(Path dir) {
    try {
      return ModelDirectory.readInfo(dir);
    } catch (Exception e) {
      return null;
    }
  }
}
