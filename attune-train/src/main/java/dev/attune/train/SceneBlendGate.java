package dev.attune.train;

import dev.attune.data.Dataset;
import dev.attune.data.Holdout;
import dev.attune.data.Interactions;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.EventWeights;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tunes the gate of the scene-transfer model's blend ({@link SceneTransferModel}, {@code
 * docs/design/scene-transfer.md}) on validation users: for each bucket of target-scene events, the weights
 * (w_T, w_C, w_P, w_N, w_U, w_E) of the attention score, the iALS score, popularity, the two neighbours' scores and
 * EASE's that maximise the mean NDCG@10 of the validation users' held-out target-scene items. Never reads test data: the
 * caller passes {@link Split#tuning()}.
 *
 * <p>Search: the simplex grid of step {@link #STEP} (3,003 points), best mean first; ties keep the earlier point,
 * the order starting at (1, 0, ..., 0), so the attention score alone wins a tie. Examples: each validation user
 * at their own number n of target-scene training items, and again at every bucket lower bound below n with a
 * seeded random subset of that many of their target-scene items (the user's other scenes always kept), so a
 * warm validation set also informs the buckets of sparse users. The held-out items are the targets and all the
 * user's training items stay excluded from the ranking in every variant (a dropped training item is neither a
 * target nor a candidate: the components were fitted with it). A component that is 0 for every example of a
 * bucket gets weight 0 there and the others are rescaled to sum 1 (the same ranking). A bucket without examples
 * copies the nearest tuned bucket (the lower one on a tie); with no example at all the gate stays (1, 0, ..., 0).
 *
 * @implNote Cost: examples × (one forward pass of the model + finding the contenders, M × S × 6 at most, + 3,003 ×
 *     6 × S) for a target scene of M items of which S can reach a top 10 ({@link #contenders}; on Douban the search
 *     took a fifth of the time it took over all M); memory: one bucket's examples × 3,003 doubles.
 */
public final class SceneBlendGate {
  /** Grid step of the weights. */
  public static final int STEPS = 10;
  /** The grid step as a fraction. */
  public static final double STEP = 1.0 / STEPS;
  /**
   * Resamples of the bagged gate {@code attune train} tunes. Why bagged: on Douban book + music (four seeds,
   * docs/benchmarks.md) it served the test users better than the single best point in most settings.
   */
  public static final int BOOTSTRAPS = 200;
  private static final int K = 10;
  private static final int C = SceneTransferModel.COMPONENTS;

  private SceneBlendGate() {}

  /**
   * The tuned gate of one target scene.
   *
   * @param gate (w_T, w_C, w_P, w_N, w_U, w_E) per bucket, row-major [buckets, 6]
   * @param buckets the buckets' lower bounds (target-scene events)
   * @param examples validation examples per bucket (0: copied from the nearest tuned bucket)
   * @param ndcg the best mean validation NDCG@10 per bucket (NaN where copied)
   */
  public record Tuned(float[] gate, int[] buckets, int[] examples, double[] ndcg) {
    /** A readable summary, one bucket per entry. */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      for (int b = 0; b < buckets.length; b++) {
        sb.append(b == 0 ? "" : "; ").append(buckets[b]).append(b + 1 < buckets.length ? "-" + (buckets[b + 1] - 1) : "+")
            .append(':');
        for (int k = 0; k < C; k++) {
          sb.append(String.format(java.util.Locale.ROOT, k == 0 ? " %.2f" : "/%.2f", gate[C * b + k]));
        }
        sb.append(examples[b] == 0 ? " (copied)" : String.format(java.util.Locale.ROOT, " (n=%d, %.4f)",
                examples[b], ndcg[b]));
      }
      return sb.toString();
    }
  }

  /**
   * Tunes the gate of {@code target} for a weight file with the blend (see {@link SceneTransfer#addBlend}).
   *
   * @param w the weights, trained on {@code validation.train()}
   * @param validation the tuning stage: its training set and the validation users' held-out events
   * @param seed for the subsets of the simulated sparser histories
   * @throws IllegalArgumentException if the file has no blend or the scene is unknown
   */
  public static Tuned tune(WeightFile w, Split.Stage validation, String target, long seed) {
    return tune(w, validation, target, seed, STEPS);
  }

  /**
   * {@link #tune(WeightFile, Split.Stage, String, long)} on a grid of step 1 / {@code steps} (fewer steps, fewer
   * points to choose from: C(steps + 5, 5) of them).
   *
   * @param steps grid steps per unit weight, &gt; 0
   */
  public static Tuned tune(WeightFile w, Split.Stage validation, String target, long seed, int steps) {
    return tune(w, validation, target, seed, steps, 0);
  }

  /**
   * {@link #tune(WeightFile, Split.Stage, String, long, int)} with the choice of each bucket's weights bagged:
   * the best grid point is picked on each of {@code bootstraps} seeded resamples (with replacement) of the
   * bucket's examples and the gate is the mean of the picks. Why: a bucket is tuned on one to three hundred
   * examples, and the best of 3,003 points on so few is partly noise (on Douban the gate tuned on the test users
   * differs much from the one the validation users pick); the mean of the resamples' picks moves less with the
   * luck of the draw. The mean of simplex points is a simplex point, off the grid in general. {@code ndcg} reports
   * the mean validation NDCG@10 of the bagged weights.
   *
   * @param bootstraps resamples per bucket; 0 picks the single best point as the five-argument form
   * @throws IllegalArgumentException if {@code steps <= 0} or {@code bootstraps < 0}, or as above
   */
  public static Tuned tune(WeightFile w, Split.Stage validation, String target, long seed, int steps,
      int bootstraps) {
    return tune(List.of(new Source(w, validation)), target, seed, steps, bootstraps);
  }

  /**
   * Weights and the held-out events they were trained without, one source of examples for {@link #tune(List,
   * String, long, int, int)}.
   */
  public record Source(WeightFile weights, Split.Stage validation) {}

  /**
   * {@link #tune(WeightFile, Split.Stage, String, long, int, int)} on the examples of several sources at once (say
   * the protocol's validation users with the network trained without their events, and a warm split's users with
   * one trained without theirs): each example is scored by its own source's network, and every bucket is tuned on
   * all of them. More examples per bucket, less of the pick's noise. The sources must share the gate's buckets.
   */
  public static Tuned tune(List<Source> sources, String target, long seed, int steps, int bootstraps) {
    if (steps <= 0) throw new IllegalArgumentException("steps must be > 0: " + steps);
    if (bootstraps < 0) throw new IllegalArgumentException("bootstraps must be >= 0: " + bootstraps);
    if (sources.isEmpty()) throw new IllegalArgumentException("no source of examples");
    int[] buckets = null;
    int targetCount = -1;
    List<List<Example>> byBucket = new ArrayList<>();
    for (Source source : sources) {
      SceneTransferModel model = SceneTransferModel.fromWeights(source.weights(),
          source.validation().train().interactions(), target);
      if (!model.hasBlend()) throw new IllegalArgumentException("the weight file has no blend; call addBlend first");
      if (buckets == null) {
        buckets = model.gateBuckets();
        targetCount = model.targetItems().length;
        for (int b = 0; b < buckets.length; b++) byBucket.add(new ArrayList<>());
      } else if (!Arrays.equals(buckets, model.gateBuckets()) || targetCount != model.targetItems().length) {
        throw new IllegalArgumentException("the sources differ in their gate buckets or target items");
      }
      addExamples(model, source.validation(), seed, byBucket);
    }
    int nb = buckets.length;
    float[] gate = new float[nb * C];
    int[] examples = new int[nb];
    double[] ndcg = new double[nb];
    Arrays.fill(ndcg, Double.NaN);
    float[][] grid = grid(steps);
    for (int b = 0; b < nb; b++) {
      List<Example> list = byBucket.get(b);
      examples[b] = list.size();
      if (list.isEmpty()) continue;
      float[] combined = new float[targetCount];
      boolean[] active = new boolean[C];
      double[][] byExample = new double[list.size()][grid.length]; // NDCG@10 of each example at each grid point
      for (int x = 0; x < list.size(); x++) {
        Example e = list.get(x);
        float[][] c = e.model.components(e.history);
        for (int k = 0; k < C; k++) for (float v : c[k]) active[k] |= v != 0;
        int[] rows = contenders(c, e.excluded, K);
        for (int g = 0; g < grid.length; g++) byExample[x][g] = ndcg(c, grid[g], e, rows, combined);
      }
      if (bootstraps == 0) {
        int best = bestPoint(byExample, null);
        System.arraycopy(withoutInert(grid[best], active), 0, gate, C * b, C);
        ndcg[b] = columnMean(byExample, best);
      } else {
        float[] mean = new float[C];
        int[] counts = new int[list.size()];
        SplittableRandom random = new SplittableRandom(seed ^ (0xC2B2AE3D27D4EB4FL * (b + 1)));
        for (int r = 0; r < bootstraps; r++) {
          Arrays.fill(counts, 0);
          for (int x = 0; x < counts.length; x++) counts[random.nextInt(counts.length)]++;
          float[] pick = grid[bestPoint(byExample, counts)];
          for (int k = 0; k < C; k++) mean[k] += pick[k] / bootstraps;
        }
        float[] bagged = withoutInert(mean, active);
        System.arraycopy(bagged, 0, gate, C * b, C);
        double total = 0;
        for (Example e : list) {
          total += ndcg(e.model.components(e.history), bagged, e, notExcluded(e.excluded), combined);
        }
        ndcg[b] = total / list.size();
      }
    }
    for (int b = 0; b < nb; b++) {
      if (examples[b] > 0) continue;
      int from = -1;
      for (int d = 1; d < nb && from < 0; d++) {
        if (b - d >= 0 && examples[b - d] > 0) from = b - d;
        else if (b + d < nb && examples[b + d] > 0) from = b + d;
      }
      if (from >= 0) System.arraycopy(gate, C * from, gate, C * b, C);
      else gate[C * b] = 1f;
    }
    return new Tuned(gate, buckets, examples, ndcg);
  }

  /**
   * The examples of one source: each validation user at their own number of target-scene items and at each lower
   * bucket's bound with a seeded subset of them.
   */
  private static void addExamples(SceneTransferModel model, Split.Stage validation, long seed,
      List<List<Example>> byBucket) {
    Interactions positive = validation.train().interactions().positive();
    int scene = model.scenes().indexOf(model.targetScene());
    int[] targetItems = model.targetItems();
    int[] rowOf = new int[positive.numItems()];
    Arrays.fill(rowOf, -1);
    for (int r = 0; r < targetItems.length; r++) rowOf[targetItems[r]] = r;
    int[] buckets = model.gateBuckets();
    Holdout holdout = validation.holdout();
    for (int u = 0; u < positive.numUsers(); u++) {
      int[] row = positive.row(u);
      boolean[] excluded = new boolean[targetItems.length];
      for (int i : row) if (rowOf[i] >= 0) excluded[rowOf[i]] = true;
      int[] relevant = Arrays.stream(holdout.distinctItemsOf(u)).filter(i -> rowOf[i] >= 0 && !excluded[rowOf[i]])
          .map(i -> rowOf[i]).toArray();
      if (relevant.length == 0) continue;
      int[] own = Arrays.stream(row).filter(i -> model.sceneOf(i) == scene).toArray();
      int[] others = Arrays.stream(row).filter(i -> model.sceneOf(i) != scene).toArray();
      SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (u + 1)));
      for (int j = own.length - 1; j > 0; j--) { // one seeded order per user; the subsets are its prefixes
        int k = random.nextInt(j + 1);
        int t = own[j];
        own[j] = own[k];
        own[k] = t;
      }
      int actual = SceneTransferModel.bucketOf(buckets, own.length);
      for (int b = 0; b <= actual; b++) { // the user as they are, and sparser at each lower bucket's lower bound
        int n = b == actual ? own.length : buckets[b];
        int[] history = Arrays.copyOf(others, others.length + n);
        System.arraycopy(own, 0, history, others.length, n);
        byBucket.get(b).add(new Example(model, history, relevant, excluded));
      }
    }
  }

  /** Share of the users active in a scene and another whose hidden events tune its gate in {@link #tuneWarm}. */
  public static final double WARM_USER_SHARE = 0.2;
  /** Share of such a user's events in the scene hidden for tuning in {@link #tuneWarm}. */
  public static final double WARM_HIDDEN_FRACTION = 0.2;
  private static final long WARM_SEED_SALT = 0x6A09E667F3BCC909L;

  /**
   * A scene's gate from {@link #tuneWarm}.
   *
   * @param gate the tuned gate, or null when no user could tune it
   * @param users users whose hidden events tuned it
   * @param scene the scene
   * @param source the network trained without those events and the split's stage, to pool with other examples
   *     ({@link #tune(List, String, long, int, int)}); null with the gate
   */
  public record WarmTuned(Tuned gate, int users, String scene, Source source) {
    /** The gate and its users, or why it is untuned (what {@code model.json}'s {@code blendGates} records). */
    public String description() {
      return gate == null ? "untuned (no user with " + Splits.SCENE_MIN_TARGETS + "+ events in " + scene
          + " and events in another scene): attention score alone" : gate + " (" + users + " users)";
    }
  }

  /**
   * Tunes the gate of {@code scene} without a protocol's validation users, for a file that serves every scene: a
   * warm-in-scene split of {@code data} (a seeded {@link #WARM_USER_SHARE} of the users with events in {@code
   * scene} and another hide {@link #WARM_HIDDEN_FRACTION} of their events there), the network trained on the rest,
   * and the bagged gate ({@link #BOOTSTRAPS}) that ranks the hidden events best. {@code data} must hold nothing a
   * later test scores. Costs one training run.
   *
   * @param weights how {@code data}'s events weigh (the table its caller trains with)
   * @param listener gets the training run's progress and status (not its epochs: they are not the caller's)
   */
  public static WarmTuned tuneWarm(SceneTransfer trainer, Dataset data, EventWeights weights, String scene, long seed,
      FitListener listener) {
    // a stream of its own: with the caller's seed the users drawn would be those a protocol split with that seed
    // drew for its test (on Douban, cold test users, none of them eligible here)
    long splitSeed = new SplittableRandom(seed ^ WARM_SEED_SALT).nextLong();
    Split tuning = Splits.warmInScene(data, weights, scene, WARM_HIDDEN_FRACTION, WARM_USER_SHARE, splitSeed);
    int users = tuning.test().numUsersWithItems();
    if (users == 0) return new WarmTuned(null, 0, scene, null);
    WeightFile w = trainer.train(tuning.trainAndValidation(), FitListener.progressOnly(listener, ""));
    listener.status("tuning the gate of " + scene + " on " + users + " users");
    return new WarmTuned(tune(w, tuning.testing(), scene, seed, STEPS, BOOTSTRAPS), users, scene,
        new Source(w, tuning.testing()));
  }

  /**
   * {@code tuned} with each bucket that had no example (a copy of the nearest tuned one) taken from {@code warm},
   * a gate of the same scene and buckets tuned on warm users ({@link #tuneWarm}). Why: a cold protocol's validation
   * users have at most its kept events in the target scene, so every bucket above them was a copy of the coldest one
   * (under {@code cold-0}, iALS, EASE and the neighbours had weight 0 for users with any number of target-scene events,
   * where warm users are served best by them: a QA run).
   *
   * @param warm null: {@code tuned} as it is
   * @throws IllegalArgumentException if the buckets differ
   */
  public static Tuned fillCopiedBuckets(Tuned tuned, Tuned warm) {
    if (warm == null) return tuned;
    if (!Arrays.equals(tuned.buckets(), warm.buckets())) {
      throw new IllegalArgumentException("gate buckets " + Arrays.toString(tuned.buckets()) + " differ from "
          + Arrays.toString(warm.buckets()));
    }
    float[] gate = tuned.gate().clone();
    int[] examples = tuned.examples().clone();
    double[] ndcg = tuned.ndcg().clone();
    for (int b = 0; b < examples.length; b++) {
      if (examples[b] > 0) continue;
      System.arraycopy(warm.gate(), C * b, gate, C * b, C);
      examples[b] = warm.examples()[b];
      ndcg[b] = warm.ndcg()[b];
    }
    return new Tuned(gate, tuned.buckets(), examples, ndcg);
  }

  /** Whether some bucket of {@code tuned} had no example and copies another. */
  public static boolean hasCopiedBuckets(Tuned tuned) {
    return Arrays.stream(tuned.examples()).anyMatch(n -> n == 0);
  }

  /**
   * Writes a tuned gate into the {@code blend_gate} rows of {@code target} (other scenes keep theirs).
   *
   * @throws IllegalArgumentException if the file has no blend, the scene is unknown or the buckets differ
   */
  public static void apply(WeightFile w, String target, Tuned tuned) {
    if (!w.has("blend_gate")) throw new IllegalArgumentException("the weight file has no blend");
    int scene = SceneTransferModel.sceneNames(w).indexOf(target);
    if (scene < 0) throw new IllegalArgumentException("unknown scene '" + target + "'");
    int[] buckets = SceneTransferModel.buckets(w.propertyOr("blendBuckets", null));
    if (!Arrays.equals(buckets, tuned.buckets())) {
      throw new IllegalArgumentException("gate buckets " + Arrays.toString(tuned.buckets()) + " differ from the file's "
          + Arrays.toString(buckets));
    }
    WeightFile.Tensor t = w.tensor("blend_gate");
    float[] values = t.values().clone();
    if (values.length != t.shape()[0] * buckets.length * C) {
      throw new IllegalArgumentException("the file's gate has " + (values.length / (t.shape()[0] * buckets.length))
          + " components, not " + C + "; call addBlend again");
    }
    System.arraycopy(tuned.gate(), 0, values, scene * buckets.length * C, buckets.length * C);
    w.put("blend_gate", t.shape(), values);
  }

  /** A validation user's history scored by {@code model}, with the held-out items and those not ranked. */
  record Example(SceneTransferModel model, int[] history, int[] relevant, boolean[] excluded) {}

  /**
   * The items not excluded that can be among the top {@code k} of some blend of the components {@code c} with weights
   * &gt;= 0, ascending: every other item is beaten, whatever the weights, by {@code k} or more items. Item d beats r
   * for every gate when it is at least as high in every component that varies over the items and has the lower
   * index (the ranking's tie-break: a blend with no weight on those components ties them, and float products can
   * tie where the components differ, so a higher value alone is not enough). With rounding monotone, d's blend is
   * then never below r's. Exact, so the gate search over these items finds what it finds over all of them. Why: the
   * search ranks the scene's items at each of 3,003 grid points per example; on Douban that was most of a gate
   * tuning's minutes, and few items can reach a top 10.
   *
   * <p>Items are visited by the sum of the varying components, highest first, ties by index (an item that beats
   * another has a sum at least as high and the lower index, so it comes first), and each is compared only with the
   * contenders found so far: if k items beat it, k contenders do (beating is transitive; a non-contender among them
   * that no other non-contender among them beats is beaten by k items, all contenders). Cost: items × contenders ×
   * components at most, usually far less.
   */
  static int[] contenders(float[][] c, boolean[] excluded, int k) {
    int m = excluded.length;
    int[] varying = new int[c.length];
    int nv = 0;
    for (int j = 0; j < c.length; j++) {
      float first = c[j][0];
      boolean varies = false;
      for (int r = 1; r < m && !varies; r++) varies = c[j][r] != first;
      if (Float.isNaN(first)) varies = true;
      if (varies) varying[nv++] = j;
    }
    Integer[] order = new Integer[m];
    double[] sum = new double[m];
    int n = 0;
    for (int r = 0; r < m; r++) {
      if (excluded[r]) continue;
      double total = 0;
      for (int v = 0; v < nv; v++) total += c[varying[v]][r];
      if (Double.isNaN(total)) return notExcluded(excluded); // no order to prune by: search everything
      sum[r] = total;
      order[n++] = r;
    }
    Arrays.sort(order, 0, n, (x, y) -> sum[x] != sum[y] ? Double.compare(sum[y], sum[x]) : Integer.compare(x, y));
    int[] found = new int[n];
    int nf = 0;
    for (int p = 0; p < n; p++) {
      int r = order[p];
      int beaten = 0;
      for (int q = 0; q < nf && beaten < k; q++) {
        int d = found[q];
        if (d > r) continue;
        boolean atLeast = true;
        for (int v = 0; v < nv && atLeast; v++) atLeast = c[varying[v]][d] >= c[varying[v]][r];
        if (atLeast) beaten++;
      }
      if (beaten < k) found[nf++] = r;
    }
    int[] out = Arrays.copyOf(found, nf);
    Arrays.sort(out);
    return out;
  }

  private static int[] notExcluded(boolean[] excluded) {
    int[] rows = new int[excluded.length];
    int n = 0;
    for (int r = 0; r < excluded.length; r++) if (!excluded[r]) rows[n++] = r;
    return Arrays.copyOf(rows, n);
  }

  /** The grid point with the highest (count-weighted) sum over examples; the earlier point wins a tie. */
  private static int bestPoint(double[][] byExample, int[] counts) {
    int points = byExample[0].length;
    double[] sums = new double[points];
    for (int x = 0; x < byExample.length; x++) {
      int times = counts == null ? 1 : counts[x];
      if (times == 0) continue;
      for (int g = 0; g < points; g++) sums[g] += times * byExample[x][g];
    }
    int best = 0;
    for (int g = 1; g < points; g++) if (sums[g] > sums[best]) best = g;
    return best;
  }

  private static double columnMean(double[][] byExample, int column) {
    double total = 0;
    for (double[] row : byExample) total += row[column];
    return total / byExample.length;
  }

  /**
   * The weights with those of components that were 0 for every example of the bucket (iALS and the target-scene
   * neighbours for users with no target-scene event) set to 0 and the rest rescaled to sum 1: the same ranking
   * (all scores scaled alike), and the gate a user sees in an explanation names only what can move their list.
   * (1, 0, ..., 0) if only inert components had weight.
   */
  private static float[] withoutInert(float[] weights, boolean[] active) {
    float[] out = new float[C];
    float total = 0;
    for (int k = 0; k < C; k++) if (active[k]) total += weights[k];
    if (total == 0) {
      out[0] = 1f;
      return out;
    }
    for (int k = 0; k < C; k++) out[k] = active[k] ? weights[k] / total : 0f;
    return out;
  }

  /** The simplex grid of C weights in steps of 1/units, (1, 0, ..., 0) first, then w_T falling, then w_C, ... */
  static float[][] grid(int units) {
    List<float[]> out = new ArrayList<>();
    addPoints(new int[C], 0, units, units, out);
    return out.toArray(new float[0][]);
  }

  private static void addPoints(int[] steps, int at, int left, int units, List<float[]> out) {
    if (at == C - 1) {
      steps[at] = left;
      float[] g = new float[C];
      for (int k = 0; k < C; k++) g[k] = steps[k] / (float) units;
      out.add(g);
      return;
    }
    // the first weight counts down from all steps, the others up from 0, so (1, 0, ..., 0) comes first
    for (int k = 0; k <= left; k++) {
      steps[at] = at == 0 ? left - k : k;
      addPoints(steps, at + 1, left - steps[at], units, out);
    }
  }

  /**
   * NDCG@K of one example under the blend {@code g} (binary relevance) over the items {@code rows} (ascending; the
   * ranking breaks a tie by the lower index), which must hold every item that can be in the top K: all items not
   * excluded, or {@link #contenders}.
   */
  static double ndcg(float[][] c, float[] g, Example e, int[] rows, float[] combined) {
    for (int r : rows) combined[r] = 0f;
    for (int k = 0; k < C; k++) {
      if (g[k] == 0) continue;
      float w = g[k];
      float[] ck = c[k];
      for (int r : rows) combined[r] += w * ck[r];
    }
    int[] top = new int[K];
    float[] topScore = new float[K];
    int filled = 0;
    for (int r : rows) {
      float s = combined[r];
      if (filled == K && s <= topScore[K - 1]) continue;
      int at = filled < K ? filled++ : K - 1;
      while (at > 0 && topScore[at - 1] < s) {
        topScore[at] = topScore[at - 1];
        top[at] = top[at - 1];
        at--;
      }
      topScore[at] = s;
      top[at] = r;
    }
    double dcg = 0;
    for (int k = 0; k < filled; k++) {
      for (int rel : e.relevant) {
        if (rel == top[k]) {
          dcg += 1 / (Math.log(k + 2) / Math.log(2));
          break;
        }
      }
    }
    double ideal = 0;
    for (int k = 0; k < Math.min(K, e.relevant.length); k++) ideal += 1 / (Math.log(k + 2) / Math.log(2));
    return dcg / ideal;
  }
}
