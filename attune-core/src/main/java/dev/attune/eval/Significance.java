package dev.attune.eval;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * Is model A really better than model B on a metric, or did it get lucky on this set of users? Both tests here
 * are paired over users: they look at the per-user differences A - B, which removes the (large) variation
 * between easy and hard users.
 *
 * <p>Inputs are two {@link EvalResult}s of the same users (same split, same {@link EvalOptions#maxUsers()} and
 * seed), or two aligned per-user arrays. Users whose value is NaN in either result (an undefined AUC) are
 * dropped from both before testing.
 *
 * <p>Degenerate input, documented once for both tests: with fewer than two pairs every number is NaN; when every
 * difference is the same constant (two identical models give all zeros), the t-test has no variance to work
 * with and returns p = 1 if that constant is 0 and p = 0 otherwise; the bootstrap interval collapses to the
 * constant and its p-value is 1 for 0 and its floor 2 / (B + 1) otherwise.
 *
 * <p>Stateless and thread-safe.
 */
public final class Significance {
  /** Default number of bootstrap resamples. */
  public static final int DEFAULT_RESAMPLES = 1000;
  /** Default bootstrap seed. */
  public static final long DEFAULT_SEED = 42L;

  private Significance() {}

  /**
   * A paired bootstrap estimate of the mean difference A - B.
   *
   * @param meanDifference observed mean over users of A - B
   * @param lower 2.5th percentile of the resampled mean differences
   * @param upper 97.5th percentile of the resampled mean differences
   * @param pValue two-sided p-value estimate: twice the smaller share of resampled means on either side of 0,
   *     with the +1 correction ({@code (count + 1) / (B + 1)}), capped at 1. With B resamples the smallest
   *     possible value is 2 / (B + 1), about 0.002 for B = 1000.
   * @param resamples number of resamples B
   * @param users number of paired users used (after dropping NaN pairs)
   */
  public record Bootstrap(double meanDifference, double lower, double upper, double pValue, int resamples, int users) {}

  /**
   * Two-sided p-value of the paired t-test of a metric between two results
   * ({@link TTest#pairedTTest(double[], double[])}).
   *
   * @param metric label of a per-user metric present in both, such as {@code NDCG@10}
   * @throws IllegalArgumentException if the results cover different users, or the metric is missing or has no
   *     per-user values
   */
  public static double pairedTTest(EvalResult a, EvalResult b, String metric) {
    checkAligned(a, b);
    return pairedTTest(a.perUser(metric), b.perUser(metric));
  }

  /**
   * Two-sided p-value of the paired t-test of {@code a[j]} against {@code b[j]}; see the class documentation for
   * NaN values and degenerate input.
   *
   * @throws IllegalArgumentException if the arrays differ in length
   * @implNote O(n).
   */
  public static double pairedTTest(double[] a, double[] b) {
    double[][] pairs = dropNaN(a, b);
    double[] x = pairs[0];
    double[] y = pairs[1];
    if (x.length < 2) return Double.NaN;
    double first = x[0] - y[0];
    boolean constant = true;
    for (int j = 1; j < x.length && constant; j++) {
      constant = x[j] - y[j] == first;
    }
    if (constant) return first == 0 ? 1.0 : 0.0;
    return new TTest().pairedTTest(x, y);
  }

  /**
   * Paired bootstrap of a metric between two results with {@link #DEFAULT_RESAMPLES} resamples and
   * {@link #DEFAULT_SEED}.
   *
   * @throws IllegalArgumentException as {@link #pairedBootstrap(EvalResult, EvalResult, String, int, long)}
   */
  public static Bootstrap pairedBootstrap(EvalResult a, EvalResult b, String metric) {
    return pairedBootstrap(a, b, metric, DEFAULT_RESAMPLES, DEFAULT_SEED);
  }

  /**
   * Paired bootstrap of a metric between two results: resamples users with replacement.
   *
   * @param metric label of a per-user metric present in both
   * @param resamples number of resamples B, &gt; 0
   * @param seed resampling seed; equal inputs and seed give equal output
   * @throws IllegalArgumentException if the results cover different users, the metric is missing or has no
   *     per-user values, or resamples &lt;= 0
   */
  public static Bootstrap pairedBootstrap(EvalResult a, EvalResult b, String metric, int resamples, long seed) {
    checkAligned(a, b);
    return pairedBootstrap(a.perUser(metric), b.perUser(metric), resamples, seed);
  }

  /**
   * Paired bootstrap of {@code a[j] - b[j]}: B times, draw n pairs with replacement and take the mean difference;
   * report the observed mean difference, the 95% percentile interval (linear interpolation between order
   * statistics) and the two-sided p-value estimate described in {@link Bootstrap#pValue()}.
   *
   * @throws IllegalArgumentException if the arrays differ in length or resamples &lt;= 0
   * @implNote O(B · n) time, O(B + n) memory.
   */
  public static Bootstrap pairedBootstrap(double[] a, double[] b, int resamples, long seed) {
    if (resamples <= 0) {
      throw new IllegalArgumentException("resamples must be > 0: " + resamples);
    }
    double[][] pairs = dropNaN(a, b);
    int n = pairs[0].length;
    if (n < 2) {
      return new Bootstrap(n == 1 ? pairs[0][0] - pairs[1][0] : Double.NaN, Double.NaN, Double.NaN, Double.NaN,
          resamples, n);
    }
    double[] d = new double[n];
    double observed = 0;
    for (int j = 0; j < n; j++) {
      d[j] = pairs[0][j] - pairs[1][j];
      observed += d[j];
    }
    observed /= n;
    SplittableRandom random = new SplittableRandom(seed);
    double[] means = new double[resamples];
    int atOrBelowZero = 0;
    int atOrAboveZero = 0;
    for (int s = 0; s < resamples; s++) {
      double sum = 0;
      for (int j = 0; j < n; j++) {
        sum += d[random.nextInt(n)];
      }
      double mean = sum / n;
      means[s] = mean;
      if (mean <= 0) atOrBelowZero++;
      if (mean >= 0) atOrAboveZero++;
    }
    Arrays.sort(means);
    double tail = (Math.min(atOrBelowZero, atOrAboveZero) + 1.0) / (resamples + 1.0);
    double p = Math.min(1.0, 2 * tail);
    return new Bootstrap(observed, percentile(means, 0.025), percentile(means, 0.975), p, resamples, n);
  }

  private static void checkAligned(EvalResult a, EvalResult b) {
    if (!a.alignedWith(b)) {
      throw new IllegalArgumentException("results of " + a.modelName() + " (" + a.numUsers() + " users) and "
          + b.modelName() + " (" + b.numUsers() + " users) cover different users; evaluate both on the same"
          + " split with the same user sample");
    }
  }

  /** The pairs of {@code a} and {@code b} where neither is NaN. */
  private static double[][] dropNaN(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("per-user arrays differ in length: " + a.length + " vs " + b.length);
    }
    int n = 0;
    for (int j = 0; j < a.length; j++) {
      if (!Double.isNaN(a[j]) && !Double.isNaN(b[j])) n++;
    }
    if (n == a.length) return new double[][] {a, b};
    double[] x = new double[n];
    double[] y = new double[n];
    int w = 0;
    for (int j = 0; j < a.length; j++) {
      if (!Double.isNaN(a[j]) && !Double.isNaN(b[j])) {
        x[w] = a[j];
        y[w] = b[j];
        w++;
      }
    }
    return new double[][] {x, y};
  }

  /** The q-quantile of sorted values, interpolating linearly between order statistics. */
  private static double percentile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
