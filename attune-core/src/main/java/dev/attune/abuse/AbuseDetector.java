package dev.attune.abuse;

import dev.attune.data.Dataset;
import dev.attune.data.EventLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Flags users to quarantine from training, from the events alone (no labels). Two checks:
 *
 * <ul>
 *   <li><b>burst</b>: more than {@code maxEventsPerWindow} events within any {@code burstWindowMillis} (a bot,
 *       or a script replaying a profile). Only on data with clock times ({@link Dataset.TimeKind#CLOCK}).
 *   <li><b>shilling, taste-less crowd</b>: fake profiles pushing an item share that item and nothing else; their
 *       other items are independent draws (uniform, in proportion to popularity, or from the most popular items).
 *       Each user gets a <em>coherence</em>: for every item of the profile, the mean cosine (item-item
 *       co-occurrence over all users, the user's own co-occurrences left out) between it and the profile's other
 *       items, averaged over the profile. It is compared with that of {@code nullSamples} random profiles of
 *       about the same size drawn in proportion to popularity (the <em>null z</em>: standard deviations above
 *       random). A real taste sits well above random; a fake profile sits near it (popularity-drawn fillers) or
 *       below it (uniform fillers, which nobody else connects). Single users are never flagged on their null z
 *       alone, since some real tastes are eclectic or mainstream; but a pushed item gathers a <em>crowd</em> of
 *       such profiles, and no real audience is made mostly of them. For each item and each of a few <em>bands</em>
 *       of the null z ({@link #CROWD_BANDS}: below 0, below −2, and within ±2, the spread of random draws
 *       themselves), the chance that at least as many of its consumers fall in the band if they were drawn like
 *       the users at large (exact binomial tail, with the band's share among all judged users) is computed; its
 *       −log10 is the item's <em>crowd evidence</em> in that band. An item is pushed when the evidence reaches
 *       {@code minCrowdEvidence} in a one-sided band or {@code minNullLikeEvidence} within ±2, with at least
 *       {@code minGroup} consumers in the band. Items are taken greedily, the one furthest past its threshold
 *       first: its consumers whose null z is below {@code maxNullZ} are flagged, and the evidence of the other
 *       items is recomputed without them (fakes who pushed one item also sit among the consumers of their
 *       fillers; once explained they are not evidence of a second push).
 * </ul>
 *
 * <p>Cost: O(Σ profile²) time over the distinct (user, item) pairs (the random profiles are capped at {@link
 * #MAX_NULL_PROFILE} items), plus O(Σ audience) per pushed item found, and O(users + items) memory beside the
 * dataset. Deterministic (the random profiles come from a fixed seed). Thread-safe (no state).
 */
public final class AbuseDetector {
  /** Largest random profile drawn for the popularity null; longer profiles are compared with this size. */
  public static final int MAX_NULL_PROFILE = 400;

  /**
   * Bands of the null z tested for a crowd, as [low, high): taste-less profiles of any kind (below 0), profiles
   * of uniform fillers (below −2), and profiles indistinguishable from popularity draws (within ±2, the spread of
   * the random profiles themselves, where the "average" attack's fakes fall). The last is judged against {@code
   * minNullLikeEvidence}, the others against {@code minCrowdEvidence}.
   */
  public static final double[][] CROWD_BANDS = {
    {Double.NEGATIVE_INFINITY, 0}, {Double.NEGATIVE_INFINITY, -2}, {-2, 2}
  };

  /**
   * Thresholds.
   *
   * @param burstWindowMillis window of the burst check, &gt; 0
   * @param maxEventsPerWindow most events a person plausibly makes within the window, &gt; 0
   * @param minGroup fewest consumers in the band that make an item pushed, &ge; 2
   * @param minProfile profiles shorter than this are never judged (too little evidence), &ge; 2
   * @param minCrowdEvidence −log10 of the binomial chance of an item's consumers below 0 or −2 null z, above
   *     which the item is pushed, &gt; 0. The evidence grows with the crowd, so this is a property of the store's
   *     size: 16 (a chance below 10⁻¹⁶) was chosen on MovieLens-100K, where untouched audiences reach about
   *     10⁻¹⁵, and fits stores of about a thousand users and more; a small store needs a lower one
   * @param minNullLikeEvidence the same for consumers within ±2 null z, &gt; 0: lower (10), since real audiences
   *     stray less in this band (untouched MovieLens-100K audiences reach about 10⁻⁹; at 9 one of them was taken
   *     for a push in 3 of 20 runs)
   * @param maxNullZ consumers of a pushed item (crowd check) are flagged when their coherence is less than this
   *     many standard deviations above that of random popularity-drawn profiles of their size
   * @param nullSamples random profiles drawn per size, &ge; 4
   */
  public record Params(long burstWindowMillis, int maxEventsPerWindow, int minGroup, int minProfile,
      double minCrowdEvidence, double minNullLikeEvidence, double maxNullZ, int nullSamples) {
    /**
     * One minute and 60 events; crowds of at least 5 at a chance below 10⁻¹⁶ (10⁻¹⁰ within ±2 null z);
     * profiles of 5; null z below 2 with 24 random profiles per size.
     */
    public static final Params DEFAULTS = new Params(60_000L, 60, 5, 5, 16, 10, 2.0, 24);

    /** Checks the ranges. */
    public Params {
      if (burstWindowMillis <= 0 || maxEventsPerWindow <= 0 || minGroup < 2 || minProfile < 2
          || !(minCrowdEvidence > 0) || !(minNullLikeEvidence > 0) || !Double.isFinite(maxNullZ)
          || nullSamples < 4) {
        throw new IllegalArgumentException("invalid abuse detection parameters: " + this);
      }
    }

    /** These thresholds with the given shilling thresholds (the burst check and sample counts unchanged). */
    public Params withShilling(double minCrowdEvidence, double minNullLikeEvidence, double maxNullZ) {
      return new Params(burstWindowMillis, maxEventsPerWindow, minGroup, minProfile, minCrowdEvidence,
          minNullLikeEvidence, maxNullZ, nullSamples);
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
    tastelessCrowds(data, consumers, c.nullZ(), flaggedForShilling, quarantined, flags, pushed);
    flags.sort((a, b) -> Integer.compare(a.userIndex(), b.userIndex()));
    return new Report(List.copyOf(flags), quarantined, List.copyOf(pushed), coherence);
  }

  /** The shilling check: items whose consumers are a crowd of taste-less profiles, the strongest first. */
  private void tastelessCrowds(Dataset data, int[][] consumers, double[] nullZ, boolean[] flaggedForShilling,
      boolean[] quarantined, List<Flag> flags, List<String> pushed) {
    int items = consumers.length;
    int bands = CROWD_BANDS.length;
    // each band's share among the judged users: what an audience drawn like the users at large would hold
    double[] base = new double[bands];
    int judged = 0;
    for (double z : nullZ) {
      if (!Double.isFinite(z)) continue;
      judged++;
      for (int b = 0; b < bands; b++) if (inBand(z, b)) base[b]++;
    }
    if (judged == 0) return;
    double[] threshold = new double[bands];
    for (int b = 0; b < bands; b++) {
      base[b] = Math.min(1 - 1e-9, Math.max(1.0 / judged, base[b] / judged));
      threshold[b] = CROWD_BANDS[b][0] == Double.NEGATIVE_INFINITY ? params.minCrowdEvidence()
          : params.minNullLikeEvidence();
    }
    boolean[] explained = new boolean[nullZ.length];
    boolean[] done = new boolean[items];
    while (true) {
      int best = -1;
      int bestBand = -1;
      double bestEvidence = 0;
      double bestExcess = 0;
      for (int i = 0; i < items; i++) {
        if (done[i] || consumers[i].length < params.minGroup()) continue;
        for (int b = 0; b < bands; b++) {
          int m = 0;
          int k = 0;
          for (int u : consumers[i]) {
            if (explained[u] || !Double.isFinite(nullZ[u])) continue;
            m++;
            if (inBand(nullZ[u], b)) k++;
          }
          if (k < params.minGroup()) continue;
          double evidence = -log10BinomialTail(k, m, base[b]);
          if (evidence - threshold[b] >= bestExcess) {
            best = i;
            bestBand = b;
            bestEvidence = evidence;
            bestExcess = evidence - threshold[b];
          }
        }
      }
      if (best < 0) return;
      done[best] = true;
      String itemId = data.itemIds().id(best);
      if (!pushed.contains(itemId)) pushed.add(itemId);
      int crowd = 0;
      for (int u : consumers[best]) if (!explained[u] && inBand(nullZ[u], bestBand)) crowd++;
      for (int u : consumers[best]) {
        if (explained[u] || !(nullZ[u] < params.maxNullZ())) continue;
        explained[u] = true;
        if (flaggedForShilling[u]) continue;
        flaggedForShilling[u] = true;
        quarantined[u] = true;
        flags.add(new Flag(u, data.userIds().id(u), "shilling", String.format(Locale.ROOT,
            "profile no more coherent than random popular items (null z %.2f); one of a crowd of %d among the %d"
                + " consumers of item %s with null z in [%.0f, %.0f), a chance of 1e-%.1f for users at large",
            nullZ[u], crowd, consumers[best].length, itemId, CROWD_BANDS[bestBand][0], CROWD_BANDS[bestBand][1],
            bestEvidence)));
      }
    }
  }

  private static boolean inBand(double nullZ, int band) {
    return nullZ >= CROWD_BANDS[band][0] && nullZ < CROWD_BANDS[band][1];
  }

  /** log10 P(X ≥ k) for X ~ Binomial(m, p), 0 &lt; p &lt; 1, summed in log space (exact, no normal approximation). */
  static double log10BinomialTail(int k, int m, double p) {
    if (k <= 0) return 0;
    double logP = Math.log(p);
    double logQ = Math.log1p(-p);
    double logChoose = logFactorial(m) - logFactorial(k) - logFactorial(m - k);
    double max = Double.NEGATIVE_INFINITY;
    double[] terms = new double[m - k + 1];
    for (int x = k; x <= m; x++) {
      if (x > k) logChoose += Math.log((double) (m - x + 1) / x); // C(m, x) from C(m, x − 1)
      terms[x - k] = logChoose + x * logP + (m - x) * logQ;
      max = Math.max(max, terms[x - k]);
    }
    double sum = 0;
    for (double t : terms) sum += Math.exp(t - max);
    return (max + Math.log(sum)) / Math.log(10);
  }

  private static double logFactorial(int n) {
    double s = 0;
    for (int i = 2; i <= n; i++) s += Math.log(i);
    return s;
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
   */
  private record Coherence(double[] users, double[] nullZ) {}

  /**
   * One pass over the items. For item j, the co-occurrence row of j is built from j's consumers' profiles, then
   * read back for every consumer and every random profile holding j: the mean cosine between j and the profile's
   * other items, cosine(j, l) = co-occurrences / √(degree j × degree l) with the profile itself left out, summed
   * into the profile's coherence.
   */
  private Coherence coherence(int[][] profiles, int[][] consumers, int[] degree, int[][] nullProfiles,
      int[][] nullReaders) {
    int users = profiles.length;
    int items = degree.length;
    double[] sum = new double[users];
    double[] nullSum = new double[nullProfiles.length];
    int[] row = new int[items];
    for (int j = 0; j < items; j++) {
      int[] us = consumers[j];
      if (us.length == 0) continue;
      for (int u : us) for (int l : profiles[u]) row[l]++;
      for (int u : us) {
        if (profiles[u].length >= params.minProfile()) sum[u] += meanCosine(j, profiles[u], row, degree, 1);
      }
      for (int q : nullReaders[j]) nullSum[q] += meanCosine(j, nullProfiles[q], row, degree, 0);
      for (int u : us) for (int l : profiles[u]) row[l] = 0;
    }
    double[] coherence = new double[users];
    for (int u = 0; u < users; u++) {
      coherence[u] = profiles[u].length < params.minProfile() ? Double.NaN : sum[u] / profiles[u].length;
    }
    return new Coherence(coherence, nullZ(profiles, coherence, nullProfiles, nullSum));
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
