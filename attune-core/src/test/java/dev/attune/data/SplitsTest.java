package dev.attune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.synth.MusicPlatformGenerator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {
  private static final EventWeights WEIGHTS = EventWeights.defaults();
  private static final Dataset MUSIC = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL).dataset();

  /** Three users: u0 plays a, b, c, d (then skips e); u1 has two events; u2 one. */
  private static Dataset tiny() {
    Dataset ds = new Dataset("tiny", Dataset.TimeKind.CLOCK);
    ds.addEvent(new Event("u0", "c", "view", 1, 30, "s"));
    ds.addEvent(new Event("u0", "a", "view", 1, 10, "s"));
    ds.addEvent(new Event("u0", "b", "view", 1, 20, "s"));
    ds.addEvent(new Event("u0", "d", "view", 1, 40, "s"));
    ds.addEvent(new Event("u0", "e", "skip", 1, 50, "s"));
    ds.addEvent(new Event("u1", "a", "view", 1, 10, "s"));
    ds.addEvent(new Event("u1", "b", "view", 1, 20, "s"));
    ds.addEvent(new Event("u2", "a", "view", 1, 10, "s"));
    return ds;
  }

  @Test
  void positiveTypesAlignWithPositiveItems() {
    Sequences s = Splits.leaveOneOut(MUSIC, WEIGHTS).trainAndValidation().sequences();
    boolean sawSkippedStep = false;
    for (int u = 0; u < s.numUsers(); u++) {
      int[] items = s.positiveItemsOf(u);
      int[] types = s.positiveTypesOf(u);
      assertEquals(items.length, types.length, "user " + u);
      int k = 0;
      for (int p = s.indptr()[u]; p < s.indptr()[u + 1]; p++) {
        if (s.weights()[p] > 0) {
          assertEquals(s.items()[p], items[k]);
          assertEquals(s.types()[p], types[k]);
          k++;
        } else {
          sawSkippedStep = true;
        }
      }
    }
    assertTrue(sawSkippedStep, "the planted data has negative steps (skips), so the filter is exercised");
  }

  @Test
  void leaveOneOutHoldsOutLastAndSecondToLastPositive() {
    Dataset ds = tiny();
    Split s = Splits.leaveOneOut(ds, WEIGHTS);
    int u0 = ds.userIds().indexOf("u0");
    assertArrayEquals(new int[] {ds.itemIds().indexOf("d")}, s.test().itemsOf(u0));
    // In time order a(10) b(20) c(30) d(40): d is the test target, c the validation target.
    assertArrayEquals(new int[] {ds.itemIds().indexOf("c")}, s.validation().itemsOf(u0));
    // Tuning trains on a, b; testing on a, b, c; the skip after the test event is dropped.
    int[] a = {ds.itemIds().indexOf("a"), ds.itemIds().indexOf("b")};
    assertArrayEquals(a, s.trainOnly().sequences().itemsOf(u0));
    assertEquals(3, s.trainAndValidation().sequences().length(u0));
    // Users with fewer than 3 positive events keep everything in training.
    assertEquals(0, s.test().itemsOf(ds.userIds().indexOf("u1")).length);
    assertEquals(2, s.trainAndValidation().sequences().length(ds.userIds().indexOf("u1")));
  }

  /**
   * Review: the split decided "may be a target again" by the event's scene, the evaluator by the item's: a book
   * replayed in an event tagged with a repeat scene became the test target, then left out of the ranking as seen (a
   * sure miss). The item's scene decides in both.
   */
  @Test
  void whetherAnItemMayBeATargetAgainIsItsScenesRule() {
    Dataset ds = new Dataset("mixed", Dataset.TimeKind.CLOCK);
    ds.allowRepeats("music");
    for (String id : List.of("a", "b", "c", "x")) {
      ds.putItem(new dev.attune.events.Item(id, "books", null, null, null, List.of(), List.of(), Float.NaN,
          dev.attune.events.Item.UNKNOWN_TIME, null, java.util.Map.of()));
    }
    String[] order = {"a", "b", "x", "c", "x"};
    for (int t = 0; t < order.length; t++) {
      ds.addEvent(new Event("u", order[t], "view", 1, 10L * (t + 1), order[t].equals("x") ? "music" : "books"));
    }
    for (Split s : List.of(Splits.leaveOneOut(ds, WEIGHTS), Splits.randomRatio(ds, WEIGHTS, 0.5, 1L))) {
      int x = ds.itemIds().indexOf("x");
      long xTargets = java.util.stream.IntStream.concat(java.util.Arrays.stream(s.test().itemsOf(0)),
          java.util.Arrays.stream(s.validation().itemsOf(0))).filter(i -> i == x).count();
      assertTrue(xTargets <= 1, "x, a book, is held out once at most");
    }
    assertArrayEquals(new int[] {ds.itemIds().indexOf("c")}, Splits.leaveOneOut(ds, WEIGHTS).test().itemsOf(0));
  }

  @Test
  void testTargetsTiedInTimeWithAnotherItemAreCounted() {
    Dataset ds = tiny(); // u0: a(10) b(20) c(30) d(40), a skip at 50; no ties
    assertEquals(0, Splits.testTargetsTiedInTime(Splits.leaveOneOut(ds, WEIGHTS), WEIGHTS));
    ds.addEvent(new Event("u0", "f", "view", 1, 40, "s")); // after d in the input, at d's time: the test target
    ds.addEvent(new Event("u3", "a", "view", 1, 10, "s"));
    ds.addEvent(new Event("u3", "b", "view", 1, 20, "s"));
    ds.addEvent(new Event("u3", "c", "view", 1, 30, "s"));
    ds.addEvent(new Event("u3", "d", "skip", 1, 30, "s")); // a skip at the test target's time is no rival
    Split s = Splits.leaveOneOut(ds, WEIGHTS);
    assertArrayEquals(new int[] {ds.itemIds().indexOf("f")}, s.test().itemsOf(ds.userIds().indexOf("u0")),
        "ties by input order");
    assertEquals(1, Splits.testTargetsTiedInTime(s, WEIGHTS), "u0's d and f share a time; u3 has no tie");
  }

  /** Positive events after the held-out item (repeats, of it too) are counted; a skip after it is not. */
  @Test
  void positivesAfterTheTestTargetAreCounted() {
    Dataset ds = tiny(); // u0: a b c d, then a skip of e
    assertArrayEquals(new long[] {0, 0}, Splits.positivesAfterTheTestTarget(Splits.leaveOneOut(ds, WEIGHTS), WEIGHTS));
    ds.addEvent(new Event("u0", "b", "view", 1, 60, "s")); // a repeat: d stays the test target, this is dropped
    ds.addEvent(new Event("u0", "a", "view", 1, 70, "s"));
    ds.addEvent(new Event("u0", "d", "view", 1, 80, "s")); // the held-out item again: dropped too
    Split s = Splits.leaveOneOut(ds, WEIGHTS);
    assertArrayEquals(new int[] {ds.itemIds().indexOf("d")}, s.test().itemsOf(ds.userIds().indexOf("u0")));
    assertArrayEquals(new long[] {1, 3}, Splits.positivesAfterTheTestTarget(s, WEIGHTS));
  }

  /** The held-out fingerprint follows the held-out events, not the numbering of users and items. */
  @Test
  void theHeldOutFingerprintFollowsTheHeldOutEvents() {
    Dataset ds = tiny();
    String fingerprint = Splits.heldOutFingerprint(Splits.leaveOneOut(ds, WEIGHTS));
    assertEquals(fingerprint, Splits.heldOutFingerprint(Splits.leaveOneOut(tiny(), WEIGHTS)), "the same data again");
    Dataset renumbered = new Dataset("tiny", Dataset.TimeKind.CLOCK); // u2 and item a first: other indices
    renumbered.addEvent(new Event("u2", "a", "view", 1, 10, "s"));
    for (int r = 0; r < ds.events().size(); r++) {
      Event e = ds.event(ds.events(), r);
      if (!e.userId().equals("u2")) renumbered.addEvent(e);
    }
    assertEquals(fingerprint, Splits.heldOutFingerprint(Splits.leaveOneOut(renumbered, WEIGHTS)));
    Dataset tied = tiny();
    tied.addEvent(new Event("u0", "f", "view", 1, 40, "s")); // held out in d's place
    assertTrue(!fingerprint.equals(Splits.heldOutFingerprint(Splits.leaveOneOut(tied, WEIGHTS))));
  }

  @Test
  void noProtocolLetsTrainingSeeHeldOutEvents() {
    // Leakage guard: for each protocol, no held-out event is in training, and training never holds an
    // event later than a held-out event of the same user.
    assertNoLeak(Splits.leaveOneOut(MUSIC, WEIGHTS));
    assertNoLeak(Splits.temporalFraction(MUSIC, WEIGHTS, 0.2));
    assertNoLeak(Splits.randomRatio(MUSIC, WEIGHTS, 0.2, 7));
  }

  private static void assertNoLeak(Split split) {
    Dataset ds = split.dataset();
    EventLog log = ds.events();
    Set<Long> heldOut = new HashSet<>();
    long[] earliestHeldOut = new long[ds.numUsers()];
    java.util.Arrays.fill(earliestHeldOut, Long.MAX_VALUE);
    for (int r = 0; r < log.size(); r++) {
      if (split.roles()[r] == Split.TEST) {
        heldOut.add(((long) log.user(r) << 32) | log.item(r));
        earliestHeldOut[log.user(r)] = Math.min(earliestHeldOut[log.user(r)], log.time(r));
      }
    }
    assertTrue(!heldOut.isEmpty(), split.protocol() + " holds nothing out");
    Interactions train = split.trainAndValidation().interactions();
    boolean temporalProtocol = !split.protocol().startsWith("random");
    for (int r = 0; r < log.size(); r++) {
      byte role = split.roles()[r];
      if (role == Split.TRAIN || role == Split.VALIDATION) {
        if (temporalProtocol) {
          assertTrue(log.time(r) <= earliestHeldOut[log.user(r)], split.protocol() + ": training event after a test event");
        }
      }
    }
    // No test (user, item) pair was consumed in training (the synthetic platform allows no repeats;
    // its "like" events follow plays, so this fails if a split holds out the like but keeps the play).
    Interactions positive = train.positive();
    for (long key : heldOut) {
      int u = (int) (key >>> 32);
      int i = (int) key;
      assertEquals(0f, positive.get(u, i), split.protocol() + ": test pair visible in training");
    }
    // Training weights equal the weights of exactly the training-role events.
    float[] w = DatasetBuilder.weigh(ds, log, WEIGHTS);
    double expected = 0;
    for (int r = 0; r < log.size(); r++) {
      if (split.roles()[r] == Split.TRAIN || split.roles()[r] == Split.VALIDATION) expected += w[r];
    }
    double actual = 0;
    for (float v : train.values()) actual += v;
    assertEquals(expected, actual, 1e-3 * Math.abs(expected));
    assertTuningDoesNotLeak(split, temporalProtocol);
  }

  /** The tuning stage (training part, validation targets) keeps the same rules as the test stage. */
  private static void assertTuningDoesNotLeak(Split split, boolean temporalProtocol) {
    EventLog log = split.dataset().events();
    Interactions tuning = split.trainOnly().interactions().positive();
    assertTrue(split.validation().size() > 0, split.protocol() + " has no validation targets");
    for (int u = 0; u < split.dataset().numUsers(); u++) {
      for (int i : split.validation().itemsOf(u)) {
        assertEquals(0f, tuning.get(u, i), split.protocol() + ": validation pair visible in tuning");
      }
    }
    if (!temporalProtocol) return;
    long[] earliestValidation = new long[split.dataset().numUsers()];
    java.util.Arrays.fill(earliestValidation, Long.MAX_VALUE);
    for (int r = 0; r < log.size(); r++) {
      if (split.roles()[r] == Split.VALIDATION) {
        earliestValidation[log.user(r)] = Math.min(earliestValidation[log.user(r)], log.time(r));
      }
    }
    for (int r = 0; r < log.size(); r++) {
      if (split.roles()[r] == Split.TRAIN) {
        assertTrue(log.time(r) <= earliestValidation[log.user(r)], split.protocol() + ": tuning event after validation");
      }
    }
  }

  @Test
  void leaveOneOutKeepsEarlierPlaysWhereRepeatsAreNormal() {
    Dataset ds = new Dataset("repeats", Dataset.TimeKind.CLOCK);
    ds.allowRepeats("music");
    String[] plays = {"a", "b", "a", "c", "a"};
    for (int t = 0; t < plays.length; t++) ds.addEvent(new Event("u", plays[t], "view", 1, t, "music"));
    Split s = Splits.leaveOneOut(ds, WEIGHTS);
    assertArrayEquals(new int[] {ds.itemIds().indexOf("a")}, s.test().itemsOf(0));
    assertEquals(4, s.trainAndValidation().sequences().length(0), "earlier plays of a stay in training");
  }

  @Test
  void leaveOneOutDropsOtherEventsOnTheTestItem() {
    // u plays x, y, z, then likes y again: the last new item is z; y's late like is dropped with the
    // future, and nothing on z remains in training.
    Dataset ds = new Dataset("likes", Dataset.TimeKind.CLOCK);
    ds.addEvent(new Event("u", "z", "skip", 1, 0, "music"));
    ds.addEvent(new Event("u", "x", "view", 1, 1, "music"));
    ds.addEvent(new Event("u", "y", "view", 1, 2, "music"));
    ds.addEvent(new Event("u", "z", "view", 1, 3, "music"));
    ds.addEvent(new Event("u", "z", "like", 1, 4, "music"));
    Split s = Splits.leaveOneOut(ds, WEIGHTS);
    assertArrayEquals(new int[] {ds.itemIds().indexOf("z")}, s.test().itemsOf(0));
    assertEquals(0f, s.trainAndValidation().interactions().get(0, ds.itemIds().indexOf("z")));
  }

  @Test
  void leaveOneOutValidatesOnTheOneItemBeforeTheTestItem() {
    // a, b, c, a again, d: the renewed play of a (no repeats here) lies between the two targets; it trains the
    // tested model but is no validation target, which would be a sure miss (a is seen)
    Dataset ds = new Dataset("renewed", Dataset.TimeKind.CLOCK);
    String[] views = {"a", "b", "c", "a", "d"};
    for (int t = 0; t < views.length; t++) ds.addEvent(new Event("u", views[t], "view", 1, t, "s"));
    Split s = Splits.leaveOneOut(ds, WEIGHTS);
    assertArrayEquals(new int[] {ds.itemIds().indexOf("c")}, s.validation().itemsOf(0));
    assertArrayEquals(new int[] {ds.itemIds().indexOf("d")}, s.test().itemsOf(0));
    assertEquals(2, s.trainOnly().sequences().length(0));
    assertEquals(4, s.trainAndValidation().sequences().length(0));
  }

  @Test
  void temporalCutTakesAnEarlierSkipOfATargetOutOfTraining() {
    // u skips b before the cut and views it after: b is a target, and the skip must not make it a seen item
    Dataset ds = new Dataset("skipped", Dataset.TimeKind.CLOCK);
    ds.addEvent(new Event("u", "a", "view", 1, 1, "s"));
    ds.addEvent(new Event("u", "b", "skip", 1, 2, "s"));
    ds.addEvent(new Event("u", "c", "skip", 1, 3, "s"));
    ds.addEvent(new Event("u", "b", "view", 1, 10, "s"));
    ds.addEvent(new Event("v", "b", "view", 1, 1, "s"));
    ds.addEvent(new Event("v", "a", "view", 1, 2, "s"));
    int b = ds.itemIds().indexOf("b");
    Split test = Splits.temporal(ds, WEIGHTS, 5);
    assertArrayEquals(new int[] {b}, test.test().itemsOf(0));
    assertEquals(0f, test.trainAndValidation().interactions().get(0, b));
    assertEquals(2, test.trainAndValidation().sequences().length(0), "a and the skip of c stay");

    // the same in a validation period: the skip leaves tuning with its target and trains the tested model
    ds.addEvent(new Event("u", "d", "view", 1, 20, "s"));
    Split validated = Splits.temporal(ds, WEIGHTS, 5, 15);
    assertArrayEquals(new int[] {b}, validated.validation().itemsOf(0));
    assertEquals(0f, validated.trainOnly().interactions().get(0, b));
    assertEquals(2, validated.trainOnly().sequences().length(0));
    assertEquals(4, validated.trainAndValidation().sequences().length(0));
    assertArrayEquals(new int[] {ds.itemIds().indexOf("d")}, validated.test().itemsOf(0));
  }

  @Test
  void temporalCutKeepsOnlyLaterPositiveEventsOfKnownUsers() {
    Dataset ds = tiny();
    Split s = Splits.temporal(ds, WEIGHTS, 35);
    assertArrayEquals(new int[] {ds.itemIds().indexOf("d")}, s.test().itemsOf(ds.userIds().indexOf("u0")));
    assertEquals(1, s.test().size()); // the skip at 50 is not a target
    assertEquals(0, s.validation().size());
  }

  @Test
  void temporalValidationPeriodIsCutLikeTheTestPeriod() {
    Dataset ds = tiny();
    ds.addEvent(new Event("u0", "a", "view", 1, 27, "s")); // a renewed play in the validation period: no target
    ds.addEvent(new Event("u0", "f", "skip", 1, 28, "s")); // a skip there: no target
    ds.addEvent(new Event("u3", "a", "view", 1, 29, "s")); // a user new in the period: nobody to validate
    Split s = Splits.temporal(ds, WEIGHTS, 25, 35);
    int u0 = ds.userIds().indexOf("u0");
    assertArrayEquals(new int[] {ds.itemIds().indexOf("c")}, s.validation().itemsOf(u0));
    assertEquals(1, s.validation().size());
    assertArrayEquals(new int[] {ds.itemIds().indexOf("d")}, s.test().itemsOf(u0));
    // tuning trains on what came before the period; the tested model on everything before the test period
    int[] beforePeriod = {ds.itemIds().indexOf("a"), ds.itemIds().indexOf("b")};
    assertArrayEquals(beforePeriod, s.trainOnly().sequences().itemsOf(u0));
    assertEquals(5, s.trainAndValidation().sequences().length(u0));
    assertEquals(1, s.trainAndValidation().sequences().length(ds.userIds().indexOf("u3")));
    assertThrows(IllegalArgumentException.class, () -> Splits.temporal(ds, WEIGHTS, 36, 35));
  }

  @Test
  void randomRatioNeverTrainsOnATestItemSeenInAnotherScene() {
    // item x is consumed in a scene without repeats and in one with them: drawn for test in the first and for
    // validation in the second, its validation event must still be dropped
    Dataset ds = new Dataset("mixed", Dataset.TimeKind.CLOCK);
    ds.allowRepeats("music");
    String[][] plays = {{"a", "books"}, {"x", "books"}, {"b", "books"}, {"x", "music"}, {"c", "music"},
        {"d", "books"}};
    for (int t = 0; t < plays.length; t++) ds.addEvent(new Event("u", plays[t][0], "view", 1, t, plays[t][1]));
    int x = ds.itemIds().indexOf("x");
    int leaks = 0;
    int cases = 0;
    for (long seed = 0; seed < 200; seed++) {
      Split s = Splits.randomRatio(ds, WEIGHTS, 0.4, seed);
      if (s.roles()[1] != Split.TEST) continue; // x tested in books (row 1), the scene without repeats
      cases++;
      if (s.trainAndValidation().interactions().positive().get(0, x) != 0f) leaks++;
    }
    assertTrue(cases > 0, "some seed tests x");
    assertEquals(0, leaks, "seeds whose tested model trained on its test item x");
  }

  @Test
  void randomRatioDrawsValidationFromWhatTestLeaves() {
    Split s = Splits.randomRatio(MUSIC, WEIGHTS, 0.2, 11);
    int validated = 0;
    for (int u = 0; u < MUSIC.numUsers(); u++) {
      Set<Integer> test = new HashSet<>();
      for (int i : s.test().itemsOf(u)) test.add(i);
      for (int i : s.validation().itemsOf(u)) assertTrue(!test.contains(i), "user " + u + " item " + i);
      if (s.validation().itemsOf(u).length > 0) validated++;
    }
    assertTrue(validated > MUSIC.numUsers() / 2, validated + " users validated");
    double share = (double) s.validation().size() / (s.validation().size() + s.trainOnly().interactions().positive().nnz());
    assertEquals(0.2, share, 0.03);
  }

  @Test
  void randomRatioIsSeededAndKeepsTrainingForEveryone() {
    Split a = Splits.randomRatio(MUSIC, WEIGHTS, 0.2, 11);
    Split b = Splits.randomRatio(MUSIC, WEIGHTS, 0.2, 11);
    Split c = Splits.randomRatio(MUSIC, WEIGHTS, 0.2, 12);
    assertArrayEquals(a.roles(), b.roles());
    assertTrue(!java.util.Arrays.equals(a.roles(), c.roles()));
    for (int u = 0; u < MUSIC.numUsers(); u++) {
      if (a.test().itemsOf(u).length > 0) {
        assertTrue(a.trainAndValidation().interactions().positive().rowLength(u) > 0);
      }
    }
    double share = (double) a.test().size() / (a.test().size() + a.trainAndValidation().interactions().positive().nnz());
    assertEquals(0.2, share, 0.03);
  }

  @Test
  void givenSplitNeedsATestPart() {
    assertThrows(IllegalArgumentException.class, () -> Splits.given(tiny(), WEIGHTS));
    Dataset ds = tiny();
    ds.addGivenTestEvent(new Event("u2", "b", "view", 1, 0, "s"));
    Split s = Splits.given(ds, WEIGHTS);
    assertArrayEquals(new int[] {ds.itemIds().indexOf("b")}, s.test().itemsOf(ds.userIds().indexOf("u2")));
    assertEquals(ds.events().size(), s.trainAndValidation().sequences().size());
  }

  @Test
  void rejectsBadFractions() {
    assertThrows(IllegalArgumentException.class, () -> Splits.randomRatio(MUSIC, WEIGHTS, 1.0, 1));
    assertThrows(IllegalArgumentException.class, () -> Splits.temporalFraction(MUSIC, WEIGHTS, 0));
  }
}
