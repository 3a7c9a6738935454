package dev.attune.data;

import dev.attune.events.EventWeights;
import java.util.SplittableRandom;

/**
 * The offline protocols: how a data set's events are divided into training, validation and test.
 *
 * <p>Only events with positive weight become validation or test targets (a skip is not something to
 * predict); negative events stay in training when they happened before the user's held-out events and
 * are dropped when after, so no protocol lets training see anything later than what it is tested on.
 */
public final class Splits {
  private Splits() {}

  /**
   * Leave-one-out: per user, the last positive event (in time, ties by input order) is the test target and
   * the second to last the validation target. Users with fewer than 3 positive events keep everything in
   * training, as in the SASRec protocol; events after a user's test event are dropped.
   */
  public static Split leaveOneOut(Dataset dataset, EventWeights weights) {
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    DatasetBuilder.UserOrder order = DatasetBuilder.UserOrder.of(log, dataset.numUsers());
    byte[] roles = new byte[log.size()];
    for (int u = 0; u < dataset.numUsers(); u++) {
      int start = order.indptr[u];
      int end = order.indptr[u + 1];
      int testAt = -1;
      int validAt = -1;
      int positives = 0;
      for (int p = end - 1; p >= start; p--) {
        if (w[order.rows[p]] > 0) {
          positives++;
          if (testAt < 0) testAt = p;
          else if (validAt < 0) validAt = p;
        }
      }
      if (positives < 3) continue;
      for (int p = validAt; p < end; p++) {
        int row = order.rows[p];
        roles[row] = p == testAt ? Split.TEST : p > testAt ? Split.DROPPED : Split.VALIDATION;
      }
    }
    return assemble("leave-one-out", dataset, roles, weights);
  }

  /**
   * Global temporal cut: events before {@code cutoff} train, positive events at or after it test. Users
   * with no event before the cut-off are not scored (their later events are dropped). No validation part.
   */
  public static Split temporal(Dataset dataset, EventWeights weights, long cutoff) {
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    boolean[] hasTrain = new boolean[dataset.numUsers()];
    for (int r = 0; r < log.size(); r++) {
      if (log.time(r) < cutoff) hasTrain[log.user(r)] = true;
    }
    byte[] roles = new byte[log.size()];
    for (int r = 0; r < log.size(); r++) {
      if (log.time(r) < cutoff) continue;
      roles[r] = hasTrain[log.user(r)] && w[r] > 0 ? Split.TEST : Split.DROPPED;
    }
    return assemble("temporal(cutoff=" + cutoff + ")", dataset, roles, weights);
  }

  /**
   * Global temporal cut at the time that leaves {@code testFraction} of all events after it.
   *
   * @throws IllegalArgumentException if {@code testFraction} is not in (0, 1)
   */
  public static Split temporalFraction(Dataset dataset, EventWeights weights, double testFraction) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("testFraction must be in (0, 1): " + testFraction);
    }
    EventLog log = dataset.events();
    long[] times = new long[log.size()];
    for (int r = 0; r < times.length; r++) times[r] = log.time(r);
    java.util.Arrays.sort(times);
    long cutoff = times.length == 0 ? 0 : times[(int) Math.min(times.length - 1, Math.floor(times.length * (1 - testFraction)))];
    return temporal(dataset, weights, cutoff);
  }

  /**
   * Random ratio per user: each user's positive events are shuffled (seeded) and {@code testFraction} of
   * them, rounded, at least one and never all, go to test. Users with one positive event keep it in training.
   *
   * @throws IllegalArgumentException if {@code testFraction} is not in (0, 1)
   */
  public static Split randomRatio(Dataset dataset, EventWeights weights, double testFraction, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("testFraction must be in (0, 1): " + testFraction);
    }
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    DatasetBuilder.UserOrder order = DatasetBuilder.UserOrder.of(log, dataset.numUsers());
    byte[] roles = new byte[log.size()];
    SplittableRandom random = new SplittableRandom(seed);
    int[] buffer = new int[16];
    for (int u = 0; u < dataset.numUsers(); u++) {
      int n = 0;
      for (int p = order.indptr[u]; p < order.indptr[u + 1]; p++) {
        int row = order.rows[p];
        if (w[row] <= 0) continue;
        if (n == buffer.length) buffer = java.util.Arrays.copyOf(buffer, n * 2);
        buffer[n++] = row;
      }
      if (n < 2) continue;
      int tests = (int) Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
      SplittableRandom userRandom = random.split(); // one stream per user: adding a user shifts no one else
      for (int j = 0; j < tests; j++) {
        int pick = j + userRandom.nextInt(n - j);
        int tmp = buffer[j];
        buffer[j] = buffer[pick];
        buffer[pick] = tmp;
        roles[buffer[j]] = Split.TEST;
      }
    }
    return assemble("random(test=" + testFraction + ", seed=" + seed + ")", dataset, roles, weights);
  }

  /**
   * The division shipped with the source: all main events train, the data set's given test events test.
   *
   * @throws IllegalArgumentException if the data set has no given test part
   */
  public static Split given(Dataset dataset, EventWeights weights) {
    if (dataset.givenTest() == null) {
      throw new IllegalArgumentException("data set " + dataset.name() + " has no given test part");
    }
    byte[] roles = new byte[dataset.events().size()];
    TrainingSet train = DatasetBuilder.build(dataset, roles, weights, Split.TRAIN);
    byte[] testRoles = new byte[dataset.givenTest().size()];
    java.util.Arrays.fill(testRoles, Split.TEST);
    Holdout test = DatasetBuilder.holdout(dataset, dataset.givenTest(), testRoles, Split.TEST, weights);
    return new Split("given", dataset, roles, train, train, Holdout.empty(dataset.numUsers()), test);
  }

  private static Split assemble(String protocol, Dataset dataset, byte[] roles, EventWeights weights) {
    TrainingSet trainOnly = DatasetBuilder.build(dataset, roles, weights, Split.TRAIN);
    boolean hasValidation = false;
    for (byte r : roles) hasValidation |= r == Split.VALIDATION;
    TrainingSet trainAndValidation = hasValidation
        ? DatasetBuilder.build(dataset, roles, weights, Split.TRAIN, Split.VALIDATION)
        : trainOnly; // identical inputs: build once
    Holdout validation = DatasetBuilder.holdout(dataset, dataset.events(), roles, Split.VALIDATION, weights);
    Holdout test = DatasetBuilder.holdout(dataset, dataset.events(), roles, Split.TEST, weights);
    return new Split(protocol, dataset, roles, trainOnly, trainAndValidation, validation, test);
  }
}
