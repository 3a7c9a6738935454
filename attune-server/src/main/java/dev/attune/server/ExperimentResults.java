package dev.attune.server;

import dev.attune.eval.OnlineTests;
import dev.attune.events.EventWeights;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What an experiment's arms did, from the store: each user's exposures ({@link Store#forEachExposure}) and their
 * events since the experiment started.
 *
 * <p>A conversion is a user's use of an item an arm showed them: an event of one of the experiment's conversion
 * types that the service weighs as liked (a play heard to under a quarter is a skip, not a use), on an item of one of
 * their answers, timed from that answer's time to the end of the experiment's window after it. A user's item counts
 * once, however often it was shown or used. Events are timed by their own timestamps, as clients send them.
 *
 * <p>The unit is the user, as the split is by user: the share of an arm's users with a conversion ("conversion rate",
 * compared by the two-proportion z-test) and conversions per user (compared by Welch's t-test), each arm against the
 * first (the control), at a level of 5% divided by the number of comparisons (Bonferroni), with 95% intervals. The
 * split itself is checked first (sample ratio mismatch, {@link OnlineTests#sampleRatioPValue} below 0.001): when the
 * users per arm are not what the shares say, something lost or doubled users on one side and no comparison is read.
 *
 * <p>A verdict is given only once every arm has the experiment's {@code minUsersPerArm}: results read every time
 * someone looks, and stopped at the first significant one, find differences that are not there far more often than
 * 5% of the time. The minimum detectable rise says how large a difference the users so far could find.
 */
final class ExperimentResults {

  static final double ALPHA = 0.05;
  static final double CONFIDENCE = 0.95;
  static final double POWER = 0.8;
  /** Below this p-value the users per arm are taken to differ from the shares asked for. */
  static final double SAMPLE_RATIO_ALPHA = 0.001;

  /**
   * One arm's counts.
   *
   * @param users users answered by it
   * @param answers answers it gave them
   * @param itemsShown items in those answers
   * @param conversions users' items used after being shown (each user's item once)
   * @param convertedUsers users with a conversion
   * @param sumSquares the sum over its users of their conversions squared (for the variance of conversions per user)
   */
  record Arm(Store.Arm arm, long users, long answers, long itemsShown, long conversions, long convertedUsers,
      double sumSquares) {}

  private final Store.Experiment experiment;
  private final List<Arm> arms;
  private final long asOfMillis;
  /** Users answered by two arms (possible only when user ids change meaning, such as a new pseudonym key). */
  private final long usersInTwoArms;

  private ExperimentResults(Store.Experiment experiment, List<Arm> arms, long asOfMillis, long usersInTwoArms) {
    this.experiment = experiment;
    this.arms = arms;
    this.asOfMillis = asOfMillis;
    this.usersInTwoArms = usersInTwoArms;
  }

  /** Per user: their arm and their answers (times and items). */
  private static final class Exposed {
    final int arm;
    final List<Long> times = new ArrayList<>();
    final List<Set<String>> shown = new ArrayList<>();
    Set<String> used;
    boolean inTwoArms;

    Exposed(int arm) {
      this.arm = arm;
    }
  }

  /** Reads the experiment's exposures and its users' events since it started. */
  static ExperimentResults compute(Store store, Store.Experiment e, long nowMillis, EventWeights weights) {
    Map<String, Integer> armIndex = new HashMap<>();
    for (int k = 0; k < e.arms().size(); k++) armIndex.put(e.arms().get(k).name(), k);
    int n = e.arms().size();
    long[] answers = new long[n];
    long[] itemsShown = new long[n];
    Map<String, Exposed> byUser = new HashMap<>();
    long[] twoArms = {0};
    store.forEachExposure(e.id(), null, x -> {
      Integer arm = armIndex.get(x.arm());
      if (arm == null) return; // not one of its arms: written by another build, nothing to credit it to
      Exposed u = byUser.get(x.userId());
      if (u == null) {
        u = new Exposed(arm);
        byUser.put(x.userId(), u);
      } else if (u.arm != arm) {
        if (!u.inTwoArms) twoArms[0]++;
        u.inTwoArms = true;
        return; // the first arm keeps them
      }
      answers[arm]++;
      itemsShown[arm] += x.itemIds().size();
      u.times.add(x.timestampMillis());
      u.shown.add(new HashSet<>(x.itemIds()));
    });
    store.forEachEventSince(e.startedAtMillis(), stored -> {
      dev.attune.events.Event ev = stored.event();
      Exposed u = byUser.get(ev.userId());
      if (u == null || !e.conversionTypes().contains(ev.type().toLowerCase(Locale.ROOT))) return;
      if (!(weights.weight(ev.type(), ev.value(), Float.NaN) > 0)) return;
      if (u.used != null && u.used.contains(ev.itemId())) return;
      for (int k = 0; k < u.times.size(); k++) {
        long shownAt = u.times.get(k);
        if (ev.timestamp() >= shownAt && ev.timestamp() <= shownAt + e.windowMillis()
            && u.shown.get(k).contains(ev.itemId())) {
          if (u.used == null) u.used = new HashSet<>();
          u.used.add(ev.itemId());
          return;
        }
      }
    });
    long[] users = new long[n];
    long[] conversions = new long[n];
    long[] converted = new long[n];
    double[] sumSquares = new double[n];
    for (Exposed u : byUser.values()) {
      int c = u.used == null ? 0 : u.used.size();
      users[u.arm]++;
      conversions[u.arm] += c;
      if (c > 0) converted[u.arm]++;
      sumSquares[u.arm] += (double) c * c;
    }
    List<Arm> arms = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      arms.add(new Arm(e.arms().get(k), users[k], answers[k], itemsShown[k], conversions[k], converted[k],
          sumSquares[k]));
    }
    return new ExperimentResults(e, arms, nowMillis, twoArms[0]);
  }

  List<Arm> arms() {
    return arms;
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

  /** Arm {@code k}'s conversion rate against the control's. */
  OnlineTests.Comparison conversionRate(int k) {
    Arm a = arms.get(0);
    Arm b = arms.get(k);
    return OnlineTests.proportions(a.convertedUsers(), a.users(), b.convertedUsers(), b.users(), CONFIDENCE);
  }

  /** Arm {@code k}'s conversions per user against the control's. */
  OnlineTests.Comparison conversionsPerUser(int k) {
    Arm a = arms.get(0);
    Arm b = arms.get(k);
    return OnlineTests.means(a.conversions(), a.sumSquares(), a.users(), b.conversions(), b.sumSquares(), b.users(),
        CONFIDENCE);
  }

  /** The level each comparison is tested at: 5% shared among the comparisons with the control. */
  double comparisonLevel() {
    return ALPHA / (arms.size() - 1);
  }

  /** Whether every arm has the users the experiment asks for before a verdict. */
  boolean enoughUsers() {
    return arms.stream().allMatch(a -> a.users() >= experiment.minUsersPerArm());
  }

  /** The answer's {@code results} object (NaN written as null: JSON has no NaN). */
  Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("asOfMillis", asOfMillis);
    double srm = sampleRatioPValue();
    boolean mismatch = srm < SAMPLE_RATIO_ALPHA;
    boolean ready = enoughUsers();
    out.put("state", mismatch ? "sample_ratio_mismatch" : ready ? "ready" : "collecting");
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
      armRows.add(row);
    }
    out.put("arms", armRows);
    List<Map<String, Object>> comparisons = new ArrayList<>();
    double level = comparisonLevel();
    for (int k = 1; k < arms.size(); k++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("arm", arms.get(k).arm().name());
      row.put("control", arms.get(0).arm().name());
      OnlineTests.Comparison rate = conversionRate(k);
      OnlineTests.Comparison perUser = conversionsPerUser(k);
      row.put("conversionRate", comparison(rate, level));
      row.put("conversionsPerUser", comparison(perUser, level));
      comparisons.add(row);
    }
    out.put("comparisons", comparisons);
    out.put("level", level);
    Map<String, Object> split = new LinkedHashMap<>();
    split.put("pValue", number(srm));
    split.put("mismatch", mismatch);
    out.put("sampleRatio", split);
    if (usersInTwoArms > 0) out.put("usersInTwoArms", usersInTwoArms);
    out.put("verdict", verdict(srm, ready));
    return out;
  }

  /** One sentence for people: what can be read from the results now. */
  String verdict(double srm, boolean ready) {
    if (srm < SAMPLE_RATIO_ALPHA) {
      StringBuilder counts = new StringBuilder();
      for (Arm a : arms) {
        if (!counts.isEmpty()) counts.append(", ");
        counts.append(a.arm().name()).append(' ').append(a.users()).append(String.format(Locale.ROOT, " (%.0f%%"
            + " asked)", 100 * a.arm().share()));
      }
      return String.format(Locale.ROOT, "the split is broken: users per arm %s differ from the shares asked for"
          + " (p = %.2g); read no comparison until the cause is found (user ids that change between requests, a cache"
          + " or a client in front of one arm)", counts, srm);
    }
    if (!ready) {
      Arm fewest = arms.stream().min(java.util.Comparator.comparingLong(Arm::users)).orElseThrow();
      return String.format(Locale.ROOT, "collecting: arm %s has %d of the %d users each arm needs before a verdict",
          fewest.arm().name(), fewest.users(), experiment.minUsersPerArm());
    }
    List<String> parts = new ArrayList<>();
    Arm control = arms.get(0);
    double baseline = control.users() == 0 ? 0 : (double) control.convertedUsers() / control.users();
    for (int k = 1; k < arms.size(); k++) {
      Arm b = arms.get(k);
      OnlineTests.Comparison c = conversionRate(k);
      double shareB = (double) b.convertedUsers() / b.users();
      if (c.pValue() < comparisonLevel()) {
        // relative to a control no one converted in, a rise has no size in per cent
        String relative = Double.isFinite(c.relative()) ? String.format(Locale.ROOT, "%+.1f%%, ", 100 * c.relative())
            : "";
        parts.add(String.format(Locale.ROOT, "%s %s the control: %.2f%% of its users used a recommendation against"
            + " %.2f%% (%s95%% interval %+.2f to %+.2f points, p = %.2g)", b.arm().name(),
            c.difference() > 0 ? "beats" : "loses to", 100 * shareB, 100 * baseline, relative,
            100 * c.lower(), 100 * c.upper(), c.pValue()));
      } else {
        double detectable = baseline >= 1 ? Double.NaN : OnlineTests.minimumDetectableDifference(baseline,
            control.users(), b.users(), comparisonLevel(), POWER);
        String relative = baseline == 0 ? "" : String.format(Locale.ROOT, " (%.0f%%)", 100 * detectable / baseline);
        parts.add(String.format(Locale.ROOT, "%s: no difference from the control found (%.2f%% against %.2f%%, p ="
            + " %.2g); these users would find a rise of %.2f points%s 8 times in 10", b.arm().name(),
            100 * shareB, 100 * baseline, c.pValue(), 100 * detectable, relative));
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

  private static Map<String, Object> comparison(OnlineTests.Comparison c, double level) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("difference", number(c.difference()));
    out.put("lower", number(c.lower()));
    out.put("upper", number(c.upper()));
    out.put("relative", number(c.relative()));
    out.put("pValue", number(c.pValue()));
    out.put("significant", c.pValue() < level);
    return out;
  }

  private static Double number(double d) {
    return Double.isFinite(d) ? d : null;
  }
}
