package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The reference values come from SciPy 1.17 ({@code binomtest(...).proportion_ci(method='wilson')}, {@code
 * chi2_contingency(correction=False)}, {@code ttest_ind(equal_var=False)} with its {@code confidence_interval},
 * {@code chisquare}); the power and error rates from simulated experiments.
 */
class OnlineTestsTest {

  @Test
  void wilsonIntervalMatchesTheReference() {
    OnlineTests.Interval i = OnlineTests.wilson(81, 263, 0.95);
    assertEquals(81.0 / 263, i.estimate(), 1e-12);
    assertEquals(0.2552885198782742, i.lower(), 1e-9);
    assertEquals(0.36620957698280004, i.upper(), 1e-9);
    OnlineTests.Interval none = OnlineTests.wilson(0, 50, 0.95);
    assertEquals(0, none.lower(), 1e-12, "never below 0");
    assertEquals(0.07134759913335872, none.upper(), 1e-9);
    assertTrue(Double.isNaN(OnlineTests.wilson(0, 0, 0.95).estimate()), "no users: nothing to say");
    assertThrows(IllegalArgumentException.class, () -> OnlineTests.wilson(3, 2, 0.95));
  }

  @Test
  void twoSharesAreComparedAsTheChiSquaredTestWithoutCorrection() {
    OnlineTests.Comparison c = OnlineTests.proportions(120, 1000, 150, 1000, 0.95);
    assertEquals(0.03, c.difference(), 1e-12);
    assertEquals(0.25, c.relative(), 1e-12);
    assertEquals(0.049640386865368834, c.pValue(), 1e-9);
    double se = Math.sqrt(0.12 * 0.88 / 1000 + 0.15 * 0.85 / 1000);
    assertEquals(0.03 - 1.959963984540054 * se, c.lower(), 1e-9);
    assertEquals(0.03 + 1.959963984540054 * se, c.upper(), 1e-9);
    assertEquals(1, OnlineTests.proportions(0, 10, 0, 10, 0.95).pValue(), "nobody converted on either side");
    assertTrue(Double.isNaN(OnlineTests.proportions(0, 0, 1, 10, 0.95).pValue()));
  }

  @Test
  void meansAreComparedByWelchsTest() {
    // a = {0,1,0,2,3,0,0,1,5,0,1,0}, b = {1,2,0,4,3,1,0,2,6,1,2,3,0,1}
    OnlineTests.Comparison c = OnlineTests.means(13, 41, 12, 26, 86, 14, 0.95);
    assertEquals(26.0 / 14 - 13.0 / 12, c.difference(), 1e-12);
    assertEquals(0.23932968288325693, c.pValue(), 1e-9);
    assertEquals(-0.5499589586055855, c.lower(), 1e-9);
    assertEquals(2.0975780062246336, c.upper(), 1e-9);
    assertEquals(1, OnlineTests.means(0, 0, 5, 0, 0, 5, 0.95).pValue(), "no variance, no difference");
  }

  @Test
  void sampleRatioMismatchMatchesTheReference() {
    assertEquals(0.01639507184919225, OnlineTests.sampleRatioPValue(new long[] {5120, 4880}, new double[] {0.5, 0.5}),
        1e-9);
    assertEquals(2.3496983374528227e-21,
        OnlineTests.sampleRatioPValue(new long[] {300, 350, 350}, new double[] {0.25, 0.5, 0.25}), 1e-24);
    assertTrue(Double.isNaN(OnlineTests.sampleRatioPValue(new long[] {0, 0}, new double[] {0.5, 0.5})));
  }

  /**
   * Simulated experiments: with no true difference (A/A) the test at 5% finds one about 5% of the time; with the
   * minimum detectable difference as the true one it finds it about as often as the power asked for.
   */
  @Test
  void falseAlarmsAndPowerAreWhatTheyClaim() {
    SplittableRandom random = new SplittableRandom(7);
    int runs = 2_000;
    int users = 2_000;
    double baseline = 0.1;
    double detectable = OnlineTests.minimumDetectableDifference(baseline, users, users, 0.05, 0.8);
    assertTrue(detectable > 0.02 && detectable < 0.03, "about 2.8 standard errors of the difference: " + detectable);
    int falseAlarms = 0;
    int found = 0;
    for (int run = 0; run < runs; run++) {
      long a = converted(random, users, baseline);
      if (OnlineTests.proportions(a, users, converted(random, users, baseline), users, 0.95).pValue() < 0.05) {
        falseAlarms++;
      }
      long b = converted(random, users, baseline + detectable);
      if (OnlineTests.proportions(a, users, b, users, 0.95).pValue() < 0.05) found++;
    }
    // no conversion at all yet: a rise is still detectable from some size on, not from any (a QA run read "0.00")
    double fromNothing = OnlineTests.minimumDetectableDifference(0, users, users, 0.05, 0.8);
    assertTrue(fromNothing > 0.001 && fromNothing < 0.01, "from 0: " + fromNothing);
    double falseAlarmRate = (double) falseAlarms / runs;
    double power = (double) found / runs;
    assertTrue(falseAlarmRate > 0.03 && falseAlarmRate < 0.07, "A/A false alarms: " + falseAlarmRate);
    assertTrue(power > 0.76 && power < 0.84, "power at the detectable difference: " + power);
  }

  private static long converted(SplittableRandom random, int users, double share) {
    long n = 0;
    for (int u = 0; u < users; u++) if (random.nextDouble() < share) n++;
    return n;
  }
}
