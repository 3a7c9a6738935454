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
 *       or a script replaying a profile). Only on data with clock times ({@link Dataset.TimeKind#CLOCK}), and
 *       only over events with a time: time 0 ({@link #UNKNOWN_TIME}) is how ratings imported without time arrive
 *       (every event of a user at one instant), which says nothing about how fast anyone acted; nor do sequence
 *       positions stored as times ({@link Dataset#FIRST_CLOCK_TIME}: a long s3rec history looked like 72 events
 *       within a minute, and 87 of Beauty's real users were flagged so).
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
 *       themselves), the chance that at least as many of its consumers fall in the band if each were drawn
 *       like the other users <em>of about their profile size</em> (exact binomial tail with the audience's mean
 *       expected share; the item's own audience left out of the shares it is judged by) is computed; its −log10
 *       is the item's <em>crowd evidence</em> in that band. The evidence grows with the audience, so on a large
 *       store a real audience only mildly richer in such profiles than the store reaches any threshold (on
 *       MovieLens-1M, 6,040 users, real items reached 10⁻³⁰); a push, though, makes its fakes <em>most</em> of the
 *       audience. So the <em>crowd share</em> is required as well: the share w of the audience an all-in-band crowd
 *       would have to be, w = (share − p) / (1 − p) from the Wilson lower bound of the band's share (2 standard
 *       deviations) and the expected share p; it does not grow with the audience. An item is pushed when the
 *       evidence reaches {@code minCrowdEvidence} in a one-sided band or {@code minNullLikeEvidence} within ±2,
 *       the crowd share reaches {@code minCrowdShare}, the band's share is at least {@link #MIN_CROWD_LIFT} times
 *       the expected one (a band holding most users of those sizes cannot single out a crowd), and at least {@code
 *       minGroup} consumers are in the band.
 *       Items are taken greedily, the one furthest past its evidence threshold first: its consumers whose null z
 *       is below {@code maxNullZ} are flagged, and the other items are judged again without them (fakes who
 *       pushed one item also sit among the consumers of their fillers; once explained they are not evidence of a
 *       second push). Not caught, by design: a push on an item whose own audience stays the larger part (there
 *       the fakes move the item least), and fakes whose profiles hang together like real tastes (null z of 2 and
 *       more).
 * </ul>
 *
 * <p>Cost: O(Σ profile²) time over the distinct (user, item) pairs (the random profiles are capped at {@link
 * #MAX_NULL_PROFILE} items), plus O(Σ audience + items × size classes) per pushed item found, and O(users +
 * items) memory beside the dataset. Deterministic (the random profiles come from a fixed seed). Thread-safe (no
 * state).
 */
public final class AbuseDetector {
  /** The time of an event whose time is not known (ratings imported without time); never part of a burst. */
  public static final long UNKNOWN_TIME = 0L;
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
   *     which the item may be pushed, &gt; 0. The evidence grows with the crowd: 16 (a chance below 10⁻¹⁶) was
   *     chosen on MovieLens-100K and fits stores of about a thousand users and more; a small store needs a lower
   *     one. On its own it is not enough on large stores, hence {@code minCrowdShare}
   * @param minNullLikeEvidence the same for consumers within ±2 null z, &gt; 0: lower (10), since real audiences
   *     stray less in this band (at 9, before the crowd share, a real MovieLens-100K item was taken for a push in
   *     3 of 20 runs)
   * @param minCrowdShare least share of the audience the crowd must make up (the mixture weight w from the
   *     Wilson lower bound, see the class comment), in [0, 1): 0.4, chosen on MovieLens-100K between its real
   *     items past the evidence thresholds (at most 0.29 in diagnostic runs) and pushed items (0.47 and up); 0
   *     turns the requirement off
   * @param maxNullZ consumers of a pushed item (crowd check) are flagged when their coherence is less than this
   *     many standard deviations above that of random popularity-drawn profiles of their size
   * @param nullSamples random profiles drawn per size, &ge; 4
   */
  public record Params(long burstWindowMillis, int maxEventsPerWindow, int minGroup, int minProfile,
      double minCrowdEvidence, double minNullLikeEvidence, double minCrowdShare, double maxNullZ,
      int nullSamples) {
    /**
     * One minute and 60 events; crowds of at least 5 at a chance below 10⁻¹⁶ (10⁻¹⁰ within ±2 null z) that make
     * up at least 40% of the audience; profiles of 5; null z below 2 with 24 random profiles per size.
     */
    public static final Params DEFAULTS = new Params(60_000L, 60, 5, 5, 16, 10, 0.4, 2.0, 24);

    /** Checks the ranges. */
    public Params {
      if (burstWindowMillis <= 0 || maxEventsPerWindow <= 0 || minGroup < 2 || minProfile < 2
          || !(minCrowdEvidence > 0) || !(minNullLikeEvidence > 0) || !(minCrowdShare >= 0 && minCrowdShare < 1)
          || !Double.isFinite(maxNullZ) || nullSamples < 4) {
        throw new IllegalArgumentException("invalid abuse detection parameters: " + this);
      }
    }

    /** These thresholds with the given shilling thresholds (the crowd share, burst check and samples unchanged). */
    public Params withShilling(double minCrowdEvidence, double minNullLikeEvidence, double maxNullZ) {
      return withShilling(minCrowdEvidence, minNullLikeEvidence, minCrowdShare, maxNullZ);
    }

    /** These thresholds with the given shilling thresholds, the crowd share included. */
    public Params withShilling(double minCrowdEvidence, double minNullLikeEvidence, double minCrowdShare,
        double maxNullZ) {
      return new Params(burstWindowMillis, maxEventsPerWindow, minGroup, minProfile, minCrowdEvidence,
          minNullLikeEvidence, minCrowdShare, maxNullZ, nullSamples);
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
    int[] profileSize = new int[users];
    for (int u = 0; u < users; u++) profileSize[u] = profiles[u].length;
    tastelessCrowds(data, consumers, profileSize, c.nullZ(), flaggedForShilling, quarantined, flags, pushed);
    flags.sort((a, b) -> Integer.compare(a.userIndex(), b.userIndex()));
    return new Report(List.copyOf(flags), quarantined, List.copyOf(pushed), coherence);
  }

  /** The shilling check: items whose consumers are a crowd of taste-less profiles, the strongest first. */
  private void tastelessCrowds(Dataset data, int[][] consumers, int[] profileSize, double[] nullZ,
      boolean[] flaggedForShilling, boolean[] quarantined, List<Flag> flags, List<String> pushed) {
    int items = consumers.length;
    int bands = CROWD_BANDS.length;
    SizeClasses classes = sizeClasses(profileSize, nullZ);
    if (classes == null) return;
    int classCount = classes.users().length;
    double[] threshold = new double[bands];
    for (int b = 0; b < bands; b++) {
      threshold[b] = CROWD_BANDS[b][0] == Double.NEGATIVE_INFINITY ? params.minCrowdEvidence()
          : params.minNullLikeEvidence();
    }
    boolean[] explained = new boolean[nullZ.length];
    boolean[] done = new boolean[items];
    // per item: its judged consumers per size class (all, and not yet explained), and those in each band
    int[] audienceInClass = new int[classCount];
    int[][] audienceInClassAndBand = new int[bands][classCount];
    int[] currentInClass = new int[classCount];
    int[] currentInBand = new int[bands];
    while (true) {
      int best = -1;
      int bestBand = -1;
      double bestEvidence = 0;
      double bestExcess = 0;
      for (int i = 0; i < items; i++) {
        if (done[i] || consumers[i].length < params.minGroup()) continue;
        Arrays.fill(audienceInClass, 0);
        Arrays.fill(currentInClass, 0);
        Arrays.fill(currentInBand, 0);
        for (int[] row : audienceInClassAndBand) Arrays.fill(row, 0);
        int m = 0;
        int audience = 0;
        for (int u : consumers[i]) {
          if (!Double.isFinite(nullZ[u])) continue;
          int c = classes.of()[u];
          audience++;
          audienceInClass[c]++;
          for (int b = 0; b < bands; b++) if (inBand(nullZ[u], b)) audienceInClassAndBand[b][c]++;
          if (explained[u]) continue;
          m++;
          currentInClass[c]++;
          for (int b = 0; b < bands; b++) if (inBand(nullZ[u], b)) currentInBand[b]++;
        }
        if (m < params.minGroup()) continue;
        for (int b = 0; b < bands; b++) {
          int k = currentInBand[b];
          if (k < params.minGroup()) continue;
          double p = expectedShare(classes, b, audience, audienceInClass, audienceInClassAndBand[b], currentInClass)
              / m;
          double evidence = -log10BinomialTail(k, m, p);
          double share = crowdShareLower(k, m, p);
          if (evidence < threshold[b] || share < params.minCrowdShare()
              || wilsonLower(k, m, CROWD_SHARE_Z) < MIN_CROWD_LIFT * p) {
            continue;
          }
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
                + " consumers of item %s with null z in [%.0f, %.0f), a chance of 1e-%.1f for users of their"
                + " profile sizes",
            nullZ[u], crowd, consumers[best].length, itemId, CROWD_BANDS[bestBand][0], CROWD_BANDS[bestBand][1],
            bestEvidence)));
      }
    }
  }

  /** Ratio between the bounds of consecutive profile-size classes of {@link #sizeClasses}. */
  static final double SIZE_CLASS_RATIO = 1.5;

  /** Weight, in users, of the overall band share in each size class's share (for thin classes). */
  static final double SIZE_CLASS_PRIOR = 20;

  /**
   * Judged users by profile size.
   *
   * @param of each user's class (0 when not judged)
   * @param users judged users per class
   * @param inBand judged users per band and class whose null z falls in the band
   * @param judged judged users
   * @param judgedInBand judged users per band in the band
   */
  private record SizeClasses(int[] of, int[] users, int[][] inBand, int judged, int[] judgedInBand) {}

  /**
   * Classes of profile size growing by {@link #SIZE_CLASS_RATIO} from {@code minProfile}. Why: the null z
   * drifts with profile size (profiles longer than {@link #MAX_NULL_PROFILE} are compared with shorter random
   * ones, and heavy users cover the niche), so items watched by heavy users have audiences rich in low null z
   * for no fault of theirs; against the overall share, such real items looked like pushes on MovieLens-1M (among
   * its users with 600–1,000 items, 72% had a null z below 0, against 15% overall). Null when nobody is judged.
   */
  private SizeClasses sizeClasses(int[] profileSize, double[] nullZ) {
    int bands = CROWD_BANDS.length;
    int users = nullZ.length;
    int[] of = new int[users];
    int count = 0;
    int judged = 0;
    for (int u = 0; u < users; u++) {
      if (!Double.isFinite(nullZ[u])) continue;
      judged++;
      of[u] = Math.max(0, (int) Math.floor(Math.log((double) profileSize[u] / params.minProfile())
          / Math.log(SIZE_CLASS_RATIO)));
      count = Math.max(count, of[u] + 1);
    }
    if (judged == 0) return null;
    int[] inClass = new int[count];
    int[][] inBand = new int[bands][count];
    int[] judgedInBand = new int[bands];
    for (int u = 0; u < users; u++) {
      if (!Double.isFinite(nullZ[u])) continue;
      inClass[of[u]]++;
      for (int b = 0; b < bands; b++) {
        if (inBand(nullZ[u], b)) {
          inBand[b][of[u]]++;
          judgedInBand[b]++;
        }
      }
    }
    return new SizeClasses(of, inClass, inBand, judged, judgedInBand);
  }

  /**
   * How many of an item's current (judged, not yet explained) consumers would fall in band {@code b} if each
   * were drawn like the <em>other</em> users of their profile size: the item's whole audience is left out of the
   * class shares, so a crowd (fakes often share one profile size) cannot raise the expectation it is judged by.
   * Each class share is shrunk toward the overall one (also without the audience) with {@link
   * #SIZE_CLASS_PRIOR} users' weight, since heavy-user classes are thin.
   */
  private static double expectedShare(SizeClasses classes, int b, int audience, int[] audienceInClass,
      int[] audienceInClassAndBand, int[] currentInClass) {
    double others = Math.max(1, classes.judged() - audience);
    double overall = Math.max(1 / others, (classes.judgedInBand()[b]
        - Arrays.stream(audienceInClassAndBand).sum()) / others);
    double sum = 0;
    for (int c = 0; c < currentInClass.length; c++) {
      if (currentInClass[c] == 0) continue;
      double share = (classes.inBand()[b][c] - audienceInClassAndBand[c] + SIZE_CLASS_PRIOR * overall)
          / (classes.users()[c] - audienceInClass[c] + SIZE_CLASS_PRIOR);
      sum += currentInClass[c] * Math.min(1 - 1e-9, Math.max(1 / others, share));
    }
    return sum;
  }

  /**
   * Least lift of a crowd's band: the Wilson lower bound of the band's share must be at least this many times the
   * expected share p. A crowd all in the band lifts the share to at most 1/p, so a band that holds most users of
   * those profile sizes cannot single out a crowd: on Beauty (S3-Rec, 5 to 10 items a user) about 60% of users sit
   * within ±2 null z, and real items reached w of 0.42-0.68 there (lift at most 1.53), as much as pushes on
   * MovieLens-100K (w from 0.47, lift from 2.03).
   */
  static final double MIN_CROWD_LIFT = 1.6;

  /** Standard deviations of the Wilson bound of {@link #crowdShareLower}. */
  static final double CROWD_SHARE_Z = 2;

  /**
   * How much of an audience a crowd must make up: if the audience were a mixture of a share w of profiles all in
   * the band and 1 − w drawn like users of their sizes (band share p), the band's share would be w + (1 − w) p,
   * so w = (share − p) / (1 − p). Computed from the Wilson lower bound of the share ({@link #CROWD_SHARE_Z}
   * standard deviations), so a handful of consumers cannot make a crowd by chance. Unlike the binomial evidence
   * this does not grow with the audience: a large real audience with a mild skew has a huge evidence but a small
   * w, a pushed item's audience is mostly its fakes.
   */
  static double crowdShareLower(int k, int m, double p) {
    return (wilsonLower(k, m, CROWD_SHARE_Z) - p) / (1 - p);
  }

  /** Wilson score lower bound of a share k/m at z standard deviations. */
  static double wilsonLower(int k, int m, double z) {
    double p = (double) k / m;
    double z2 = z * z;
    return (p + z2 / (2.0 * m) - z * Math.sqrt(p * (1 - p) / m + z2 / (4.0 * m * m))) / (1 + z2 / m);
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
    return without(data, report.quarantined());
  }

  /**
   * {@code data} without the users named (their profiles and events): a later copy of the data than the one a
   * report was made on, whose user indices differ.
   */
  public static Dataset withoutUsers(Dataset data, java.util.Set<String> userIds) {
    boolean[] left = new boolean[data.numUsers()];
    for (String id : userIds) {
      int u = data.userIds().indexOf(id);
      if (u >= 0) left[u] = true;
    }
    return without(data, left);
  }

  private static Dataset without(Dataset data, boolean[] left) {
    Dataset out = new Dataset(data.name(), data.timeKind());
    for (String scene : data.repeatScenes()) out.allowRepeats(scene);
    for (int u = 0; u < data.numUsers(); u++) {
      if (!left[u]) out.putUser(data.user(u));
    }
    for (int i = 0; i < data.numItems(); i++) out.putItem(data.item(i));
    EventLog log = data.events();
    for (int r = 0; r < log.size(); r++) {
      if (!left[log.user(r)]) out.addEvent(data.event(log, r));
    }
    EventLog test = data.givenTest();
    for (int r = 0; test != null && r < test.size(); r++) {
      if (!left[test.user(r)]) out.addGivenTestEvent(data.event(test, r));
    }
    return out;
  }

  private void burst(Dataset data, EventLog log, List<Flag> flags, boolean[] quarantined) {
    int users = data.numUsers();
    long[][] times = new long[users][];
    int[] count = new int[users];
    for (int r = 0; r < log.size(); r++) {
      if (log.time(r) >= Dataset.FIRST_CLOCK_TIME) count[log.user(r)]++;
    }
    for (int u = 0; u < users; u++) times[u] = new long[count[u]];
    Arrays.fill(count, 0);
    for (int r = 0; r < log.size(); r++) {
      if (log.time(r) >= Dataset.FIRST_CLOCK_TIME) times[log.user(r)][count[log.user(r)]++] = log.time(r);
    }
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
