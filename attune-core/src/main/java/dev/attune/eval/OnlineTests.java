package dev.attune.eval;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.special.Gamma;

/**
 * The statistics of an online A/B test, where users (not requests) are the unit each arm is given to: did more of
 * arm B's users use what they were shown than of the control's, by more than chance would give? Unlike {@link
 * Significance}, nothing is paired: each user sees one arm only.
 *
 * <ul>
 *   <li>A share of users (who converted): Wilson score interval; two arms compared by the two-proportion z-test
 *       (pooled variance for the p-value, unpooled for the interval of the difference), without continuity
 *       correction, as R's {@code prop.test(correct = FALSE)}.
 *   <li>A mean per user (conversions per user): Welch's t-test, interval by the Welch-Satterthwaite degrees of
 *       freedom.
 *   <li>Sample ratio mismatch: Pearson's chi-squared goodness of fit of the users per arm against the shares asked
 *       for. A tiny p-value says the split itself is broken (users lost or counted twice on one side), and then no
 *       comparison can be trusted.
 *   <li>Minimum detectable difference: the smallest true rise of a share that the test at level {@code alpha}
 *       finds with probability {@code power}, at the users there are.
 *   <li>Always-valid comparison of two shares ({@link #sequentialProportions}): the mixture sequential probability
 *       ratio test of Johari, Pekelis and Walsh ("Always valid inference", 2022), whose p-value and interval may be
 *       read after every user, and acted on at any look, at the level asked for.
 * </ul>
 *
 * <p>Degenerate input gives NaN rather than an exception (an arm with no users yet, no variance at all): the
 * experiment is simply not readable yet. Without variance within the arms, a comparison keeps its difference and
 * p-value but has no interval ({@link Comparison#hasInterval}). Stateless and thread-safe.
 */
public final class OnlineTests {

  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

  private OnlineTests() {}

  /**
   * An estimate with a two-sided confidence interval.
   *
   * @param estimate the point estimate
   * @param lower lower end of the interval
   * @param upper upper end of the interval
   */
  public record Interval(double estimate, double lower, double upper) {}

  /**
   * Arm B against arm A.
   *
   * @param difference B - A
   * @param lower lower end of the interval of the difference; NaN when the data cannot size one ({@link
   *     #hasInterval})
   * @param upper upper end of the interval of the difference; NaN as {@code lower}
   * @param relative (B - A) / A, NaN when A is 0
   * @param pValue two-sided p-value of "no difference"
   */
  public record Comparison(double difference, double lower, double upper, double relative, double pValue) {
    /**
     * Whether the interval could be estimated. It cannot when each arm's users all had the same outcome (no
     * conversions in either arm, say): the variance the interval is sized by is then 0, and an interval of width 0
     * would claim a precision a handful of users cannot give (a QA run saw "+0.00 (+0.00 to +0.00)" for 5 and 1
     * users), so the ends are NaN while the difference and the p-value stand.
     */
    public boolean hasInterval() {
      return !Double.isNaN(lower) && !Double.isNaN(upper);
    }
  }

  /** The z of a two-sided interval at {@code confidence} (1.96 for 0.95). */
  static double z(double confidence) {
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be in (0, 1): " + confidence);
    }
    return STANDARD_NORMAL.inverseCumulativeProbability(0.5 + confidence / 2);
  }

  /** Wilson score interval of a share {@code successes / trials}; NaN for no trials. */
  public static Interval wilson(long successes, long trials, double confidence) {
    checkCounts(successes, trials);
    if (trials == 0) return new Interval(Double.NaN, Double.NaN, Double.NaN);
    double z = z(confidence);
    double p = (double) successes / trials;
    double z2n = z * z / trials;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z * Math.sqrt(p * (1 - p) / trials + z2n / (4.0 * trials)) / (1 + z2n);
    // at none or all converted the bound is exactly 0 or 1, where rounding left 5.6e-17 (QA)
    return new Interval(p, successes == 0 ? 0 : Math.max(0, centre - half),
        successes == trials ? 1 : Math.min(1, centre + half));
  }

  /** Two shares compared: {@code xB / nB} against {@code xA / nA}. */
  public static Comparison proportions(long xA, long nA, long xB, long nB, double confidence) {
    checkCounts(xA, nA);
    checkCounts(xB, nB);
    double z = z(confidence);
    if (nA == 0 || nB == 0) return new Comparison(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    double pA = (double) xA / nA;
    double pB = (double) xB / nB;
    double difference = pB - pA;
    double unpooled = Math.sqrt(pA * (1 - pA) / nA + pB * (1 - pB) / nB);
    double pooledShare = (double) (xA + xB) / (nA + nB);
    double pooled = Math.sqrt(pooledShare * (1 - pooledShare) * (1.0 / nA + 1.0 / nB));
    // the normal approximation needs about 5 expected conversions and non-conversions in each arm; below that it
    // called 0 of 10 against 4 of 10 significant (p 0.025, a review) where the exact test gives 0.087
    boolean small = tooFewForNormal(xA, nA, xB, nB);
    double pValue = pooled == 0 ? 1 : small ? fisherExact(xA, nA, xB, nB)
        : 2 * STANDARD_NORMAL.cumulativeProbability(-Math.abs(difference) / pooled);
    // each arm all 0% or all 100%: no variance of their own to size the interval by (see Comparison#hasInterval);
    // nor too few conversions, where a normal interval excluded 0 beside an exact p of 0.07 (a QA run)
    double half = unpooled == 0 || small ? Double.NaN : z * unpooled;
    return new Comparison(difference, difference - half, difference + half, pA == 0 ? Double.NaN : difference / pA,
        pValue);
  }

  /**
   * Whether an arm expects fewer than 5 conversions or non-conversions under the pooled share: the normal
   * approximation of {@link #proportions} does not hold, which then tests exactly and gives no interval.
   */
  public static boolean tooFewForNormal(long xA, long nA, long xB, long nB) {
    if (nA == 0 || nB == 0) return false;
    double pooledShare = (double) (xA + xB) / (nA + nB);
    return Math.min(Math.min(nA, nB) * pooledShare, Math.min(nA, nB) * (1 - pooledShare)) < 5;
  }

  /**
   * Fisher's exact test of two shares, two-sided: the probability, given the conversions of both arms together, of
   * a split between the arms as unlikely as the one seen or less (the tables no more probable than it).
   */
  static double fisherExact(long xA, long nA, long xB, long nB) {
    int population = Math.toIntExact(nA + nB);
    int successes = Math.toIntExact(xA + xB);
    var hypergeometric = new org.apache.commons.math3.distribution.HypergeometricDistribution(null, population,
        successes, Math.toIntExact(nA));
    double observed = hypergeometric.probability(Math.toIntExact(xA));
    double p = 0;
    for (int k = hypergeometric.getSupportLowerBound(); k <= hypergeometric.getSupportUpperBound(); k++) {
      double pk = hypergeometric.probability(k);
      if (pk <= observed * (1 + 1e-7)) p += pk;
    }
    return Math.min(1, p);
  }

  /**
   * Two means per user compared by Welch's t-test: B's against A's, each given by its sum and sum of squares over
   * {@code n} users.
   */
  public static Comparison means(double sumA, double sumSquaresA, long nA, double sumB, double sumSquaresB, long nB,
      double confidence) {
    z(confidence); // checks it
    if (nA < 2 || nB < 2) return new Comparison(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    double meanA = sumA / nA;
    double meanB = sumB / nB;
    double varA = Math.max(0, (sumSquaresA - nA * meanA * meanA) / (nA - 1));
    double varB = Math.max(0, (sumSquaresB - nB * meanB * meanB) / (nB - 1));
    double difference = meanB - meanA;
    double relative = meanA == 0 ? Double.NaN : difference / meanA;
    double se2 = varA / nA + varB / nB;
    if (se2 == 0) {
      // every user of each arm alike: no interval (see Comparison#hasInterval), and no test either: p 0 called two
      // users against two "significant" (a review)
      return new Comparison(difference, Double.NaN, Double.NaN, relative, difference == 0 ? 1 : Double.NaN);
    }
    double se = Math.sqrt(se2);
    double df = se2 * se2 / (Math.pow(varA / nA, 2) / (nA - 1) + Math.pow(varB / nB, 2) / (nB - 1));
    TDistribution t = new TDistribution(null, df);
    double pValue = 2 * t.cumulativeProbability(-Math.abs(difference) / se);
    double q = t.inverseCumulativeProbability(0.5 + confidence / 2);
    return new Comparison(difference, difference - q * se, difference + q * se, relative, pValue);
  }

  /**
   * The p-value of Pearson's chi-squared test that {@code counts} were drawn with the probabilities {@code shares}
   * (which sum to 1); NaN when there are no counts.
   */
  public static double sampleRatioPValue(long[] counts, double[] shares) {
    if (counts.length != shares.length || counts.length < 2) {
      throw new IllegalArgumentException("one share per count, two or more: " + counts.length + " and "
          + shares.length);
    }
    long total = 0;
    for (long c : counts) {
      if (c < 0) throw new IllegalArgumentException("counts must be >= 0");
      total += c;
    }
    if (total == 0) return Double.NaN;
    double statistic = 0;
    for (int k = 0; k < counts.length; k++) {
      if (!(shares[k] > 0)) throw new IllegalArgumentException("shares must be > 0: " + shares[k]);
      double expected = total * shares[k];
      statistic += (counts[k] - expected) * (counts[k] - expected) / expected;
    }
    // the upper tail directly: 1 - cdf loses every digit below 1e-16, and a broken split gives p far smaller
    return Gamma.regularizedGammaQ((counts.length - 1) / 2.0, statistic / 2);
  }

  /**
   * The smallest rise of a share from {@code baseline} (arm A's) that the two-sided test of {@link #proportions} at
   * level {@code alpha} detects with probability {@code power}, with {@code nA} and {@code nB} users: the normal
   * approximation with the pooled share's variance under "no difference" and each arm's own under the rise (solved
   * by fixed-point iteration); NaN without users, or when no rise below 1 - baseline is detectable.
   */
  public static double minimumDetectableDifference(double baseline, long nA, long nB, double alpha, double power) {
    if (!(baseline >= 0 && baseline < 1)) throw new IllegalArgumentException("baseline must be in [0, 1)");
    if (!(power > 0 && power < 1)) throw new IllegalArgumentException("power must be in (0, 1): " + power);
    if (nA <= 0 || nB <= 0) return Double.NaN;
    double zAlpha = z(1 - alpha);
    double zPower = STANDARD_NORMAL.inverseCumulativeProbability(power);
    // from one user's worth rather than 0: with a baseline of 0 the iteration would stay at its fixed point 0
    double d = 1.0 / Math.min(nA, nB);
    for (int iteration = 0; iteration < 200; iteration++) {
      double pB = Math.min(1, baseline + d);
      double pooled = (baseline * nA + pB * nB) / (nA + nB);
      double next = zAlpha * Math.sqrt(pooled * (1 - pooled) * (1.0 / nA + 1.0 / nB))
          + zPower * Math.sqrt(baseline * (1 - baseline) / nA + pB * (1 - pB) / nB);
      if (Math.abs(next - d) < 1e-12) return baseline + next > 1 ? Double.NaN : next;
      d = next;
    }
    return baseline + d > 1 ? Double.NaN : d;
  }

  /**
   * Two shares compared so that the result may be looked at as often as one likes: {@code xB / nB} against {@code
   * xA / nA}, with a p-value meant to stay above {@code alpha} at every look with probability 1 - {@code alpha} when
   * there is no difference, and an interval (a confidence sequence) meant to hold the true difference at every look
   * at once with that probability. The fixed-horizon test of {@link #proportions} is valid only at one look decided
   * beforehand; stopping an experiment at the first of many looks where it is significant finds differences that
   * are not there several times as often as its level says.
   *
   * <p>The statistic is the likelihood ratio of the observed difference under a normal mixture of true differences
   * against none, {@code Λ = sqrt(1 / (1 + ρ)) exp(z² ρ / (2 (1 + ρ)))}, with z the difference over its standard
   * error and ρ the mixture's variance over the estimate's. For normal observations of known variance it is a
   * martingale under "no difference", so by Ville's inequality {@code Λ} passes {@code 1 / alpha} with probability
   * at most {@code alpha} ever; here the observations are conversions (0 or 1) and the variance is estimated, so the
   * guarantee is approximate: simulated A/A experiments (tests, {@code SequentialTesting}) stay under the level,
   * looked at from the first users on, with equal and with very unequal arms. It also assumes each user's outcome is
   * known when counted; an experiment's users still within their window may convert later. The p-value is {@code
   * min(1, 1 / Λ)}, recomputed at each look rather than the running minimum: it can rise again after falling below
   * the level, which stopping at that look does not undo.
   *
   * <p>The mixture is set in units of the per-user standard deviation so that, among such tests, its interval is the
   * narrowest when every arm has {@code plannedUsersPerArm} users (it holds before and after too): ρ = r (2 / m) /
   * (1 / nA + 1 / nB), where r solves {@code r = 2 ln(1 / alpha) + ln(1 + r)} (8.2 at 5%). The interval is the
   * difference ± {@code sqrt(V (1 + ρ) / ρ (2 ln(1 / alpha) + ln(1 + ρ)))}: the differences the test would not
   * reject. V, the variance of the difference in both, is the larger of two, each with one success and one failure
   * added to the counts (so that arms with no conversion yet do not give a variance of 0): the pooled share's over
   * both arms, which keeps the level between unequal arms and at few users, and each arm's own (the variance of
   * Agresti and Caffo's interval), which covers a difference far from 0.
   *
   * @param alpha the level: the p-value is compared with it, the interval holds with probability 1 - alpha
   * @param plannedUsersPerArm the users per arm where the interval should be narrowest (a design choice made before
   *     the data: choosing it from the data would void the guarantee)
   */
  public static Comparison sequentialProportions(long xA, long nA, long xB, long nB, double alpha,
      long plannedUsersPerArm) {
    checkCounts(xA, nA);
    checkCounts(xB, nB);
    if (!(alpha > 0 && alpha < 1)) throw new IllegalArgumentException("alpha must be in (0, 1): " + alpha);
    if (plannedUsersPerArm < 1) throw new IllegalArgumentException("plannedUsersPerArm must be >= 1");
    if (nA == 0 || nB == 0) return new Comparison(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    double pA = (double) xA / nA;
    double pB = (double) xB / nB;
    double difference = pB - pA;
    double rho = mixtureRatio(alpha) * (2.0 / plannedUsersPerArm) / (1.0 / nA + 1.0 / nB);
    double tildeA = (xA + 1.0) / (nA + 2);
    double tildeB = (xB + 1.0) / (nB + 2);
    double armsVariance = tildeA * (1 - tildeA) / (nA + 2) + tildeB * (1 - tildeB) / (nB + 2);
    double tildePooled = (xA + xB + 1.0) / (nA + nB + 2);
    double pooledVariance = tildePooled * (1 - tildePooled) * (1.0 / nA + 1.0 / nB);
    // the larger of the two for both the p-value and the interval: the pooled one keeps the level between very
    // unequal arms and at few users (each arm's own alone called 11.8% of simulated A/A runs different with 2% of
    // the users in one arm and a plan of 1 user, docs/benchmarks.md), each arm's own covers a difference far from 0,
    // and one variance for both makes the interval leave 0 out exactly when p < alpha (a QA run saw them disagree
    // when they took different ones)
    double variance = Math.max(pooledVariance, armsVariance);
    double pValue = Math.min(1, Math.exp(-logMixtureLikelihoodRatio(difference * difference / variance, rho)));
    double half = Math.sqrt(variance) * boundaryInStandardErrors(rho, alpha);
    return new Comparison(difference, difference - half, difference + half, pA == 0 ? Double.NaN : difference / pA,
        pValue);
  }

  /**
   * ln Λ of the normal mixture: {@code -ln(1 + ρ) / 2 + z² ρ / (2 (1 + ρ))}, for a squared z of {@code zSquared}
   * and a mixture variance {@code rho} times the estimate's.
   */
  static double logMixtureLikelihoodRatio(double zSquared, double rho) {
    return -0.5 * Math.log1p(rho) + zSquared * rho / (2 * (1 + rho));
  }

  /**
   * How many standard errors from the estimate the confidence sequence reaches: where {@link
   * #logMixtureLikelihoodRatio} equals ln(1 / alpha).
   */
  static double boundaryInStandardErrors(double rho, double alpha) {
    return Math.sqrt((1 + rho) / rho * (2 * Math.log(1 / alpha) + Math.log1p(rho)));
  }

  /**
   * The mixture variance, in units of the estimate's variance, at which the confidence sequence is narrowest: the
   * root of {@code r = 2 ln(1 / alpha) + ln(1 + r)} (the derivative of the squared width in r set to 0).
   */
  static double mixtureRatio(double alpha) {
    double twoLog = 2 * Math.log(1 / alpha);
    double r = twoLog;
    // a contraction: the derivative of ln(1 + r) is below 1/3 for r > 2, and the root is above 2 ln(1 / alpha)
    for (int iteration = 0; iteration < 100; iteration++) {
      double next = twoLog + Math.log1p(r);
      if (Math.abs(next - r) < 1e-12) return next;
      r = next;
    }
    return r;
  }

  private static void checkCounts(long successes, long trials) {
    if (trials < 0 || successes < 0 || successes > trials) {
      throw new IllegalArgumentException("need 0 <= successes <= trials: " + successes + " of " + trials);
    }
  }
}
