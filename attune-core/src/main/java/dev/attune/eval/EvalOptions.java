package dev.attune.eval;

import dev.attune.data.ItemFeatures;
import java.util.Arrays;
import java.util.Objects;

/**
 * How the {@link Evaluator} scores a model. Start from {@link #DEFAULTS} and change fields with the
 * {@code with*} methods.
 *
 * @param ks the cut-offs of the top-k metrics, each &gt; 0, distinct, at least one; copied in and out. The first
 *     one is also the list length for the beyond-accuracy metrics, the largest is the MRR cut-off.
 * @param excludeSeen whether items in a user's training row are left out of their ranking. A held-out item
 *     the user also had in training then cannot be recommended and counts as a miss (see {@link Evaluator}).
 *     True by default; set false where repeats are normal (music).
 * @param threads worker threads, &gt; 0; results do not depend on it
 * @param maxUsers 0 to score every user with held-out items; otherwise a seeded random sample of at most that
 *     many of them, &gt;= 0
 * @param seed seed of the user sample and of the negative sampling
 * @param sampledNegatives 0 (the default) for full ranking only; N &gt; 0 to also compute HR and NDCG ranking
 *     each held-out item among N uniformly sampled unseen items. Those metrics are labelled
 *     {@code (sampled, N negatives)}; &gt;= 0.
 * @param computeAuc whether to compute each user's full-ranking AUC, which makes the evaluator rank the whole
 *     catalogue per user instead of the top max(ks)
 * @param itemFeatures features for intra-list diversity; null means "use the training set's item features"
 *     ({@link dev.attune.data.TrainingSet#itemFeatures()}). Diversity is NaN when all feature rows are empty.
 */
public record EvalOptions(
    int[] ks, boolean excludeSeen, int threads, int maxUsers, long seed, int sampledNegatives,
    boolean computeAuc, ItemFeatures itemFeatures) {

  /**
   * ks {10, 20}, seen items excluded, one thread per processor, all users, seed 42, full ranking only, AUC on,
   * the training set's item features.
   */
  public static final EvalOptions DEFAULTS = new EvalOptions(
      new int[] {10, 20}, true, Runtime.getRuntime().availableProcessors(), 0, 42L, 0, true, null);

  /**
   * Checks and copies the components.
   *
   * @throws IllegalArgumentException if a component is out of range
   */
  public EvalOptions {
    if (ks == null || ks.length == 0) {
      throw new IllegalArgumentException("ks must hold at least one cut-off");
    }
    ks = ks.clone();
    for (int j = 0; j < ks.length; j++) {
      if (ks[j] <= 0) {
        throw new IllegalArgumentException("every k must be > 0: " + Arrays.toString(ks));
      }
      for (int i = 0; i < j; i++) {
        if (ks[i] == ks[j]) {
          throw new IllegalArgumentException("ks must be distinct: " + Arrays.toString(ks));
        }
      }
    }
    if (threads <= 0) {
      throw new IllegalArgumentException("threads must be > 0: " + threads);
    }
    if (maxUsers < 0) {
      throw new IllegalArgumentException("maxUsers must be >= 0: " + maxUsers);
    }
    if (sampledNegatives < 0) {
      throw new IllegalArgumentException("sampledNegatives must be >= 0: " + sampledNegatives);
    }
  }

  /** A copy of the cut-offs. */
  @Override
  public int[] ks() {
    return ks.clone();
  }

  /** The largest cut-off: the length of the ranked list read for the top-k metrics and MRR. */
  public int maxK() {
    int m = 0;
    for (int k : ks) m = Math.max(m, k);
    return m;
  }

  /** These options with other cut-offs. */
  public EvalOptions withKs(int... newKs) {
    return new EvalOptions(newKs, excludeSeen, threads, maxUsers, seed, sampledNegatives, computeAuc, itemFeatures);
  }

  /** These options with seen items excluded or kept. */
  public EvalOptions withExcludeSeen(boolean exclude) {
    return new EvalOptions(ks, exclude, threads, maxUsers, seed, sampledNegatives, computeAuc, itemFeatures);
  }

  /** These options with another thread count. */
  public EvalOptions withThreads(int newThreads) {
    return new EvalOptions(ks, excludeSeen, newThreads, maxUsers, seed, sampledNegatives, computeAuc, itemFeatures);
  }

  /** These options with another user cap (0 = all). */
  public EvalOptions withMaxUsers(int newMaxUsers) {
    return new EvalOptions(ks, excludeSeen, threads, newMaxUsers, seed, sampledNegatives, computeAuc, itemFeatures);
  }

  /** These options with another seed. */
  public EvalOptions withSeed(long newSeed) {
    return new EvalOptions(ks, excludeSeen, threads, maxUsers, newSeed, sampledNegatives, computeAuc, itemFeatures);
  }

  /** These options with another number of sampled negatives (0 = full ranking only). */
  public EvalOptions withSampledNegatives(int negatives) {
    return new EvalOptions(ks, excludeSeen, threads, maxUsers, seed, negatives, computeAuc, itemFeatures);
  }

  /** These options with AUC on or off. */
  public EvalOptions withComputeAuc(boolean compute) {
    return new EvalOptions(ks, excludeSeen, threads, maxUsers, seed, sampledNegatives, compute, itemFeatures);
  }

  /** These options with other item features for diversity (null = the training set's). */
  public EvalOptions withItemFeatures(ItemFeatures features) {
    return new EvalOptions(ks, excludeSeen, threads, maxUsers, seed, sampledNegatives, computeAuc, features);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvalOptions e && Arrays.equals(ks, e.ks) && excludeSeen == e.excludeSeen
        && threads == e.threads && maxUsers == e.maxUsers && seed == e.seed
        && sampledNegatives == e.sampledNegatives && computeAuc == e.computeAuc
        && itemFeatures == e.itemFeatures;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(ks), excludeSeen, threads, maxUsers, seed, sampledNegatives, computeAuc,
        System.identityHashCode(itemFeatures));
  }

  @Override
  public String toString() {
    return "EvalOptions[ks=" + Arrays.toString(ks) + ", excludeSeen=" + excludeSeen + ", threads=" + threads
        + ", maxUsers=" + maxUsers + ", seed=" + seed + ", sampledNegatives=" + sampledNegatives
        + ", computeAuc=" + computeAuc + ", itemFeatures=" + (itemFeatures == null ? "training set" : "given")
        + "]";
  }
}
