package dev.attune.server;

import dev.attune.eval.OnlineTests;
import dev.attune.events.EventWeights;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * What an experiment's arms did, from the store: each user's exposures ({@link Store#forEachExposure}) and their
 * events since the experiment started.
 *
 * <p>A conversion is a user's use of an item an arm showed them: an event of one of the experiment's conversion
 * types that the service weighs as liked (a play heard to under a quarter of the item is a skip, not a use), on an
 * item of one of their answers, timed from {@link #CLOCK_TOLERANCE_MILLIS} before that answer's request (clients'
 * clocks run behind the server's by seconds or minutes, and events carry the client's time), but after every event
 * the answer read, to the end of the experiment's window after it. A user's item counts once, however often it was shown or used. A user answered by two
 * arms (possible only when user ids change meaning, as with a new pseudonym key) is left out and counted. A stopped
 * experiment counts uses until the next one started, whose answers would otherwise be credited to both.
 *
 * <p>A guardrail beside the uses: each arm's liked events of the conversion types, shown or not, from where a use of a
 * user's first answer counts to the end of the window after their last, per user (Welch's t-test, not in the verdict):
 * an arm that shows what its users would play anyway wins on uses without adding to what they do. An event the first
 * answer read that is dated ahead of it counts (exposures record the times read, not the store's arrival order).
 *
 * <p>The unit is the user, as the split is by user. The primary measure is the share of an arm's users with a
 * conversion ("conversion rate", compared by the two-proportion z-test); conversions per user (Welch's t-test) is shown
 * beside it at the same level, not corrected for being a second measure. Each arm is compared with the first (the
 * control), at a level of 5% divided by the number of comparisons (Bonferroni), with the intervals of the differences
 * at one minus that level. The conversion rate's p-value takes the pooled variance and its interval each arm's own,
 * as usual, so at the edge (very unequal arms) a significant difference can come with an interval that touches 0;
 * "significant" goes by the p-value. The split itself
 * is checked first (sample ratio mismatch, {@link OnlineTests#sampleRatioPValue} below 0.001, once every arm expects 5
 * users): when the users per arm are not what the shares say, something lost or doubled users on one side and no
 * comparison is read.
 *
 * <p>Two tests of the conversion rate, for two ways of reading the results. The fixed-horizon one above gives its
 * verdict once every arm has the experiment's {@code minUsersPerArm}, and is valid read once, then: each look after
 * it is a test of its own, and stopping at the first significant one finds differences that are not there more often
 * than the level says. The always-valid one ({@link OnlineTests#sequentialProportions}, its mixture tuned to {@code
 * minUsersPerArm}) may be read at every look, before the planned users too, and an experiment stopped at the first
 * look where it finds a difference keeps the level; the price is width: at the planned users it finds a rise the
 * fixed test finds 8 times in 10 about half the time (docs/benchmarks.md). Before the planned users the verdict reads
 * the always-valid test; from then on both, the fixed one first.
 *
 * <p>Memory: per exposure its time and its items as small ints (item ids are numbered once), about 60 bytes for ten
 * items, and a map entry per user.
 */
final class ExperimentResults {

  static final double ALPHA = 0.05;
  static final double CONFIDENCE = 0.95;
  static final double POWER = 0.8;
  /** Below this p-value the users per arm are taken to differ from the shares asked for. */
  static final double SAMPLE_RATIO_ALPHA = 0.001;
  /** How long before an answer an event on one of its items still counts: clients' clocks run behind. */
  static final long CLOCK_TOLERANCE_MILLIS = 5 * 60_000;

  /**
   * One arm's counts.
   *
   * @param users users answered by it
   * @param answers answers it gave them
   * @param itemsShown items in those answers
   * @param conversions users' items used after being shown (each user's item once)
   * @param convertedUsers users with a conversion
   * @param sumSquares the sum over its users of their conversions squared (for the variance of conversions per user)
   * @param answersByVersion answers by the model version that gave them ("none": the fallback or popularity)
   * @param likedEvents its users' liked events of the conversion types, shown or not, from each user's first answer to
   *     the end of the window after their last: a guardrail, whether the arm's uses come on top of what its users
   *     would do anyway or in place of it (an analyst's QA run: an arm showing what users play anyway wins on uses)
   * @param likedSquares the sum over its users of their liked events squared
   */
  record Arm(Store.Arm arm, long users, long answers, long itemsShown, long conversions, long convertedUsers,
      double sumSquares, Map<String, Long> answersByVersion, long likedEvents, double likedSquares) {}

  private final Store.Experiment experiment;
  private final List<Arm> arms;
  private final long asOfMillis;
  private final long usersInTwoArms;
  private final long usesUntilMillis;

  private ExperimentResults(Store.Experiment experiment, List<Arm> arms, long asOfMillis, long usersInTwoArms,
      long usesUntilMillis) {
    this.experiment = experiment;
    this.arms = arms;
    this.asOfMillis = asOfMillis;
    this.usersInTwoArms = usersInTwoArms;
    this.usesUntilMillis = usesUntilMillis;
  }

  /** Per user: their arm and their answers (request times, and the items shown as sorted item numbers). */
  private static final class Exposed {
    final int arm;
    long[] times = new long[2];
    long[] readUntil = new long[2];
    int[][] shown = new int[2][];
    int answers;
    int[] used; // item numbers credited, unsorted; null: none
    int usedCount;
    boolean inTwoArms;
    long firstShown = Long.MAX_VALUE;
    long firstRead = Long.MIN_VALUE; // the newest event the first answer read
    long lastShown = Long.MIN_VALUE;
    long liked;

    Exposed(int arm) {
      this.arm = arm;
    }

    void add(long time, long read, int[] items) {
      if (answers == times.length) {
        times = Arrays.copyOf(times, answers * 2);
        readUntil = Arrays.copyOf(readUntil, answers * 2);
        shown = Arrays.copyOf(shown, answers * 2);
      }
      times[answers] = time;
      readUntil[answers] = read;
      shown[answers++] = items;
      if (time < firstShown) {
        firstShown = time;
        firstRead = read;
      }
      lastShown = Math.max(lastShown, time);
    }

    boolean used(int item) {
      for (int k = 0; k < usedCount; k++) if (used[k] == item) return true;
      return false;
    }

    void use(int item) {
      if (used == null) used = new int[4];
      if (usedCount == used.length) used = Arrays.copyOf(used, usedCount * 2);
      used[usedCount++] = item;
    }
  }

  /**
   * Reads the experiment's exposures and its users' events since it started.
   *
   * @param durations an item's length in seconds, NaN when unknown (a play's seconds become a share of it)
   * @param usesUntilMillis the time from which no use counts ({@link Long#MAX_VALUE}: none): for a stopped experiment,
   *     the start of the next one, whose answers would otherwise be credited to this one's arms too (an event dated in
   *     the few minutes before that start, by a client's clock behind, may still count for both: the next one counts
   *     from {@link #CLOCK_TOLERANCE_MILLIS} before each answer)
   */
  static ExperimentResults compute(Store store, Store.Experiment e, long nowMillis, EventWeights weights,
      ToDoubleFunction<String> durations, long usesUntilMillis) {
    Map<String, Integer> armIndex = new HashMap<>();
    for (int k = 0; k < e.arms().size(); k++) armIndex.put(e.arms().get(k).name(), k);
    int n = e.arms().size();
    long[] answers = new long[n];
    long[] itemsShown = new long[n];
    List<Map<String, Long>> versions = new ArrayList<>();
    for (int k = 0; k < n; k++) versions.add(new TreeMap<>());
    Map<String, Integer> itemNumbers = new HashMap<>();
    Map<String, Exposed> byUser = new HashMap<>();
    store.forEachExposure(e.id(), null, x -> {
      Integer arm = armIndex.get(x.arm());
      if (arm == null) return; // not one of its arms: written by another build, nothing to credit it to
      if (x.timestampMillis() < e.startedAtMillis()) return; // an earlier experiment's of the same id, in flight
      Exposed u = byUser.computeIfAbsent(x.userId(), id -> new Exposed(arm));
      if (u.arm != arm) {
        u.inTwoArms = true;
        return;
      }
      answers[arm]++;
      itemsShown[arm] += x.itemIds().size();
      versions.get(arm).merge(x.version() == null ? "none" : x.version(), 1L, Long::sum);
      int[] items = new int[x.itemIds().size()];
      for (int k = 0; k < items.length; k++) {
        items[k] = itemNumbers.computeIfAbsent(x.itemIds().get(k), id -> itemNumbers.size());
      }
      Arrays.sort(items);
      u.add(x.timestampMillis(), x.readUntilMillis(), items);
    });
    store.forEachEventSince(e.startedAtMillis() - CLOCK_TOLERANCE_MILLIS, stored -> {
      dev.attune.events.Event ev = stored.event();
      Exposed u = byUser.get(ev.userId());
      if (u == null || u.inTwoArms || !e.conversionTypes().contains(ev.type().toLowerCase(Locale.ROOT))) return;
      if (ev.timestamp() >= usesUntilMillis) return; // at the next start's millisecond it is the next one's
      if (!(weights.weight(ev.type(), ev.value(), (float) durations.applyAsDouble(ev.itemId())) > 0)) return;
      // from where a use of the first answer counts (a client's clock behind; not what that answer read) to the end
      // of the last one's window: a use is always a liked event too (a review found uses a minute early that were not)
      long likedFrom = Math.max(u.firstShown - CLOCK_TOLERANCE_MILLIS, u.firstRead == Long.MIN_VALUE ? Long.MIN_VALUE
          : u.firstRead + 1);
      if (ev.timestamp() >= likedFrom && ev.timestamp() <= u.lastShown + e.windowMillis()) u.liked++;
      Integer item = itemNumbers.get(ev.itemId());
      if (item == null || u.used(item)) return; // never shown to anyone, or credited already
      for (int k = 0; k < u.answers; k++) {
        long shownAt = u.times[k];
        // from a little before the request (a client's clock behind), but never an event the answer read itself (a
        // replay of what it then showed again, where repeats are allowed)
        long from = Math.max(shownAt - CLOCK_TOLERANCE_MILLIS, u.readUntil[k] == Long.MIN_VALUE ? Long.MIN_VALUE
            : u.readUntil[k] + 1);
        if (ev.timestamp() >= from && ev.timestamp() <= shownAt + e.windowMillis()
            && Arrays.binarySearch(u.shown[k], item) >= 0) {
          u.use(item);
          return;
        }
      }
    });
    long[] users = new long[n];
    long[] conversions = new long[n];
    long[] converted = new long[n];
    double[] sumSquares = new double[n];
    long[] liked = new long[n];
    double[] likedSquares = new double[n];
    long twoArms = 0;
    for (Exposed u : byUser.values()) {
      if (u.inTwoArms) {
        // left out of both arms' users and conversions: which arm's answers made them act cannot be told
        twoArms++;
        continue;
      }
      users[u.arm]++;
      conversions[u.arm] += u.usedCount;
      if (u.usedCount > 0) converted[u.arm]++;
      sumSquares[u.arm] += (double) u.usedCount * u.usedCount;
      liked[u.arm] += u.liked;
      likedSquares[u.arm] += (double) u.liked * u.liked;
    }
    List<Arm> arms = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      arms.add(new Arm(e.arms().get(k), users[k], answers[k], itemsShown[k], conversions[k], converted[k],
          sumSquares[k], versions.get(k), liked[k], likedSquares[k]));
    }
    return new ExperimentResults(e, arms, nowMillis, twoArms, usesUntilMillis);
  }

  List<Arm> arms() {
    return arms;
  }

  /**
   * Whether the split can be checked: the chi-squared test holds only when every arm expects 5 users or more (an arm of
   * a 0.001 share among 500 users expects half of one, and 3 would read as a broken split).
   */
  boolean sampleRatioTestable() {
    long total = arms.stream().mapToLong(Arm::users).sum();
    return arms.stream().allMatch(a -> total * a.arm().share() >= 5);
  }

  /** Whether the users per arm differ from the shares asked for beyond chance ({@link #SAMPLE_RATIO_ALPHA}). */
  boolean sampleRatioMismatch() {
    return sampleRatioTestable() && sampleRatioPValue() < SAMPLE_RATIO_ALPHA;
  }

  /** The p-value of the users per arm against the shares asked for; NaN without users. */
  double sampleRatioPValue() {
    long[] counts = new long[arms.size()];
    double[] shares = new double[arms.size()];
    for (int k = 0; k < arms.size(); k++) {
      counts[k] = arms.get(k).users();
      shares[k] = arms.get(k).arm().share();
    }
    return OnlineTests.sampleRatioPValue(counts, shares);
  }

  /** Arm {@code k}'s conversion rate against the control's, its interval at one minus {@link #comparisonLevel}. */
  OnlineTests.Comparison conversionRate(int k) {
    Arm a = arms.get(0);
    Arm b = arms.get(k);
    return OnlineTests.proportions(a.convertedUsers(), a.users(), b.convertedUsers(), b.users(),
        1 - comparisonLevel());
  }

  /** Arm {@code k}'s conversion rate against the control's by the always-valid test, at {@link #comparisonLevel}. */
  OnlineTests.Comparison conversionRateAlwaysValid(int k) {
    Arm a = arms.get(0);
    Arm b = arms.get(k);
    return OnlineTests.sequentialProportions(a.convertedUsers(), a.users(), b.convertedUsers(), b.users(),
        comparisonLevel(), experiment.minUsersPerArm());
  }

  /** Arm {@code k}'s conversions per user against the control's. */
  OnlineTests.Comparison conversionsPerUser(int k) {
    Arm a = arms.get(0);
    Arm b = arms.get(k);
    return OnlineTests.means(a.conversions(), a.sumSquares(), a.users(), b.conversions(), b.sumSquares(), b.users(),
        1 - comparisonLevel());
  }

  /** Arm {@code k}'s liked events per user (shown or not) against the control's: the guardrail. */
  OnlineTests.Comparison likedEventsPerUser(int k) {
    Arm a = arms.get(0);
    Arm b = arms.get(k);
    return OnlineTests.means(a.likedEvents(), a.likedSquares(), a.users(), b.likedEvents(), b.likedSquares(),
        b.users(), 1 - comparisonLevel());
  }

  /** The level each comparison is tested at: 5% shared among the comparisons with the control. */
  double comparisonLevel() {
    return ALPHA / (arms.size() - 1);
  }

  /** Whether every arm has the users the experiment asks for before a verdict. */
  boolean enoughUsers() {
    return arms.stream().allMatch(a -> a.users() >= experiment.minUsersPerArm());
  }

  /** collecting, ready, too_few_users (stopped before every arm had its users) or sample_ratio_mismatch. */
  String state() {
    if (sampleRatioMismatch()) return "sample_ratio_mismatch";
    if (enoughUsers()) return "ready";
    return experiment.running() ? "collecting" : "too_few_users";
  }

  /** The answer's {@code results} object (NaN written as null: JSON has no NaN). */
  Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("asOfMillis", asOfMillis);
    double srm = sampleRatioPValue();
    out.put("state", state());
    List<Map<String, Object>> armRows = new ArrayList<>();
    for (Arm a : arms) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", a.arm().name());
      row.put("users", a.users());
      row.put("answers", a.answers());
      row.put("itemsShown", a.itemsShown());
      row.put("conversions", a.conversions());
      row.put("convertedUsers", a.convertedUsers());
      OnlineTests.Interval rate = OnlineTests.wilson(a.convertedUsers(), a.users(), CONFIDENCE);
      row.put("conversionRate", interval(rate));
      row.put("conversionsPerUser", number(a.users() == 0 ? Double.NaN : (double) a.conversions() / a.users()));
      row.put("conversionsPerItemShown", number(a.itemsShown() == 0 ? Double.NaN
          : (double) a.conversions() / a.itemsShown()));
      row.put("likedEvents", a.likedEvents());
      row.put("likedEventsPerUser", number(a.users() == 0 ? Double.NaN : (double) a.likedEvents() / a.users()));
      row.put("answersByVersion", a.answersByVersion());
      armRows.add(row);
    }
    out.put("arms", armRows);
    List<Map<String, Object>> comparisons = new ArrayList<>();
    double level = comparisonLevel();
    for (int k = 1; k < arms.size(); k++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("arm", arms.get(k).arm().name());
      row.put("control", arms.get(0).arm().name());
      // a difference of two shares lies in [-1, 1]: a normal interval on few users can reach past it. "significant"
      // is a decision: the fixed-horizon tests' only once every arm has its users (before, a significant look is
      // the peeking the always-valid test is for), and no test's under a broken split (a QA run saw both flagged)
      boolean splitSound = !sampleRatioMismatch();
      boolean horizon = splitSound && enoughUsers();
      Arm control = arms.get(0);
      Arm arm = arms.get(k);
      boolean exact = OnlineTests.tooFewForNormal(control.convertedUsers(), control.users(), arm.convertedUsers(),
          arm.users());
      row.put("conversionRate", comparison(conversionRate(k), level, -1, 1, horizon,
          exact && (hasSpread(control) || hasSpread(arm)) ? FEW_RATE_INTERVAL : NO_RATE_INTERVAL));
      row.put("conversionRateAlwaysValid", comparison(conversionRateAlwaysValid(k), level, -1, 1, splitSound,
          NO_RATE_INTERVAL));
      row.put("conversionsPerUser", comparison(conversionsPerUser(k), level, Double.NEGATIVE_INFINITY,
          Double.POSITIVE_INFINITY, horizon, NO_MEAN_INTERVAL));
      row.put("likedEventsPerUser", comparison(likedEventsPerUser(k), level, Double.NEGATIVE_INFINITY,
          Double.POSITIVE_INFINITY, horizon, NO_MEAN_INTERVAL));
      comparisons.add(row);
    }
    out.put("comparisons", comparisons);
    out.put("level", level);
    Map<String, Object> split = new LinkedHashMap<>();
    split.put("pValue", number(srm));
    split.put("mismatch", sampleRatioMismatch());
    split.put("testable", sampleRatioTestable());
    out.put("sampleRatio", split);
    out.put("usersInTwoArms", usersInTwoArms);
    if (usesUntilMillis != Long.MAX_VALUE) out.put("usesCountedUntilMillis", usesUntilMillis);
    out.put("verdict", verdict());
    return out;
  }

  /** One sentence for people: what can be read from the results now. */
  String verdict() {
    String state = state();
    if (state.equals("sample_ratio_mismatch")) {
      StringBuilder counts = new StringBuilder();
      long total = arms.stream().mapToLong(Arm::users).sum();
      for (Arm a : arms) {
        if (!counts.isEmpty()) counts.append(", ");
        // the share seen beside the one asked for (A/B QA: the asked share alone did not show the imbalance)
        counts.append(a.arm().name()).append(' ').append(a.users()).append(String.format(Locale.ROOT, " (%.0f%%,"
            + " %.0f%% asked)", 100.0 * a.users() / total, 100 * a.arm().share()));
      }
      return withMixedVersions(new ArrayList<>(List.of(String.format(Locale.ROOT, "the split is broken: users per"
          + " arm %s differ from the shares asked for (p = %.2g); read no comparison until the cause is found (user"
          + " ids that change between requests, a cache or a client in front of one arm)", counts,
          sampleRatioPValue()))));
    }
    List<String> parts = new ArrayList<>();
    Arm control = arms.get(0);
    double baseline = control.users() == 0 ? Double.NaN : (double) control.convertedUsers() / control.users();
    if (!state.equals("ready")) {
      Arm fewest = arms.stream().min(java.util.Comparator.comparingLong(Arm::users)).orElseThrow();
      parts.add(String.format(Locale.ROOT, "%s: arm %s has %d of the %d users each arm needs before a verdict",
          experiment.running() ? "collecting" : "stopped too early", fewest.arm().name(), fewest.users(),
          experiment.minUsersPerArm()));
      // the always-valid test may be read now: what it finds holds however often the results were looked at
      List<String> found = new ArrayList<>();
      for (int k = 1; k < arms.size(); k++) {
        Arm b = arms.get(k);
        OnlineTests.Comparison c = conversionRateAlwaysValid(k);
        if (c.pValue() < comparisonLevel()) {
          found.add(difference(b, c, (double) b.convertedUsers() / b.users(), baseline, ""));
        }
      }
      if (found.isEmpty()) {
        if (arms.stream().allMatch(a -> a.users() > 0)) {
          parts.add("the always-valid test, which may be read at any look, finds no difference yet");
        }
      } else {
        parts.add("but the always-valid test, which holds at any look, already finds: " + String.join("; ", found)
            + (experiment.running() ? "; the experiment may be stopped now" : ""));
      }
      return withMixedVersions(parts);
    }
    for (int k = 1; k < arms.size(); k++) {
      Arm b = arms.get(k);
      OnlineTests.Comparison c = conversionRate(k);
      OnlineTests.Comparison always = conversionRateAlwaysValid(k);
      double shareB = (double) b.convertedUsers() / b.users();
      boolean alwaysFinds = always.pValue() < comparisonLevel();
      if (c.pValue() < comparisonLevel()) {
        parts.add(difference(b, c, shareB, baseline, "") + String.format(Locale.ROOT, "; the always-valid test, read"
            + " at any look, %s (p = %.2g)", alwaysFinds ? "agrees" : "does not find it yet", always.pValue()));
      } else {
        String found = String.format(Locale.ROOT, "%s: no difference from the control found (%.2f%% against %.2f%%,"
            + " p = %.2g)", b.arm().name(), 100 * shareB, 100 * baseline, c.pValue());
        double detectable = baseline >= 1 ? Double.NaN : OnlineTests.minimumDetectableDifference(baseline,
            control.users(), b.users(), comparisonLevel(), POWER);
        if (Double.isNaN(detectable)) {
          parts.add(found + "; no rise above the control's is possible or detectable at these users");
        } else {
          String relative = baseline == 0 ? "" : String.format(Locale.ROOT, " (%.0f%%)", 100 * detectable / baseline);
          parts.add(String.format(Locale.ROOT, "%s; these users would find a rise of %.2f points%s 8 times in 10",
              found, 100 * detectable, relative));
        }
        if (alwaysFinds) {
          // their variances differ (the fixed test's pooled one; the larger of the pooled and the arms' own, each
          // with a success and a failure added), so rarely the always-valid test finds what the fixed one misses
          parts.add(difference(b, always, shareB, baseline, "by the always-valid test, "));
        } else {
          parts.add(String.format(Locale.ROOT, "the always-valid test, read at any look, finds none either (p ="
              + " %.2g)", always.pValue()));
        }
      }
    }
    return withMixedVersions(parts);
  }

  /** "b beats the control: x% of its users used a recommendation against y% (…interval…, p = …)". */
  private String difference(Arm b, OnlineTests.Comparison c, double shareB, double baseline, String test) {
    // relative to a control no one converted in, a rise has no size in per cent
    String relative = Double.isFinite(c.relative()) ? String.format(Locale.ROOT, "%+.1f%%, ", 100 * c.relative())
        : "";
    // 95, 97.5, 98.33: the interval's level as people write it
    String interval = !c.hasInterval() ? "no interval: no spread within the arms to size one" : String.format(
        Locale.ROOT, "%s%% interval %+.2f to %+.2f points", java.math.BigDecimal.valueOf(100 * (1 - comparisonLevel()))
            .setScale(2, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString(),
        100 * Math.max(-1, c.lower()), 100 * Math.min(1, c.upper()));
    return String.format(Locale.ROOT, "%s%s %s the control: %.2f%% of its users used a recommendation against"
        + " %.2f%% (%s%s, p = %.2g)", test, b.arm().name(), c.difference() > 0 ? "beats" : "loses to", 100 * shareB,
        100 * baseline, relative, interval, c.pValue());
  }

  /** {@code parts} joined, with a note for each arm answered by several model versions. */
  private String withMixedVersions(List<String> parts) {
    for (Arm a : arms) {
      // the control's "active" follows activations and publications: its answers may come from several versions
      long modelVersions = a.answersByVersion().keySet().stream().filter(v -> !v.equals("none")).count();
      if (modelVersions > 1) {
        parts.add(String.format(Locale.ROOT, "arm %s was answered by %d model versions (%s): its figures mix them",
            a.arm().name(), modelVersions, String.join(", ", a.answersByVersion().keySet())));
      }
    }
    return String.join("; ", parts);
  }

  private static Map<String, Object> interval(OnlineTests.Interval i) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("estimate", number(i.estimate()));
    out.put("lower", number(i.lower()));
    out.put("upper", number(i.upper()));
    return out;
  }

  /** Why a conversion rate's difference has no interval ({@link OnlineTests.Comparison#hasInterval}). */
  static final String NO_RATE_INTERVAL = "no interval yet: within each arm every user had the same outcome (none"
      + " converted, or all did), which gives no spread to size one; it takes users who differ";
  /** Why the conversion rate has no interval while too few conversions are in: the p-value is the exact test's. */
  static final String FEW_RATE_INTERVAL = "no interval yet: too few conversions (or users without one) for a normal"
      + " interval, which would disagree with the p-value, Fisher's exact test's at this size";

  /** Whether some users of the arm converted and some did not. */
  private static boolean hasSpread(Arm a) {
    return a.convertedUsers() > 0 && a.convertedUsers() < a.users();
  }

  /** Why conversions per user have no interval. */
  static final String NO_MEAN_INTERVAL = "no interval yet: within each arm every user had the same number of"
      + " conversions, which gives no spread to size one; it takes users who differ";

  /**
   * A comparison's JSON; with {@code intervalNote} saying why when the difference stands but its interval cannot be
   * estimated ({@code lower} and {@code upper} null), rather than an interval of width 0.
   */
  private static Map<String, Object> comparison(OnlineTests.Comparison c, double level, double least, double most,
      boolean decidable, String noInterval) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("difference", number(c.difference()));
    out.put("lower", number(Math.max(least, c.lower())));
    out.put("upper", number(Math.min(most, c.upper())));
    out.put("relative", number(c.relative()));
    out.put("pValue", number(c.pValue()));
    out.put("significant", decidable && c.pValue() < level);
    if (!Double.isNaN(c.difference()) && !c.hasInterval()) out.put("intervalNote", noInterval);
    return out;
  }

  private static Double number(double d) {
    return Double.isFinite(d) ? d : null;
  }
}
