package dev.attune.data;

import dev.attune.events.EventWeights;
import java.util.SplittableRandom;

/**
 * The offline protocols: how a data set's events are divided into training, validation and test.
 *
 * <p>Only events with positive weight become validation or test targets (a skip is not something to
 * predict). Leave-one-out and the temporal cut keep in training only what happened before the user's held-out
 * events (negative events after them are dropped), so training sees nothing later than what it is tested on; the
 * random and in-scene splits hold out events at random, and keep the user's other events, earlier or later, as
 * their methods say. Whether an item may be a target again is its scene's rule ({@code repeatScenes}), by the item's
 * scene, as the evaluator reads it.
 */
public final class Splits {
  private Splits() {}

  /**
   * Leave-one-out: per user, the last consumed item is the test target and the one before it the
   * validation target. Users with fewer than 3 targets keep everything in training, as in the SASRec
   * protocol.
   *
   * <p>A target is the first positive event of an item for that user (in time, ties by input order), so in
   * a scene without repeats the test item is one the user had never consumed before: every other event on
   * the test item (an earlier skip, a later like) is dropped, and events on the validation item move with
   * it. In scenes that {@linkplain Dataset#allowRepeats allow repeats} every positive event is a target and
   * earlier plays of the same item stay in training. Events after the test target are dropped. The events between
   * the validation and the test target (renewed plays of earlier items, skips) train the tested model but are no
   * validation targets: the validation holdout is the one item, as the test holdout is.
   */
  public static Split leaveOneOut(Dataset dataset, EventWeights weights) {
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    boolean[] repeatItem = repeatItems(dataset);
    DatasetBuilder.UserOrder order = DatasetBuilder.UserOrder.of(log, dataset.numUsers());
    byte[] roles = new byte[log.size()];
    byte[] validationTargets = new byte[log.size()];
    java.util.HashSet<Integer> seen = new java.util.HashSet<>();
    for (int u = 0; u < dataset.numUsers(); u++) {
      int start = order.indptr[u];
      int end = order.indptr[u + 1];
      int testAt = -1;
      int validAt = -1;
      int targets = 0;
      seen.clear();
      for (int p = start; p < end; p++) {
        int row = order.rows[p];
        if (w[row] <= 0) continue;
        boolean first = seen.add(log.item(row));
        if (first || repeatItem[log.item(row)]) {
          targets++;
          validAt = testAt;
          testAt = p;
        }
      }
      if (targets < 3) continue;
      int validItem = log.item(order.rows[validAt]);
      int testItem = log.item(order.rows[testAt]);
      boolean validRepeats = repeatItem[log.item(order.rows[validAt])];
      boolean testRepeats = repeatItem[log.item(order.rows[testAt])];
      validationTargets[order.rows[validAt]] = Split.VALIDATION;
      for (int p = start; p < end; p++) {
        int row = order.rows[p];
        int item = log.item(row);
        if (p == testAt) {
          roles[row] = Split.TEST;
        } else if (p > testAt || (item == testItem && !testRepeats)) {
          roles[row] = Split.DROPPED;
        } else if (p >= validAt || (item == validItem && !validRepeats)) {
          roles[row] = Split.VALIDATION;
        }
      }
    }
    return assemble("leave-one-out", dataset, roles, validationTargets, weights);
  }

  /**
   * How many test users' held-out event shares its time with a positive event of theirs on another item that trains
   * (or validates): for them the input order, not time, decided which item is held out (the later one in the input).
   * A file sorted by item id within a user (as some copies of MovieLens are) then always holds out the highest id
   * among items rated in the same second, which favours or disfavours models systematically; worth saying beside
   * the results. (The MovieLens importers put such ties in a seeded random order per user for that reason; the rule
   * here stays input order, which is right where the input's order means something.)
   */
  public static int testTargetsTiedInTime(Split split, EventWeights weights) {
    Dataset dataset = split.dataset();
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    java.util.HashMap<Integer, Long> testTime = new java.util.HashMap<>();
    java.util.HashMap<Integer, java.util.Set<Integer>> testItems = new java.util.HashMap<>();
    for (int r = 0; r < log.size(); r++) {
      if (split.roles()[r] != Split.TEST || w[r] <= 0) continue;
      testTime.merge(log.user(r), log.time(r), Math::max);
      testItems.computeIfAbsent(log.user(r), u -> new java.util.HashSet<>()).add(log.item(r));
    }
    java.util.HashSet<Integer> tied = new java.util.HashSet<>();
    for (int r = 0; r < log.size(); r++) {
      byte role = split.roles()[r];
      if (role != Split.TRAIN && role != Split.VALIDATION || w[r] <= 0) continue;
      Long t = testTime.get(log.user(r));
      if (t != null && t == log.time(r) && !testItems.get(log.user(r)).contains(log.item(r))) tied.add(log.user(r));
    }
    return tied.size();
  }

  /**
   * How many test users of a leave-one-out split had positive events after their held-out one, which the split drops:
   * in a scene without repeats the target is their last first-time item, so these are repeats of items they had
   * before, the held-out one among them. Protocols that hold out a user's last event whatever its item test another
   * event for these users.
   *
   * @return {users, positive events dropped after the held-out one}
   */
  public static long[] positivesAfterTheTestTarget(Split split, EventWeights weights) {
    Dataset dataset = split.dataset();
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    java.util.HashSet<Integer> users = new java.util.HashSet<>();
    long events = 0;
    for (int r = 0; r < log.size(); r++) {
      // a dropped positive event comes after its user's target: one before it on the target's item would have been it
      if (split.roles()[r] != Split.DROPPED || w[r] <= 0) continue;
      users.add(log.user(r));
      events++;
    }
    return new long[] {users.size(), events};
  }

  /**
   * A fingerprint of the events {@code split} holds out (each user's test and validation items, by id), in hex: the
   * same data set and protocol give the same one, and so does the same data imported again, unless its events
   * changed or come in another order (a MovieLens set imported before 2026-12-06 and after: same-second ratings are
   * ordered otherwise, so leave-one-out holds out other items). A model directory records it, so that a later
   * evaluation can tell other data from another build. Independent of the order users and items were numbered in.
   */
  public static String heldOutFingerprint(Split split) {
    Dataset dataset = split.dataset();
    long h = 0;
    for (Holdout part : java.util.List.of(split.test(), split.validation())) {
      h = h * 0x9E3779B97F4A7C15L + 1; // the parts apart: an item moved from one to the other changes it
      long sum = 0;
      for (int u = 0; u < part.numUsers(); u++) {
        String user = dataset.userIds().id(u);
        for (int i : part.itemsOf(u)) {
          // summed: the same pairs give the same value in any order of users
          sum += Hashes.mix(user.hashCode() * 0x9E3779B97F4A7C15L + dataset.itemIds().id(i).hashCode());
        }
      }
      h += sum;
    }
    return Long.toHexString(Hashes.mix(h));
  }

  /**
   * Per item, whether its scene allows repeats: decided by the item's scene, as the evaluator excludes seen items by
   * it, not by the event's (a review: an event of a repeat scene on an item of another made a replay the test target,
   * which the ranking then left out as seen, a sure miss).
   */
  private static boolean[] repeatItems(Dataset dataset) {
    boolean[] byScene = repeatScenes(dataset);
    int[] itemScene = dataset.itemScenes();
    boolean[] repeat = new boolean[itemScene.length];
    for (int i = 0; i < repeat.length; i++) repeat[i] = itemScene[i] >= 0 && byScene[itemScene[i]];
    return repeat;
  }

  private static boolean[] repeatScenes(Dataset dataset) {
    boolean[] repeat = new boolean[dataset.sceneNames().size()];
    for (String scene : dataset.repeatScenes()) {
      int s = dataset.sceneNames().indexOf(scene);
      if (s >= 0) repeat[s] = true;
    }
    return repeat;
  }

  /**
   * Global temporal cut: events before {@code cutoff} train; items a user first consumes (positive event)
   * at or after it are test targets. Users with no event before the cut-off are not scored, and later
   * events that are not targets (negative ones, or renewed consumption of an item already consumed
   * before the cut-off in a scene without repeats) are dropped. No validation part.
   */
  public static Split temporal(Dataset dataset, EventWeights weights, long cutoff) {
    return temporal(dataset, weights, cutoff, cutoff);
  }

  /**
   * Global temporal cut with a validation period: as {@link #temporal(Dataset, EventWeights, long)} for the test,
   * and the events from {@code validationCutoff} to {@code cutoff} are the validation period, cut the same way
   * against the events before it: items a user first consumes there (having an event before the period) are
   * validation targets. Every event of the period is left out of tuning ({@link Split#tuning()} trains only on
   * what came before it, so never on anything later than a validation target) and trains the tested model.
   *
   * @param validationCutoff start of the validation period, at most {@code cutoff} (equal: no validation part)
   * @throws IllegalArgumentException if {@code validationCutoff > cutoff}
   */
  public static Split temporal(Dataset dataset, EventWeights weights, long validationCutoff, long cutoff) {
    if (validationCutoff > cutoff) {
      throw new IllegalArgumentException("validationCutoff " + validationCutoff + " is after cutoff " + cutoff);
    }
    byte[] roles = new byte[dataset.events().size()];
    // the validation period's events that are not targets (skips, renewed plays) train the tested model but are
    // no validation targets: they are marked VALIDATION in the roles and left out of the validation holdout
    byte[] validationTargets = new byte[roles.length];
    float[] w = DatasetBuilder.weigh(dataset, dataset.events(), weights);
    if (validationCutoff < cutoff) {
      cutAt(dataset, w, validationCutoff, cutoff, Split.VALIDATION, roles, validationTargets);
    }
    cutAt(dataset, w, cutoff, Long.MAX_VALUE, Split.TEST, roles, null);
    String protocol = validationCutoff == cutoff ? "temporal(cutoff=" + cutoff + ")"
        : "temporal(cutoff=" + cutoff + ", validation from " + validationCutoff + ")";
    return assemble(protocol, dataset, roles, validationTargets, weights);
  }

  /**
   * Marks the events of {@code [from, until)} ({@code w}: every event's weight) with {@code role}: targets (a
   * positive event of a user with an event before {@code from}, on an item that user had not consumed before {@code
   * from} unless its scene allows repeats) in {@code roles} and in {@code targets} (when given), the rest in {@code
   * roles} only, or as dropped without {@code targets} (the test period). In a scene without repeats, the user's
   * earlier events on a target item (a skip: nothing earlier on it is positive) leave the training part with it,
   * as in leave-one-out: kept, they would make the target a seen item, excluded from the ranking and so a sure miss.
   */
  private static void cutAt(Dataset dataset, float[] w, long from, long until, byte role, byte[] roles,
      byte[] targets) {
    EventLog log = dataset.events();
    boolean[] repeatItem = repeatItems(dataset);
    boolean[] hasEarlier = new boolean[dataset.numUsers()];
    java.util.HashSet<Long> consumedBefore = new java.util.HashSet<>();
    for (int r = 0; r < log.size(); r++) {
      if (log.time(r) < from) {
        hasEarlier[log.user(r)] = true;
        if (w[r] > 0) consumedBefore.add(((long) log.user(r) << 32) | log.item(r));
      }
    }
    java.util.HashSet<Long> firstConsumed = new java.util.HashSet<>();
    for (int r = 0; r < log.size(); r++) {
      if (log.time(r) < from || log.time(r) >= until) continue;
      long key = ((long) log.user(r) << 32) | log.item(r);
      boolean target = hasEarlier[log.user(r)] && w[r] > 0
          && (repeatItem[log.item(r)] || !consumedBefore.contains(key));
      if (targets != null) {
        roles[r] = role;
        if (target) targets[r] = role;
      } else {
        roles[r] = target ? role : Split.DROPPED;
      }
      if (target && !repeatItem[log.item(r)]) firstConsumed.add(key);
    }
    if (firstConsumed.isEmpty()) return;
    for (int r = 0; r < log.size(); r++) {
      if (log.time(r) >= from || roles[r] == Split.DROPPED) continue;
      if (firstConsumed.contains(((long) log.user(r) << 32) | log.item(r))) {
        roles[r] = targets != null ? role : Split.DROPPED;
      }
    }
  }

  /**
   * Global temporal cut at the time that leaves {@code testFraction} of all events after it, with a validation
   * period cut the same way from the events before it: the time that leaves {@code testFraction} of those after it.
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
    long cutoff = quantile(times, times.length, 1 - testFraction);
    // the validation period is cut from the events before the test period as that one is from all of them
    int before = 0;
    while (before < times.length && times[before] < cutoff) before++;
    long validationCutoff = quantile(times, before, 1 - testFraction);
    return temporal(dataset, weights, Math.min(validationCutoff, cutoff), cutoff);
  }

  /** The time at {@code share} of the first {@code n} sorted {@code times} (0 for none). */
  private static long quantile(long[] times, int n, double share) {
    return n == 0 ? 0 : times[(int) Math.min(n - 1, Math.floor(n * share))];
  }

  /**
   * Random ratio per user: each user's targets (first positive event per item, or every positive event in
   * scenes with repeats) are shuffled (seeded) and {@code testFraction} of them, rounded, at least one and
   * never all, go to test; then {@code testFraction} of the rest, drawn the same way, are validation targets
   * (none for a user with fewer than two left). Other events on a test item are dropped, and on a validation item
   * move with it, in scenes without repeats. Users with one target keep it in training.
   *
   * @throws IllegalArgumentException if {@code testFraction} is not in (0, 1)
   */
  public static Split randomRatio(Dataset dataset, EventWeights weights, double testFraction, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("testFraction must be in (0, 1): " + testFraction);
    }
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    boolean[] repeatItem = repeatItems(dataset);
    DatasetBuilder.UserOrder order = DatasetBuilder.UserOrder.of(log, dataset.numUsers());
    byte[] roles = new byte[log.size()];
    SplittableRandom random = new SplittableRandom(seed);
    int[] buffer = new int[16];
    java.util.HashSet<Integer> seen = new java.util.HashSet<>();
    java.util.HashSet<Integer> testItems = new java.util.HashSet<>();
    java.util.HashSet<Integer> validationItems = new java.util.HashSet<>();
    for (int u = 0; u < dataset.numUsers(); u++) {
      SplittableRandom userRandom = random.split(); // one stream per user: adding a user shifts no one else
      int n = 0;
      seen.clear();
      for (int p = order.indptr[u]; p < order.indptr[u + 1]; p++) {
        int row = order.rows[p];
        if (w[row] <= 0) continue;
        if (!seen.add(log.item(row)) && !repeatItem[log.item(row)]) continue;
        if (n == buffer.length) buffer = java.util.Arrays.copyOf(buffer, n * 2);
        buffer[n++] = row;
      }
      if (n < 2) continue;
      int tests = heldOutOf(n, testFraction);
      // the validation targets are drawn the same way from the rest, after the test ones, so the test part is the
      // same as without them
      int validations = n - tests < 2 ? 0 : heldOutOf(n - tests, testFraction);
      testItems.clear();
      validationItems.clear();
      for (int j = 0; j < tests + validations; j++) {
        int pick = j + userRandom.nextInt(n - j);
        int tmp = buffer[j];
        buffer[j] = buffer[pick];
        buffer[pick] = tmp;
        roles[buffer[j]] = j < tests ? Split.TEST : Split.VALIDATION;
        if (!repeatItem[log.item(buffer[j])]) (j < tests ? testItems : validationItems).add(log.item(buffer[j]));
      }
      for (int p = order.indptr[u]; p < order.indptr[u + 1]; p++) {
        int row = order.rows[p];
        if (roles[row] == Split.TEST) continue;
        // a test item's other events are dropped, a validation target of the same item among them: trained on, they
        // would show the tested model its test item. Items of scenes with repeats are not collected above, so their
        // other plays stay: a replay of a known item is what such a scene tests (the seen item is kept in ranking)
        if (testItems.contains(log.item(row))) {
          roles[row] = Split.DROPPED;
        } else if (roles[row] != Split.VALIDATION && validationItems.contains(log.item(row))) {
          roles[row] = Split.VALIDATION; // moves with its item, out of tuning (as the test item's are dropped)
        }
      }
    }
    return assemble("random(test=" + testFraction + ", seed=" + seed + ")", dataset, roles, weights);
  }

  /** Targets held out of {@code n}: {@code fraction} of them rounded, at least one and never all. */
  private static int heldOutOf(int n, double fraction) {
    return (int) Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  }

  /**
   * Cold in a target scene (#5): for a seeded share of the users active in both the target scene and another
   * one, all but {@code keep} of their target-scene targets are hidden from training and become test targets;
   * everyone else keeps every event in training. No validation part.
   *
   * <p>Eligible users have a positive event in a scene other than {@code scene} and at least
   * {@link #SCENE_MIN_TARGETS} (or {@code keep + 1}, if larger) targets in {@code scene} (a target as in
   * {@link #randomRatio}: first positive event per item, or every positive event in scenes with repeats). Each
   * eligible user draws from their own stream of {@code seed} whether they are a test user (probability
   * {@code userShare}) and then shuffles their targets; the first {@code keep} stay in training. The choice of
   * users and the shuffle do not depend on {@code keep}, so settings 0, 1 and 3 test the same users and the
   * events kept at 1 are among those kept at 3. Other events on a test item are dropped in scenes without
   * repeats. Events of other scenes are never held out.
   *
   * @param scene the target scene's name
   * @param keep target-scene targets each test user keeps in training, &gt;= 0
   * @param userShare share of the eligible users that are tested, in (0, 1]
   * @throws IllegalArgumentException if the scene is unknown or an argument is out of range
   */
  public static Split coldInScene(Dataset dataset, EventWeights weights, String scene, int keep, double userShare,
      long seed) {
    return coldInScene(dataset, weights, scene, keep, userShare, 0, seed);
  }

  /**
   * {@link #coldInScene(Dataset, EventWeights, String, int, double, long)} with validation users: eligible users
   * who are not tested are, with probability {@code validationShare}, treated the same way with their hidden events
   * as validation targets, so a model can be tuned on {@link Split#tuning()} without seeing the test users' hidden
   * events. The test users are the same as without validation.
   *
   * @param validationShare share of the eligible users used for validation, in [0, 1 − userShare]
   */
  public static Split coldInScene(Dataset dataset, EventWeights weights, String scene, int keep, double userShare,
      double validationShare, long seed) {
    if (keep < 0) throw new IllegalArgumentException("keep must be >= 0: " + keep);
    return inScene(dataset, weights, scene, userShare, validationShare, seed, n -> n - keep,
        Math.max(SCENE_MIN_TARGETS, keep + 1), "cold-in-scene(" + scene + ", keep=" + keep + ", users=" + userShare
            + (validationShare > 0 ? ", validation=" + validationShare : "") + ", seed=" + seed + ")");
  }

  /**
   * Warm in a target scene (#5): the same users as {@link #coldInScene} with the same seed and share, but each
   * keeps all but {@code testFraction} of their target-scene targets (rounded, at least one, never all) in
   * training; the rest are test targets. This is the warm-user check that goes with the cold settings.
   *
   * @param testFraction share of each test user's target-scene targets held out, in (0, 1)
   * @throws IllegalArgumentException if the scene is unknown or an argument is out of range
   */
  public static Split warmInScene(Dataset dataset, EventWeights weights, String scene, double testFraction,
      double userShare, long seed) {
    return warmInScene(dataset, weights, scene, testFraction, userShare, 0, seed);
  }

  /**
   * {@link #warmInScene(Dataset, EventWeights, String, double, double, long)} with validation users, chosen as in
   * {@link #coldInScene(Dataset, EventWeights, String, int, double, double, long)}.
   *
   * @param validationShare share of the eligible users used for validation, in [0, 1 − userShare]
   */
  public static Split warmInScene(Dataset dataset, EventWeights weights, String scene, double testFraction,
      double userShare, double validationShare, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("testFraction must be in (0, 1): " + testFraction);
    }
    return inScene(dataset, weights, scene, userShare, validationShare, seed,
        n -> (int) Math.min(n - 1, Math.max(1, Math.round(n * testFraction))), SCENE_MIN_TARGETS,
        "warm-in-scene(" + scene + ", test=" + testFraction + ", users=" + userShare
            + (validationShare > 0 ? ", validation=" + validationShare : "") + ", seed=" + seed + ")");
  }

  /** The fewest target-scene targets an eligible user of {@link #coldInScene} has (so keep 3 leaves one to test). */
  public static final int SCENE_MIN_TARGETS = 4;

  private static Split inScene(Dataset dataset, EventWeights weights, String scene, double userShare,
      double validationShare, long seed, java.util.function.IntUnaryOperator testsOf, int minTargets, String protocol) {
    int target = dataset.sceneNames().indexOf(scene);
    if (target < 0) {
      throw new IllegalArgumentException("unknown scene '" + scene + "'; have " + dataset.sceneNames().ids());
    }
    if (!(userShare > 0 && userShare <= 1)) throw new IllegalArgumentException("userShare must be in (0, 1]: " + userShare);
    if (!(validationShare >= 0 && validationShare <= 1 - userShare)) {
      throw new IllegalArgumentException("validationShare must be in [0, 1 - userShare]: " + validationShare);
    }
    EventLog log = dataset.events();
    float[] w = DatasetBuilder.weigh(dataset, log, weights);
    boolean repeats = repeatScenes(dataset)[target];
    // an event is in the target scene when its item is, as the ranking over the scene's items reads it: by the event's
    // own scene, a target could be an item the scene's ranking never holds (an item liked from another scene), a sure
    // miss (a review)
    int[] itemScene = dataset.itemScenes();
    DatasetBuilder.UserOrder order = DatasetBuilder.UserOrder.of(log, dataset.numUsers());
    byte[] roles = new byte[log.size()];
    SplittableRandom random = new SplittableRandom(seed);
    int[] buffer = new int[16];
    java.util.HashSet<Integer> seen = new java.util.HashSet<>();
    java.util.HashSet<Integer> testItems = new java.util.HashSet<>();
    for (int u = 0; u < dataset.numUsers(); u++) {
      SplittableRandom userRandom = random.split(); // one stream per user: adding a user shifts no one else
      int n = 0;
      boolean elsewhere = false;
      seen.clear();
      for (int p = order.indptr[u]; p < order.indptr[u + 1]; p++) {
        int row = order.rows[p];
        if (w[row] <= 0) continue;
        if (itemScene[log.item(row)] != target) {
          elsewhere = true;
          continue;
        }
        if (!seen.add(log.item(row)) && !repeats) continue;
        if (n == buffer.length) buffer = java.util.Arrays.copyOf(buffer, n * 2);
        buffer[n++] = row;
      }
      if (!elsewhere || n < SCENE_MIN_TARGETS) continue;
      double draw = userRandom.nextDouble();
      boolean tested = draw < userShare;
      boolean validated = !tested && draw < userShare + validationShare;
      if (!(tested || validated) || n < minTargets) continue;
      byte role = tested ? Split.TEST : Split.VALIDATION;
      for (int j = n - 1; j > 0; j--) { // full shuffle, the same for every keep
        int pick = userRandom.nextInt(j + 1);
        int tmp = buffer[j];
        buffer[j] = buffer[pick];
        buffer[pick] = tmp;
      }
      int tests = testsOf.applyAsInt(n);
      testItems.clear();
      for (int j = n - tests; j < n; j++) {
        roles[buffer[j]] = role;
        if (!repeats) testItems.add(log.item(buffer[j]));
      }
      for (int p = order.indptr[u]; p < order.indptr[u + 1]; p++) {
        int row = order.rows[p];
        if (roles[row] != role && testItems.contains(log.item(row))) roles[row] = Split.DROPPED;
      }
    }
    return assemble(protocol, dataset, roles, weights);
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
    return assemble(protocol, dataset, roles, roles, weights);
  }

  /**
   * @param validationTargets the roles that pick the validation targets: equal to {@code roles}, or with the
   *     validation events that are not targets marked otherwise
   */
  private static Split assemble(String protocol, Dataset dataset, byte[] roles, byte[] validationTargets,
      EventWeights weights) {
    TrainingSet trainOnly = DatasetBuilder.build(dataset, roles, weights, Split.TRAIN);
    boolean hasValidation = false;
    for (byte r : roles) hasValidation |= r == Split.VALIDATION;
    TrainingSet trainAndValidation = hasValidation
        ? DatasetBuilder.build(dataset, roles, weights, Split.TRAIN, Split.VALIDATION)
        : trainOnly; // identical inputs: build once
    Holdout validation = DatasetBuilder.holdout(dataset, dataset.events(), validationTargets, Split.VALIDATION, weights);
    Holdout test = DatasetBuilder.holdout(dataset, dataset.events(), roles, Split.TEST, weights);
    return new Split(protocol, dataset, roles, trainOnly, trainAndValidation, validation, test);
  }
}
