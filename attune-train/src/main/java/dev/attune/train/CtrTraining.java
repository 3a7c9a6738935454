package dev.attune.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.attune.data.CtrDataset;
import dev.attune.eval.Leaderboard;
import dev.attune.eval.RankingMetrics;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.nn.ParameterStore;
import dev.attune.train.nn.Scalars;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The pointwise training loop every CTR model shares ({@link Fm}, {@link Ncf}, {@link Din}): binary cross-entropy
 * of each training impression's label against σ(logit), over seeded shuffled mini-batches, with {@link Adam},
 * an optional L2 penalty, validation AUC / GAUC / log-loss after every epoch and early stopping on validation
 * GAUC (AUC where no validation user has both labels, log-loss where no one has: {@link #stoppingScore}). A model
 * contributes only its {@link CtrNetwork}.
 *
 * <p>Loss of a batch: (1/B) Σ [softplus(z) − y·z] + λ Σ_θ ‖θ‖², the first term being the binary cross-entropy
 * written stably on the logit z.
 *
 * <p>Reproducibility: initial values come from the network's seeded store, batch order from a
 * {@link SplittableRandom} derived from the seed and the epoch, and the engine's generator is re-seeded every
 * epoch; the networks use no dropout, so a seed fixes the run on one machine and thread count.
 */
public final class CtrTraining {

  /**
   * Options every CTR model shares.
   *
   * @param maxHistory L, the history window (the last L positives before the impression), &gt; 0
   * @param learningRate Adam's α, &gt; 0
   * @param l2 λ of the L2 penalty on every parameter, &gt;= 0
   * @param batchSize impressions per batch, &gt; 0
   * @param epochs maximum passes over the training impressions, &gt; 0
   * @param patience epochs without a better validation GAUC before stopping, &gt;= 0 (0 = never stop early)
   * @param seed random seed
   * @param threads intra-op threads of the PyTorch engine (process-wide), &gt; 0
   */
  public record Options(int maxHistory, float learningRate, float l2, int batchSize, int epochs, int patience,
      long seed, int threads) {

    /**
     * L 20, α 2e-3, λ 0, batch 512, at most 30 epochs, patience 3, seed 42, one engine thread. Why: 20 events
     * cover the recent interest of most MovieLens users at a fraction of the cost of the full history; batch 512
     * with α 2e-3 trains MovieLens-100K's 72K impressions in seconds per epoch; early stopping on validation GAUC
     * rather than a fixed epoch count because the id embeddings overfit within a few epochs on 100K ratings. One
     * thread: the CTR networks' operators are too small to split, and on a shared machine two spinning OpenMP
     * threads made an epoch about 25 times slower (measured: DIN on MovieLens-100K, load 6-10 on 2 cores).
     */
    public static final Options DEFAULTS = new Options(20, 2e-3f, 0f, 512, 30, 3, 42L, 1);

    public Options {
      if (maxHistory <= 0) throw new IllegalArgumentException("maxHistory must be > 0: " + maxHistory);
      if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0: " + learningRate);
      if (!(l2 >= 0)) throw new IllegalArgumentException("l2 must be >= 0: " + l2);
      if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be > 0: " + batchSize);
      if (epochs <= 0) throw new IllegalArgumentException("epochs must be > 0: " + epochs);
      if (patience < 0) throw new IllegalArgumentException("patience must be >= 0: " + patience);
      if (threads <= 0) throw new IllegalArgumentException("threads must be > 0: " + threads);
    }

    /** A copy with another seed. */
    public Options withSeed(long newSeed) {
      return new Options(maxHistory, learningRate, l2, batchSize, epochs, patience, newSeed, threads);
    }

    /** A copy with another number of epochs and patience. */
    public Options withEpochs(int newEpochs, int newPatience) {
      return new Options(maxHistory, learningRate, l2, batchSize, newEpochs, newPatience, seed, threads);
    }

    /** A copy with another learning rate and L2 weight. */
    public Options withOptimiser(float newLearningRate, float newL2) {
      return new Options(maxHistory, newLearningRate, newL2, batchSize, epochs, patience, seed, threads);
    }

    /** A copy with another number of engine threads. */
    public Options withThreads(int newThreads) {
      return new Options(maxHistory, learningRate, l2, batchSize, epochs, patience, seed, newThreads);
    }
  }

  /**
   * CTR quality of predictions on one part.
   *
   * @param auc {@link RankingMetrics#auc(float[], boolean[])}
   * @param groupAuc {@link RankingMetrics#groupAuc} grouped by user
   * @param logLoss {@link RankingMetrics#logLoss}
   */
  public record Scores(double auc, double groupAuc, double logLoss) {
    @Override
    public String toString() {
      // undefined (GAUC when no user has both labels) as the leaderboard writes it: n/a
      return "AUC " + Leaderboard.fourDecimals(auc) + ", GAUC " + Leaderboard.fourDecimals(groupAuc) + ", log-loss "
          + Leaderboard.fourDecimals(logLoss);
    }
  }

  /**
   * What a training run produced.
   *
   * @param weights the weights of the best validated epoch (of the last epoch without validation data)
   * @param bestEpoch the epoch (1-based) the weights come from
   * @param epochsRun epochs trained
   * @param validation validation scores of the returned weights (null without validation data)
   * @param secondsPerEpoch mean wall time of an epoch's training pass (validation excluded)
   */
  public record Result(WeightFile weights, int bestEpoch, int epochsRun, Scores validation, double secondsPerEpoch) {}

  private static final int PREDICT_BATCH = 1024;

  private CtrTraining() {}

  /**
   * Trains a network on {@code data}'s training part, validating on its validation part after every epoch.
   * Progress: {@link FitListener#progress} in impressions (stage {@code "epoch e/E"}), {@link FitListener#status}
   * with the validation scores, {@link FitListener#epochEnd} with the mean training loss.
   *
   * @param build makes the network: from a preset (parameter name to values), or (null) from the seed
   */
  public static Result train(CtrDataset data, Options options,
      Function<Function<String, float[]>, CtrNetwork> build, FitListener listener) {
    FitListener report = listener == null ? FitListener.NONE : listener;
    Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(options.threads());
    // grad mode is per thread, off only on the thread that loaded the engine: Adam's in-place updates on any other
    // thread (a server's job, a test's executor) failed with "a leaf Variable that requires grad is being used in an
    // in-place operation" (a review), as SequenceTraining notes
    JniUtils.setGradMode(false);
    int slots = CtrBatch.slotsFor(data);
    CtrDataset.Part train = data.train();
    boolean validate = data.validation().size() > 0;
    WeightFile best = null;
    Scores bestScores = null;
    double bestGauc = Double.NEGATIVE_INFINITY;
    int bestEpoch = 0;
    int bad = 0;
    int epochsRun = 0;
    double seconds = 0;
    try (CtrNetwork net = build.apply(null);
        Adam adam = new Adam(net.parameters(), options.learningRate(), 0.9f, 0.999f, 1e-8f)) {
      ParameterStore store = net.parameters();
      store.requireGradients();
      // l2 named only when there is one to lower
      DivergenceWatch watch = new DivergenceWatch("learningRate (" + options.learningRate() + ")"
          + (options.l2() > 0 ? " or l2 (" + options.l2() + ")" : ""));
      for (int epoch = 0; epoch < options.epochs(); epoch++) {
        double loss;
        Scores s = null;
        try {
          long start = System.nanoTime();
          loss = runEpoch(net, adam, data, train, options, slots, epoch, watch, report);
          seconds += (System.nanoTime() - start) / 1e9;
          if (validate) s = score(predict(net, data, data.validation(), options.maxHistory(), slots), data.validation());
        } catch (DivergenceWatch.Diverged diverged) {
          if (best == null) throw diverged;
          report.status(diverged.getMessage() + "; stopped, keeping epoch " + bestEpoch + ", the best validated");
          break;
        }
        epochsRun++;
        report.epochEnd(epoch + 1, loss);
        if (!validate) continue;
        report.status(String.format("epoch %d: loss %.4f, validation %s", epoch + 1, loss, s));
        double score = stoppingScore(s);
        if (epoch == 0 && !Double.isFinite(s.groupAuc())) {
          // labels alone decide it: GAUC is NaN when no validation user has both a click and a non-click, and stays
          // so; comparing NaN stopped a QA run after `patience` epochs, keeping the last
          report.status("validation GAUC is undefined (no validation user has both a positive and a negative): early"
              + " stopping on " + (Double.isFinite(s.auc()) ? "AUC" : "log-loss") + " instead");
        }
        if (score > bestGauc) {
          bestGauc = score;
          bestScores = s;
          bestEpoch = epoch + 1;
          best = net.toWeights();
          bad = 0;
        } else if (options.patience() > 0 && ++bad >= options.patience()) {
          break;
        }
      }
      if (best == null) {
        best = net.toWeights();
        bestEpoch = epochsRun;
      }
      best.property("epoch", Integer.toString(bestEpoch));
      return new Result(best, bestEpoch, epochsRun, bestScores, seconds / Math.max(1, epochsRun));
    }
  }

  /** One pass over the training impressions; returns the mean binary cross-entropy (penalty excluded). */
  private static double runEpoch(CtrNetwork net, Adam adam, CtrDataset data, CtrDataset.Part train,
      Options options, int slots, int epoch, DivergenceWatch watch, FitListener report) {
    long seed = new SplittableRandom(options.seed() ^ (0x9E3779B97F4A7C15L * (epoch + 1))).nextLong();
    Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    SplittableRandom random = new SplittableRandom(seed);
    int n = train.size();
    int[] order = new int[n];
    for (int k = 0; k < n; k++) order[k] = k;
    for (int j = n - 1; j > 0; j--) {
      int k = random.nextInt(j + 1);
      int t = order[j];
      order[j] = order[k];
      order[k] = t;
    }
    ParameterStore store = net.parameters();
    String stage = "epoch " + (epoch + 1) + "/" + options.epochs();
    double lossSum = 0;
    long seen = 0;
    int skipped = 0;
    for (int from = 0; from < n; from += options.batchSize()) {
      int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + options.batchSize()));
      CtrBatch batch = CtrBatch.of(data, train, rows, options.maxHistory(), slots);
      try (NDManager scope = net.manager().newSubManager()) {
        store.attachTo(scope);
        float value;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray z = net.logits(scope, batch, true);
          NDArray y = scope.create(batch.labels).toType(z.getDataType(), false);
          NDArray bce = softPlus(z).sub(z.mul(y)).mean();
          value = bce.getFloat();
          NDArray loss = bce;
          if (options.l2() > 0) {
            NDArray squares = null;
            for (String name : store.names()) {
              NDArray s = store.get(name).square().sum();
              squares = squares == null ? s : squares.add(s);
            }
            loss = loss.add(Scalars.times(squares, options.l2()));
          }
          collector.backward(loss);
        }
        if (Float.isFinite(value) && SequenceTraining.gradientsFinite(store, scope)) {
          adam.update(store, scope);
          lossSum += value * (double) rows.length;
          seen += rows.length;
          watch.trained(value, rows.length);
        } else if ((skipped = watch.skipped()) == 1) {
          report.status("skipped a batch with a non-finite loss or gradient at epoch " + (epoch + 1));
        }
        store.zeroGradients();
      }
      report.progress(stage, Math.min(n, from + options.batchSize()), n);
    }
    if (skipped > 1) report.status("epoch " + (epoch + 1) + ": skipped " + skipped + " batches with non-finite gradients");
    watch.endEpoch(epoch);
    return seen == 0 ? Double.NaN : lossSum / seen;
  }

  /**
   * Predicted probabilities of every impression of {@code part}, in order, in inference mode.
   *
   * @param slots category slots per item ({@link CtrBatch#slotsFor})
   */
  public static float[] predict(CtrNetwork net, CtrDataset data, CtrDataset.Part part, int maxHistory, int slots) {
    float[] out = new float[part.size()];
    for (int from = 0; from < out.length; from += PREDICT_BATCH) {
      int to = Math.min(out.length, from + PREDICT_BATCH);
      int[] rows = new int[to - from];
      for (int k = 0; k < rows.length; k++) rows[k] = from + k;
      CtrBatch batch = CtrBatch.of(data, part, rows, maxHistory, slots);
      try (NDManager scope = net.manager().newSubManager()) {
        net.parameters().attachTo(scope);
        float[] p = Activation.sigmoid(net.logits(scope, batch, false)).toType(DataType.FLOAT32, false)
            .toFloatArray();
        System.arraycopy(p, 0, out, from, p.length);
      }
    }
    return out;
  }

  /**
   * What early stopping compares, higher better: validation GAUC, or AUC where GAUC is undefined (no user with both
   * labels), or the negated log-loss where AUC is too (one label only).
   */
  static double stoppingScore(Scores s) {
    return Double.isFinite(s.groupAuc()) ? s.groupAuc() : Double.isFinite(s.auc()) ? s.auc() : -s.logLoss();
  }

  /** AUC, GAUC (by user) and log-loss of {@code probabilities} against {@code part}'s labels. */
  public static Scores score(float[] probabilities, CtrDataset.Part part) {
    int nan = 0;
    for (float p : probabilities) if (Float.isNaN(p)) nan++;
    if (nan > 0) {
      // weights that overflowed in a step too large: what to change, not the metric's own complaint
      throw new DivergenceWatch.Diverged(String.format(java.util.Locale.ROOT, "training diverged: the model"
          + " predicts NaN for %,d of %,d impressions; lower learningRate or l2", nan, probabilities.length));
    }
    return new Scores(RankingMetrics.auc(probabilities, part.label()),
        RankingMetrics.groupAuc(probabilities, part.label(), part.user()),
        RankingMetrics.logLoss(probabilities, part.label()));
  }

  /** log(1 + exp(z)), computed stably as relu(z) + log(1 + exp(−|z|)). */
  static NDArray softPlus(NDArray z) {
    return Activation.relu(z).add(z.abs().neg().exp().add(1).log());
  }
}
