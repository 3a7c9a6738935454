package dev.attune.abuse;

import dev.attune.data.Dataset;
import dev.attune.data.EventLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Flags users to quarantine from training, from the events alone (no labels):
 *
 * <ul>
 *   <li><b>burst</b>: more than {@code maxEventsPerWindow} events within any {@code burstWindowMillis} (a bot,
 *       or a script replaying a profile);
 *   <li><b>shilling</b>: a profile whose items do not belong together, in a group of such profiles that share an
 *       item. Each user gets a <em>coherence</em>: for every item of the profile, the mean cosine (item-item
 *       co-occurrence over all users) between it and the profile's other items, averaged over the profile. Real
 *       tastes are coherent; a fake profile's filler items, drawn at random or from the most popular items
 *       around its target, are not. A user is <em>incoherent</em> when their coherence is more than
 *       {@code maxRobustZ} robust standard deviations (1.4826 × median absolute deviation) below the median.
 *       Incoherent users alone are not flagged, since some real tastes are eclectic; an item is <em>pushed</em>
 *       when at least {@code minGroup} of its consumers are incoherent and they make up at least {@code
 *       minGroupShare} of them, and the incoherent consumers of a pushed item are flagged. That is the
 *       co-visitation anomaly a push leaves: many unrelated profiles meeting on one item.
 * </ul>
 *
 * <p>Cost: O(Σ profile²) time over the distinct (user, item) pairs and O(users + items) memory beside the
 * dataset. Deterministic. Thread-safe (no state).
 */
public final class AbuseDetector {
  /**
   * Thresholds.
   *
   * @param burstWindowMillis window of the burst check, &gt; 0
   * @param maxEventsPerWindow most events a person plausibly makes within the window, &gt; 0
   * @param maxRobustZ how far below the median coherence (in robust standard deviations) is incoherent, &gt; 0
   * @param minGroup fewest incoherent consumers that make an item pushed, &ge; 2
   * @param minGroupShare smallest share of an item's consumers that are incoherent for it to be pushed, in (0, 1]
   * @param minProfile profiles shorter than this are never judged incoherent (too little evidence), &ge; 2
   */
  public record Params(long burstWindowMillis, int maxEventsPerWindow, double maxRobustZ, int minGroup,
      double minGroupShare, int minProfile) {
    /** One minute and 60 events; 2 robust standard deviations; groups of 5 making up a third; profiles of 5. */
    public static final Params DEFAULTS = new Params(60_000L, 60, 2.0, 5, 1.0 / 3, 5);

    /** Checks the ranges. */
    public Params {
      if (burstWindowMillis <= 0 || maxEventsPerWindow <= 0 || !(maxRobustZ > 0) || minGroup < 2
          || !(minGroupShare > 0 && minGroupShare <= 1) || minProfile < 2) {
        throw new IllegalArgumentException("invalid abuse detection parameters: " + this);
      }
    }
  }

  /**
   * One flagged user.
   *
   * @param userIndex the user's index in the dataset
   * @param userId the user's id
   * @param reason {@code burst} or {@code shilling}
   * @param detail what was seen, for the reviewer
   */
  public record Flag(int userIndex, String userId, String reason, String detail) {}

  /**
   * What detection found.
   *
   * @param flags flagged users, in user-index order (a user flagged for both reasons appears twice)
   * @param quarantined whether each user index is flagged
   * @param pushedItems ids of the items found pushed
   * @param coherence each user's coherence (NaN for profiles too short to judge)
   */
  public record Report(List<Flag> flags, boolean[] quarantined, List<String> pushedItems, double[] coherence) {
    /** Number of distinct users flagged. */
    public int quarantinedCount() {
      int n = 0;
      for (boolean q : quarantined) if (q) n++;
      return n;
    }
  }

  private final Params params;

  /** A detector with these thresholds. */
  public AbuseDetector(Params params) {
    this.params = params;
  }

  /** Runs both checks over every event of the dataset. */
  public Report detect(Dataset data) {
    int users = data.numUsers();
    int items = data.numItems();
    EventLog log = data.events();
    List<Flag> flags = new ArrayList<>();
    boolean[] quarantined = new boolean[users];
    burst(data, log, flags, quarantined);

    // distinct (user, item) profiles as CSR, and the transpose
    int[][] profiles = profiles(log, users);
    int[] degree = new int[items];
    for (int[] p : profiles) for (int i : p) degree[i]++;
    int[][] consumers = transpose(profiles, degree, items);
    double[] coherence = coherence(profiles, consumers, degree, items);

    double[] judged = Arrays.stream(coherence).filter(c -> !Double.isNaN(c)).sorted().toArray();
    List<String> pushed = new ArrayList<>();
    if (judged.length > 0) {
      double median = judged[judged.length / 2];
      double[] deviations = Arrays.stream(judged).map(c -> Math.abs(c - median)).sorted().toArray();
      double scale = 1.4826 * deviations[deviations.length / 2];
      double cut = median - params.maxRobustZ() * scale;
      boolean[] incoherent = new boolean[users];
      for (int u = 0; u < users; u++) incoherent[u] = !Double.isNaN(coherence[u]) && coherence[u] < cut;
      boolean[] flaggedForShilling = new boolean[users];
      for (int i = 0; i < items; i++) {
        int group = 0;
        for (int u : consumers[i]) if (incoherent[u]) group++;
        if (group >= params.minGroup() && group >= params.minGroupShare() * consumers[i].length) {
          pushed.add(data.itemIds().id(i));
          for (int u : consumers[i]) {
            if (incoherent[u] && !flaggedForShilling[u]) {
              flaggedForShilling[u] = true;
              quarantined[u] = true;
              flags.add(new Flag(u, data.userIds().id(u), "shilling", String.format(java.util.Locale.ROOT,
                  "coherence %.4f below %.4f (median %.4f); one of %d such users among the %d consumers of item %s",
                  coherence[u], cut, median, group, consumers[i].length, data.itemIds().id(i))));
            }
          }
        }
      }
    }
    flags.sort((a, b) -> Integer.compare(a.userIndex(), b.userIndex()));
    return new Report(List.copyOf(flags), quarantined, List.copyOf(pushed), coherence);
  }

  /**
   * A copy of {@code data} without the quarantined users and their events (items, other users, scenes that
   * allow repeats and the given test events of the others are kept): what training should see.
   */
  public static Dataset withoutQuarantined(Dataset data, Report report) {
    Dataset out = new Dataset(data.name(), data.timeKind());
    for (String scene : data.repeatScenes()) out.allowRepeats(scene);
    for (int u = 0; u < data.numUsers(); u++) {
      if (!report.quarantined()[u]) out.putUser(data.user(u));
    }
    for (int i = 0; i < data.numItems(); i++) out.putItem(data.item(i));
    EventLog log = data.events();
    for (int r = 0; r < log.size(); r++) {
      if (!report.quarantined()[log.user(r)]) out.addEvent(data.event(log, r));
    }
    EventLog test = data.givenTest();
    for (int r = 0; r < test.size(); r++) {
      if (!report.quarantined()[test.user(r)]) out.addGivenTestEvent(data.event(test, r));
    }
    return out;
  }

  private void burst(Dataset data, EventLog log, List<Flag> flags, boolean[] quarantined) {
    int users = data.numUsers();
    long[][] times = new long[users][];
    int[] count = new int[users];
    for (int r = 0; r < log.size(); r++) count[log.user(r)]++;
    for (int u = 0; u < users; u++) times[u] = new long[count[u]];
    Arrays.fill(count, 0);
    for (int r = 0; r < log.size(); r++) times[log.user(r)][count[log.user(r)]++] = log.time(r);
    for (int u = 0; u < users; u++) {
      long[] t = times[u];
      if (t.length <= params.maxEventsPerWindow()) continue;
      Arrays.sort(t);
      int from = 0;
      int most = 0;
      for (int to = 0; to < t.length; to++) {
        while (t[to] - t[from] >= params.burstWindowMillis()) from++;
        most = Math.max(most, to - from + 1);
      }
      if (most > params.maxEventsPerWindow()) {
        quarantined[u] = true;
        flags.add(new Flag(u, data.userIds().id(u), "burst", most + " events within " + params.burstWindowMillis()
            + " ms (at most " + params.maxEventsPerWindow() + " expected)"));
      }
    }
  }

  /** Each user's distinct items, sorted. */
  private static int[][] profiles(EventLog log, int users) {
    int[] count = new int[users];
    for (int r = 0; r < log.size(); r++) count[log.user(r)]++;
    int[][] all = new int[users][];
    for (int u = 0; u < users; u++) all[u] = new int[count[u]];
    Arrays.fill(count, 0);
    for (int r = 0; r < log.size(); r++) all[log.user(r)][count[log.user(r)]++] = log.item(r);
    for (int u = 0; u < users; u++) all[u] = Arrays.stream(all[u]).sorted().distinct().toArray();
    return all;
  }

  private static int[][] transpose(int[][] profiles, int[] degree, int items) {
    int[][] out = new int[items][];
    for (int i = 0; i < items; i++) out[i] = new int[degree[i]];
    int[] fill = new int[items];
    for (int u = 0; u < profiles.length; u++) for (int i : profiles[u]) out[i][fill[i]++] = u;
    return out;
  }

  /**
   * For every user, the mean over their items j of the mean cosine between j and their other items, where
   * cosine(j, l) = co-occurrences / sqrt(degree j × degree l). Computed item by item: the co-occurrence row of
   * j is built from j's consumers' profiles, then read back for each of them.
   */
  private double[] coherence(int[][] profiles, int[][] consumers, int[] degree, int items) {
    double[] sum = new double[profiles.length];
    int[] row = new int[items];
    for (int j = 0; j < items; j++) {
      int[] us = consumers[j];
      if (us.length == 0) continue;
      for (int u : us) for (int l : profiles[u]) row[l]++;
      for (int u : us) {
        int[] p = profiles[u];
        if (p.length < params.minProfile()) continue;
        double s = 0;
        for (int l : p) {
          if (l != j) s += row[l] / Math.sqrt((double) degree[j] * degree[l]);
        }
        sum[u] += s / (p.length - 1);
      }
      for (int u : us) for (int l : profiles[u]) row[l] = 0;
    }
    double[] out = new double[profiles.length];
    for (int u = 0; u < profiles.length; u++) {
      out[u] = profiles[u].length < params.minProfile() ? Double.NaN : sum[u] / profiles[u].length;
    }
    return out;
  }
}
