package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.SceneBaselines;
import dev.attune.eval.SceneResult;
import dev.attune.events.EventWeights;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import dev.attune.train.SceneBlendGate;
import dev.attune.train.SceneTransfer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code attune train --model scene-transfer --target <scene>} (#5): splits the data set by a cold- or
 * warm-in-scene protocol, trains {@link SceneTransfer} on the training part, scores the held-out target-scene
 * items with the pure-Java {@link SceneTransferModel} (full ranking over the target scene, training items
 * excluded, per group of {@link SceneResult}) and writes the model directory, whose {@code model.json} names the
 * target scene. Training runs once per scene and once more: on the training part, to tune the blend's gate on the
 * validation users' hidden events; for each other scene, on a warm-in-scene split of training + validation to tune
 * that scene's gate ({@link SceneBlendGate#tuneWarm}: the file serves every scene), and for the target too when
 * the protocol's validation users leave buckets of its gate untuned (a cold protocol: their few target events reach
 * none of the warmer buckets, which {@link SceneBlendGate#fillCopiedBuckets} takes from warm users); then on
 * training + validation with those gates. Before it, on the same split, the single-scene
 * baselines ({@link SceneBaselines}) are tuned, trained and tested; the blend's iALS and EASE take the settings the
 * validation users picked for their target-only versions (unless given with --param), as in the benchmark, and
 * the model is compared with the best target-only baseline picked on the validation users.
 */
final class SceneRun {
  /** The {@code --model} name. */
  static final String MODEL = "scene-transfer";
  /** Share of the users active in both scenes whose target-scene events are held out. */
  static final double TEST_USER_SHARE = 0.2;
  /**
   * Share of the users active in both scenes who are validation users: their hidden target-scene events tune the
   * blend's gate ({@link SceneBlendGate}). The test users are the same as without them.
   */
  static final double VALIDATION_USER_SHARE = 0.1;
  /** Share of a warm test user's target-scene events held out. */
  static final double WARM_TEST_FRACTION = 0.2;

  private SceneRun() {}

  /**
   * Runs the command.
   *
   * @param protocol {@code cold-<k>} (the test users keep k target-scene events) or {@code warm}; null = cold-0
   * @param baselines which single-scene baselines to run beside the model, or null for none
   * @throws IllegalArgumentException for a missing or unknown target, an unknown protocol or parameter, a data set
   *     with one scene, or a protocol that leaves no test users
   */
  static int train(Path data, Path out, String target, String protocol, Map<String, Map<String, String>> overrides,
      SceneBaselines.Scope baselines, long seed, int threads, boolean quiet, PrintWriter o, PrintWriter err)
      throws IOException {
    for (String m : overrides.keySet()) {
      if (!m.equals(MODEL)) throw new IllegalArgumentException("--param " + m + ".* does not apply to model " + MODEL);
    }
    Map<String, String> own = overrides.getOrDefault(MODEL, Map.of());
    for (String option : new String[] {"seed", "threads"}) {
      // the command's own options set these for the split and the evaluation too; a --param would be overridden
      if (own.containsKey(option)) {
        throw new IllegalArgumentException("--param " + MODEL + "." + option + " is set by --" + option + "; use that");
      }
    }
    // checked before the data set is read, so a typo fails at once
    SceneTransfer.Params params;
    try {
      params = SceneTransfer.Params.DEFAULTS.with(own).withSeed(seed).with(Map.of("threads", Integer.toString(threads)));
    } catch (IllegalArgumentException e) {
      // the known keys of the model's parameters include the two the command's own options set (refused above)
      throw new IllegalArgumentException(String.valueOf(e.getMessage()).replace(", seed, threads", ""), e);
    }
    Dataset dataset = AttuneCli.readDataset(data, err);
    err.println("loaded " + dataset);
    if (target == null) {
      throw new IllegalArgumentException("--model scene-transfer needs --target <scene>; scenes: "
          + dataset.sceneNames().ids());
    }
    if (dataset.sceneNames().indexOf(target) < 0) {
      List<String> like = dataset.sceneNames().ids().stream().filter(x -> x.equalsIgnoreCase(target)).toList();
      throw new IllegalArgumentException("unknown target scene '" + target + "'" + (like.isEmpty() ? ""
          : " (scenes match case): did you mean '" + String.join("' or '", like) + "'?") + "; scenes: "
          + dataset.sceneNames().ids());
    }
    if (dataset.sceneNames().size() < 2) {
      throw new IllegalArgumentException("--model scene-transfer learns one scene from the others, but "
          + dataset.name() + " has one scene only: " + dataset.sceneNames().ids()
          + "; import events that name their scene (--format douban, or csv/jsonl with --columns ...,scene=<column>)");
    }
    String protocolName = protocol == null ? "cold-0" : protocol.toLowerCase(Locale.ROOT);
    Split split = split(dataset, target, protocolName, seed);
    if (split.test().numUsersWithItems() == 0) {
      // without test users every metric would be NaN: say why instead of writing an untested model
      throw new IllegalArgumentException("no test users for " + split.protocol() + ": the protocol tests a share of"
          + " the users with events in '" + target + "' and another scene and at least "
          + Math.max(Splits.SCENE_MIN_TARGETS, keepOf(protocolName) + 1) + " in '" + target + "'; "
          + dataset.name() + " has too few such users");
    }
    // seen items kept where every scene allows repeats, as evaluate does (per scene where some do: the evaluator)
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, 20).withThreads(threads).withSeed(seed).withComputeAuc(false)
        .withExcludeSeen(!dataset.allScenesAllowRepeats());
    List<SceneBaselines.Baseline> compared = baselines == null ? List.of()
        : SceneBaselines.run(dataset, split, target, AttuneCli.WEIGHTS, baselines, options, seed, threads,
            err::println);
    Map<String, String> picks = blendPicks(compared, own);
    if (!picks.isEmpty()) err.println("the blend's iALS and EASE take the target-only baselines' picks: " + picks);
    SceneTransfer trainer = new SceneTransfer(picks.isEmpty() ? params : params.with(picks));
    err.println("training " + trainer.name() + " on " + split.trainAndValidation().numUsers() + " users, "
        + dataset.numItems() + " items of " + dataset.sceneNames().size() + " scenes (" + split.protocol() + ")");
    long start = System.nanoTime();
    WeightFile weights;
    TrainingHistory history;
    SceneBlendGate.Tuned gate;
    try (Progress progress = new Progress(trainer.name() + " (gate tuning)", quiet, err)) {
      WeightFile tuning = trainer.train(split.tuning().train(), progress);
      gate = SceneBlendGate.tune(tuning, split.tuning(), target, seed, SceneBlendGate.STEPS,
          SceneBlendGate.BOOTSTRAPS);
    }
    Dataset trainable = split.trainingDataset();
    String gateUsers = split.tuning().holdout().numUsersWithItems() + " validation users";
    if (SceneBlendGate.hasCopiedBuckets(gate)) {
      // the protocol's validation users have few target events: the buckets above theirs are tuned on warm users
      SceneBlendGate.WarmTuned warm;
      try (Progress progress = new Progress(trainer.name() + " (gate of " + target + ", warm users)", quiet, err)) {
        warm = SceneBlendGate.tuneWarm(trainer, trainable, AttuneCli.WEIGHTS, target, seed, progress);
      }
      if (warm.gate() != null) {
        gate = SceneBlendGate.fillCopiedBuckets(gate, warm.gate());
        gateUsers += "; the buckets they did not reach: " + warm.users() + " warm users";
      }
    }
    err.println("blend gate (attention/iALS/popularity/neighbours/neighbours in " + target + "/EASE, by " + target
        + " events): " + gate);
    // the other scenes' gates too: the file serves every scene (a request's scene), each with its tuned blend
    Map<String, Object> blendGates = new LinkedHashMap<>();
    blendGates.put(target, gate + " (" + gateUsers + ")");
    Map<String, SceneBlendGate.Tuned> otherGates = new LinkedHashMap<>();
    for (String scene : dataset.sceneNames().ids()) {
      if (scene.equals(target)) continue;
      SceneBlendGate.WarmTuned other;
      try (Progress progress = new Progress(trainer.name() + " (gate of " + scene + ")", quiet, err)) {
        other = SceneBlendGate.tuneWarm(trainer, trainable, AttuneCli.WEIGHTS, scene, seed, progress);
      }
      if (other.gate() != null) otherGates.put(scene, other.gate());
      blendGates.put(scene, other.description());
      err.println("blend gate of " + scene + " (for requests in " + scene + "): " + other.description());
    }
    try (Progress progress = new Progress(trainer.name(), quiet, err)) {
      history = new TrainingHistory(progress);
      weights = trainer.train(split.trainAndValidation(), history);
    }
    SceneBlendGate.apply(weights, target, gate);
    for (Map.Entry<String, SceneBlendGate.Tuned> g : otherGates.entrySet()) {
      SceneBlendGate.apply(weights, g.getKey(), g.getValue());
    }
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    SceneTransferModel served = SceneTransferModel.fromWeights(weights, split.trainAndValidation().interactions(), target);
    SceneResult test = SceneResult.evaluate(served, split, target, options);

    Map<String, Object> info = TrainCommand.runInfo(trainer.name(), dataset, split, seed, threads, trainer.params());
    TrainCommand.noteExportOf(info, data, dataset);
    info.put("target", target);
    info.put("blendGates", blendGates);
    info.put("scenes", dataset.sceneNames().ids());
    info.put("trainSeconds", Math.round(trainSeconds * 10) / 10.0);
    Map<String, Object> groups = new LinkedHashMap<>();
    for (Map.Entry<String, EvalResult> g : test.groups().entrySet()) groups.put(g.getKey(), g.getValue().toMap());
    info.put("test", groups);
    if (!compared.isEmpty()) info.put("baselines", baselineInfo(compared, test));
    info.put("history", history.toList());
    info.put("created", Instant.now().toString());
    ModelDirectory.write(out, weights, dataset.itemIds().ids(), info);

    for (Map.Entry<String, EvalResult> g : test.groups().entrySet()) {
      EvalResult r = g.getValue();
      o.printf(Locale.ROOT, "%s -> %s, %s (%d users): HR@10 %.4f  NDCG@10 %.4f  HR@20 %.4f  NDCG@20 %.4f%n",
          trainer.name(), target, g.getKey(), r.numUsers(), r.mean("HR@10"), r.mean("NDCG@10"), r.mean("HR@20"),
          r.mean("NDCG@20"));
    }
    for (SceneBaselines.Baseline b : compared) {
      o.printf(Locale.ROOT, "%s -> %s, all (%d users): HR@10 %.4f  NDCG@10 %.4f  (validation NDCG@10 %s%s)%n",
          b.label(), target, b.result().users(SceneResult.ALL), b.result().mean(SceneResult.ALL, "HR@10"),
          b.testNdcg10(), Double.isNaN(b.validationNdcg10()) ? "n/a: no validation user"
              : String.format(Locale.ROOT, "%.4f", b.validationNdcg10()),
          b.params().isEmpty() ? "" : ", " + b.params());
    }
    SceneBaselines.Baseline best = SceneBaselines.bestTargetOnly(compared);
    if (best == null && !compared.isEmpty()) {
      o.println("no validation user to pick the best single-scene model by: the data set has too few users in both"
          + " scenes for a validation share");
    }
    if (best != null) {
      o.printf(Locale.ROOT, "best single-scene model by validation: %s, test NDCG@10 %.4f; scene-transfer %.4f"
          + " (%+.1f%%)%n", best.label(), best.testNdcg10(), test.mean(SceneResult.ALL, "NDCG@10"),
          100 * (test.mean(SceneResult.ALL, "NDCG@10") / best.testNdcg10() - 1));
    }
    o.printf(Locale.ROOT, "trained %.1f s on %s (%s, full ranking over %s items%s)%n", trainSeconds,
        dataset.name(), split.protocol(), target, EvaluateCommand.seenRule(dataset, !dataset.allScenesAllowRepeats()));
    o.println("wrote " + out);
    return 0;
  }

  /**
   * The {@code --baselines} value: {@code target-only}, {@code all}, or {@code none} (null).
   *
   * @throws IllegalArgumentException for another value
   */
  static SceneBaselines.Scope baselineScope(String value) {
    return switch (value == null ? "target-only" : value.toLowerCase(Locale.ROOT)) {
      case "target-only" -> SceneBaselines.Scope.TARGET_ONLY;
      case "all" -> SceneBaselines.Scope.ALL;
      case "none" -> null;
      default -> throw new IllegalArgumentException("unknown --baselines '" + value + "'; use target-only, all or none");
    };
  }

  /**
   * The blend's iALS and EASE settings from the target-only baselines the validation users tuned (what the
   * benchmark does), for each setting the user did not give with --param.
   */
  private static Map<String, String> blendPicks(List<SceneBaselines.Baseline> baselines, Map<String, String> given) {
    Map<String, String> picks = new LinkedHashMap<>();
    for (SceneBaselines.Baseline b : baselines) {
      // a tie picked nothing: the blend keeps its own defaults rather than the grid's first point
      if (b.merged() || b.tied()) continue;
      if (b.model().equals("als")) {
        if (!given.containsKey("cfFactors")) picks.put("cfFactors", b.params().get("factors"));
        if (!given.containsKey("cfRegularization")) picks.put("cfRegularization", b.params().get("regularization"));
      } else if (b.model().equals("ease") && !given.containsKey("easeRegularization")) {
        picks.put("easeRegularization", b.params().get("regularization"));
      }
    }
    return picks;
  }

  /** model.json's baselines: each one's picked settings and test metrics per group, and the comparison. */
  private static List<Map<String, Object>> baselineInfo(List<SceneBaselines.Baseline> baselines, SceneResult model) {
    SceneBaselines.Baseline best = SceneBaselines.bestTargetOnly(baselines);
    List<Map<String, Object>> out = new ArrayList<>();
    for (SceneBaselines.Baseline b : baselines) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", b.label());
      m.put("params", b.params());
      if (b.tied()) m.put("tied", true); // every grid point scored the same: params is the first, not a pick
      m.put("validationNdcg10", Double.isFinite(b.validationNdcg10()) ? b.validationNdcg10() : null);
      m.put("bestSingleScene", b == best);
      if (b == best) m.put("sceneTransferChange", model.mean(SceneResult.ALL, "NDCG@10") / b.testNdcg10() - 1);
      Map<String, Object> groups = new LinkedHashMap<>();
      for (Map.Entry<String, EvalResult> g : b.result().groups().entrySet()) groups.put(g.getKey(), g.getValue().toMap());
      m.put("test", groups);
      out.add(m);
    }
    return out;
  }

  /**
   * The split of a protocol name: {@code cold-<k>} or {@code warm}, test users {@link #TEST_USER_SHARE}.
   *
   * @throws IllegalArgumentException for another name
   */
  static Split split(Dataset dataset, String target, String protocol, long seed) {
    EventWeights weights = AttuneCli.WEIGHTS;
    if (protocol.equals("warm")) {
      return Splits.warmInScene(dataset, weights, target, WARM_TEST_FRACTION, TEST_USER_SHARE, VALIDATION_USER_SHARE,
          seed);
    }
    if (protocol.startsWith("cold-")) {
      return Splits.coldInScene(dataset, weights, target, keepOf(protocol), TEST_USER_SHARE, VALIDATION_USER_SHARE,
          seed);
    }
    throw new IllegalArgumentException("unknown protocol '" + protocol + "' for scene-transfer; use cold-<k> (test"
        + " users keep k target-scene events: cold-0, cold-1, cold-3 are the benchmark's) or warm");
  }

  /**
   * The k of a protocol name {@code cold-<k>}; 0 for another name.
   *
   * @throws IllegalArgumentException if k is not a number
   */
  private static int keepOf(String protocol) {
    if (!protocol.startsWith("cold-")) return 0;
    try {
      return Integer.parseInt(protocol.substring(5));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("protocol cold-<k> needs a number k: " + protocol, e);
    }
  }

  /** The protocol name of a model directory's recorded protocol, or null. */
  static String protocolOf(ModelDirectory dir) {
    Object p = dir.info().get("protocol");
    if (p == null) return null;
    String s = p.toString();
    if (s.startsWith("warm-in-scene")) return "warm";
    int at = s.indexOf("keep=");
    return s.startsWith("cold-in-scene") && at >= 0 ? "cold-" + s.substring(at + 5, s.indexOf(',', at)) : null;
  }
}
