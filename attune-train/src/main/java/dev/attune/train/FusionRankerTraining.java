package dev.attune.train;

import dev.attune.infer.FusionRanker;
import dev.attune.infer.WeightFile;
import dev.attune.model.CandidateRanker;
import dev.attune.model.FitListener;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import dev.attune.model.TwoStageRecommender;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Trains a {@link FusionRanker} on the retrievers' own candidates for a held-out step: the retrievers are fitted
 * on each user's history without that step (the validation target of leave-one-out), every one proposes its top
 * N, and the true next item is to be ranked first among the union (the other candidates are the negatives: the
 * retrievers' best guesses, the task the ranker faces when serving). Pure Java: no engine.
 *
 * <p>Loss of a request with candidates x_1 … x_n and the target at t: −s(x_t) + ln Σ_j exp(s(x_j)) (a softmax over
 * the candidates, the listwise loss of ListNet with a one-hot target), averaged over the batch's requests, plus
 * λ‖θ‖² over every weight; requests whose union misses the target are left out (no gradient). Adam on float64
 * parameters, seeded initialisation and batch order; early stopping on the mean loss of a validation share of
 * the requests (held-out users), keeping the best epoch's weights.
 *
 * <p>Leakage: the caller must fit the retrievers (and any base ranker) on data that does not hold the targets
 * and later refit them on the full training part for test; {@link #impressions} only queries them.
 *
 * @apiNote Experimental.
 */
public final class FusionRankerTraining {

  /**
   * Options.
   *
   * @param hidden H, the hidden layer's width, &gt; 0
   * @param learningRate Adam's α, &gt; 0
   * @param l2 λ of the L2 penalty, &gt;= 0
   * @param requestsPerBatch requests (candidate lists) per Adam step, &gt; 0
   * @param epochs maximum passes over the training requests, &gt; 0
   * @param patience epochs without a lower validation loss before stopping, &gt;= 0 (0 = never stop early)
   * @param validationShare share of the requests held out for early stopping, in [0, 0.5]
   * @param seed random seed (initial weights, validation users, batch order)
   */
  public record Params(int hidden, float learningRate, float l2, int requestsPerBatch, int epochs, int patience,
      double validationShare, long seed) {

    /**
     * H 16, α 3e-3, λ 1e-4, 16 requests per step, at most 100 epochs, patience 8, 15% validation, seed 42. Why:
     * the model has a few hundred weights and MovieLens-100K gives fewer than a thousand requests, so small steps
     * with many epochs and a little L2; the validation loss over ~100 requests is noisy, hence the patience.
     */
    public static final Params DEFAULTS = new Params(16, 3e-3f, 1e-4f, 16, 100, 8, 0.15, 42L);

    public Params {
      if (hidden <= 0) throw new IllegalArgumentException("hidden must be > 0: " + hidden);
      if (!(learningRate > 0 && Float.isFinite(learningRate))) {
        throw new IllegalArgumentException("learningRate must be finite and > 0: " + learningRate);
      }
      if (!(l2 >= 0 && Float.isFinite(l2))) throw new IllegalArgumentException("l2 must be finite and >= 0: " + l2);
      if (requestsPerBatch <= 0) throw new IllegalArgumentException("requestsPerBatch must be > 0: " + requestsPerBatch);
      if (epochs <= 0) throw new IllegalArgumentException("epochs must be > 0: " + epochs);
      if (patience < 0) throw new IllegalArgumentException("patience must be >= 0: " + patience);
      if (!(validationShare >= 0 && validationShare <= 0.5)) {
        throw new IllegalArgumentException("validationShare must be in [0, 0.5]: " + validationShare);
      }
    }

    /** The keys {@link #with} takes. */
    public static final java.util.List<String> KEYS = java.util.List.of("hidden", "learningRate", "l2",
        "requestsPerBatch", "epochs", "patience", "validationShare", "seed");

    /** These options with {@code key=value} overrides (the record's component names, {@link #KEYS}). */
    public Params with(java.util.Map<String, String> overrides) {
      // read as every model's settings are: a value that is no number, or out of range, is said with its key
      dev.attune.model.ModelParams o = new dev.attune.model.ModelParams("two-stage", overrides);
      try {
        Params p = new Params(o.integer("hidden", hidden), o.flt("learningRate", learningRate), o.flt("l2", l2),
            o.integer("requestsPerBatch", requestsPerBatch), o.integer("epochs", epochs),
            o.integer("patience", patience), o.dbl("validationShare", validationShare), o.lng("seed", seed));
        o.checkAllUsed();
        return p;
      } catch (IllegalArgumentException e) {
        throw dev.attune.model.ModelParams.whose("two-stage", e);
      }
    }
  }

  /**
   * Candidate lists with a known target: the ranker's training data.
   *
   * @param features per request, its candidates' features row-major [n, D] ({@link FusionRanker#features}); null
 *     when the union misses the target
   * @param sizes per request, its number of candidates n
   * @param targets per request, the target's position among its candidates, or -1 when the union misses it
   * @param users per request, its user index
   * @param retrievers R
   * @param baseRankers B
   * @param candidatesPerRetriever N
   */
  public record Impressions(float[][] features, int[] sizes, int[] targets, int[] users, int retrievers,
      int baseRankers, int candidatesPerRetriever) {

    /** Number of requests. */
    public int size() {
      return sizes.length;
    }

    /** Share of requests whose union holds the target: the recall of the union at this step. */
    public double targetRecall() {
      int hit = 0;
      for (int t : targets) if (t >= 0) hit++;
      return targets.length == 0 ? 0 : (double) hit / targets.length;
    }

    @Override
    public String toString() {
      long rows = 0;
      for (int n : sizes) rows += n;
      return String.format("%d requests, %d candidates, target in the union for %.4f", size(), rows, targetRecall());
    }
  }

  /**
   * What training produced.
   *
   * @param weights the best epoch's ranker ({@link FusionRanker#fromWeights})
   * @param bestEpoch 1-based epoch of the lowest validation loss (the last epoch without validation)
   * @param epochsRun epochs run
   * @param secondsPerEpoch mean wall time of an epoch (training and validation)
   * @param validationLoss the best epoch's mean validation loss (NaN without validation)
   * @param validationNdcg NDCG@10 of the target among the validation requests' candidates at the best epoch,
   *     requests whose union misses the target left out (NaN without validation)
   */
  public record Result(WeightFile weights, int bestEpoch, int epochsRun, double secondsPerEpoch,
      double validationLoss, double validationNdcg) {}

  private final Params params;

  public FusionRankerTraining(Params params) {
    if (params == null) throw new IllegalArgumentException("params must be set");
    this.params = params;
  }

  /**
   * Asks the retrievers for every user with a target and records the union's features and the target's place.
   *
   * @param retrievers first-stage models fitted without the targets
   * @param candidatesPerRetriever N
   * @param numUsers users to consider, [0, numUsers)
   * @param historyOf a user's history in the retrievers' training data, positive items oldest first
   * @param targetsOf a user's target items (empty = no request); the first one the union holds is the target
   * @param itemPopularity {@link FusionRanker#itemPopularity} of the retrievers' training data
   * @param bases base rankers whose scores are features, trained without the targets
   */
  public static Impressions impressions(List<Recommender> retrievers, int candidatesPerRetriever, int numUsers,
      IntFunction<int[]> historyOf, IntFunction<int[]> targetsOf, float[] itemPopularity, List<CandidateRanker> bases) {
    CandidateRanker none = (u, h, c) -> new float[c.length];
    TwoStageRecommender firstStage = new TwoStageRecommender("first stage", retrievers, candidatesPerRetriever, none,
        historyOf);
    int d = FusionRanker.numFeatures(retrievers.size(), bases.size());
    List<float[]> features = new ArrayList<>();
    List<int[]> meta = new ArrayList<>();
    for (int u = 0; u < numUsers; u++) {
      int[] targets = targetsOf.apply(u);
      if (targets.length == 0) continue;
      TopK[] lists = firstStage.retrieve(Query.forUser(u, candidatesPerRetriever));
      int[] candidates = TwoStageRecommender.union(lists);
      if (candidates.length == 0) continue;
      int[] history = historyOf.apply(u);
      float[][] baseScores = new float[bases.size()][];
      for (int b = 0; b < baseScores.length; b++) baseScores[b] = bases.get(b).score(u, history, candidates);
      float[] x = new float[candidates.length * d];
      FusionRanker.features(lists, candidates, history.length, itemPopularity, baseScores, candidatesPerRetriever, x);
      int at = -1;
      for (int j = 0; j < candidates.length && at < 0; j++) {
        for (int t : targets) {
          if (candidates[j] == t) {
            at = j;
            break;
          }
        }
      }
      features.add(at >= 0 ? x : null); // a request that misses its target teaches nothing: keep only its count
      meta.add(new int[] {candidates.length, at, u});
    }
    int m = features.size();
    int[] sizes = new int[m];
    int[] targets = new int[m];
    int[] users = new int[m];
    for (int r = 0; r < m; r++) {
      sizes[r] = meta.get(r)[0];
      targets[r] = meta.get(r)[1];
      users[r] = meta.get(r)[2];
    }
    return new Impressions(features.toArray(new float[0][]), sizes, targets, users, retrievers.size(), bases.size(),
        candidatesPerRetriever);
  }

  /**
   * Trains the ranker.
   *
   * @throws IllegalArgumentException if no request holds its target
   */
  public Result train(Impressions data, FitListener listener) {
    int d = FusionRanker.numFeatures(data.retrievers(), data.baseRankers());
    int h = params.hidden();
    Layout layout = new Layout(d, h);
    SplittableRandom random = new SplittableRandom(params.seed());
    List<Integer> train = new ArrayList<>();
    List<Integer> validation = new ArrayList<>();
    for (int r = 0; r < data.size(); r++) {
      if (data.targets()[r] < 0) continue;
      (random.nextDouble() < params.validationShare() ? validation : train).add(r);
    }
    if (train.isEmpty()) throw new IllegalArgumentException("no request holds its target: nothing to learn");
    double[] theta = layout.initial(random);
    double[] grad = new double[theta.length];
    double[] m1 = new double[theta.length];
    double[] m2 = new double[theta.length];
    double[] best = theta.clone();
    double bestLoss = Double.POSITIVE_INFINITY;
    double bestNdcg = Double.NaN;
    int bestEpoch = 0;
    int epoch = 0;
    long step = 0;
    long start = System.nanoTime();
    int[] order = train.stream().mapToInt(Integer::intValue).toArray();
    double firstLoss = Double.NaN;
    for (epoch = 1; epoch <= params.epochs(); epoch++) {
      SplittableRandom shuffle = new SplittableRandom(params.seed() * 31 + epoch);
      for (int i = order.length - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      double trainLoss = 0;
      for (int b = 0; b < order.length; b += params.requestsPerBatch()) {
        int end = Math.min(order.length, b + params.requestsPerBatch());
        java.util.Arrays.fill(grad, 0);
        double batchLoss = 0;
        for (int q = b; q < end; q++) {
          int r = order[q];
          batchLoss += lossAndGradient(layout, theta, data.features()[r], data.sizes()[r], data.targets()[r], grad,
              1.0 / (end - b));
        }
        trainLoss += batchLoss;
        if (Double.isNaN(firstLoss)) firstLoss = batchLoss / (end - b); // before any step: what knowing nothing scores
        double l2 = params.l2();
        for (int p = 0; p < theta.length; p++) grad[p] += 2 * l2 * theta[p];
        step++;
        adam(theta, grad, m1, m2, step);
      }
      trainLoss /= order.length;
      // steps large enough to blow the weights up can keep every loss finite: a QA run's learningRate 1e30 trained on
      // to losses of 1e30 and wrote its model (the ceiling of DivergenceWatch, on the first batch's loss)
      if (!Double.isFinite(trainLoss) || firstLoss > 0 && trainLoss > DivergenceWatch.LOSS_CEILING * firstLoss) {
        // steps too large: the weights overflowed, and every epoch after starts from them
        DivergenceWatch.Diverged diverged = new DivergenceWatch.Diverged("training diverged: the fusion ranker's"
            + " training loss is " + trainLoss + " at epoch " + epoch + "; lower learningRate (" + params.learningRate()
            + ")");
        if (bestEpoch == 0 || validation.isEmpty()) throw diverged;
        listener.status(diverged.getMessage() + "; stopped, keeping epoch " + bestEpoch + ", the best validated");
        break;
      }
      listener.epochEnd(epoch, trainLoss);
      if (validation.isEmpty()) {
        best = theta.clone();
        bestEpoch = epoch;
        listener.status(String.format("epoch %d: training loss %.4f", epoch, trainLoss));
        continue;
      }
      double[] score = validate(layout, theta, data, validation);
      listener.validated(epoch, score[1]);
      listener.status(String.format("epoch %d: training loss %.4f, validation loss %.4f, NDCG@10 %.4f", epoch,
          trainLoss, score[0], score[1]));
      if (score[0] < bestLoss) {
        bestLoss = score[0];
        bestNdcg = score[1];
        bestEpoch = epoch;
        best = theta.clone();
      } else if (params.patience() > 0 && epoch - bestEpoch >= params.patience()) {
        break;
      }
    }
    int run = Math.min(epoch, params.epochs());
    double seconds = (System.nanoTime() - start) / 1e9 / run;
    return new Result(layout.weights(best, data), bestEpoch, run, seconds, bestLoss, bestNdcg);
  }

  /** {mean loss, mean NDCG@10} over the validation requests. */
  private static double[] validate(Layout layout, double[] theta, Impressions data, List<Integer> validation) {
    double loss = 0;
    double ndcg = 0;
    for (int r : validation) {
      float[] x = data.features()[r];
      int n = data.sizes()[r];
      int t = data.targets()[r];
      loss += lossAndGradient(layout, theta, x, n, t, null, 0);
      double[] s = new double[n];
      for (int j = 0; j < n; j++) s[j] = forward(layout, theta, x, j, null);
      int rank = 0;
      for (int j = 0; j < n; j++) {
        if (s[j] > s[t] || (s[j] == s[t] && j < t)) rank++;
      }
      if (rank < 10) ndcg += 1 / (Math.log(rank + 2) / Math.log(2));
    }
    return new double[] {loss / validation.size(), ndcg / validation.size()};
  }

  private void adam(double[] theta, double[] grad, double[] m1, double[] m2, long step) {
    double beta1 = 0.9;
    double beta2 = 0.999;
    double alpha = params.learningRate() * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step));
    for (int p = 0; p < theta.length; p++) {
      m1[p] = beta1 * m1[p] + (1 - beta1) * grad[p];
      m2[p] = beta2 * m2[p] + (1 - beta2) * grad[p] * grad[p];
      theta[p] -= alpha * m1[p] / (Math.sqrt(m2[p]) + 1e-8);
    }
  }

  /**
   * Where each weight sits in the flat parameter vector θ: hidden.weight [H, D], hidden.bias [H], output.weight
   * [H], linear.weight [D].
   */
  record Layout(int dim, int hidden) {
    int hiddenBias() {
      return hidden * dim;
    }

    int output() {
      return hiddenBias() + hidden;
    }

    int linear() {
      return output() + hidden;
    }

    int size() {
      return linear() + dim;
    }

    /** Hidden weights ~ N(0, 1/D), output weights ~ N(0, 1/H) / 4, biases and the linear part 0. */
    double[] initial(SplittableRandom random) {
      double[] theta = new double[size()];
      for (int p = 0; p < hidden * dim; p++) theta[p] = gaussian(random) / Math.sqrt(dim);
      for (int p = 0; p < hidden; p++) theta[output() + p] = gaussian(random) / Math.sqrt(hidden) / 4;
      return theta;
    }

    WeightFile weights(double[] theta, Impressions data) {
      return FusionRanker.weights(data.retrievers(), data.baseRankers(), data.candidatesPerRetriever(), hidden,
          floats(theta, 0, hidden * dim), floats(theta, hiddenBias(), hidden), floats(theta, output(), hidden),
          floats(theta, linear(), dim));
    }

    private static float[] floats(double[] theta, int from, int length) {
      float[] out = new float[length];
      for (int p = 0; p < length; p++) out[p] = (float) theta[from + p];
      return out;
    }
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller with StrictMath, so the same seed gives the same weights on any JIT
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
  }

  /**
   * s(x_j) for row j; when {@code tanhOut} is given, the hidden activations are written into it.
   */
  static double forward(Layout layout, double[] theta, float[] x, int j, double[] tanhOut) {
    int d = layout.dim();
    int row = j * d;
    double s = 0;
    for (int c = 0; c < d; c++) s += theta[layout.linear() + c] * x[row + c];
    for (int k = 0; k < layout.hidden(); k++) {
      double a = theta[layout.hiddenBias() + k];
      int w = k * d;
      for (int c = 0; c < d; c++) a += theta[w + c] * x[row + c];
      double t = StrictMath.tanh(a);
      if (tanhOut != null) tanhOut[k] = t;
      s += theta[layout.output() + k] * t;
    }
    return s;
  }

  /**
   * The softmax loss of one request, −s_t + ln Σ_j exp(s_j); when {@code grad} is given, adds {@code weight} × its
   * gradient with respect to θ.
   */
  static double lossAndGradient(Layout layout, double[] theta, float[] x, int n, int target, double[] grad,
      double weight) {
    int h = layout.hidden();
    double[] s = new double[n];
    double[] t = grad == null ? null : new double[n * h];
    double[] row = grad == null ? null : new double[h];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      s[j] = forward(layout, theta, x, j, row);
      if (row != null) System.arraycopy(row, 0, t, j * h, h);
      max = Math.max(max, s[j]);
    }
    double sum = 0;
    for (int j = 0; j < n; j++) sum += StrictMath.exp(s[j] - max);
    double loss = max + StrictMath.log(sum) - s[target];
    if (grad == null) return loss;
    int d = layout.dim();
    for (int j = 0; j < n; j++) {
      double ds = weight * (StrictMath.exp(s[j] - max) / sum - (j == target ? 1 : 0));
      int at = j * d;
      for (int c = 0; c < d; c++) grad[layout.linear() + c] += ds * x[at + c];
      for (int k = 0; k < h; k++) {
        double tk = t[j * h + k];
        grad[layout.output() + k] += ds * tk;
        double da = ds * theta[layout.output() + k] * (1 - tk * tk);
        grad[layout.hiddenBias() + k] += da;
        int w = k * d;
        for (int c = 0; c < d; c++) grad[w + c] += da * x[at + c];
      }
    }
    return loss;
  }
}
