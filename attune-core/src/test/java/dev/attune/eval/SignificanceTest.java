package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SignificanceTest {
  private static final long SEED = 7L;

  /** Per-user NDCG-like values in [0, 1] for n users. */
  private static double[] baseline(int n, SplittableRandom random) {
    double[] v = new double[n];
    for (int j = 0; j < n; j++) v[j] = random.nextDouble() * 0.8;
    return v;
  }

  @Test
  void clearlyBetterModelIsSignificant() {
    SplittableRandom random = new SplittableRandom(SEED);
    double[] b = baseline(300, random);
    double[] a = new double[b.length];
    // A beats B by 0.1 on average, with per-user noise of +-0.05.
    for (int j = 0; j < a.length; j++) a[j] = b[j] + 0.1 + (random.nextDouble() - 0.5) * 0.1;
    double p = Significance.pairedTTest(a, b);
    assertTrue(p < 0.01, "t-test p = " + p + " (seed " + SEED + ")");
    Significance.Bootstrap boot = Significance.pairedBootstrap(a, b, 1000, SEED);
    assertTrue(boot.pValue() < 0.01, "bootstrap p = " + boot.pValue() + " (seed " + SEED + ")");
    assertTrue(boot.lower() > 0 && boot.upper() > boot.lower(), boot.toString());
    assertTrue(boot.lower() <= boot.meanDifference() && boot.meanDifference() <= boot.upper(), boot.toString());
    assertEquals(0.1, boot.meanDifference(), 0.02);
    assertEquals(300, boot.users());
    assertEquals(1000, boot.resamples());
  }

  @Test
  void identicalModelsGivePValueOne() {
    // Every per-user difference is 0: no variance for the t statistic; documented as p = 1.
    double[] a = baseline(50, new SplittableRandom(SEED));
    double[] b = a.clone();
    assertEquals(1.0, Significance.pairedTTest(a, b));
    Significance.Bootstrap boot = Significance.pairedBootstrap(a, b, 1000, SEED);
    assertEquals(0.0, boot.meanDifference());
    assertEquals(0.0, boot.lower());
    assertEquals(0.0, boot.upper());
    assertEquals(1.0, boot.pValue());
  }

  @Test
  void constantNonZeroDifferenceIsSignificant() {
    // Binary fractions, so every difference is exactly 0.25.
    double[] a = {0.5, 0.625, 0.75, 1.0};
    double[] b = {0.25, 0.375, 0.5, 0.75};
    assertEquals(0.0, Significance.pairedTTest(a, b));
    // Every resample has mean 0.25 > 0: the p-value floor 2 / (B + 1).
    assertEquals(2.0 / 1001, Significance.pairedBootstrap(a, b, 1000, SEED).pValue(), 1e-12);
  }

  @Test
  void noisyEqualModelsAreNotSignificant() {
    SplittableRandom random = new SplittableRandom(SEED);
    double[] a = new double[200];
    double[] b = new double[200];
    for (int j = 0; j < a.length; j++) {
      double base = random.nextDouble();
      a[j] = base + random.nextGaussian() * 0.01;
      b[j] = base + random.nextGaussian() * 0.01;
    }
    assertTrue(Significance.pairedTTest(a, b) > 0.01);
  }

  @Test
  void bootstrapIsReproducibleForASeed() {
    SplittableRandom random = new SplittableRandom(SEED);
    double[] a = baseline(100, random);
    double[] b = baseline(100, random);
    assertEquals(Significance.pairedBootstrap(a, b, 500, 3), Significance.pairedBootstrap(a, b, 500, 3));
  }

  @Test
  void nanPairsAreDropped() {
    double[] a = {0.5, Double.NaN, 0.7, 0.9};
    double[] b = {0.4, 0.1, Double.NaN, 0.8};
    // Only users 0 and 3 remain, both with difference 0.1.
    Significance.Bootstrap boot = Significance.pairedBootstrap(a, b, 100, SEED);
    assertEquals(2, boot.users());
    assertEquals(0.1, boot.meanDifference(), 1e-12);
    assertTrue(Double.isNaN(Significance.pairedTTest(new double[] {1}, new double[] {0})));
  }

  @Test
  void resultsMustCoverTheSameUsers() {
    EvalResult a = result("A", new int[] {0, 1, 2}, new double[] {1, 0, 1});
    EvalResult b = result("B", new int[] {0, 1, 3}, new double[] {0, 0, 1});
    assertThrows(IllegalArgumentException.class, () -> Significance.pairedTTest(a, b, "HR@10"));
    assertThrows(IllegalArgumentException.class, () -> Significance.pairedBootstrap(a, b, "HR@10"));
    EvalResult c = result("C", new int[] {0, 1, 2}, new double[] {0, 0, 1});
    assertEquals(Significance.pairedTTest(a.perUser("HR@10"), c.perUser("HR@10")),
        Significance.pairedTTest(a, c, "HR@10"));
    assertThrows(IllegalArgumentException.class, () -> Significance.pairedTTest(a, c, "NDCG@10"));
  }

  static EvalResult result(String name, int[] users, double[] hr) {
    Map<Metric, double[]> perUser = new LinkedHashMap<>();
    perUser.put(Metric.at(Metric.Kind.HIT_RATE, 10), hr);
    return new EvalResult(name, "test", users, perUser, Map.of(), 0, Double.NaN);
  }
}
