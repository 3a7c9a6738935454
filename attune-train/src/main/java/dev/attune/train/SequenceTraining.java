package dev.attune.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.attune.data.Sequences;
import dev.attune.data.Split;
import dev.attune.data.TrainingSet;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.Evaluator;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.ParameterStore;
import dev.attune.train.nn.Scalars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The training loop every next-item model shares: examples from each user's time-ordered positive steps, seeded
 * shuffling into length-bucketed batches, the three losses, {@link Adam}, validation with early stopping,
 * checkpoints and resume. A model contributes only its {@link SequenceNetwork}. BERT4Rec trains through the same
 * loop with the {@link Cloze} objective instead of next-item targets.
 *
 * <p>Examples: for a user's positive steps s_1..s_n (the {@link Sequences} entries with weight &gt; 0), the input
 * window is the last T of s_1..s_{n−1}, left-padded, and the target at every real position is the next step;
 * with {@link Options#allWindows} a longer sequence adds the windows ending T, 2T, ... steps earlier, so every step
 * is a target once ({@link Examples}). Users with fewer than 2 positive steps are not trained on.
 *
 * <p>Batches: every epoch shuffles the windows with a seeded stream, sorts each pool of 16 batches by window
 * length, cuts the pool into batches and shuffles the batches. A batch is then only as long as its longest
 * window (the networks index positions from the newest step, so a shorter window changes nothing), which on
 * sparse data (Beauty: 8.9 steps per user against T = 50) removes most of the padding the encoder would
 * otherwise compute, while batches stay random.
 *
 * <p>Losses ({@link Loss}) are means over real positions; negatives are drawn uniformly from the items the user
 * never consumed in training (up to 64 redraws).
 *
 * <p>Reproducibility: initial values and all sampling come from {@link SplittableRandom}s derived from the seed
 * and the epoch number; dropout masks come from the engine's generator, re-seeded at the start of every epoch, so a
 * resumed run is meant to repeat the epochs an uninterrupted one would have run. NOTE: runs of one seed can still
 * drift apart at some epoch (DEVELOPERS.md, Known problems).
 *
 * <p>Memory: the parameters and two Adam moments (3 floats per parameter; {@link StateSize}), the examples
 * (three ints per training step) and one batch's activations; nothing grows with the number of epochs.
 */
public final class SequenceTraining {

  /** The training objective. */
  public enum Loss {
    /** Binary cross-entropy of the target against one sampled negative per position (SASRec's paper). */
    BCE,
    /** Softmax cross-entropy over the target and {@link Options#negatives} sampled negatives per position. */
    SAMPLED_SOFTMAX,
    /** Softmax cross-entropy over the whole catalogue. */
    FULL_CE
  }

  /**
   * Options every sequential model shares.
   *
   * @param maxLength T, the input window, &gt; 0
   * @param dropout dropout rate in [0, 1)
   * @param learningRate Adam's α, &gt; 0
   * @param batchSize windows (one per user unless {@code allWindows}) per batch, &gt; 0
   * @param epochs maximum passes over the users, &gt; 0
   * @param loss the objective, non-null
   * @param negatives negatives per position for {@link Loss#SAMPLED_SOFTMAX}, &gt; 0 (BCE always uses one;
   *     FULL_CE none)
   * @param useTypes whether the network adds an event-type embedding to every step
   * @param seed random seed
   * @param threads intra-op threads of the PyTorch engine (process-wide), &gt; 0
   * @param patience validations without improvement before stopping early, &gt;= 0 (0 = never stop early)
   * @param validateEvery epochs between validations, &gt; 0
   * @param allWindows whether a sequence longer than T + 1 steps is trained on every step (as consecutive windows
   *     of T targets, the newest window first) rather than only on its last window; the last T steps alone
   *     leave half of LastFM's training steps unused (48 events per user, T 50)
   */
  public record Options(
      int maxLength, float dropout, float learningRate, int batchSize, int epochs, Loss loss, int negatives,
      boolean useTypes, long seed, int threads, int patience, int validateEvery, boolean allWindows) {

    public Options {
      if (maxLength <= 0) throw new IllegalArgumentException("maxLength must be > 0: " + maxLength);
      if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1): " + dropout);
      if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0: " + learningRate);
      if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be > 0: " + batchSize);
      if (epochs <= 0) throw new IllegalArgumentException("epochs must be > 0: " + epochs);
      if (loss == null) throw new IllegalArgumentException("loss must not be null");
      if (negatives <= 0) throw new IllegalArgumentException("negatives must be > 0: " + negatives);
      if (threads <= 0) throw new IllegalArgumentException("threads must be > 0: " + threads);
      if (patience < 0) throw new IllegalArgumentException("patience must be >= 0: " + patience);
      if (validateEvery <= 0) throw new IllegalArgumentException("validateEvery must be > 0: " + validateEvery);
    }

    /** Options that train on the last window of each sequence only ({@code allWindows} false). */
    public Options(
        int maxLength, float dropout, float learningRate, int batchSize, int epochs, Loss loss, int negatives,
        boolean useTypes, long seed, int threads, int patience, int validateEvery) {
      this(maxLength, dropout, learningRate, batchSize, epochs, loss, negatives, useTypes, seed, threads, patience,
          validateEvery, false);
    }

    /** A copy with another number of epochs. */
    public Options withEpochs(int newEpochs) {
      return new Options(maxLength, dropout, learningRate, batchSize, newEpochs, loss, negatives, useTypes, seed,
          threads, patience, validateEvery, allWindows);
    }

    /** A copy with another loss and number of negatives. */
    public Options withLoss(Loss newLoss, int newNegatives) {
      return new Options(maxLength, dropout, learningRate, batchSize, epochs, newLoss, newNegatives, useTypes, seed,
          threads, patience, validateEvery, allWindows);
    }

    /** A copy with event types switched on or off. */
    public Options withTypes(boolean newUseTypes) {
      return new Options(maxLength, dropout, learningRate, batchSize, epochs, loss, negatives, newUseTypes, seed,
          threads, patience, validateEvery, allWindows);
    }

    /** A copy with another seed. */
    public Options withSeed(long newSeed) {
      return new Options(maxLength, dropout, learningRate, batchSize, epochs, loss, negatives, useTypes, newSeed,
          threads, patience, validateEvery, allWindows);
    }

    /** A copy with another number of engine threads. */
    public Options withThreads(int newThreads) {
      return new Options(maxLength, dropout, learningRate, batchSize, epochs, loss, negatives, useTypes, seed,
          newThreads, patience, validateEvery, allWindows);
    }

    /** A copy that trains on every window of long sequences, or on the last one only. */
    public Options withAllWindows(boolean newAllWindows) {
      return new Options(maxLength, dropout, learningRate, batchSize, epochs, loss, negatives, useTypes, seed,
          threads, patience, validateEvery, newAllWindows);
    }

    /** A copy with other early-stopping settings. */
    public Options withValidation(int newPatience, int newValidateEvery) {
      return new Options(maxLength, dropout, learningRate, batchSize, epochs, loss, negatives, useTypes, seed,
          threads, newPatience, newValidateEvery, allWindows);
    }
  }

  /**
   * Options of one training run that are not hyper-parameters.
   *
   * @param validation the stage scored for early stopping (its {@code train()} must be the training set being
   *     trained on, its holdout must hold a user), or null for none
   * @param checkpointDir directory receiving {@code checkpoint.atw} (weights and progress) and {@code
   *     optimizer-<step>.atw} (Adam state after that many steps, the one the checkpoint names) after every epoch,
   *     and {@code best.atw} at every improvement, or null for none
   * @param resume whether to continue from the checkpoint in {@code checkpointDir} when one exists
   */
  public record Run(Split.Stage validation, Path checkpointDir, boolean resume) {
    /** No validation, no checkpoints. */
    public static final Run NONE = new Run(null, null, false);

    public Run {
      if (resume && checkpointDir == null) throw new IllegalArgumentException("resume needs a checkpointDir");
      // every score would be NaN, never better than the last: training would stop after 'patience' checks
      if (validation != null && validation.holdout().numUsersWithItems() == 0) {
        throw new IllegalArgumentException("the validation part holds no user: train without validation");
      }
    }
  }

  /**
   * The Cloze objective of BERT4Rec (Sun et al., CIKM 2019) in place of next-item prediction: a window is the last
   * T steps of a user's sequence, its newest step included (a next-item window stops one step short of it, which
   * is its last target), each real step is replaced by
   * the [MASK] input with probability ρ (independently, from the epoch's seeded stream), and the loss is the chosen
   * {@link Loss} of the hidden item at every masked position. A window where no step was drawn gets its newest step
   * masked, the only position inference asks about, so every window trains. As in the paper, some windows hide
   * their newest step only (the task inference poses): each with probability {@code lastOnlyProbability}.
   *
   * @param maskProbability ρ, in (0, 1]
   * @param lastOnlyProbability the share of windows, drawn per window and epoch, that hide only their newest step,
   *     in [0, 1]
   * @param maskItem the item index whose token (index + 1) the network reads as [MASK]: N, one past the catalogue
   */
  public record Cloze(float maskProbability, float lastOnlyProbability, int maskItem) {
    public Cloze {
      checkProbabilities(maskProbability, lastOnlyProbability);
      if (maskItem <= 0) throw new IllegalArgumentException("maskItem must be > 0: " + maskItem);
    }

    /**
     * Checks ρ and the newest-only share, for hyper-parameters that must fail before training starts.
     *
     * @throws IllegalArgumentException if ρ is outside (0, 1] or the share outside [0, 1]
     */
    static void checkProbabilities(float maskProbability, float lastOnlyProbability) {
      if (!(maskProbability > 0 && maskProbability <= 1)) {
        throw new IllegalArgumentException("maskProbability must be in (0, 1]: " + maskProbability);
      }
      if (!(lastOnlyProbability >= 0 && lastOnlyProbability <= 1)) {
        throw new IllegalArgumentException("lastOnlyProbability must be in [0, 1]: " + lastOnlyProbability);
      }
    }
  }

  /**
   * Bytes of training state: parameters plus Adam's two moments (float32 each), split into what grows with the
   * catalogue and what is fixed, and the examples' bytes per training step. There is no per-user parameter:
   * a user is their sequence.
   *
   * @param bytesPerItem state bytes per catalogue item
   * @param fixedBytes state bytes independent of the catalogue
   * @param bytesPerStep example bytes per positive training step (item, type, seen-set entry)
   */
  public record StateSize(long bytesPerItem, long fixedBytes, long bytesPerStep) {
    /** Total state for {@code numItems} items and {@code steps} training steps. */
    public long total(long numItems, long steps) {
      return bytesPerItem * numItems + fixedBytes + bytesPerStep * steps;
    }

    @Override
    public String toString() {
      return String.format("%,d B per item + %,d B fixed + %,d B per training step", bytesPerItem, fixedBytes,
          bytesPerStep);
    }
  }

  private static final String CHECKPOINT = "checkpoint.atw";

  /** Whether {@code checkpointDir} holds a checkpoint a {@link Run#resume} run would continue from. */
  public static boolean hasCheckpoint(Path checkpointDir) {
    return Files.exists(checkpointFile(checkpointDir));
  }

  /** The file in {@code checkpointDir} that a {@link Run#resume} run continues from (written after every epoch). */
  public static Path checkpointFile(Path checkpointDir) {
    return checkpointDir.resolve(CHECKPOINT);
  }

  /**
   * The epoch the run whose checkpoint is in {@code checkpointDir} ended after, if it has ended with {@code options}:
   * exactly its epochs trained, or fewer and early stopping's patience used up (a {@link Run#resume} run would then
   * train nothing); empty when it has not, or without a checkpoint.
   *
   * @throws UncheckedIOException if the checkpoint cannot be read
   */
  public static java.util.OptionalInt endedAtEpoch(Path checkpointDir, Options options) {
    if (!hasCheckpoint(checkpointDir)) return java.util.OptionalInt.empty();
    try {
      WeightFile checkpoint = WeightFile.read(checkpointFile(checkpointDir));
      int epoch = Integer.parseInt(checkpoint.property("epoch"));
      // past the epochs asked for is not this run's end but another's, which a resume refuses
      boolean ended = epoch == options.epochs() || epoch < options.epochs()
          && patienceExhausted(options, Integer.parseInt(checkpoint.property("badChecks")));
      return ended ? java.util.OptionalInt.of(epoch) : java.util.OptionalInt.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("checkpoint in " + checkpointDir, e);
    }
  }

  /** An earlier build's one optimizer file, written over at every epoch; read when a checkpoint has no other. */
  private static final String OPTIMIZER = "optimizer.atw";

  /** The file of Adam's state after {@code step} steps. */
  private static String optimizerFile(long step) {
    return "optimizer-" + step + ".atw";
  }

  /** Deletes the optimizer files in {@code dir} other than {@code kept} (those of earlier epochs). */
  private static void removeOptimizersBut(Path dir, String kept) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (!name.equals(kept) && (name.equals(OPTIMIZER) || name.matches("optimizer-\\d+\\.atw"))) {
          Files.deleteIfExists(f);
        }
      }
    }
  }
  private static final String BEST = "best.atw";
  /** Batches sorted together by length: enough to group similar lengths, few enough to keep batches random. */
  private static final int BATCHES_PER_POOL = 16;

  private SequenceTraining() {}

  /**
   * The training state behind a model's weights: every trainable tensor of {@code weights} (integer CSR tensors
   * excluded) with its two Adam moments; 2-D tensors with N or N + 1 rows count per item.
   */
  public static StateSize stateSize(WeightFile weights) {
    int numItems = Integer.parseInt(weights.property("numItems"));
    long perItem = 0;
    long fixed = 0;
    for (String name : weights.names()) {
      if (name.endsWith("_indptr") || name.endsWith("_indices")) continue;
      int[] shape = weights.tensor(name).shape();
      long size = 1;
      for (int s : shape) size *= s;
      if (shape.length == 2 && (shape[0] == numItems + 1 || shape[0] == numItems)) {
        perItem += 3L * Float.BYTES * shape[1];
        fixed += 3L * Float.BYTES * (shape[0] - numItems) * shape[1];
      } else {
        fixed += 3L * Float.BYTES * size;
      }
    }
    return new StateSize(perItem, fixed, 3L * Integer.BYTES);
  }

  /**
   * Trains a network and exports its weights: the last epoch's, or the best validated ones when {@code run} has
   * a validation stage. Progress: {@link FitListener#progress} in sequences after every batch (stage {@code
   * "epoch e/E"}), {@link FitListener#status} with the running loss, {@link FitListener#epochEnd} with the mean
   * loss per trained position, {@link FitListener#validated} with each validation score.
   *
   * @param build makes the network: from a preset (parameter name to values) when resuming, else (null) from
   *     the seed
   * @param serve the pure-Java model of a weight file, for validation (NDCG@10, full ranking, seen items
   *     excluded)
   * @throws IllegalArgumentException if a checkpoint was written with another network shape
   * @throws UncheckedIOException if a checkpoint cannot be written or read
   */
  public static WeightFile train(TrainingSet train, Options options,
      Function<Function<String, float[]>, SequenceNetwork> build, Function<WeightFile, Recommender> serve, Run run,
      FitListener listener) {
    return train(train, options, null, build, serve, run, listener);
  }

  /**
   * As {@link #train(TrainingSet, Options, Function, Function, Run, FitListener)}, with the {@link Cloze}
   * objective when {@code cloze} is non-null (the network must then be bidirectional and read token
   * {@code cloze.maskItem() + 1} as [MASK]).
   */
  public static WeightFile train(TrainingSet train, Options options, Cloze cloze,
      Function<Function<String, float[]>, SequenceNetwork> build, Function<WeightFile, Recommender> serve, Run run,
      FitListener listener) {
    FitListener report = listener == null ? FitListener.NONE : listener;
    Run runOptions = run == null ? Run.NONE : run;
    if (options.loss() == Loss.SAMPLED_SOFTMAX && options.negatives() >= train.numItems()) {
      // a QA run's negatives=5000 over 3,600 items took the machine's 24 GB before the kernel killed it: more negatives
      // than items only repeats them, at positions x negatives x d floats a batch
      throw new IllegalArgumentException("negatives (" + options.negatives() + ") must be fewer than the items ("
          + train.numItems() + "): sampled softmax scores that many other items per position; for all of them use"
          + " loss=full-ce");
    }
    Examples examples = Examples.of(train, options, cloze != null);
    if (train.numItems() < 2) {
      throw new IllegalArgumentException("nothing to train on: the data set has " + train.numItems() + " item(s); a"
          + " ranking needs at least 2");
    }
    if (examples.user().length == 0) {
      // every epoch would have no batch: a loss of NaN, and the untrained initial weights written as a model
      throw new IllegalArgumentException("nothing to train on: no user of the " + train.sequences().numUsers()
          + " has " + (cloze != null ? "2 liked events (a masked one and one beside it)" : "2 liked events (a next one"
          + " to learn from the one before)") + "; import more events, or serve popularity");
    }
    Engine.getEngine("PyTorch"); // loads the native library before the thread count is set
    JniUtils.setNumThreads(options.threads());
    // PyTorch's grad mode is per thread and on by default; DJL turns it off only on the thread that loaded the engine,
    // and a gradient collector restores the mode it found. Off here, so Adam's in-place updates outside the collector
    // also work when training runs on another thread (the server's training job): "a leaf Variable that requires
    // grad is being used in an in-place operation" otherwise.
    JniUtils.setGradMode(false);
    Path dir = runOptions.checkpointDir();
    Map<String, String> settings = runSettings(options, examples, cloze, runOptions);
    StringBuilder history = new StringBuilder();
    long runStart = System.nanoTime();
    double secondsBefore = 0;
    int startEpoch = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    int badChecks = 0;
    WeightFile best = null;
    WeightFile lastOffSchedule = null; // the last epoch's weights, validated off the schedule and better than best
    Function<String, float[]> preset = null;
    WeightFile checkpoint = null;
    try {
      if (runOptions.resume() && Files.exists(dir.resolve(CHECKPOINT))) {
        checkpoint = WeightFile.read(dir.resolve(CHECKPOINT));
        WeightFile saved = checkpoint;
        preset = name -> saved.tensor(name).values();
        requireSameRun(checkpoint, settings, dir);
        startEpoch = Integer.parseInt(checkpoint.property("epoch"));
        if (startEpoch > options.epochs()) {
          // the weights would be those of the longer run while the model's settings said the shorter
          throw new IllegalArgumentException("the checkpoint in " + dir + " is after epoch " + startEpoch
              + ", more than the " + options.epochs() + " epochs asked for: ask for at least " + startEpoch
              + " to continue it, or train afresh (--force in place of --resume)");
        }
        bestScore = Double.parseDouble(checkpoint.property("bestScore"));
        badChecks = Integer.parseInt(checkpoint.property("badChecks"));
        secondsBefore = Double.parseDouble(checkpoint.propertyOr(TRAIN_SECONDS, "NaN"));
        history.append(checkpoint.propertyOr(HISTORY, ""));
        // a run without validation keeps no best weights: a best file there is another run's
        if (runOptions.validation() != null && Files.exists(dir.resolve(BEST))) {
          best = WeightFile.read(dir.resolve(BEST));
        }
      } else if (dir != null) {
        // a run killed after writing its best weights and before its first checkpoint left them: taken for this
        // run's, they would be kept as its best validated weights if it diverged before validating (a review)
        Files.deleteIfExists(dir.resolve(BEST));
      }
      try (SequenceNetwork net = buildFrom(build, preset, checkpoint, dir);
          Adam adam = new Adam(net.parameters(), options.learningRate(), 0.9f, 0.98f, 1e-8f)) {
        if (checkpoint != null) {
          for (Map.Entry<String, String> e : net.properties().entrySet()) {
            if (!e.getValue().equals(checkpoint.propertyOr(e.getKey(), null))) {
              throw new IllegalArgumentException("checkpoint in " + dir + " has " + e.getKey() + " = "
                  + checkpoint.propertyOr(e.getKey(), null) + ", this run " + e.getValue());
            }
          }
          String steps = checkpoint.propertyOr("adamStep", null);
          Path optimizer = steps == null ? null : dir.resolve(optimizerFile(Long.parseLong(steps)));
          if (optimizer == null || !Files.exists(optimizer)) optimizer = dir.resolve(OPTIMIZER); // an earlier build's
          if (!Files.exists(optimizer)) {
            throw new IllegalArgumentException("the checkpoint in " + dir + " has no optimizer state beside it ("
                + (steps == null ? OPTIMIZER : optimizerFile(Long.parseLong(steps))) + "); train afresh with --force");
          }
          adam.load(optimizer);
          if (steps != null && Long.parseLong(steps) != adam.step()) {
            // an earlier build wrote one optimizer file over the last: a kill between it and the checkpoint left the
            // two an epoch apart
            throw new IllegalArgumentException("the checkpoint in " + dir + " is torn (its weights and optimizer state"
                + " are from different epochs: a run was killed while writing them); train afresh with --force");
          }
          // said only once the checkpoint is known to fit this run: the earlier epochs, for the listener's record
          // (model.json's training curve); replayed before the check, they read as if this run had trained them
          report.resumed(startEpoch, secondsBefore);
          replayHistory(checkpoint.propertyOr(HISTORY, ""), report);
        }
        net.parameters().requireGradients();
        if (checkpoint != null && startEpoch == options.epochs() && checkpoint.propertyOr(LAST_SCORE, null) != null) {
          // a run killed after its last checkpoint, before its model was kept: its last epoch, validated off the
          // schedule and better than the best, is the model it would have kept (a review)
          double last = Double.parseDouble(checkpoint.property(LAST_SCORE));
          if (last > bestScore) {
            lastOffSchedule = net.toWeights().property("validationNdcg10", Double.toString(last))
                .property("epoch", Integer.toString(startEpoch));
          }
        }
        boolean stop = patienceExhausted(options, badChecks);
        DivergenceWatch watch = new DivergenceWatch("learningRate (" + options.learningRate() + ")");
        for (int epoch = startEpoch; epoch < options.epochs() && !stop; epoch++) {
          double loss;
          try {
            loss = runEpoch(net, adam, examples, options, cloze, epoch, watch, report);
          } catch (DivergenceWatch.Diverged diverged) {
            if (best == null) throw diverged;
            report.status(diverged.getMessage() + "; stopped, keeping epoch " + best.property("epoch")
                + ", the best validated");
            break;
          }
          report.epochEnd(epoch + 1, loss);
          history.append(history.isEmpty() ? "" : ";").append(epoch + 1).append(':').append(loss);
          boolean last = epoch + 1 == options.epochs();
          boolean onSchedule = (epoch + 1) % options.validateEvery() == 0;
          if (runOptions.validation() != null && (onSchedule || last)) {
            WeightFile current = net.toWeights();
            double score = validate(serve.apply(current), runOptions.validation(), options.threads(), report,
                epoch + 1);
            report.validated(epoch + 1, score);
            history.append(':').append(score);
            report.status(String.format("validation NDCG@10 %.4f after epoch %d (best %.4f)", score, epoch + 1,
                Math.max(score, bestScore)));
            if (!onSchedule) {
              // the last epoch, off the schedule: it may be this run's model, but it stays out of the early-stopping
              // state the checkpoint keeps, so that a resume asking for more epochs continues as a run trained that
              // long from the start would (counted, it spent patience that run never spent, and the models differed)
              if (score > bestScore) {
                lastOffSchedule = current.property("validationNdcg10", Double.toString(score))
                    .property("epoch", Integer.toString(epoch + 1));
              }
            } else if (score > bestScore) {
              bestScore = score;
              best = current.property("validationNdcg10", Double.toString(score))
                  .property("epoch", Integer.toString(epoch + 1));
              badChecks = 0;
              if (dir != null) best.write(dir.resolve(BEST));
            } else {
              badChecks++;
            }
            stop = patienceExhausted(options, badChecks);
          }
          if (dir != null) {
            WeightFile state = net.toWeights()
                .property("epoch", Integer.toString(epoch + 1))
                .property("bestScore", Double.toString(bestScore))
                .property("badChecks", Integer.toString(badChecks))
                .property("adamStep", Long.toString(adam.step()))
                .property(HISTORY, history.toString())
                .property(TRAIN_SECONDS, Double.toString(secondsBefore + (System.nanoTime() - runStart) / 1e9));
            for (Map.Entry<String, String> e : settings.entrySet()) state.property(e.getKey(), e.getValue());
            if (lastOffSchedule != null) state.property(LAST_SCORE, lastOffSchedule.property("validationNdcg10"));
            // the optimizer under its step, then the checkpoint that names it, then the older optimizer files: a kill
            // or a failed write anywhere in between leaves a checkpoint with its own optimizer state, so the run
            // resumes from the epoch before (one name for both once made a failed second write end every resume)
            String optimizer = optimizerFile(adam.step());
            adam.save(dir.resolve(optimizer));
            state.write(dir.resolve(CHECKPOINT));
            removeOptimizersBut(dir, optimizer);
          }
        }
        WeightFile out = lastOffSchedule != null ? lastOffSchedule : best != null ? best : net.toWeights();
        if (options.useTypes()) {
          // what each type id means, so that a history from another data set (the service's store) can name its own
          out.property(dev.attune.infer.SequentialModel.TYPE_NAMES_PROPERTY,
              String.join("\n", train.dataset().typeNames().ids()));
        }
        return out;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("checkpoint in " + dir, e);
    }
  }

  /** Checkpoint property: the seconds of training up to the checkpoint, over every run that led to it. */
  private static final String TRAIN_SECONDS = "trainSeconds";
  /** Checkpoint property: the epochs so far, {@code epoch:loss[:validation score]} separated by {@code ;}. */
  private static final String HISTORY = "history";
  /** A checkpoint's property: the last epoch's validation, off the schedule and better than the best (else none). */
  private static final String LAST_SCORE = "lastOffScheduleNdcg10";
  /** Prefix of the checkpoint properties a resumed run must match. */
  private static final String RUN_PREFIX = "run.";

  /**
   * What a resumed run must share with the run that wrote the checkpoint: every option but the number of epochs
   * (raising it continues a finished run), the patience (raising it continues a run early stopping ended, as the
   * command that resumes it advises) and the thread count (results do not depend on it), the objective, whether
   * it validates, and a fingerprint of its training examples and validation users (another data set or protocol).
   */
  private static Map<String, String> runSettings(Options o, Examples ex, Cloze cloze, Run run) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put(RUN_PREFIX + "seed", Long.toString(o.seed()));
    m.put(RUN_PREFIX + "maxLength", Integer.toString(o.maxLength()));
    m.put(RUN_PREFIX + "dropout", Float.toString(o.dropout()));
    m.put(RUN_PREFIX + "learningRate", Float.toString(o.learningRate()));
    m.put(RUN_PREFIX + "batchSize", Integer.toString(o.batchSize()));
    m.put(RUN_PREFIX + "loss", o.loss().name());
    m.put(RUN_PREFIX + "negatives", Integer.toString(o.negatives()));
    m.put(RUN_PREFIX + "useTypes", Boolean.toString(o.useTypes()));
    m.put(RUN_PREFIX + "validateEvery", Integer.toString(o.validateEvery()));
    m.put(RUN_PREFIX + "allWindows", Boolean.toString(o.allWindows()));
    m.put(RUN_PREFIX + "objective", cloze == null ? "next item" : cloze.toString());
    m.put(RUN_PREFIX + "validation", run.validation() == null ? "none"
        : run.validation().holdout().numUsersWithItems() + " users, " + run.validation().holdout().size() + " events");
    long h = ex.numItems();
    for (int[] seq : ex.items()) h = h * 31 + java.util.Arrays.hashCode(seq);
    h = h * 31 + java.util.Arrays.hashCode(ex.user());
    h = h * 31 + java.util.Arrays.hashCode(ex.end());
    m.put(RUN_PREFIX + "data", ex.user().length + " windows over " + ex.numItems() + " items, hash "
        + Long.toHexString(h));
    return m;
  }

  /** Refuses a checkpoint written by a run with other settings (a checkpoint from before they were kept passes). */
  private static void requireSameRun(WeightFile checkpoint, Map<String, String> settings, Path dir) {
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String saved = checkpoint.propertyOr(e.getKey(), null);
      if (saved != null && !saved.equals(e.getValue())) {
        differences.add(e.getKey().substring(RUN_PREFIX.length()) + " " + saved + " there, " + e.getValue() + " here");
      }
    }
    if (differences.size() == 1 && differences.get(0).startsWith("data ")) {
      // the settings are the same: the data differs (a QA upgrade's MovieLens set, imported again by a newer build
      // that orders same-second ratings otherwise, was refused as if the settings had changed)
      throw new IllegalArgumentException("the checkpoint in " + dir + " was written by a run on other data ("
          + differences.get(0) + "): the data set's events changed or come in another order (imported again, say);"
          + " resume on the data it was trained on, or train afresh with --force");
    }
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException("the checkpoint in " + dir + " was written by a run with other settings ("
          + String.join("; ", differences) + "): resume with the same ones, or train afresh with --force");
    }
  }

  /** Tells the listener the epochs a checkpoint recorded, as they were reported then. */
  private static void replayHistory(String history, FitListener report) {
    if (history.isEmpty()) return;
    for (String epoch : history.split(";")) {
      String[] f = epoch.split(":");
      report.epochEnd(Integer.parseInt(f[0]), Double.parseDouble(f[1]));
      if (f.length > 2) report.validated(Integer.parseInt(f[0]), Double.parseDouble(f[2]));
    }
  }

  /**
   * Builds the network, from the checkpoint's tensors when resuming; a checkpoint of another shape (written with other
   * settings) is named as such rather than by the first tensor that does not fit.
   */
  private static SequenceNetwork buildFrom(Function<Function<String, float[]>, SequenceNetwork> build,
      Function<String, float[]> preset, WeightFile checkpoint, Path dir) {
    if (checkpoint == null) return build.apply(preset);
    try {
      return build.apply(preset);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the checkpoint in " + dir + " was written by a run with other settings or"
          + " another model (" + e.getMessage() + "): resume with the same --param values, or train afresh with"
          + " --force", e);
    }
  }

  private static boolean patienceExhausted(Options options, int badChecks) {
    return options.patience() > 0 && badChecks >= options.patience();
  }

  /** A seed for epoch {@code epoch}'s streams, independent of the epochs before it. */
  private static long epochSeed(long seed, int epoch) {
    return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1))).nextLong();
  }

  private static void shuffle(int[] a, SplittableRandom random) {
    for (int j = a.length - 1; j > 0; j--) {
      int k = random.nextInt(j + 1);
      int tmp = a[j];
      a[j] = a[k];
      a[k] = tmp;
    }
  }

  /**
   * The examples (windows, or users) of each batch of an epoch: shuffled, length-bucketed within pools, batches
   * shuffled.
   */
  static int[][] batches(int[] users, int[] windowLength, int batchSize, SplittableRandom random) {
    int[] order = users.clone();
    shuffle(order, random);
    int pool = batchSize * BATCHES_PER_POOL;
    Integer[] boxed = new Integer[order.length];
    for (int k = 0; k < order.length; k++) boxed[k] = order[k];
    for (int from = 0; from < boxed.length; from += pool) {
      // stable: equal lengths keep their shuffled order
      Arrays.sort(boxed, from, Math.min(boxed.length, from + pool), (a, b) -> windowLength[b] - windowLength[a]);
    }
    int count = (order.length + batchSize - 1) / batchSize;
    int[][] out = new int[count][];
    for (int b = 0; b < count; b++) {
      int from = b * batchSize;
      out[b] = new int[Math.min(batchSize, order.length - from)];
      for (int r = 0; r < out[b].length; r++) out[b][r] = boxed[from + r];
    }
    for (int j = out.length - 1; j > 0; j--) {
      int k = random.nextInt(j + 1);
      int[] tmp = out[j];
      out[j] = out[k];
      out[k] = tmp;
    }
    return out;
  }

  /** One pass over the users; returns the mean loss per trained position. */
  private static double runEpoch(SequenceNetwork net, Adam adam, Examples ex, Options options, Cloze cloze,
      int epoch, DivergenceWatch watch, FitListener report) {
    long seed = epochSeed(options.seed(), epoch);
    Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    SplittableRandom random = new SplittableRandom(seed);
    int[][] batches = batches(ex.examples(), ex.windowLength, options.batchSize(), random);
    String stage = "epoch " + (epoch + 1) + "/" + options.epochs();
    ParameterStore store = net.parameters();
    double lossSum = 0;
    long positions = 0;
    long sequences = 0;
    int skipped = 0;
    for (int[] windows : batches) { // window ids of Examples
      int t = 0;
      for (int x : windows) t = Math.max(t, ex.windowLength[x]);
      SequenceBatch batch = new SequenceBatch(windows.length, t);
      long[] validAt = new long[windows.length * t];
      int[] targets = new int[windows.length * t];
      int[] rowUser = new int[windows.length * t];
      int valid = 0;
      for (int r = 0; r < windows.length; r++) {
        int x = windows[r];
        int u = ex.user[x];
        int len = ex.windowLength[x];
        batch.fill(r, ex.items[u], ex.types[u], ex.end[x]);
        if (cloze != null) {
          valid = mask(batch, r, len, ex.items[u], ex.end[x], u, cloze, random, validAt, targets, rowUser, valid);
          continue;
        }
        for (int j = 0; j < len; j++) {
          validAt[valid] = (long) r * t + (t - len + j);
          targets[valid] = ex.items[u][ex.targetStep(x, j)];
          rowUser[valid] = u;
          valid++;
        }
      }
      int[][] negatives = sampleNegatives(ex, options, rowUser, targets, valid, ex.numItems, random);
      try (NDManager scope = net.manager().newSubManager()) {
        store.attachTo(scope);
        float lossValue;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray table = net.itemTable();
          NDArray h = net.encode(scope, table, batch, true, options.dropout());
          NDArray loss = loss(options.loss(), scope, table, h, Arrays.copyOf(validAt, valid),
              Arrays.copyOf(targets, valid), negatives);
          lossValue = loss.getFloat();
          collector.backward(loss);
        }
        if (Float.isFinite(lossValue) && gradientsFinite(store, scope)) {
          adam.update(store, scope);
          lossSum += lossValue * (double) valid;
          positions += valid;
          watch.trained(lossValue, valid);
        } else if ((skipped = watch.skipped()) == 1) {
          // the tensors once an epoch: a diverging run would print their list for every batch
          report.status("skipped a batch of " + windows.length + " sequences (window " + t + "): loss " + lossValue
              + ", non-finite gradients in " + nonFinite(store));
        }
        store.zeroGradients();
      }
      sequences += windows.length;
      report.progress(stage, sequences, ex.user.length);
      report.stepStatus(String.format("loss %.4f", lossSum / Math.max(1, positions))
          + (skipped > 0 ? ", " + skipped + " non-finite batches skipped" : ""));
    }
    if (skipped > 0) report.status("epoch " + (epoch + 1) + ": skipped " + skipped + " batches with non-finite gradients");
    watch.endEpoch(epoch);
    return positions == 0 ? Double.NaN : lossSum / positions;
  }

  /**
   * Draws the Cloze masks of row {@code r} (a window of {@code len} steps ending before index {@code end} of the
   * user's {@code items}): each masked step's token becomes [MASK] and it is appended as a valid position with its
   * item as the target. Returns the new count of valid positions.
   */
  static int mask(SequenceBatch batch, int r, int len, int[] items, int end, int user, Cloze cloze,
      SplittableRandom random, long[] validAt, int[] targets, int[] rowUser, int valid) {
    int t = batch.length;
    int first = valid;
    boolean lastOnly = random.nextFloat() < cloze.lastOnlyProbability();
    for (int j = 0; j < len; j++) {
      boolean newestAndNoneYet = j == len - 1 && valid == first;
      boolean drawn = random.nextFloat() < cloze.maskProbability() && !lastOnly;
      if (drawn || newestAndNoneYet) {
        int at = r * t + (t - len + j);
        batch.tokens[at] = cloze.maskItem() + 1L;
        validAt[valid] = at;
        targets[valid] = items[end - len + j];
        rowUser[valid] = user;
        valid++;
      }
    }
    return valid;
  }

  /** Negatives per valid position: [valid][1] for BCE, [valid][negatives] for sampled softmax, null for FULL_CE. */
  static int[][] sampleNegatives(Examples ex, Options options, int[] rowUser, int[] targets, int valid,
      int numItems, SplittableRandom random) {
    int per = switch (options.loss()) {
      case BCE -> 1;
      case SAMPLED_SOFTMAX -> options.negatives();
      case FULL_CE -> 0;
    };
    if (per == 0) return null;
    int[][] out = new int[valid][per];
    for (int v = 0; v < valid; v++) {
      int[] seen = ex.seen[rowUser[v]];
      int unseen = numItems - seen.length;
      for (int j = 0; j < per; j++) {
        // uniform over the user's unseen items, drawn once: redrawing a seen item a bounded number of times, as
        // before, let the target itself be the negative of a user who had seen (nearly) every item (a review)
        out[v][j] = unseen > 0 ? nthUnseen(seen, random.nextInt(unseen)) : otherThan(targets[v], numItems, random);
      }
    }
    return out;
  }

  /** The {@code r}-th (from 0) item id not in {@code seen} (sorted, distinct). */
  static int nthUnseen(int[] seen, int r) {
    // seen[k] - k, the unseen ids below seen[k], never falls as k grows: the last k with seen[k] - k <= r is how many
    // seen ids lie below the answer
    int lo = 0;
    int hi = seen.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (seen[mid] - mid <= r) lo = mid + 1;
      else hi = mid;
    }
    return r + lo;
  }

  /** A user who has seen every item: any item but the target (there are at least 2). */
  private static int otherThan(int target, int numItems, SplittableRandom random) {
    int item = random.nextInt(numItems - 1);
    return item >= target ? item + 1 : item;
  }

  /**
   * The mean loss over the valid positions. Only the states of real positions reach the output layer, so the
   * catalogue-wide product of {@link Loss#FULL_CE} costs positions × N × d, not B × T × N × d.
   */
  static NDArray loss(Loss kind, NDManager scope, NDArray table, NDArray h, long[] validAt, int[] targets,
      int[][] negatives) {
    long d = h.getShape().get(2);
    NDArray states = Embedding.lookup(h.reshape(-1, d), scope.create(validAt)); // [P, d]
    int p = targets.length;
    switch (kind) {
      case BCE -> {
        long[] pos = new long[p];
        long[] neg = new long[p];
        for (int v = 0; v < p; v++) {
          pos[v] = targets[v] + 1L;
          neg[v] = negatives[v][0] + 1L;
        }
        NDArray positive = states.mul(Embedding.lookup(table, scope.create(pos))).sum(new int[] {1});
        NDArray negative = states.mul(Embedding.lookup(table, scope.create(neg))).sum(new int[] {1});
        return softPlus(positive.neg()).add(softPlus(negative)).mean();
      }
      case SAMPLED_SOFTMAX -> {
        int c = negatives[0].length + 1;
        long[] candidates = new long[p * c];
        for (int v = 0; v < p; v++) {
          candidates[v * c] = targets[v] + 1L;
          for (int j = 1; j < c; j++) candidates[v * c + j] = negatives[v][j - 1] + 1L;
        }
        NDArray rows = Embedding.lookup(table, scope.create(candidates, new Shape(p, c)));
        NDArray logits = rows.matMul(states.expandDims(2)).squeeze(2); // [P, c]
        return logits.logSoftmax(1).get(":, 0").neg().mean();
      }
      case FULL_CE -> {
        return fullSoftmaxLoss(scope, table.get("1:"), states, targets);
      }
      default -> throw new AssertionError(kind);
    }
  }

  /**
   * Whether every gradient is finite (a sum per gradient, one value read back). A batch whose gradients are
   * not is skipped rather than allowed to turn the Adam moments and then every weight into NaN.
   */
  static boolean gradientsFinite(ParameterStore store, NDManager scope) {
    NDArray total = null;
    for (String name : store.names()) {
      NDArray g = store.get(name).getGradient();
      g.attach(scope);
      NDArray sum = g.sum();
      total = total == null ? sum : total.add(sum);
    }
    return total == null || Float.isFinite(total.getFloat());
  }

  /** The parameters whose gradient has a NaN or an infinity. */
  private static String nonFinite(ParameterStore store) {
    List<String> names = new ArrayList<>();
    for (String name : store.names()) {
      if (!Float.isFinite(store.get(name).getGradient().sum().getFloat())) names.add(name);
    }
    // the first few: a run gone wrong everywhere listed all 36 tensors of SASRec, 1,400 characters in one line
    return names.size() <= 5 ? names.toString() : names.subList(0, 5) + " and " + (names.size() - 5) + " more";
  }

  /** Positions per chunk of the catalogue-wide softmax: a chunk's [chunk, N] arrays stay in the L3 cache. */
  static final int SOFTMAX_CHUNK = 128;

  /**
   * Mean softmax cross-entropy of {@code targets} over every item, (1/P) Σ_p [logsumexp_i(s_p · e_i) − s_p ·
   * e_{t_p}], as a surrogate whose value is that loss and whose gradients are exact.
   *
   * <p>Why not autograd through {@code logSoftmax}: that keeps the [P, N] logits, their log-softmax and their
   * gradient alive from the forward to the backward pass, each a trip to memory (1.1M floats per Beauty batch).
   * Here the logsumexp part is differentiated by hand, chunk by chunk, while a chunk's logits are in cache:
   * with π = softmax(S_c Eᵀ) its gradient is π E for the states and πᵀ S_c for the items. The surrogate
   * Σ S ⊙ G_S + Σ E ⊙ G_E (G detached) hands those to autograd; the target term −s_p · e_{t_p}, cheap and sparse,
   * stays in the graph. Measured on Beauty: about 35% less time per epoch than autograd through the softmax.
   *
   * @param items output item representations [N, d] (in the graph)
   * @param states states of the real positions [P, d] (in the graph)
   */
  static NDArray fullSoftmaxLoss(NDManager scope, NDArray items, NDArray states, int[] targets) {
    int p = targets.length;
    long[] target = new long[p];
    for (int v = 0; v < p; v++) target[v] = targets[v];
    NDArray targetIndex = scope.create(target);
    NDArray targetLogits = states.mul(Embedding.lookup(items, targetIndex)).sum(new int[] {1}); // [P], in graph
    // private copies outside the graph, so nothing below aliases storage autograd has saved
    NDArray s = states.stopGradient().duplicate();
    NDArray e = items.stopGradient().duplicate();
    NDArray gradItems = scope.zeros(e.getShape(), e.getDataType());
    NDArray[] gradStates = new NDArray[(p + SOFTMAX_CHUNK - 1) / SOFTMAX_CHUNK];
    double logSumExp = 0;
    for (int c = 0, from = 0; from < p; c++, from += SOFTMAX_CHUNK) {
      int to = Math.min(p, from + SOFTMAX_CHUNK);
      try (NDManager chunk = scope.newSubManager()) {
        NDArray sc = s.get(from + ":" + to);
        // items × positions: MKL runs E·Sᵀ at 80-120 GFLOP/s here, S·Eᵀ (inner dimension d both ways) at 30-60
        NDArray logits = e.matMul(sc.transpose()); // [N, c]
        logits.attach(chunk); // arrays derived from it are freed with the chunk
        NDArray probs = logits.softmax(0);
        // logsumexp = logit_t − log π_t; the clamp only guards the reported value should π_t underflow
        NDArray chunkTargets = targetIndex.get(from + ":" + to).expandDims(0);
        NDArray logPt = probs.gather(chunkTargets, 0).maximum(Float.MIN_NORMAL).log();
        logSumExp += logits.gather(chunkTargets, 0).sub(logPt).sum().toType(DataType.FLOAT64, false).getDouble();
        NDArray g = probs.transpose().matMul(e);
        g.attach(scope);
        gradStates[c] = g;
        gradItems.addi(probs.matMul(sc));
      }
    }
    NDArray gs = (gradStates.length == 1 ? gradStates[0] : NDArrays.concat(new NDList(gradStates), 0)).div(p);
    gradItems.divi(p);
    NDArray surrogate = states.mul(gs).sum().add(items.mul(gradItems).sum());
    // its value is replaced by the logsumexp total it stands for; its gradient is kept
    NDArray correction = surrogate.stopGradient().duplicate().neg()
        .add(scope.create(logSumExp / p).toType(surrogate.getDataType(), false));
    return surrogate.add(correction).sub(Scalars.dividedBy(targetLogits.sum(), p));
  }

  /** log(1 + exp(z)), computed stably as relu(z) + log(1 + exp(−|z|)). */
  private static NDArray softPlus(NDArray z) {
    return Activation.relu(z).add(z.abs().neg().exp().add(1).log());
  }

  /**
   * Validation NDCG@10, with its own progress stage: it can take as long as an epoch on a large catalogue. Seen
   * items are excluded unless every scene allows repeats, the rule the test uses (else a repeat in the validation
   * part would be a sure miss here and a possible hit in the test, and the epoch picked for another protocol).
   */
  private static double validate(Recommender model, Split.Stage stage, int threads, FitListener report, int epoch) {
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10).withComputeAuc(false).withThreads(threads)
        .withExcludeSeen(!stage.train().dataset().allScenesAllowRepeats());
    return new Evaluator().evaluate(model, stage, options,
        (done, total) -> report.progress("validation after epoch " + epoch, done, total)).mean("NDCG@10");
  }

  /**
   * The positive steps of every user and the training windows: window x belongs to user {@code user[x]}, its input
   * is the last {@code windowLength[x]} steps before index {@code end[x]}, and its targets are the steps
   * {@code end[x] − windowLength[x] + 1 .. end[x]} (each input step's next step). Every user with at least 2
   * positive steps has the window ending at its newest step; with {@link Options#allWindows} a longer sequence
   * also has the windows ending T, 2T, ... steps earlier, so that every step but the first is a target exactly once.
   */
  record Examples(int[][] items, int[][] types, int[][] seen, int[] user, int[] end, int[] windowLength,
      int numItems) {
    static Examples of(TrainingSet train, Options options) {
      return of(train, options, false);
    }

    /**
     * With {@code cloze} a window's input is the last T steps of the sequence itself (its targets are chosen
     * per epoch): the windows end at the newest step and, with {@link Options#allWindows}, T, 2T, ... steps
     * earlier, down to windows of 2 steps.
     */
    static Examples of(TrainingSet train, Options options, boolean cloze) {
      Sequences s = train.sequences();
      int n = s.numUsers();
      int[][] items = new int[n][];
      int[][] types = new int[n][];
      int[][] seen = new int[n][];
      List<int[]> windows = new ArrayList<>();
      for (int u = 0; u < n; u++) {
        items[u] = s.positiveItemsOf(u);
        types[u] = options.useTypes() ? s.positiveTypesOf(u) : null;
        seen[u] = Arrays.stream(items[u]).sorted().distinct().toArray();
        int newest = cloze ? items[u].length : items[u].length - 1;
        int shortest = cloze ? 2 : 1;
        for (int end = newest; end >= shortest; end -= options.maxLength()) {
          windows.add(new int[] {u, end, Math.min(options.maxLength(), end)});
          if (!options.allWindows()) break;
        }
      }
      int[] user = new int[windows.size()];
      int[] end = new int[windows.size()];
      int[] windowLength = new int[windows.size()];
      for (int x = 0; x < user.length; x++) {
        user[x] = windows.get(x)[0];
        end[x] = windows.get(x)[1];
        windowLength[x] = windows.get(x)[2];
      }
      return new Examples(items, types, seen, user, end, windowLength, train.numItems());
    }

    /**
     * The step of its user that window {@code x} predicts at input position {@code j} (0 = its oldest input):
     * the input there is step {@code end[x] − windowLength[x] + j}, the target the step after it.
     */
    int targetStep(int x, int j) {
      return end[x] - windowLength[x] + 1 + j;
    }

    /** The ids of all windows, 0 .. count − 1. */
    int[] examples() {
      int[] ids = new int[user.length];
      for (int x = 0; x < ids.length; x++) ids[x] = x;
      return ids;
    }
  }

}
