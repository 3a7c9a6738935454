package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.infer.FileLockHold;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.ModelParams;
import dev.attune.model.Recommender;
import dev.attune.model.cf.Popularity;
import dev.attune.train.AttentionModels;
import dev.attune.train.CtrTraining;
import dev.attune.train.SequenceTraining;
import dev.attune.train.WeightTrainer;
import java.io.PrintWriter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attune train}: trains an attention model on a data set and writes a model directory. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
        "Train a model on a data set (the neural ones with DJL on the CPU) and write its model directory.",
        "The data set is split by --protocol; the model trains on the tuning part, stops early on the validation"
            + " NDCG@10 (the CTR models on validation GAUC, two-stage on its validation loss), and is then tested on the"
            + " held-out part (full ranking over every item; the CTR models: AUC, GAUC and log-loss of the held-out"
            + " impressions, each user's last 20%% of events, whatever --protocol says). Checkpoints after every epoch"
            + " go to <out>/checkpoints; --resume continues an interrupted run."})
final class TrainCommand implements Callable<Integer> {
  /** Where an attention model's per-epoch checkpoints go, under {@code --out}; {@code --resume} reads them. */
  private static final String CHECKPOINTS = "checkpoints";

  /**
   * With --force (not --resume): a run that replaces a model starts afresh, and no later --resume picks up its
   * checkpoints.
   */
  private void dropReplacedCheckpoints() throws java.io.IOException {
    if (!force || resume) return;
    for (String folder : List.of(CHECKPOINTS, CHECKPOINTS + "-refit")) deleteTree(out.resolve(folder));
  }

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model to train: sasrec, bert4rec, gru-attn (next-item), two-stage (retrievers re-ranked by a learned fusion ranker; 'attune serve' serves it), the CTR ranking models fm, ncf, din, afm, shan, or scene-transfer (cross-scene, needs --target).")
  String model;

  @Option(names = "--data", required = true, description = "Data set directory (from 'attune import' or 'attune generate').")
  Path data;

  @Option(names = "--out", required = true, description = "Model directory to write.")
  Path out;

  @Option(names = "--protocol", description = "Split as in 'attune evaluate' (default: given when the data set has one, else loo; random:0.2 for data without any order). For scene-transfer: cold-0, cold-1, cold-3 or warm (default cold-0; see --target). Not for the CTR models, which hold out each user's last 20%% of events.")
  String protocol;

  @Option(names = "--param", description = "Hyper-parameter, e.g. --param sasrec.loss=full-ce --param sasrec.epochs=50 --param sasrec.maxLength=200.")
  List<String> params = new ArrayList<>();

  @Option(names = "--seed", defaultValue = "42", description = "Seed for the split and training (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", defaultValue = "0", description = "Training and evaluation threads; 0 (default) = all processors for sasrec, bert4rec, gru-attn and two-stage, one engine thread for scene-transfer and the CTR models (what their benchmarks ran with).")
  int threads;

  @Option(names = "--resume", description = "sasrec, bert4rec, gru-attn: continue from the checkpoint in <out>/checkpoints when there is one.")
  boolean resume;

  @Option(names = "--no-validation", description = "sasrec, bert4rec, gru-attn: train the fixed number of epochs on training + validation data, without early stopping.")
  boolean noValidation;

  @Option(names = "--refit", description = "sasrec, bert4rec, gru-attn: after early stopping, train a fresh model on training + validation data (what the classic models in 'evaluate' train on) for the best number of epochs, and keep that one.")
  boolean refit;

  @Option(names = "--sampled-negatives", defaultValue = "0", description = "sasrec, bert4rec, gru-attn: also report test HR/NDCG among N sampled negatives, labelled as sampled (0 = off).")
  int sampledNegatives;

  @Option(names = {"-q", "--quiet"}, description = "No progress bars; one line per epoch.")
  boolean quiet;

  @Option(names = "--baselines", description = "scene-transfer: the single-scene baselines tuned, trained and tested in the same run: target-only (pop, iALS, ItemKNN, UserKNN, EASE on the target scene alone; default), all (also on every scene merged; minutes more) or none.")
  String baselines;

  @Option(names = "--force", description = "Replace the model already in --out (without it, an --out that holds a model.json is refused).")
  boolean force;

  @Option(names = "--target", description = "scene-transfer: the scene to recommend in (the model learns from every scene); protocols cold-<k> (the test users keep k events of that scene: cold-0 (default), cold-1, cold-3) or warm (they keep 80%%).")
  String target;

  @Option(names = "--positive-min", defaultValue = "4", description = "CTR models: an event is a positive impression when its value is at least this (default: ${DEFAULT-VALUE}, ratings 4-5).")
  float positiveMin;

  @Option(names = "--user-fields", split = ",", description = "CTR models: user attributes used as features (default: every attribute but zip).")
  List<String> userFields;

  /**
   * Fails before any data is read when {@code --out} cannot hold a model (a file, a read-only folder) or holds a data
   * set (the one trained on, or another): otherwise this is found only after training, and the training is lost.
   */
  private void requireUsableOut() {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " is a file; a model is written into a folder");
    }
    if (Files.isDirectory(data) && out.toAbsolutePath().normalize().equals(data.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("--out is the data set's own folder " + data + "; choose another");
    }
    if (Files.exists(out.resolve(dev.attune.data.DatasetIo.MANIFEST))) {
      // the model's files among another data set's: that folder could no longer be imported into (it holds a model)
      throw new IllegalArgumentException("--out " + out + " holds a data set (" + dev.attune.data.DatasetIo.MANIFEST
          + "); write the model into another folder");
    }
    AttuneCli.requireWritableFolder(out, "--out");
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.isDirectory(dir)) return;
    try (var all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean attention = AttentionModels.knows(model);
    boolean ctr = dev.attune.train.CtrModels.knows(model);
    if (!attention && !ctr && !model.equalsIgnoreCase(PipelineRun.MODEL) && !model.equalsIgnoreCase(SceneRun.MODEL)) {
      throw new IllegalArgumentException("unknown model '" + model + "'; trainable here: " + AttentionModels.NAMES
          + ", " + PipelineRun.MODEL + ", " + SceneRun.MODEL + " and the CTR rankers "
          + dev.attune.train.CtrModels.NAMES
          + " (classic models train inside 'attune evaluate')");
    }
    // checked before any data is read: found after training, the training was lost; ignored, the run was not the
    // one asked for (a CTR model "refitted" on nothing)
    if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0 (0 = the default): " + threads);
    if (sampledNegatives < 0) {
      throw new IllegalArgumentException("--sampled-negatives must be >= 0 (0 = off): " + sampledNegatives);
    }
    var given = spec.commandLine().getParseResult();
    for (String option : List.of("--refit", "--no-validation", "--sampled-negatives")) {
      if (!attention && given.hasMatchedOption(option)) {
        throw new IllegalArgumentException(option + " applies to " + AttentionModels.NAMES + " only, not " + model);
      }
    }
    for (String option : List.of("--positive-min", "--user-fields")) {
      if (!ctr && given.hasMatchedOption(option)) {
        throw new IllegalArgumentException(option + " applies to the CTR models " + dev.attune.train.CtrModels.NAMES
            + " only, not " + model);
      }
    }
    if ((target != null || baselines != null) && !model.equalsIgnoreCase(SceneRun.MODEL)) {
      throw new IllegalArgumentException((target != null ? "--target" : "--baselines") + " applies to --model "
          + SceneRun.MODEL + " only, not " + model);
    }
    if (resume && !attention) {
      throw new IllegalArgumentException("--resume applies to " + AttentionModels.NAMES + " only, not " + model);
    }
    if (resume && force) {
      throw new IllegalArgumentException("--resume continues the model in --out and --force replaces it: pass one");
    }
    if (out.toString().isBlank()) {
      // an unset variable in a script ("--out $OUT"): the current folder would take the model's files
      throw new IllegalArgumentException("--out is empty: give the folder to write the model into");
    }
    try (OutClaim claim = OutClaim.take(out)) {
      return trainInto(o, err, attention);
    }
  }

  /**
   * This run's claim on {@code --out}: a lock on {@code <out>/.train.lock}, so that a second run given the same
   * folder (by any path to it) is refused before it reads, deletes or writes anything there (two runs side by side
   * could leave one run's weights under the other's model.json). The lock file goes when the run ends, and so do the
   * folders this claim had to create when the run wrote nothing into them. A stop that kills the process leaves the
   * file, unlocked: the next run takes it over.
   */
  private record OutClaim(FileLockHold lock, Path createdFrom) implements AutoCloseable {
    static final String LOCK_FILE = ".train.lock";

    static OutClaim take(Path out) {
      Path folder = out.toAbsolutePath().normalize();
      // a file in the way is refused with its own message (requireUsableOut)
      if (Files.exists(folder) && !Files.isDirectory(folder)) return new OutClaim(null, null);
      Path existing = folder;
      while (existing != null && !Files.exists(existing)) existing = existing.getParent();
      Path createdFrom = null;
      FileLockHold lock;
      try {
        if (existing != folder) {
          Files.createDirectories(folder);
          createdFrom = folder;
          while (!createdFrom.getParent().equals(existing)) createdFrom = createdFrom.getParent();
        }
        lock = FileLockHold.tryTake(folder.resolve(LOCK_FILE));
      } catch (java.io.IOException e) {
        removeCreated(createdFrom);
        throw new IllegalArgumentException("cannot write into --out " + out + ": " + AttuneCli.whyNotCreated(out, e),
            e);
      }
      if (lock == null) {
        throw new IllegalArgumentException("another 'attune train' is writing into --out " + out + "; wait for it to"
            + " end, or choose another --out");
      }
      return new OutClaim(lock, createdFrom);
    }

    /** The folders {@link #take} created, from {@code top} down, where they hold nothing (the run wrote nothing). */
    private static void removeCreated(Path top) {
      if (top == null) return;
      try (var all = Files.walk(top)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          if (!Files.isDirectory(p)) return; // a file below: the run wrote something
          Files.delete(p);
        }
      } catch (java.io.IOException e) {
        // left in place: empty folders are no loss
      }
    }

    /** Deletes the lock file while still holding it (only its holder deletes it), then the folders made for it. */
    @Override
    public void close() throws java.io.IOException {
      if (lock == null) return;
      try {
        lock.deleteAndClose();
      } finally {
        removeCreated(createdFrom);
      }
    }
  }

  private int trainInto(PrintWriter o, PrintWriter err, boolean attention) throws Exception {
    if (ModelDirectory.holdsModel(out) && !force && !(resume && Files.isDirectory(out.resolve(CHECKPOINTS)))) {
      // a finished model took minutes to hours to train: replacing it takes an explicit choice
      boolean resumable = AttentionModels.NAMES.contains(model.toLowerCase(Locale.ROOT));
      throw new IllegalArgumentException(out + " already holds a trained model" + (resume
          ? " and no checkpoint to resume from; choose another --out, or pass --force instead of --resume to replace it"
          : "; choose another --out, or pass --force to replace it"
              + (resumable ? " (or --resume to continue from its checkpoint)" : "")));
    }
    if (attention && !resume && !force && (SequenceTraining.hasCheckpoint(out.resolve(CHECKPOINTS))
        || SequenceTraining.hasCheckpoint(out.resolve(CHECKPOINTS + "-refit")))) {
      // an interrupted run's epochs, maybe hours of them: starting afresh over them takes an explicit choice
      throw new IllegalArgumentException(out + " holds the checkpoint of an interrupted run: pass --resume to continue"
          + " it, or --force to train afresh (its checkpoint is then deleted)");
    }
    requireUsableOut();
    // an attention model's are deleted once its data set and settings are read (dropReplacedCheckpoints): a
    // mistyped --data or --param must not cost a run's checkpoints (a review)
    if (!attention) dropReplacedCheckpoints();
    long startMillis = System.currentTimeMillis();
    // Ctrl-C or a stop ends the run at its next step (or the JVM, if none comes): the hook says then what is kept
    // and how to go on
    onStop = attention ? this::attentionStopNotice
        : () -> "attune: stopped before the model was written; nothing was written to " + out + ": run the command"
            + " again (" + model.toLowerCase(Locale.ROOT) + " keeps no checkpoint to continue from)";
    try {
      return AttuneCli.stoppingBetweenSteps("attune-train-stopped", () -> {
        Supplier<String> notice = onStop;
        if (notice == null || written(startMillis)) return;
        System.err.println(); // off the line a progress bar may hold
        System.err.println(notice.get());
      }, () -> train(o, err, attention));
    } finally {
      // a run a stop ended still has its notice said: the hook says it once this run has left the engine
      if (!AttuneCli.stopRequested()) onStop = null;
    }
  }

  /**
   * What a stop of an attention model's run says: where its checkpoint is, from the first epoch on (one an interrupted
   * run left counts too, while the data loads), else that nothing was written.
   */
  private String attentionStopNotice() {
    return SequenceTraining.hasCheckpoint(out.resolve(CHECKPOINTS))
        ? "attune: stopped; the checkpoint of the last finished epoch is in " + out.resolve(CHECKPOINTS) + ": run the"
            + " same command with --resume" + (force ? " in place of --force" : "") + " to continue from it"
        : "attune: stopped before the first epoch ended; nothing was written to " + out;
  }

  /** What Ctrl-C or a stop says during the training (what is kept and how to go on); null when nothing. */
  private volatile Supplier<String> onStop;

  /** Whether this run has written its model into {@code --out} (it started at {@code startMillis}). */
  private boolean written(long startMillis) {
    try {
      Path info = out.resolve("model.json");
      return Files.exists(info) && Files.getLastModifiedTime(info).toMillis() >= startMillis;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * The epoch the run in {@code --out} ended after, if it holds the model of a run that has ended with this run's
   * settings: its checkpoint trained every epoch (or stopped early), the model was written after it, with the same
   * {@code --refit} choice, and on the same data, split, seed and hyper-parameters ({@code model.json}'s record of
   * them); else empty (another of these is a run the checkpoint does not belong to, which the resume itself refuses
   * with its reason).
   */
  private java.util.OptionalInt finishedRun(WeightTrainer trainer, Dataset dataset, Split split, int threads)
      throws java.io.IOException {
    Path checkpoints = out.resolve(CHECKPOINTS);
    Path info = out.resolve("model.json");
    java.util.OptionalInt none = java.util.OptionalInt.empty();
    java.util.OptionalInt ended = ModelDirectory.holdsModel(out)
        ? SequenceTraining.endedAtEpoch(checkpoints, trainer.options()) : none;
    if (ended.isEmpty()) return none;
    long written = Files.getLastModifiedTime(info).toMillis();
    for (Path dir : List.of(checkpoints, out.resolve(CHECKPOINTS + "-refit"))) {
      Path file = SequenceTraining.checkpointFile(dir);
      if (Files.exists(file) && Files.getLastModifiedTime(file).toMillis() > written) return none;
    }
    Map<String, Object> stored = ModelDirectory.readInfo(out);
    if (!Boolean.valueOf(refit).equals(stored.get("refit"))) return none;
    Map<String, Object> now = runInfo(trainer.name(), dataset, split, seed, threads, trainer.params());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    // numbers by their text: a float setting read back from model.json is a double of the same digits
    java.util.Comparator<com.fasterxml.jackson.databind.JsonNode> sameValue = (a, b) -> a.equals(b)
        || a.isNumber() && b.isNumber() && a.asText().equals(b.asText()) ? 0 : 1;
    for (String key : List.of("dataset", "users", "items", "events", "protocol", "seed", "params")) {
      com.fasterxml.jackson.databind.JsonNode given = json.valueToTree(now.get(key));
      if (!given.equals(sameValue, json.valueToTree(stored.get(key)))) return none;
    }
    return ended;
  }

  /** The training itself, once the options are checked: the branch for the model's kind. */
  private int train(PrintWriter o, PrintWriter err, boolean attention) throws Exception {
    if (dev.attune.train.CtrModels.knows(model)) return trainCtr(o, err);
    if (model.equalsIgnoreCase(PipelineRun.MODEL)) {
      Map<String, Map<String, String>> overrides = ModelParams.parse(params);
      for (String m : overrides.keySet()) {
        if (!m.equals(PipelineRun.MODEL)) {
          throw new IllegalArgumentException("--param " + m + ".* does not apply to model " + PipelineRun.MODEL);
        }
      }
      return PipelineRun.train(data, out, protocol, overrides.getOrDefault(PipelineRun.MODEL, Map.of()), seed,
          threads == 0 ? Runtime.getRuntime().availableProcessors() : threads, quiet, o, err);
    }
    if (model.equalsIgnoreCase(SceneRun.MODEL)) {
      return SceneRun.train(data, out, target, protocol, ModelParams.parse(params), SceneRun.baselineScope(baselines),
          seed, threads == 0 ? 1 : threads, quiet, o, err);
    }
    if (refit && noValidation) {
      throw new IllegalArgumentException("--refit takes its epoch count from validation; drop --no-validation");
    }
    String name = model.toLowerCase(Locale.ROOT);
    Map<String, Map<String, String>> overrides = ModelParams.parse(params);
    for (String m : overrides.keySet()) {
      if (!m.equals(name)) throw new IllegalArgumentException("--param " + m + ".* does not apply to model " + name);
    }
    int threadCount = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    WeightTrainer trainer = AttentionModels.create(name, overrides.get(name), seed, threadCount);
    Dataset dataset = AttuneCli.readDataset(data, err);
    err.println("loaded " + dataset);
    EvaluateCommand.requireSampledBelowCatalogue(sampledNegatives, dataset);
    if (dataset.timeKind() == Dataset.TimeKind.NONE) {
      // a sequence model reads each history in the order the source file happened to list it
      err.println("attune: note: " + dataset.name() + " has no event order (neither times nor sequences): "
          + trainer.name() + " learns from each user's events in file order");
    }
    Split split = EvaluateCommand.split(dataset, protocol, seed);
    EvaluateCommand.noteGivenTestLeftOut(dataset, split, err);
    java.util.OptionalInt endedAt = resume ? finishedRun(trainer, dataset, split, threadCount)
        : java.util.OptionalInt.empty();
    if (endedAt.isPresent()) {
      // resumed, it would train no epoch and write the same model again after replaying the run's epoch lines
      int epoch = endedAt.getAsInt();
      err.println("attune: nothing to resume: the run in " + out + " ended and wrote its model, which is left as it"
          + " is; " + (epoch < trainer.options().epochs()
              ? "early stopping ended it after epoch " + epoch + " (patience used up): raise --param " + name
                  + ".patience to train on, or pass --force instead of --resume to train afresh"
              : "it trained the " + epoch + " epochs asked for: ask for more (--param " + name + ".epochs=<n>) to"
                  + " train it further, or pass --force instead of --resume to train afresh"));
      return 0;
    }
    EvaluateCommand.noteHeldOutChoice(split, err);
    EvaluateCommand.noteFewTestUsers(split.test().numUsersWithItems(), err);
    Split.Stage tuning = split.tuning();
    if (!noValidation && tuning.holdout().numUsersWithItems() == 0) {
      // early stopping would compare scores of nothing (NaN) and stop after 'patience' checks at the last weights
      if (refit) {
        throw new IllegalArgumentException("--refit takes its epoch count from validation, and " + split.protocol()
            + " has no validation part: drop --refit");
      }
      err.println("attune: note: " + split.protocol() + " has no validation part: training the fixed "
          + trainer.options().epochs() + " epochs without early stopping");
      noValidation = true;
    }
    var trainSet = noValidation ? split.trainAndValidation() : tuning.train();
    dropReplacedCheckpoints();
    SequenceTraining.Run run = new SequenceTraining.Run(noValidation ? null : tuning, out.resolve(CHECKPOINTS), resume);
    err.println("training " + trainer.name() + " on " + trainSet.numUsers() + " users, " + trainSet.numItems()
        + " items (" + EvaluateCommand.readableProtocol(split.protocol())
        + (noValidation ? ", no validation" : ", early stopping on validation NDCG@10") + ")");
    // every setting, the defaults too: the epochs a run may take should not be found only in model.json afterwards
    err.println("settings: " + AttentionModels.settings(name, overrides.getOrDefault(name, Map.of())).entrySet()
        .stream().map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(", "))
        + " (change one with --param " + name + ".<key>=<value>)");
    if (resume) {
      // said before the epochs: a mistyped --out would otherwise train from scratch, and say so only hours later
      err.println(SequenceTraining.hasCheckpoint(out.resolve(CHECKPOINTS))
          ? "resuming from the checkpoint in " + out.resolve(CHECKPOINTS)
          : "no checkpoint in " + out.resolve(CHECKPOINTS) + ": training afresh");
    }
    long start = System.nanoTime();
    WeightFile weights;
    TrainingHistory history;
    try (Progress progress = new Progress(trainer.name(), quiet, err)) {
      history = new TrainingHistory(progress);
      weights = trainer.train(trainSet, run, history);
    }
    if (resume && history.resumedAfter() >= 0) {
      err.println("resumed from the checkpoint after epoch " + history.resumedAfter());
    }
    TrainingHistory refitHistory = null;
    String validationNdcg = weights.propertyOr("validationNdcg10", null);
    String bestEpoch = weights.propertyOr("epoch", null);
    if (refit && bestEpoch != null) {
      Map<String, String> refitParams = new LinkedHashMap<>(overrides.getOrDefault(name, Map.of()));
      refitParams.put("epochs", bestEpoch);
      WeightTrainer again = AttentionModels.create(name, refitParams, seed, threadCount);
      err.println("refitting on training + validation data for " + bestEpoch + " epochs");
      try (Progress progress = new Progress(trainer.name() + " refit", quiet, err)) {
        refitHistory = new TrainingHistory(progress);
        weights = again.train(split.trainAndValidation(),
            new SequenceTraining.Run(null, out.resolve("checkpoints-refit"), resume), refitHistory);
      }
    }
    // with --resume, the interrupted runs' training time too
    double trainSeconds = (System.nanoTime() - start) / 1e9 + history.secondsBefore()
        + (refitHistory == null ? 0 : refitHistory.secondsBefore());

    boolean excludeSeen = !dataset.allScenesAllowRepeats();
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, 20).withExcludeSeen(excludeSeen).withThreads(threadCount)
        .withSeed(seed).withSampledNegatives(sampledNegatives).withComputeAuc(false);
    Recommender served = SequentialModels.fromWeights(weights, split.trainAndValidation());
    EvalResult test;
    try (Progress progress = new Progress(trainer.name(), quiet, err)) {
      test = new Evaluator().evaluate(served, split, options, quiet ? Evaluator.Progress.NONE : progress)
          .withTrainSeconds(trainSeconds);
    }

    // the floor a learnt model should clear, on the same split and protocol
    EvalResult popularity = new Evaluator().evaluate(new Popularity(Popularity.Params.DEFAULTS).fit(
        split.testing().train(), FitListener.NONE), split, options.withSampledNegatives(0), Evaluator.Progress.NONE);

    Map<String, Object> info = runInfo(trainer.name(), dataset, split, seed, threadCount, trainer.params());
    noteExportOf(info, data, dataset);
    info.put("bestEpoch", bestEpoch == null ? null : Integer.valueOf(bestEpoch));
    info.put("validationNdcg10", validationNdcg == null ? null : Double.valueOf(validationNdcg));
    info.put("refit", refit && bestEpoch != null);
    info.put("trainSeconds", Math.round(trainSeconds * 10) / 10.0);
    info.put("stateSize", SequenceTraining.stateSize(weights).toString());
    info.put("test", test.toMap());
    info.put("popularityTest", Map.of("HR@10", popularity.mean("HR@10"), "NDCG@10", popularity.mean("NDCG@10")));
    info.put("history", history.toList());
    if (refitHistory != null) info.put("refitHistory", refitHistory.toList());
    // rows the weights hold but never learnt: a server treats those items as ones the model does not know
    info.put(ModelDirectory.UNTRAINED_ITEMS_KEY,
        ModelDirectory.untrainedItems(refitHistory != null ? split.trainAndValidation() : trainSet));
    info.put("created", Instant.now().toString());
    ModelDirectory.write(out, weights, dataset.itemIds().ids(), info);

    o.printf("%s on %s (%s, full ranking%s): HR@10 %.4f  NDCG@10 %.4f  HR@20 %.4f  NDCG@20 %.4f  MRR@%d %.4f%n",
        trainer.name(), dataset.name(), EvaluateCommand.readableProtocol(split.protocol()),
        EvaluateCommand.seenRule(dataset, excludeSeen),
        test.mean("HR@10"), test.mean("NDCG@10"), test.mean("HR@20"), test.mean("NDCG@20"), options.maxK(), test.mean("MRR"));
    for (var m : test.metrics()) {
      if (m.sampledNegatives() > 0) o.printf("  %s %.4f%n", m.label(), test.mean(m));
    }
    EvaluateCommand.noteFewerNegatives(test, sampledNegatives, spec.commandLine().getErr());
    o.printf("popularity on the same split: HR@10 %.4f  NDCG@10 %.4f%n", popularity.mean("HR@10"),
        popularity.mean("NDCG@10"));
    // nothing to beat when popularity is already perfect (a QA run's tiny set: both 1.0000)
    if (!(test.mean("NDCG@10") > popularity.mean("NDCG@10")) && !(popularity.mean("NDCG@10") >= 1)) {
      // settings that wrecked training (a learning rate far too high) leave every loss finite and the run looking
      // done: this is where it shows
      err.printf("attune: warning: %s does not beat popularity on this split (NDCG@10 %.4f against %.4f): check its"
          + " settings (learningRate, epochs) before serving it%n", trainer.name(), test.mean("NDCG@10"),
          popularity.mean("NDCG@10"));
    }
    o.printf("trained %.1f s (best epoch: %s, validation NDCG@10: %s%s); state %s%n", trainSeconds,
        bestEpoch == null ? "-" : bestEpoch, validationNdcg == null ? "-" : String.format("%.4f", Double.parseDouble(validationNdcg)),
        refit && bestEpoch != null ? ", refit on training + validation" : "", SequenceTraining.stateSize(weights));
    o.println("wrote " + out);
    return 0;
  }

  /**
   * The CTR branch: builds the click task ({@link CtrRun}), trains with early stopping on validation GAUC,
   * scores the test part and writes the model directory.
   */
  private int trainCtr(PrintWriter o, PrintWriter err) throws java.io.IOException {
    String name = model.toLowerCase(Locale.ROOT);
    Map<String, Map<String, String>> overrides = ModelParams.parse(params);
    for (String m : overrides.keySet()) {
      if (!m.equals(name)) throw new IllegalArgumentException("--param " + m + ".* does not apply to model " + name);
    }
    if (protocol != null) {
      throw new IllegalArgumentException("--protocol does not apply to " + name + ": the CTR models hold out each"
          + " user's last 20% of events (and validate on the last 10% of the rest)");
    }
    dev.attune.train.CtrModels.create(name, overrides.getOrDefault(name, Map.of()), seed, 1); // settings before data
    Dataset dataset = AttuneCli.readDataset(data, err);
    err.println("loaded " + dataset);
    CtrRun.requireOrder(dataset);
    var ctr = dev.attune.data.CtrDataset.build(dataset, CtrRun.params(dataset, positiveMin, userFields));
    err.println(ctr);
    CtrRun.requireBothLabels(ctr);
    CtrTraining.Scores baseline = CtrRun.baseline(ctr);
    o.println(CtrRun.baselineLine(baseline));
    int threadCount = threads == 0 ? 1 : threads;
    CtrRun.Outcome outcome = CtrRun.train(name, overrides.get(name), ctr, seed, threadCount, quiet, err);
    CtrRun.write(out, outcome, dataset, ctr, seed, threadCount);
    o.println(CtrRun.line(outcome) + " on " + dataset.name());
    if (!(outcome.test().auc() > baseline.auc())) {
      // as the attention models against popularity: settings that wrecked training can leave every loss finite
      err.printf(Locale.ROOT, "attune: warning: %s does not beat the rates baseline on the test part (AUC %.4f"
          + " against %.4f): check its settings (learningRate, epochs) before using it%n", name, outcome.test().auc(),
          baseline.auc());
    }
    o.println("wrote " + out);
    return 0;
  }

  /** The key of {@code model.json} naming, for a model trained on an export, the export's first event's id. */
  static final String EXPORT_OF = "exportOf";

  /**
   * Notes in {@code info}, when {@code data} is an export ({@link ExportedEvents}), the store id of its first event:
   * a server on that store then knows the model was trained on its own data, whatever the export's name (shop QA: a
   * model trained on an export named 'combined' was warned of at every start as another data set's).
   */
  static void noteExportOf(Map<String, Object> info, Path data, Dataset dataset) {
    if (dataset.events().size() == 0) return;
    try {
      // its head and first line only, not millions of ids (a review), and never a failure after the training
      String first = ExportedEvents.firstId(data, dataset.name(), dataset.events().size());
      if (first != null) info.put(EXPORT_OF, first);
    } catch (java.io.IOException | RuntimeException e) {
      // unread, the model is one a server may warn of as another data set's, as before
    }
  }

  /** What every model directory's {@code model.json} says of its run, first: model, data, split and settings. */
  static Map<String, Object> runInfo(String name, Dataset dataset, Split split, long seed, int threads,
      Record params) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", name);
    info.put("dataset", dataset.name());
    info.put("users", dataset.numUsers());
    info.put("items", dataset.numItems());
    info.put("events", dataset.events().size());
    info.put("protocol", split.protocol());
    info.put("heldOut", Splits.heldOutFingerprint(split));
    info.put("seed", seed);
    info.put("threads", threads);
    info.put("params", flatten(params));
    return info;
  }

  /** A record's components as a map (nested records flattened into the same map). */
  static Map<String, Object> flatten(Record r) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      try {
        Object v = c.getAccessor().invoke(r);
        if (v instanceof Record nested) out.putAll(flatten(nested));
        else if (v instanceof Enum<?> e) out.put(c.getName(), e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        else if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) out.put(c.getName(), v);
        else if (v instanceof int[] a) out.put(c.getName(), java.util.Arrays.stream(a).boxed().toList()); // layer sizes
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }
}
