package dev.attune.bench;

import dev.attune.eval.OnlineTests;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What looking at an experiment's results often costs, by simulation: two arms whose users convert with a share of
 * {@code baseline} (A/A) or {@code baseline} + the rise the fixed-horizon test finds 8 times in 10 at the planned
 * users (A/B). Every {@code step} users per arm the results are looked at, up to {@code horizon} times the planned
 * users. Printed per setting: how often each test calls a difference at some look (a false alarm in A/A, a find in
 * A/B) — the fixed-horizon z-test read at every look, the same test read once at the planned users, and the
 * always-valid test ({@link OnlineTests#sequentialProportions}) read at every look — with the users per arm at which
 * the always-valid test first found the rise (median and 90th percentile), how often its interval missed the
 * true difference at some look, and how often reading both calls a difference (the fixed test once at the planned
 * users or the always-valid one at some look).
 *
 * <pre>
 * java -cp attune-bench/target/attune-bench.jar dev.attune.bench.SequentialTesting [runs=2000] [seed=1] \
 *   [baselines=0.02,0.1,0.3] [planned=1000] [step=50] [horizon=10] [share=0.5]
 * </pre>
 */
public final class SequentialTesting {

  private SequentialTesting() {}

  public static void main(String[] args) {
    Map<String, String> a = SharedData.arguments(Map.of("runs", "2000", "seed", "1", "baselines", "0.02,0.1,0.3",
        "planned", "1000", "step", "50", "horizon", "10", "share", "0.5"), args);
    int runs = Integer.parseInt(a.get("runs"));
    int planned = Integer.parseInt(a.get("planned"));
    int step = Integer.parseInt(a.get("step"));
    double shareB = Double.parseDouble(a.get("share"));
    if (planned % step != 0 || !(shareB > 0 && shareB < 1)) {
      // a look must fall on the planned users, or "fixed, once at planned" would count nothing
      throw new IllegalArgumentException("planned must be a multiple of step, and share in (0, 1)");
    }
    int looks = Integer.parseInt(a.get("horizon")) * planned / step;
    SplittableRandom random = new SplittableRandom(Long.parseLong(a.get("seed")));
    System.out.printf(Locale.ROOT, "%d runs per setting, planned %d users per arm, a look every %d users per arm up"
        + " to %d, arm B's share of the users %.2f (drawn per user; equal shares: exactly half each), level 0.05%n",
        runs, planned, step, looks * step, shareB);
    System.out.println("| baseline | true rise | fixed, every look | fixed, once at planned | always-valid, every look"
        + " | always-valid by planned / 2x planned | users to find it (median / 90th percentile) |"
        + " interval missed at some look | either: fixed once at planned or always-valid at some look |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (String b : a.get("baselines").split(",")) {
      double baseline = Double.parseDouble(b);
      double rise = OnlineTests.minimumDetectableDifference(baseline, planned, planned, 0.05, 0.8);
      for (double truth : new double[] {0, rise}) {
        int fixedAny = 0;
        int fixedOnce = 0;
        int sequentialAny = 0;
        int byPlanned = 0;
        int byTwice = 0;
        int missed = 0;
        int either = 0;
        long[] usersToFind = new long[runs];
        int finds = 0;
        long started = System.nanoTime();
        for (int run = 0; run < runs; run++) {
          long xA = 0;
          long xB = 0;
          long nA = 0;
          long nB = 0;
          boolean fixedFound = false;
          boolean sequentialFound = false;
          boolean miss = false;
          boolean fixedAtPlanned = false;
          for (int look = 1; look <= looks; look++) {
            long n = (long) look * step;
            if (shareB == 0.5) {
              xA += converted(random, step, baseline);
              xB += converted(random, step, baseline + truth);
              nA = n;
              nB = n;
            } else {
              for (int u = 0; u < 2 * step; u++) {
                if (random.nextDouble() < shareB) {
                  nB++;
                  if (random.nextDouble() < baseline + truth) xB++;
                } else {
                  nA++;
                  if (random.nextDouble() < baseline) xA++;
                }
              }
              if (nA == 0 || nB == 0) continue;
            }
            boolean fixed = OnlineTests.proportions(xA, nA, xB, nB, 0.95).pValue() < 0.05;
            fixedFound |= fixed;
            if (n == planned && fixed) {
              fixedOnce++;
              fixedAtPlanned = true;
            }
            OnlineTests.Comparison c = OnlineTests.sequentialProportions(xA, nA, xB, nB, 0.05, planned);
            miss |= c.lower() > truth || c.upper() < truth;
            if (!sequentialFound && c.pValue() < 0.05) {
              sequentialFound = true;
              usersToFind[finds++] = n;
              if (n <= planned) byPlanned++;
              if (n <= 2L * planned) byTwice++;
            }
          }
          if (fixedFound) fixedAny++;
          if (sequentialFound) sequentialAny++;
          if (miss) missed++;
          if (fixedAtPlanned || sequentialFound) either++;
        }
        long[] found = Arrays.copyOf(usersToFind, finds);
        Arrays.sort(found);
        String users = finds == 0 ? "–" : String.format(Locale.ROOT, "%d / %d", found[finds / 2],
            found[Math.min(finds - 1, (int) (0.9 * finds))]);
        System.out.printf(Locale.ROOT, "| %.2f | %s | %.3f | %.3f | %.3f | %.3f / %.3f | %s | %.3f | %.3f |"
            + "  (%.1f s)%n", baseline, truth == 0 ? "0 (A/A)" : String.format(Locale.ROOT, "%.4f", truth),
            share(fixedAny, runs), share(fixedOnce, runs), share(sequentialAny, runs), share(byPlanned, runs),
            share(byTwice, runs), users, share(missed, runs), share(either, runs), (System.nanoTime() - started) / 1e9);
      }
    }
  }

  private static double share(int count, int runs) {
    return (double) count / runs;
  }

  private static long converted(SplittableRandom random, int users, double share) {
    long n = 0;
    for (int u = 0; u < users; u++) if (random.nextDouble() < share) n++;
    return n;
  }
}
