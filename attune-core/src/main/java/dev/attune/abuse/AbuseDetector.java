package dev.attune.abuse;

import dev.attune.data.Dataset;
import dev.attune.data.EventLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Flags users to quarantine from training, from the events alone (no labels). Three checks:
 *
 * <ul>
 *   <li><b>burst</b>: more than {@code maxEventsPerWindow} events within any {@code burstWindowMillis} (a bot,
 *       or a script replaying a profile). Only on data with clock times ({@link Dataset.TimeKind#CLOCK}).
 *   <li><b>shilling, incoherent group</b>: a profile whose items do not belong together, in a group of such
 *       profiles that share an item. Each user gets a <em>coherence</em>: for every item of the profile, the
 *       mean cosine (item-item co-occurrence over all users) between it and the profile's other items, averaged
 *       over the profile. Real tastes are coherent; fillers drawn at random from the catalogue are not. A user is
 *       <em>incoherent</em> when the log of their coherence is more than {@code maxRobustZ} robust standard
 *       deviations (1.4826 × median absolute deviation) below the median of all users. Incoherent users alone
 *       are not flagged, since some real tastes are eclectic; an item is pushed when at least {@code minGroup}
 *       of its consumers are incoherent and they make up at least {@code minGroupShare} of them, and those
 *       consumers are flagged.
 *   <li><b>shilling, unrelated audience</b>: fillers drawn in proportion to popularity (the "average" attack)
 *       or from the most popular items ("bandwagon") are as coherent as many real profiles, so the first test
 *       misses them. Two other facts give them away. First, the <em>audience</em> of a real item shares taste:
 *       its consumers resemble each other more than they resemble everyone (the <em>audience lift</em>: for each
 *       consumer, the mean user-user cosine to the item's other consumers over the mean to all users, averaged
 *       over the consumers). The audience of a pushed item is mostly fakes who share nothing but that item, so its
 *       lift is low for an item of its size: an item is <em>suspect</em> when its lift is more than {@code
 *       maxAudienceRobustZ} robust standard deviations below the median lift of the {@code 2 × audienceWindow}
 *       items closest to it in consumer count. Second, a fake profile is no more coherent than the same number of
 *       items drawn in proportion to popularity: each user's coherence is compared with that of {@code
 *       nullSamples} such random profiles of about the same size (the <em>popularity-null z</em>). The consumers
 *       of a suspect item whose popularity-null z is below {@code maxNullZ} are flagged when there are at least
 *       {@code minGroup} of them making up at least {@code minSuspectShare} of its consumers.
 * </ul>
 *
 * <p>Cost: O(Σ profile²) time over the distinct (user, item) pairs (the random profiles are capped at {@link
 * #MAX_NULL_PROFILE} items) and O(users + items) memory beside the dataset. Deterministic (the random profiles
 * come from a fixed seed). Thread-safe (no state).
 */
public final class AbuseDetector {
  /** Largest random profile drawn for the popularity null; longer profiles are compared with this size. */
  public static final int MAX_NULL_PROFILE = 400;

  /**
   * Thresholds.
   *
   * @param burstWindowMillis window of the burst check, &gt; 0
   * @param maxEventsPerWindow most events a person plausibly makes within the window, &gt; 0
   * @param maxRobustZ how far below the median coherence (in robust standard deviations) is incoherent, &gt; 0
   * @param minGroup fewest flagged consumers that make an item pushed, &ge; 2
   * @param minGroupShare smallest share of an item's consumers that are flagged for it to be pushed, in (0, 1]
   * @param minProfile profiles shorter than this are never judged (too little evidence), &ge; 2
   * @param maxAudienceRobustZ how far below the audience lift of items of its size (in robust standard
   *     deviations) makes an item suspect, &gt; 0
   * @param audienceWindow items on each side (by consumer count) an item's audience lift is compared with, &ge; 5
   * @param maxNullZ consumers of a suspect item are flagged when their coherence is less than this many
   *     standard deviations above that of random popularity-drawn profiles of their size
   * @param nullSamples random profiles drawn per size, &ge; 4
   * @param minSuspectShare smallest share of a suspect item's consumers that must look like popularity draws
   *     for them to be flagged, in (0, 1]: real audiences with little shared taste exist, but are seldom made
   *     mostly of such profiles
   */
  public record Params(long burstWindowMillis, int maxEventsPerWindow, double maxRobustZ, int minGroup,
      double minGroupShare, int minProfile, double maxAudienceRobustZ, int audienceWindow, double maxNullZ,
      int nullSamples, double minSuspectShare) {
    /**
     * One minute and 60 events; incoherent at 3 robust standard deviations; groups of 5 making up a third;
     * profiles of 5; suspect audiences at 2.5 robust standard deviations among the 100 items of closest size;
     * popularity-null z below 2 with 24 random profiles per size, making up 70% of a suspect audience.
     */
    public static final Params DEFAULTS = new Params(60_000L, 60, 3.0, 5, 1.0 / 3, 5, 2.5, 50, 2.0, 24, 0.7);

    /** Checks the ranges. */
    public Params {
      if (burstWindowMillis <= 0 || maxEventsPerWindow <= 0 || !(maxRobustZ > 0) || minGroup < 2
          || !(minGroupShare > 0 && minGroupShare <= 1) || minProfile < 2 || !(maxAudienceRobustZ > 0)
          || audienceWindow < 5 || !Double.isFinite(maxNullZ) || nullSamples < 4
          || !(minSuspectShare > 0 && minSuspectShare <= 1)) {
        throw new IllegalArgumentException("invalid abuse detection parameters: " + this);
      }
    }

    /** These thresholds with the given shilling thresholds (the burst check and sample counts unchanged). */
    public Params withShilling(double maxRobustZ, double maxAudienceRobustZ, double maxNullZ) {
      return new Params(burstWindowMillis, maxEventsPerWindow, maxRobustZ, minGroup, minGroupShare, minProfile,
          maxAudienceRobustZ, audienceWindow, maxNullZ, nullSamples, minSuspectShare);
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

  /** Runs all checks over every event of the dataset. */
  public Report detect(Dataset data) {
    int users = data.numUsers();
    int items = data.numItems();
    EventLog log = data.events();
    List<Flag> flags = new ArrayList<>();
    boolean[] quarantined = new boolean[users];
    // ordinal positions and missing times say nothing about how fast someone acted
    if (data.timeKind() == Dataset.TimeKind.CLOCK) burst(data, log, flags, quarantined);

    // distinct (user, item) profiles as CSR, and the transpose
    int[][] profiles = profiles(log, users);
    int[] degree = new int[items];
    for (int[] p : profiles) for (int i : p) degree[i]++;
    int[][] consumers = transpose(profiles, degree, items);
    int[][] nullProfiles = nullProfiles(profiles, degree);
    int[][] nullReaders = transpose(nullProfiles, readerCounts(nullProfiles, items), items);
    Coherence c = coherence(profiles, consumers, degree, nullProfiles, nullReaders);
    double[] coherence = c.users();

    boolean[] flaggedForShilling = new boolean[users];
    List<String> pushed = new ArrayList<>();
    // on a log scale: coherence is positive and skewed, so a cut in raw units can fall below zero
    double[] judged = Arrays.stream(coherence).filter(v -> !Double.isNaN(v)).map(AbuseDetector::logCoherence)
        .sorted().toArray();
    if (judged.length > 0) {
      double logMedian = judged[judged.length / 2];
      double logCut = logMedian - params.maxRobustZ() * 1.4826 * medianAbsoluteDeviation(judged, logMedian);
      double median = Math.exp(logMedian);
      double cut = Math.exp(logCut);
      boolean[] incoherent = new boolean[users];
      for (int u = 0; u < users; u++) {
        incoherent[u] = !Double.isNaN(coherence[u]) && logCoherence(coherence[u]) < logCut;
      }
      for (int i = 0; i < items; i++) {
        int group = count(consumers[i], incoherent);
        if (isGroup(group, consumers[i].length)) {
          pushed.add(data.itemIds().id(i));
          for (int u : consumers[i]) {
            if (incoherent[u] && !flaggedForShilling[u]) {
              flaggedForShilling[u] = true;
              quarantined[u] = true;
              flags.add(new Flag(u, data.userIds().id(u), "shilling", String.format(Locale.ROOT,
                  "coherence %.4f below %.4f (median %.4f); one of %d such users among the %d consumers of item %s",
                  coherence[u], cut, median, group, consumers[i].length, data.itemIds().id(i))));
            }
          }
        }
      }
      unrelatedAudiences(data, consumers, c, flaggedForShilling, quarantined, flags, pushed);
    }
    flags.sort((a, b) -> Integer.compare(a.userIndex(), b.userIndex()));
    return new Report(List.copyOf(flags), quarantined, List.copyOf(pushed), coherence);
  }

  /** The third check: suspect audiences, and their consumers who look like popularity draws. */
  private void unrelatedAudiences(Dataset data, int[][] consumers, Coherence c, boolean[] flaggedForShilling,
      boolean[] quarantined, List<Flag> flags, List<String> pushed) {
    int items = consumers.length;
    double[] lift = c.audienceLift();
    Integer[] bySize = java.util.stream.IntStream.range(0, items)
        .filter(i -> consumers[i].length >= params.minGroup() && !Double.isNaN(lift[i])).boxed()
        .sorted((a, b) -> Integer.compare(consumers[a].length, consumers[b].length)).toArray(Integer[]::new);
    int window = params.audienceWindow();
    if (bySize.length < 2 * window + 1) return; // too few items to know what an audience of a size looks like
    double[] neighbours = new double[2 * window];
    for (int rank = 0; rank < bySize.length; rank++) {
      int item = bySize[rank];
      int from = Math.max(0, Math.min(rank - window, bySize.length - 2 * window - 1));
      int n = 0;
      for (int k = from; k < from + 2 * window + 1; k++) if (k != rank) neighbours[n++] = lift[bySize[k]];
      double[] sorted = neighbours.clone();
      Arrays.sort(sorted);
      double median = sorted[sorted.length / 2];
      double scale = 1.4826 * medianAbsoluteDeviation(sorted, median);
      if (!(scale > 0)) continue;
      double z = (lift[item] - median) / scale;
      if (z >= -params.maxAudienceRobustZ()) continue;
      int group = 0;
      for (int u : consumers[item]) if (c.nullZ()[u] < params.maxNullZ()) group++;
      if (group < params.minGroup() || group < params.minSuspectShare() * consumers[item].length) continue;
      String itemId = data.itemIds().id(item);
      if (!pushed.contains(itemId)) pushed.add(itemId);
      for (int u : consumers[item]) {
        if (c.nullZ()[u] < params.maxNullZ() && !flaggedForShilling[u]) {
          flaggedForShilling[u] = true;
          quarantined[u] = true;
          flags.add(new Flag(u, data.userIds().id(u), "shilling", String.format(Locale.ROOT,
              "profile no more coherent than random popular items (z %.2f); one of %d such users among the %d"
                  + " consumers of item %s, whose audience shares little taste (lift %.3f, %.1f robust sd below"
                  + " items of its size)", c.nullZ()[u], group, consumers[item].length, itemId, lift[item], -z)));
        }
      }
    }
  }

  /** Log of a coherence, with zero (no other user connects any two items of the profile) kept finite. */
  private static double logCoherence(double coherence) {
    return Math.log(coherence + 1e-6);
  }

  private boolean isGroup(int group, int audience) {
    return group >= params.minGroup() && group >= params.minGroupShare() * audience;
  }

  private static int count(int[] users, boolean[] marked) {
    int n = 0;
    for (int u : users) if (marked[u]) n++;
    return n;
  }

  private static double medianAbsoluteDeviation(double[] sorted, double median) {
    double[] deviations = new double[sorted.length];
    for (int k = 0; k < sorted.length; k++) deviations[k] = Math.abs(sorted[k] - median);
    Arrays.sort(deviations);
    return deviations[deviations.length / 2];
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

  private static int[] readerCounts(int[][] profiles, int items) {
    int[] count = new int[items];
    for (int[] p : profiles) for (int i : p) count[i]++;
    return count;
  }

  /**
   * Random profiles drawn in proportion to item popularity, {@code nullSamples} for each size on a geometric grid
   * (ratio 1.25) from {@code minProfile} to the longest profile (at most {@link #MAX_NULL_PROFILE}): what a profile
   * with no taste at all looks like. Sorted and distinct, like real profiles.
   */
  private int[][] nullProfiles(int[][] profiles, int[] degree) {
    int longest = 0;
    for (int[] p : profiles) longest = Math.max(longest, p.length);
    long[] cumulative = new long[degree.length];
    long total = 0;
    int nonEmpty = 0;
    for (int i = 0; i < degree.length; i++) {
      total += degree[i];
      cumulative[i] = total;
      if (degree[i] > 0) nonEmpty++;
    }
    List<int[]> out = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(0x5eed);
    for (int size : nullSizes(Math.min(Math.min(longest, MAX_NULL_PROFILE), nonEmpty / 2))) {
      for (int s = 0; s < params.nullSamples(); s++) {
        java.util.BitSet chosen = new java.util.BitSet(degree.length);
        int n = 0;
        while (n < size) {
          int item = firstAbove(cumulative, (long) (random.nextDouble() * total));
          if (!chosen.get(item)) {
            chosen.set(item);
            n++;
          }
        }
        out.add(chosen.stream().toArray());
      }
    }
    return out.toArray(int[][]::new);
  }

  /** The smallest index whose cumulative sum exceeds x: an item drawn in proportion to its count, never empty. */
  private static int firstAbove(long[] cumulative, long x) {
    int low = 0;
    int high = cumulative.length - 1;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (cumulative[mid] > x) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** Profile sizes the null is drawn for: {@code minProfile}, then ×1.25 (rounded up) to {@code largest}. */
  private int[] nullSizes(int largest) {
    List<Integer> sizes = new ArrayList<>();
    for (int size = params.minProfile(); size <= largest; size = Math.max(size + 1, (int) Math.ceil(size * 1.25))) {
      sizes.add(size);
    }
    return sizes.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * What the item-by-item pass computes.
   *
   * @param users each user's coherence (NaN when the profile is too short)
   * @param nullZ each user's coherence in standard deviations above random popularity-drawn profiles of about
   *     their size (+∞ when too short to judge or when no null could be drawn)
   * @param audienceLift each item's audience lift (NaN for items with fewer than two consumers)
   */
  private record Coherence(double[] users, double[] nullZ, double[] audienceLift) {}

  /**
   * One pass over the items. For item j, the co-occurrence row of j (count and 1/√(profile size)-weighted count)
   * is built from j's consumers' profiles, then read back (1) for every consumer and every random profile holding
   * j: the mean cosine between j and the profile's other items, cosine(j, l) = co-occurrences / √(degree j ×
   * degree l) with the profile itself left out, summed into the profile's coherence; (2) for every consumer u:
   * the summed user-user cosine from u to j's other consumers, Σ over l in u's profile of the weighted row at l,
   * which the audience lift compares with u's summed cosine to all users.
   */
  private Coherence coherence(int[][] profiles, int[][] consumers, int[] degree, int[][] nullProfiles,
      int[][] nullReaders) {
    int users = profiles.length;
    int items = degree.length;
    double[] inverseRoot = new double[users];
    for (int u = 0; u < users; u++) inverseRoot[u] = profiles[u].length == 0 ? 0 : 1 / Math.sqrt(profiles[u].length);
    // cosine from u to every user (itself included) = Σ_{l ∈ u} Σ_{v ∋ l} 1/√(n_u n_v)
    double[] itemWeight = new double[items];
    for (int u = 0; u < users; u++) for (int l : profiles[u]) itemWeight[l] += inverseRoot[u];
    double[] toAll = new double[users];
    for (int u = 0; u < users; u++) {
      double s = 0;
      for (int l : profiles[u]) s += itemWeight[l];
      toAll[u] = (s * inverseRoot[u] - 1) / Math.max(1, users - 1);
    }

    double[] sum = new double[users];
    double[] nullSum = new double[nullProfiles.length];
    double[] lift = new double[items];
    int[] row = new int[items];
    double[] weightedRow = new double[items];
    for (int j = 0; j < items; j++) {
      int[] us = consumers[j];
      lift[j] = Double.NaN;
      if (us.length == 0) continue;
      for (int u : us) {
        for (int l : profiles[u]) {
          row[l]++;
          weightedRow[l] += inverseRoot[u];
        }
      }
      double liftSum = 0;
      int lifted = 0;
      for (int u : us) {
        int[] p = profiles[u];
        if (p.length >= params.minProfile()) sum[u] += meanCosine(j, p, row, degree, 1);
        if (us.length >= 2 && toAll[u] > 0) {
          double s = 0;
          for (int l : p) s += weightedRow[l];
          liftSum += ((s * inverseRoot[u] - 1) / (us.length - 1)) / toAll[u];
          lifted++;
        }
      }
      if (lifted > 0) lift[j] = liftSum / lifted;
      for (int q : nullReaders[j]) nullSum[q] += meanCosine(j, nullProfiles[q], row, degree, 0);
      for (int u : us) {
        for (int l : profiles[u]) {
          row[l] = 0;
          weightedRow[l] = 0;
        }
      }
    }
    double[] coherence = new double[users];
    for (int u = 0; u < users; u++) {
      coherence[u] = profiles[u].length < params.minProfile() ? Double.NaN : sum[u] / profiles[u].length;
    }
    return new Coherence(coherence, nullZ(profiles, coherence, nullProfiles, nullSum), lift);
  }

  /**
   * Mean cosine between item j and the profile's other items, given j's co-occurrence row, leaving out the
   * profile's own {@code self} (1 for a user in the data, 0 for a random profile) co-occurrences: whether
   * <em>other</em> people connect the items. With the user counted, two obscure items that only this profile has
   * would have cosine 1, and a profile of random obscure items would look perfectly coherent.
   */
  private static double meanCosine(int j, int[] profile, int[] row, int[] degree, int self) {
    double s = 0;
    double degreeJ = degree[j] - self;
    if (degreeJ <= 0) return 0;
    for (int l : profile) {
      double degreeL = degree[l] - self;
      if (l != j && degreeL > 0) s += (row[l] - self) / Math.sqrt(degreeJ * degreeL);
    }
    return s / (profile.length - 1);
  }

  /** Each user's coherence against the random profiles of the nearest size (by ratio). */
  private double[] nullZ(int[][] profiles, double[] coherence, int[][] nullProfiles, double[] nullSum) {
    int users = profiles.length;
    double[] z = new double[users];
    Arrays.fill(z, Double.POSITIVE_INFINITY);
    int samples = params.nullSamples();
    int sizes = nullProfiles.length / samples;
    if (sizes == 0) return z;
    int[] size = new int[sizes];
    double[] mean = new double[sizes];
    double[] deviation = new double[sizes];
    for (int s = 0; s < sizes; s++) {
      size[s] = nullProfiles[s * samples].length;
      double m = 0;
      for (int k = 0; k < samples; k++) m += nullSum[s * samples + k] / size[s];
      m /= samples;
      double v = 0;
      for (int k = 0; k < samples; k++) {
        double d = nullSum[s * samples + k] / size[s] - m;
        v += d * d;
      }
      mean[s] = m;
      deviation[s] = Math.sqrt(v / (samples - 1));
    }
    for (int u = 0; u < users; u++) {
      if (Double.isNaN(coherence[u])) continue;
      int best = 0;
      for (int s = 1; s < sizes; s++) {
        if (Math.abs(Math.log((double) size[s] / profiles[u].length))
            < Math.abs(Math.log((double) size[best] / profiles[u].length))) {
          best = s;
        }
      }
      if (deviation[best] > 0) z[u] = (coherence[u] - mean[best]) / deviation[best];
    }
    return z;
  }
}
