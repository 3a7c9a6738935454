package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Event;
import dev.attune.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attribution rules of {@link ExperimentResults}, one user per rule, on a SQLite store. */
class ExperimentResultsTest {
  private static final long START = 1_000_000_000L;
  private static final long WINDOW = 60_000;

  @TempDir Path dir;
  Store store;
  final List<Store.Exposure> exposures = new ArrayList<>();
  final List<Store.NewEvent> events = new ArrayList<>();
  /** The latest time a use counts: the next experiment's start, for a stopped one. */
  long usesUntil = Long.MAX_VALUE;

  @BeforeEach
  void open() {
    store = Store.open("jdbc:sqlite:" + dir.resolve("store.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void shown(String user, String arm, long at, String... items) {
    shownAfterReading(user, arm, at, Long.MIN_VALUE, items);
  }

  private void shownAfterReading(String user, String arm, long at, long readUntil, String... items) {
    exposures.add(new Store.Exposure("x", user, arm, arm.equals("a") ? "va" : "vb", at, readUntil, List.of(items)));
  }

  private void did(String user, String item, String type, float value, long at) {
    events.add(new Store.NewEvent(null, new Event(user, item, type, value, at, "music")));
  }

  private ExperimentResults results() {
    return results(1);
  }

  private ExperimentResults results(int minUsersPerArm) {
    store.recordExposures(exposures);
    store.appendEvents(events);
    Store.Experiment e = new Store.Experiment("x", "", List.of(new Store.Arm("a", "active", 0.5),
        new Store.Arm("b", "vb", 0.5)), WINDOW, Set.of("play", "play_seconds", "like"), minUsersPerArm, START, null);
    Map<String, Double> durations = Map.of("long-song", 300.0);
    return ExperimentResults.compute(store, e, START + 10 * WINDOW, Recommendations.WEIGHTS,
        id -> durations.getOrDefault(id, Double.NaN), usesUntil);
  }

  @Test
  void aUseCountsOnceFromShortlyBeforeTheAnswerToTheEndOfTheWindow() {
    long t = START + 1_000;
    shown("twice", "a", t, "i1", "i2");
    did("twice", "i1", "play", 1, t + 10);
    did("twice", "i1", "like", 1, t + 20); // the same item again: once
    did("twice", "i2", "like", 1, t + 30); // another shown item: a second conversion
    shown("at-window-end", "a", t, "i1");
    did("at-window-end", "i1", "like", 1, t + WINDOW);
    shown("after-window", "a", t, "i1");
    did("after-window", "i1", "like", 1, t + WINDOW + 1);
    shown("clock-behind", "a", t, "i1");
    did("clock-behind", "i1", "like", 1, t - 2_000); // the client's clock is 2 s behind: still counts
    shownAfterReading("read-it", "a", t, t - 1_000, "i1"); // the answer read a play of i1 a second before
    did("read-it", "i1", "play", 1, t - 1_000); // where repeats are allowed: not a use of what it then showed
    shown("long-before", "a", t, "i1");
    did("long-before", "i1", "like", 1, t - ExperimentResults.CLOCK_TOLERANCE_MILLIS - 1);
    shown("not-shown", "a", t, "i1");
    did("not-shown", "i9", "like", 1, t + 10);
    shown("skip", "a", t, "i1");
    did("skip", "i1", "play", 0.1f, t + 10); // heard to a tenth: a skip, not a use
    shown("short-seconds", "a", t, "long-song");
    did("short-seconds", "long-song", "play_seconds", 5, t + 10); // 5 s of 300
    shown("long-seconds", "b", t, "long-song");
    did("long-seconds", "long-song", "play_seconds", 280, t + 10);
    shown("other-type", "b", t, "i1");
    did("other-type", "i1", "purchase", 1, t + 10); // not one of this experiment's types
    shown("second-answer", "b", t, "i1");
    shown("second-answer", "b", t + 5 * WINDOW, "i3");
    did("second-answer", "i3", "like", 1, t + 5 * WINDOW + 10); // the window of the answer that showed it
    shown("two-arms", "a", t, "i1");
    shown("two-arms", "b", t, "i1");
    did("two-arms", "i1", "like", 1, t + 10);

    ExperimentResults r = results();
    ExperimentResults.Arm a = r.arms().get(0);
    ExperimentResults.Arm b = r.arms().get(1);
    // a: twice (2), at-window-end, clock-behind: 3 users of 9 converted (two-arms left out)
    assertEquals(9, a.users());
    assertEquals(4, a.conversions());
    assertEquals(3, a.convertedUsers());
    assertEquals(Map.of("va", 10L), a.answersByVersion(), "the two-arms user's first answer was given");
    // b: long-seconds, second-answer: 2 of 3
    assertEquals(3, b.users());
    assertEquals(2, b.convertedUsers());
    assertEquals(1, (long) r.toJson().get("usersInTwoArms"));
    assertEquals(4.0 + 1 + 1, a.sumSquares(), 1e-12, "2² + 1² + 1²");
  }

  /**
   * The guardrail counts every liked event of the conversion types from a user's first answer to the end of the window
   * after their last, shown or not: what the arm's users do in all, beside what they took from the lists.
   */
  @Test
  void likedEventsCountWhateverWasShownWithinTheExposurePeriod() {
    long t = START + 1_000;
    shown("fan", "a", t, "i1");
    did("fan", "i0", "like", 1, t - ExperimentResults.CLOCK_TOLERANCE_MILLIS - 1); // before the first answer
    did("fan", "i1", "like", 1, t - 60_000); // shown, a minute early by the client's clock: a use, and a liked event
    did("fan", "i9", "like", 1, t + 20); // not shown: a liked event only
    did("fan", "i8", "play", 0.1f, t + 30); // a skip: neither
    did("fan", "i7", "purchase", 1, t + 40); // not one of the experiment's types: neither
    did("fan", "i6", "like", 1, t + WINDOW + 1); // after the window of the last answer: neither
    shown("idle", "b", t, "i1");
    shownAfterReading("reader", "b", t, t - 1_000, "i5");
    did("reader", "i4", "like", 1, t - 1_000); // what the answer read: neither
    ExperimentResults r = results();
    assertEquals(1, r.arms().get(0).conversions());
    assertEquals(2, r.arms().get(0).likedEvents());
    assertEquals(4.0, r.arms().get(0).likedSquares(), 1e-12);
    assertEquals(0, r.arms().get(1).likedEvents());
    @SuppressWarnings("unchecked")
    Map<String, Object> compared = ((List<Map<String, Object>>) r.toJson().get("comparisons")).get(0);
    assertTrue(compared.containsKey("likedEventsPerUser"), compared.toString());
  }

  /**
   * A stopped experiment counts uses until the next one started (A/B QA: within the window after the stop the next
   * experiment's answers were credited to both, and the stopped one's figures kept moving).
   */
  @Test
  void usesCountUntilTheNextExperimentStarted() {
    long t = START + 1_000;
    shown("before", "a", t, "i1", "i2");
    did("before", "i1", "like", 1, t + 100);
    did("before", "i2", "like", 1, t + 300); // after the next experiment's start
    usesUntil = t + 200;
    ExperimentResults r = results();
    assertEquals(1, r.arms().get(0).conversions());
    assertEquals(t + 200, (long) r.toJson().get("usesCountedUntilMillis"));
  }

  @Test
  void aVerdictWaitsForTheUsersAndSaysWhatCannotBeMeasured() {
    for (int u = 0; u < 3; u++) shown("u" + u, u % 2 == 0 ? "a" : "b", START, "i1");
    Map<String, Object> json = results().toJson();
    assertEquals("ready", json.get("state"), "one user per arm is asked for");
    String verdict = (String) json.get("verdict");
    // nobody converted: the smallest detectable rise is not 0 (a QA run read "a rise of 0.00 points")
    assertTrue(verdict.contains("no difference") && !verdict.contains(" 0.00 points") && !verdict.contains("NaN"),
        verdict);
  }

  /**
   * QA: 5 control users and 1 treatment user, nobody converted, showed "+0.00 points (+0.00 to +0.00)": an interval of
   * width 0 from six users. Without spread within the arms there is no interval, and the answer says why.
   */
  @Test
  void withNoConversionsTheDifferenceHasNoIntervalAndSaysWhy() {
    arm("a", 5, 0);
    arm("b", 3, 0);
    Map<String, Object> json = results().toJson();
    @SuppressWarnings("unchecked")
    Map<String, Object> compared = ((List<Map<String, Object>>) json.get("comparisons")).get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> fixed = (Map<String, Object>) compared.get("conversionRate");
    assertEquals(0.0, fixed.get("difference"));
    assertEquals(1.0, fixed.get("pValue"));
    assertNull(fixed.get("lower"), compared.toString());
    assertNull(fixed.get("upper"), compared.toString());
    assertEquals(ExperimentResults.NO_RATE_INTERVAL, fixed.get("intervalNote"));
    @SuppressWarnings("unchecked")
    Map<String, Object> perUser = (Map<String, Object>) compared.get("conversionsPerUser");
    assertNull(perUser.get("lower"), compared.toString());
    assertEquals(ExperimentResults.NO_MEAN_INTERVAL, perUser.get("intervalNote"));
    @SuppressWarnings("unchecked")
    Map<String, Object> alwaysValid = (Map<String, Object>) compared.get("conversionRateAlwaysValid");
    assertTrue((double) alwaysValid.get("upper") > (double) alwaysValid.get("lower"),
        "the always-valid test adds a success and a failure to each arm: it has an interval");
    assertFalse(alwaysValid.containsKey("intervalNote"), alwaysValid.toString());
  }

  /**
   * QA: 3 of 6 control users converted against 0 of 7: the exact test's p of 0.07 stood beside a normal interval
   * excluding 0. Too few conversions for a normal interval: none, and the note says why.
   */
  @Test
  void fewConversionsAreTestedExactlyWithoutANormalInterval() {
    arm("a", 6, 3);
    arm("b", 7, 0);
    @SuppressWarnings("unchecked")
    Map<String, Object> fixed = (Map<String, Object>) ((List<Map<String, Object>>) results().toJson()
        .get("comparisons")).get(0).get("conversionRate");
    assertEquals(0.06993006993006992, (double) fixed.get("pValue"), 1e-9, "Fisher's exact test");
    assertNull(fixed.get("lower"), fixed.toString());
    assertEquals(ExperimentResults.FEW_RATE_INTERVAL, fixed.get("intervalNote"));
  }

  /** Users per arm, of whom the first {@code converting} use what they were shown. */
  private void arm(String arm, int users, int converting) {
    for (int u = 0; u < users; u++) {
      shown(arm + u, arm, START + u, "i1");
      if (u < converting) did(arm + u, "i1", "like", 1, START + u + 10);
    }
  }

  @Test
  void theAlwaysValidTestMayStopAnExperimentBeforeItsPlannedUsers() {
    arm("a", 300, 30);
    arm("b", 300, 90); // 10% against 30%: far beyond chance even for a test read at every look
    Map<String, Object> json = results(1_000).toJson();
    assertEquals("collecting", json.get("state"));
    @SuppressWarnings("unchecked")
    Map<String, Object> compared = ((List<Map<String, Object>>) json.get("comparisons")).get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> alwaysValid = (Map<String, Object>) compared.get("conversionRateAlwaysValid");
    assertEquals(true, alwaysValid.get("significant"));
    assertEquals(0.2, (double) alwaysValid.get("difference"), 1e-12);
    @SuppressWarnings("unchecked")
    Map<String, Object> fixed = (Map<String, Object>) compared.get("conversionRate");
    assertTrue((double) alwaysValid.get("lower") < (double) fixed.get("lower")
        && (double) alwaysValid.get("pValue") > (double) fixed.get("pValue"), "wider, and asks for more: " + compared);
    String verdict = (String) json.get("verdict");
    assertTrue(verdict.startsWith("collecting: arm a has 300 of the 1000 users")
        && verdict.contains("already finds: b beats the control: 30.00% of its users used a recommendation against"
            + " 10.00%") && verdict.endsWith("the experiment may be stopped now"), verdict);
  }

  @Test
  void theAlwaysValidTestDoesNotCallASmallDifferenceEarly() {
    arm("a", 300, 30);
    arm("b", 300, 48); // 10% against 16%: the fixed test read now would call it (p 0.029), not this one (0.34)
    ExperimentResults r = results(1_000);
    assertTrue(r.conversionRate(1).pValue() < 0.05, r.conversionRate(1).toString());
    assertTrue(r.conversionRateAlwaysValid(1).pValue() > 0.05, r.conversionRateAlwaysValid(1).toString());
    String verdict = r.verdict();
    assertTrue(verdict.endsWith("the always-valid test, which may be read at any look, finds no difference yet"),
        verdict);
    // the fixed test's p is below 5%, but read before the planned users it decides nothing: not flagged
    assertEquals(false, comparison(r.toJson(), "conversionRate").get("significant"));
  }

  @Test
  void underABrokenSplitNoTestIsFlagged() {
    arm("a", 300, 30);
    arm("b", 100, 60); // asked half and half: users were lost on one side
    Map<String, Object> json = results(100).toJson();
    assertEquals("sample_ratio_mismatch", json.get("state"));
    assertEquals(false, comparison(json, "conversionRate").get("significant"));
    assertEquals(false, comparison(json, "conversionRateAlwaysValid").get("significant"));
    assertTrue((double) comparison(json, "conversionRateAlwaysValid").get("pValue") < 1e-6, json.toString());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> comparison(Map<String, Object> json, String test) {
    return (Map<String, Object>) ((List<Map<String, Object>>) json.get("comparisons")).get(0).get(test);
  }

  @Test
  void onceReadyBothTestsAreRead() {
    arm("a", 400, 40);
    arm("b", 400, 80);
    String verdict = results(400).verdict();
    assertTrue(verdict.startsWith("b beats the control: 20.00% of its users used a recommendation against 10.00%")
        && verdict.contains("; the always-valid test, read at any look, agrees (p = "), verdict);
  }

  @Test
  void onceReadyTheAlwaysValidTestIsSaidWhenNeitherFindsADifference() {
    arm("a", 400, 40);
    arm("b", 400, 44);
    ExperimentResults r = results(400);
    assertTrue((double) comparison(r.toJson(), "conversionRate").get("pValue") > 0.05, r.toJson().toString());
    String verdict = r.verdict();
    assertTrue(verdict.startsWith("b: no difference from the control found (11.00% against 10.00%")
        && verdict.matches(".*; the always-valid test, read at any look, finds none either \\(p = [0-9.e-]+\\)$"),
        verdict);
  }
}
