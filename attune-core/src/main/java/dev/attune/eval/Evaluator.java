package dev.attune.eval;

import dev.attune.data.Holdout;
import dev.attune.data.Interactions;
import dev.attune.data.ItemFeatures;
import dev.attune.data.Split;
import dev.attune.data.TrainingSet;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.RatingPredictor;
import dev.attune.model.Recommender;
import dev.attune.model.SceneRecommender;
import dev.attune.model.TopK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Scores a trained model on a held-out part of a split: the one offline evaluation protocol.
 *
 * <h2>Protocol</h2>
 * For every user with held-out items (or a seeded sample of them, {@link EvalOptions#maxUsers()}):
 * <ol>
 *   <li>The model ranks the catalogue for the user from their training history:
 *       {@code new Query(user, null, maxK, ItemFilter.ALL, excludeSeen)}, where maxK is the largest of
 *       {@link EvalOptions#ks()}, or the catalogue size when AUC is on.
 *   <li>The relevant set is the user's distinct held-out items ({@link Holdout#distinctItemsOf}).
 *   <li>The {@link RankingMetrics} of that list are recorded for every k: HR, NDCG, Recall, Precision, F1 and
 *       MAP; then MRR at cut-off maxK and, if {@link EvalOptions#computeAuc()}, the user's full-ranking AUC.
 * </ol>
 * With {@link EvalOptions#excludeSeen()} (the default) the model leaves the user's training items out of the
 * ranking. A held-out item the user also had in training then cannot be recommended: it stays in the relevant
 * set and counts as a miss (and ranks last for AUC). This is deliberate: such a target is a repeat, and a
 * protocol that excludes seen items cannot credit it; use {@code excludeSeen = false} where repeats are normal.
 * In a data set where only some scenes allow repeats ({@link dev.attune.data.Dataset#repeatScenes}), seen items of
 * those scenes stay in the ranking and the others are excluded: the model ranks with seen items kept, and the
 * evaluator drops the seen items of the other scenes from its list (a review: one flag for the whole data set made
 * every music replay a certain miss once a books scene joined it).
 * Users with nothing held out are not evaluated at all (the metrics would be undefined).
 *
 * <h2>AUC</h2>
 * Needs a score for every candidate, so when it is on the model is asked for the whole catalogue
 * ({@code k = numItems}) once per user, and the top-k metrics read the head of that list. Candidates are all
 * items minus the user's training items (when seen items are excluded), plus the relevant ones; see
 * {@link RankingMetrics#auc(int[], float[], int[], int)} for how left-out items rank. Cost: an
 * O(numItems log numItems) selection and an O(numItems) copy per user instead of O(numItems log maxK): turn it
 * off for large catalogues.
 *
 * <h2>One scene</h2>
 * A model restricted to one scene ({@link SceneRecommender}) is evaluated over that scene's items: they are its
 * catalogue for the protocol's description, AUC's candidates, sampled negatives, coverage and Gini.
 *
 * <h2>Sampled negatives</h2>
 * When {@link EvalOptions#sampledNegatives()} is N &gt; 0, each user also gets N items drawn uniformly without
 * replacement from those neither in their training row nor held out (all of them if fewer remain), seeded by
 * the option seed and the user index, so a user's sample does not depend on threads or on other users. The
 * model ranks the held-out items together with those negatives (one query whose filter accepts only them); each
 * held-out item's rank is the number of negatives above it, and HR@k and NDCG@k ({@code 1 / log2(rank + 2)})
 * are averaged over the user's held-out items. These metrics are labelled {@code (sampled, N negatives)}: they
 * are far higher than full-ranking numbers and not comparable with them.
 *
 * <h2>Other metrics</h2>
 * Beyond accuracy, over every evaluated user's top-k list for k = the first of {@link EvalOptions#ks()}:
 * {@link CatalogMetrics#coverage coverage} and {@link CatalogMetrics#gini Gini index} of recommendation counts,
 * mean {@link CatalogMetrics#intraListDiversity intra-list diversity} over users with two or more recommended
 * items (NaN without item features), and {@link CatalogMetrics#novelty novelty} with item popularity taken from
 * the positive training interactions. When the model is a {@link RatingPredictor}, RMSE and MAE over every
 * held-out event of the evaluated users ({@link RatingMetrics}, the raw event values as truth).
 *
 * <h2>Threads and determinism</h2>
 * Users are cut into fixed chunks run on {@link EvalOptions#threads()} worker threads; each user's values are
 * stored at the user's position, and every aggregate is summed in user order afterwards, so the result is
 * identical for any thread count. Progress is reported on the calling thread after each chunk.
 *
 * <p>Ties: the models break equal scores by ascending item index ({@link TopK}), which the evaluator inherits;
 * a model that scores many items equally is favoured or penalised by where its targets fall in index order.
 *
 * <p>Stateless and thread-safe; the model must be thread-safe (as every {@link Recommender} is).
 */
public final class Evaluator {

  /** Receives evaluation progress; see {@link #update}. */
  @FunctionalInterface
  public interface Progress {
    /** Reports nothing. */
    Progress NONE = (done, total) -> {};

    /**
     * Called on the thread that called {@code evaluate}: once with {@code done = 0} before work starts, then
     * after each chunk of users, with {@code done} increasing to {@code total}.
     *
     * @param done users evaluated so far
     * @param total users to evaluate
     */
    void update(int done, int total);
  }

  private static final Metric.Kind[] TOP_K_KINDS = {
    Metric.Kind.HIT_RATE, Metric.Kind.NDCG, Metric.Kind.RECALL, Metric.Kind.PRECISION, Metric.Kind.F1,
    Metric.Kind.MAP
  };

  /** A stateless evaluator. */
  public Evaluator() {}

  /**
   * Evaluates {@code model} on the testing stage of {@code split} (train on training + validation, score on
   * test), with the split's protocol named in the result.
   *
   * @throws IllegalArgumentException as {@link #evaluate(Recommender, Split.Stage, EvalOptions, Progress)}
   */
  public EvalResult evaluate(Recommender model, Split split, EvalOptions options, Progress progress) {
    return run(model, split.testing(), options, progress, split.protocol());
  }

  /**
   * Evaluates {@code model} on {@code stage} without progress reports.
   *
   * @throws IllegalArgumentException as {@link #evaluate(Recommender, Split.Stage, EvalOptions, Progress)}
   */
  public EvalResult evaluate(Recommender model, Split.Stage stage, EvalOptions options) {
    return evaluate(model, stage, options, Progress.NONE);
  }

  /**
   * Evaluates {@code model}, trained on {@code stage.train()}, against {@code stage.holdout()}; see the class
   * documentation for the protocol.
   *
   * @param model the trained model, thread-safe
   * @param stage the training set the model was fit on and the holdout to score
   * @param options cut-offs, exclusions, threads, sampling
   * @param progress progress callback, called on this thread; {@link Progress#NONE} for none
   * @return the metrics of every evaluated user
   * @throws IllegalArgumentException if the model's catalogue differs from the training set's, a user with
   *     held-out items is unknown to the model, or the item features do not cover the catalogue
   * @implNote One model query per user (two with sampled negatives), each of k = max(ks), or numItems with AUC
   *     on; memory O(users × metrics + users × k).
   */
  public EvalResult evaluate(Recommender model, Split.Stage stage, EvalOptions options, Progress progress) {
    return run(model, stage, options, progress, null);
  }

  private EvalResult run(Recommender model, Split.Stage stage, EvalOptions options, Progress progress,
      String splitProtocol) {
    long start = System.nanoTime();
    if (model == null || stage == null || options == null) {
      throw new IllegalArgumentException("model, stage and options must not be null");
    }
    Progress report = progress == null ? Progress.NONE : progress;
    Job job = new Job(model, stage, options);
    int total = job.users.length;
    report.update(0, total);
    runChunks(job, options.threads(), report);
    return job.result(splitProtocol, start);
  }

  private static void runChunks(Job job, int threads, Progress report) {
    int n = job.users.length;
    if (n == 0) return;
    int chunk = Math.max(1, Math.min(256, n / (threads * 8)));
    int chunks = (n + chunk - 1) / chunk;
    int workers = Math.min(threads, chunks);
    if (workers == 1) {
      for (int c = 0; c < chunks; c++) {
        int to = Math.min(n, (c + 1) * chunk);
        job.evaluateRange(c * chunk, to);
        report.update(to, n);
      }
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(workers, daemonThreads());
    try {
      ExecutorCompletionService<Integer> done = new ExecutorCompletionService<>(pool);
      for (int c = 0; c < chunks; c++) {
        int from = c * chunk;
        int to = Math.min(n, from + chunk);
        done.submit(() -> {
          job.evaluateRange(from, to);
          return to - from;
        });
      }
      int finished = 0;
      for (int c = 0; c < chunks; c++) {
        finished += done.take().get();
        report.update(finished, n);
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) throw r;
      if (cause instanceof Error err) throw err;
      throw new IllegalStateException("evaluation failed", cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("evaluation interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static ThreadFactory daemonThreads() {
    return r -> {
      Thread t = new Thread(r, "attune-eval");
      t.setDaemon(true);
      return t;
    };
  }

  /** One evaluation run: inputs, the column layout and the per-user output arrays. */
  private static final class Job {
    private final Recommender model;
    private final Interactions train;
    private final Holdout holdout;
    private final TrainingSet trainingSet;
    private final EvalOptions options;
    /** The cut-offs, copied once. */
    private final int[] ks;
    private final int numItems;
    /**
     * The items the model can recommend when it is restricted to one scene ({@link SceneRecommender}), else null
     * (every item): candidates for AUC and sampled negatives, and the catalogue of coverage and Gini.
     */
    private final boolean[] catalogue;
    /** How many items {@link #catalogue} holds ({@link #numItems} without one). */
    private final int catalogueSize;
    private final int maxK;
    /** Users whose unseen items were fewer than the sampled negatives asked for (counted once per user). */
    private final java.util.concurrent.atomic.AtomicInteger usersWithFewerNegatives;
    private final int listK;
    private final int diversityK;
    private final ItemFeatures features;
    private final RatingPredictor ratings;
    private final int[] users;
    private final int usersWithHoldout;
    private final Metric[] columns;
    /** values[column][user position]. */
    private final double[][] values;
    /** Each user's top diversityK items, for the beyond-accuracy metrics. */
    private final int[][] topLists;
    /**
     * Per item, whether its scene allows repeats, when seen items are excluded and some scenes (not all) allow
     * repeats; null otherwise (one rule for every item).
     */
    private final boolean[] repeatItem;
    /** Index of the rating predictor's event type in the data set's type names; -1 for none. */
    private final int ratingType;
    /** Offset of each user's held-out ratings in predicted/actual (length users + 1), when rating. */
    private final int[] ratingOffsets;
    private final float[] predicted;
    private final float[] actual;

    Job(Recommender model, Split.Stage stage, EvalOptions options) {
      this.model = model;
      this.trainingSet = stage.train();
      this.train = trainingSet.interactions();
      this.holdout = stage.holdout();
      this.options = options;
      this.ks = options.ks();
      this.numItems = model.numItems();
      if (numItems != train.numItems()) {
        throw new IllegalArgumentException("model has " + numItems + " items, training set " + train.numItems());
      }
      if (model instanceof SceneRecommender inScene) {
        this.catalogue = new boolean[numItems];
        int size = 0;
        for (int i = 0; i < numItems; i++) {
          catalogue[i] = inScene.inScene(i);
          if (catalogue[i]) size++;
        }
        this.catalogueSize = size;
      } else {
        this.catalogue = null;
        this.catalogueSize = numItems;
      }
      this.repeatItem = repeatItems(trainingSet.dataset(), numItems, options);
      this.maxK = options.maxK();
      this.usersWithFewerNegatives = new java.util.concurrent.atomic.AtomicInteger();
      this.listK = options.computeAuc() ? Math.max(1, numItems) : maxK;
      this.diversityK = ks[0];
      this.features = options.itemFeatures() != null ? options.itemFeatures() : trainingSet.itemFeatures();
      if (features != null && features.numItems() != numItems) {
        throw new IllegalArgumentException("item features cover " + features.numItems() + " items, not " + numItems);
      }
      int[] all = usersWithHoldout(holdout, model.numUsers(), train.numUsers());
      this.usersWithHoldout = all.length;
      this.users = sample(all, options.maxUsers(), options.seed());
      this.columns = columns(options);
      this.values = new double[columns.length][users.length];
      this.topLists = new int[users.length][];
      // the predictions are compared with held-out events of the rating type only (a held-out view has another
      // scale); without any, RMSE and MAE are not reported
      this.ratingType = model instanceof RatingPredictor r
          ? trainingSet.dataset().typeNames().indexOf(r.ratingType()) : -1;
      int[] offsets = ratingType < 0 ? null : ratingOffsets(users, holdout, ratingType);
      boolean rate = offsets != null && offsets[users.length] > 0;
      this.ratings = rate ? (RatingPredictor) model : null;
      if (rate) {
        ratingOffsets = offsets;
        predicted = new float[ratingOffsets[users.length]];
        actual = new float[predicted.length];
      } else {
        ratingOffsets = null;
        predicted = null;
        actual = null;
      }
    }

    /** See {@link #repeatItem}. */
    private static boolean[] repeatItems(dev.attune.data.Dataset dataset, int numItems, EvalOptions options) {
      if (!options.excludeSeen() || dataset == null || dataset.repeatScenes().isEmpty()
          || dataset.allScenesAllowRepeats()) {
        return null;
      }
      int[] scenes = dataset.itemScenes();
      if (scenes.length != numItems) return null; // items beyond the data set's (a model's own): one rule
      boolean[] repeat = new boolean[numItems];
      boolean any = false;
      for (int i = 0; i < numItems; i++) {
        repeat[i] = scenes[i] >= 0 && dataset.repeatScenes().contains(dataset.sceneNames().id(scenes[i]));
        any |= repeat[i];
      }
      return any ? repeat : null;
    }

    private static int[] usersWithHoldout(Holdout holdout, int modelUsers, int trainUsers) {
      int[] indptr = holdout.indptr();
      int n = 0;
      for (int u = 0; u < holdout.numUsers(); u++) {
        if (indptr[u + 1] > indptr[u]) n++;
      }
      int[] out = new int[n];
      int w = 0;
      for (int u = 0; u < holdout.numUsers(); u++) {
        if (indptr[u + 1] > indptr[u]) {
          if (u >= modelUsers || u >= trainUsers) {
            throw new IllegalArgumentException("user " + u + " has held-out items but is unknown to the model ("
                + modelUsers + " users) or the training set (" + trainUsers + " users)");
          }
          out[w++] = u;
        }
      }
      return out;
    }

    /** At most {@code max} of {@code users} (all when max is 0), drawn with a seeded shuffle, ascending. */
    private static int[] sample(int[] users, int max, long seed) {
      if (max == 0 || users.length <= max) return users;
      int[] pool = users.clone();
      SplittableRandom random = new SplittableRandom(seed);
      for (int j = 0; j < max; j++) {
        int pick = j + random.nextInt(pool.length - j);
        int tmp = pool[j];
        pool[j] = pool[pick];
        pool[pick] = tmp;
      }
      int[] chosen = Arrays.copyOf(pool, max);
      Arrays.sort(chosen);
      return chosen;
    }

    private static Metric[] columns(EvalOptions options) {
      List<Metric> out = new ArrayList<>();
      int[] ks = options.ks();
      for (Metric.Kind kind : TOP_K_KINDS) {
        for (int k : ks) out.add(Metric.at(kind, k));
      }
      out.add(new Metric(Metric.Kind.MRR, options.maxK(), 0));
      if (options.computeAuc()) out.add(Metric.of(Metric.Kind.AUC));
      if (options.sampledNegatives() > 0) {
        for (Metric.Kind kind : new Metric.Kind[] {Metric.Kind.HIT_RATE, Metric.Kind.NDCG}) {
          for (int k : ks) out.add(Metric.sampled(kind, k, options.sampledNegatives()));
        }
      }
      return out.toArray(new Metric[0]);
    }

    /** Evaluates users at positions [from, to); called by one worker thread per range. */
    void evaluateRange(int from, int to) {
      Scratch scratch = options.sampledNegatives() > 0 ? new Scratch(numItems, options.sampledNegatives()) : null;
      for (int p = from; p < to; p++) {
        evaluateUser(p, scratch);
      }
    }

    private void evaluateUser(int position, Scratch scratch) {
      int u = users[position];
      int[] relevant = holdout.distinctItemsOf(u);
      TopK top = repeatItem == null ? model.recommend(new Query(u, null, listK, ItemFilter.ALL, options.excludeSeen()))
          : withoutSeenOutsideRepeatScenes(u);
      int[] ranked = top.items();
      double[] sampledHits = null;
      double[] sampledNdcg = null;
      if (scratch != null) {
        int[] ranks = sampledRanks(u, relevant, scratch);
        sampledHits = new double[ks.length];
        sampledNdcg = new double[ks.length];
        for (int j = 0; j < ks.length; j++) {
          for (int rank : ranks) {
            if (rank < ks[j]) {
              sampledHits[j] += 1.0 / ranks.length;
              sampledNdcg[j] += RankingMetrics.discount(rank) / ranks.length;
            }
          }
        }
      }
      for (int c = 0; c < columns.length; c++) {
        Metric m = columns[c];
        double v;
        if (m.isSampled()) {
          int j = indexOfK(m.k());
          v = m.kind() == Metric.Kind.HIT_RATE ? sampledHits[j] : sampledNdcg[j];
        } else {
          v = switch (m.kind()) {
            case HIT_RATE -> RankingMetrics.hitRate(ranked, relevant, m.k());
            case NDCG -> RankingMetrics.ndcg(ranked, relevant, m.k());
            case RECALL -> RankingMetrics.recall(ranked, relevant, m.k());
            case PRECISION -> RankingMetrics.precision(ranked, relevant, m.k());
            case F1 -> RankingMetrics.f1(ranked, relevant, m.k());
            case MAP -> RankingMetrics.averagePrecision(ranked, relevant, m.k());
            case MRR -> RankingMetrics.reciprocalRank(ranked, relevant, m.k());
            case AUC -> RankingMetrics.auc(ranked, top.scores(), relevant, numCandidates(u, relevant));
            default -> throw new AssertionError(m);
          };
        }
        values[c][position] = v;
      }
      topLists[position] = Arrays.copyOf(ranked, Math.min(diversityK, ranked.length));
      if (ratings != null) {
        int[] indptr = holdout.indptr();
        int[] items = holdout.items();
        float[] observed = holdout.values();
        short[] types = holdout.types();
        int w = ratingOffsets[position];
        for (int p = indptr[u]; p < indptr[u + 1]; p++) {
          if (types[p] != ratingType) continue;
          predicted[w] = ratings.predictRating(u, items[p]);
          actual[w] = observed[p];
          w++;
        }
      }
    }

    /** Whether training item {@code item} is one u saw, in a scene without repeats: excluded from u's ranking. */
    private boolean excludedAsSeen(int u, int item) {
      if (!options.excludeSeen() || repeatItem != null && repeatItem[item]) return false;
      int[] indptr = train.indptr();
      return Arrays.binarySearch(train.indices(), indptr[u], indptr[u + 1], item) >= 0;
    }

    /** The model's top listK for u with seen items kept, less the seen ones of scenes without repeats. */
    private TopK withoutSeenOutsideRepeatScenes(int u) {
      int[] indptr = train.indptr();
      int excluded = 0;
      for (int p = indptr[u]; p < indptr[u + 1]; p++) if (!repeatItem[train.indices()[p]]) excluded++;
      TopK all = model.recommend(new Query(u, null, Math.min(numItems, listK + excluded), ItemFilter.ALL, false));
      int[] items = new int[Math.min(listK, all.size())];
      float[] scores = new float[items.length];
      int n = 0;
      for (int r = 0; r < all.size() && n < items.length; r++) {
        if (excludedAsSeen(u, all.item(r))) continue;
        items[n] = all.item(r);
        scores[n++] = all.score(r);
      }
      return new TopK(Arrays.copyOf(items, n), Arrays.copyOf(scores, n));
    }

    private int indexOfK(int k) {
      for (int j = 0; j < ks.length; j++) {
        if (ks[j] == k) return j;
      }
      throw new AssertionError(k);
    }

    private boolean inCatalogue(int item) {
      return catalogue == null || catalogue[item];
    }

    /**
     * Items that could be recommended to u: all, or when seen items are excluded all but the training items
     * that are not held out.
     */
    private int numCandidates(int u, int[] relevant) {
      int outside = 0; // held-out items of other scenes than the model's: ranked last, but candidates all the same
      if (catalogue != null) for (int i : relevant) if (!catalogue[i]) outside++;
      if (!options.excludeSeen()) return catalogueSize + outside;
      int[] indptr = train.indptr();
      int[] indices = train.indices();
      int seenOnly = 0;
      int r = 0;
      for (int p = indptr[u]; p < indptr[u + 1]; p++) {
        int item = indices[p];
        while (r < relevant.length && relevant[r] < item) r++;
        boolean kept = repeatItem != null && repeatItem[item]; // a seen item of a scene with repeats is a candidate
        if ((r == relevant.length || relevant[r] != item) && inCatalogue(item) && !kept) seenOnly++;
      }
      return catalogueSize + outside - seenOnly;
    }

    /**
     * Rank of each relevant item among the user's sampled negatives (number of negatives ranked above it), or
     * Integer.MAX_VALUE when the model did not return it.
     */
    private int[] sampledRanks(int u, int[] relevant, Scratch s) {
      int[] indptr = train.indptr();
      int[] indices = train.indices();
      boolean[] blocked = s.blocked;
      int blockedCount = 0;
      for (int p = indptr[u]; p < indptr[u + 1]; p++) {
        if (repeatItem != null && repeatItem[indices[p]]) continue; // a seen item where repeats are normal: drawable
        blocked[indices[p]] = true;
        if (inCatalogue(indices[p])) blockedCount++;
      }
      for (int i : relevant) {
        if (!blocked[i] && inCatalogue(i)) blockedCount++;
        blocked[i] = true;
      }
      int available = catalogueSize - blockedCount;
      int n = Math.min(options.sampledNegatives(), available);
      if (n < options.sampledNegatives()) usersWithFewerNegatives.incrementAndGet();
      int[] negatives = s.negatives;
      SplittableRandom random = new SplittableRandom(options.seed() ^ (0x9E3779B97F4A7C15L * (u + 1L)));
      if (available <= 2 * n) {
        // Few to choose from: list them all and shuffle the first n into place.
        int[] pool = new int[available];
        int w = 0;
        for (int i = 0; i < numItems; i++) {
          if (!blocked[i] && inCatalogue(i)) pool[w++] = i;
        }
        for (int j = 0; j < n; j++) {
          int pick = j + random.nextInt(available - j);
          int tmp = pool[j];
          pool[j] = pool[pick];
          pool[pick] = tmp;
          negatives[j] = pool[j];
        }
      } else {
        // Plenty to choose from: rejection sampling, marking chosen items as blocked.
        int w = 0;
        while (w < n) {
          int i = random.nextInt(numItems);
          if (!blocked[i] && inCatalogue(i)) {
            blocked[i] = true;
            negatives[w++] = i;
          }
        }
      }
      boolean[] candidate = s.candidate;
      for (int i : relevant) candidate[i] = true;
      for (int j = 0; j < n; j++) candidate[negatives[j]] = true;
      // seen items kept when some scenes allow repeats: the negatives were drawn outside the excluded ones already
      TopK top = model.recommend(new Query(u, null, relevant.length + Math.max(1, n),
          item -> candidate[item], options.excludeSeen() && repeatItem == null));
      int[] ranks = new int[relevant.length];
      Arrays.fill(ranks, Integer.MAX_VALUE);
      int negativesAbove = 0;
      for (int r = 0; r < top.size(); r++) {
        int item = top.item(r);
        if (!candidate[item]) continue; // a model that ignores the filter: not a candidate
        if (repeatItem != null && excludedAsSeen(u, item)) continue; // a seen target where repeats are not normal
        int at = Arrays.binarySearch(relevant, item);
        if (at >= 0) ranks[at] = negativesAbove;
        else negativesAbove++;
      }
      // Reset the scratch for the next user.
      for (int p = indptr[u]; p < indptr[u + 1]; p++) blocked[indices[p]] = false;
      for (int i : relevant) {
        blocked[i] = false;
        candidate[i] = false;
      }
      for (int j = 0; j < n; j++) {
        blocked[negatives[j]] = false;
        candidate[negatives[j]] = false;
      }
      return ranks;
    }

    /** Where each sampled user's held-out events of type {@code type} start in a packed array (users + 1 entries). */
    private static int[] ratingOffsets(int[] users, Holdout holdout, int type) {
      int[] offsets = new int[users.length + 1];
      int[] indptr = holdout.indptr();
      short[] types = holdout.types();
      for (int p = 0; p < users.length; p++) {
        int n = 0;
        for (int j = indptr[users[p]]; j < indptr[users[p] + 1]; j++) {
          if (types[j] == type) n++;
        }
        offsets[p + 1] = offsets[p] + n;
      }
      return offsets;
    }

    /** Assembles the result; aggregates are summed in user order, so they do not depend on threads. */
    EvalResult result(String splitProtocol, long startNanos) {
      Map<Metric, double[]> perUser = new LinkedHashMap<>();
      for (int c = 0; c < columns.length; c++) perUser.put(columns[c], values[c]);
      Map<Metric, Double> aggregates = new LinkedHashMap<>();
      if (ratings != null) {
        aggregates.put(Metric.of(Metric.Kind.RMSE), RatingMetrics.rmse(predicted, actual));
        aggregates.put(Metric.of(Metric.Kind.MAE), RatingMetrics.mae(predicted, actual));
      }
      int[] counts = new int[numItems];
      for (int[] list : topLists) {
        if (list == null) continue;
        for (int i : list) counts[i]++;
      }
      int[] catalogueCounts = counts;
      if (catalogue != null) { // a scene's model: coverage and Gini over the scene's items, not every scene's
        catalogueCounts = new int[catalogueSize];
        int w = 0;
        for (int i = 0; i < numItems; i++) if (catalogue[i]) catalogueCounts[w++] = counts[i];
      }
      aggregates.put(Metric.at(Metric.Kind.COVERAGE, diversityK), CatalogMetrics.coverage(catalogueCounts));
      aggregates.put(Metric.at(Metric.Kind.GINI, diversityK), CatalogMetrics.gini(catalogueCounts));
      aggregates.put(Metric.at(Metric.Kind.DIVERSITY, diversityK), diversity());
      int[] itemUsers = train.positive().itemCounts();
      aggregates.put(Metric.at(Metric.Kind.NOVELTY, diversityK),
          train.numUsers() == 0 ? Double.NaN : CatalogMetrics.novelty(counts, itemUsers, train.numUsers()));
      double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;
      return new EvalResult(model.name(), protocol(splitProtocol), users, perUser, aggregates, elapsedSeconds,
          Double.NaN).withUsersWithFewerNegatives(usersWithFewerNegatives.get());
    }

    private double diversity() {
      if (features == null || features.indices().length == 0) return Double.NaN;
      double sum = 0;
      int n = 0;
      for (int[] list : topLists) {
        if (list == null || list.length < 2) continue;
        sum += CatalogMetrics.intraListDiversity(list, list.length, features);
        n++;
      }
      return n == 0 ? Double.NaN : sum / n;
    }

    private String protocol(String splitProtocol) {
      StringBuilder b = new StringBuilder();
      if (splitProtocol != null) b.append(splitProtocol).append("; ");
      b.append(String.format(Locale.ROOT, "full ranking of %d items", catalogueSize));
      if (catalogue != null) b.append(" of scene ").append(((SceneRecommender) model).sceneName());
      b.append(!options.excludeSeen() ? ", seen items kept" : repeatItem == null ? ", seen items excluded"
          : ", seen items excluded but in the scenes that allow repeats");
      b.append(String.format(Locale.ROOT, "; MRR cut-off %d", maxK));
      b.append(String.format(Locale.ROOT, "; %d of %d users with held-out items", users.length, usersWithHoldout));
      if (users.length < usersWithHoldout) {
        b.append(String.format(Locale.ROOT, " (sample, seed %d)", options.seed()));
      }
      if (options.sampledNegatives() > 0) {
        b.append(String.format(Locale.ROOT, "; sampled metrics: %d uniform unseen negatives per user, seed %d",
            options.sampledNegatives(), options.seed()));
        int fewer = usersWithFewerNegatives.get();
        if (fewer > 0) {
          // the label says N; these users' ranks are among fewer, so the metrics are higher than N would give
          b.append(String.format(Locale.ROOT, " (%d of the users had fewer unseen items and were ranked among all"
              + " of theirs)", fewer));
        }
      }
      return b.toString();
    }
  }

  /** Per-range scratch for negative sampling; confined to one worker. */
  private static final class Scratch {
    final boolean[] blocked;
    final boolean[] candidate;
    final int[] negatives;

    Scratch(int numItems, int maxNegatives) {
      this.blocked = new boolean[numItems];
      this.candidate = new boolean[numItems];
      this.negatives = new int[Math.min(maxNegatives, numItems)];
    }
  }
}
