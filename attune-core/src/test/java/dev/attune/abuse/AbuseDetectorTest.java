package dev.attune.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.User;
import dev.attune.synth.MusicPlatformGenerator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AbuseDetectorTest {
  private static final int FAKES = 15; // 5% of the users, the usual attack size in the shilling literature

  /**
   * Crowd evidence for 300 users: 15 fakes make a crowd of chance about 10⁻⁵ to 10⁻¹⁰ here (the evidence grows
   * with the crowd; the default 16 is for stores of a thousand users and more).
   */
  private static final AbuseDetector.Params SMALL_STORE = AbuseDetector.Params.DEFAULTS.withShilling(4, 4, 2);

  /**
   * The generated platform (planted genre tastes) plus fake profiles: an existing catalogue item (by index) and
   * random fillers.
   */
  private static Dataset attacked(int realUsers, int targetIndex, boolean asBots) {
    return attacked(realUsers, targetIndex, asBots, false);
  }

  /**
   * As above; with {@code byPopularity} the fillers are drawn in proportion to the items' consumer counts (the
   * "average" attack), so each fake profile looks like an average consumer rather than random noise.
   */
  private static Dataset attacked(int realUsers, int targetIndex, boolean asBots, boolean byPopularity) {
    Dataset d = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL.withUsers(realUsers)).dataset();
    String target = d.itemIds().id(targetIndex);
    int[] eventItems = new int[d.events().size()];
    for (int row = 0; row < eventItems.length; row++) eventItems[row] = d.events().item(row);
    SplittableRandom r = new SplittableRandom(5);
    for (int a = 0; a < FAKES; a++) {
      String user = "fake" + a;
      d.putUser(new User(user, Map.of()));
      Set<String> items = new LinkedHashSet<>();
      items.add(target);
      while (items.size() < 25) {
        int item = byPopularity ? eventItems[r.nextInt(eventItems.length)] : r.nextInt(d.numItems());
        items.add(d.itemIds().id(item));
      }
      long t = 1_700_000_000_000L + r.nextInt(1_000_000_000);
      for (String item : items) {
        d.addEvent(new Event(user, item, "play", 1f, t, "music"));
        t += asBots ? 200 : 3_600_000L + r.nextInt(86_400_000);
      }
    }
    return d;
  }

  /**
   * Checks that at least 90% of the fakes (the last {@link #FAKES} users) and at most 2% of the real users are
   * quarantined, and that {@code target} is named as pushed.
   */
  private static void assertCaught(Dataset d, AbuseDetector.Report report, String target) {
    int real = d.numUsers() - FAKES;
    int caught = 0;
    int wrong = 0;
    for (int u = 0; u < d.numUsers(); u++) {
      if (!report.quarantined()[u]) continue;
      if (u >= real) caught++;
      else wrong++;
    }
    assertTrue(caught >= FAKES * 9 / 10, "fake profiles caught: " + caught + " of " + FAKES + "; " + report.flags());
    assertTrue(wrong <= real / 50, "real users quarantined: " + wrong + " of " + real);
    assertTrue(report.pushedItems().contains(target), "the target is named: " + report.pushedItems());
  }

  @Test
  void injectedProfilesPushingAnItemAreQuarantinedAndFewRealUsersAre() {
    Dataset d = attacked(300, 7, false);
    String target = d.itemIds().id(7);
    AbuseDetector.Report report = new AbuseDetector(SMALL_STORE).detect(d);
    assertCaught(d, report, target);
    assertTrue(report.flags().stream().filter(f -> f.userId().startsWith("fake"))
        .allMatch(f -> f.reason().equals("shilling") && f.detail().contains(target)), report.flags().toString());
  }

  /**
   * Fillers in proportion to popularity look like an average consumer, one by one; the crowd they form on the
   * target is what gives them away.
   */
  @Test
  void profilesOfPopularFillersPushingAnItemAreQuarantinedAsACrowd() {
    Dataset d = attacked(300, 7, false, true);
    AbuseDetector.Report report = new AbuseDetector(SMALL_STORE).detect(d);
    assertCaught(d, report, d.itemIds().id(7));
  }

  /** The ±2 band alone (the one-sided bands out of reach), so this fails if that band's test is wrong. */
  @Test
  void popularFillersFormACrowdOfRandomLookingProfiles() {
    Dataset d = attacked(300, 7, false, true);
    AbuseDetector.Report report = new AbuseDetector(AbuseDetector.Params.DEFAULTS.withShilling(1000, 4, 2)).detect(d);
    assertCaught(d, report, d.itemIds().id(7));
    assertTrue(report.flags().stream().filter(f -> f.userId().startsWith("fake"))
        .allMatch(f -> f.detail().contains("[-2, 2)")), report.flags().toString());
  }

  /** The same attack stays below the default evidence on a small store: the threshold is what decides. */
  @Test
  void aCrowdMustBeUnlikelyEnoughToBeFlagged() {
    Dataset d = attacked(300, 7, false, true);
    AbuseDetector.Report report = new AbuseDetector(AbuseDetector.Params.DEFAULTS.withShilling(40, 40, 2)).detect(d);
    assertEquals(0, report.quarantinedCount(), report.flags().toString());
  }

  /**
   * Real-looking users with coherent (genre) tastes are not flagged, even at the small-store evidence: their
   * profiles sit well above random draws, and no audience is made mostly of taste-less profiles.
   */
  @Test
  void withoutAnAttackNobodyIsFlaggedForShilling() {
    Dataset d = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL).dataset();
    AbuseDetector.Report report = new AbuseDetector(SMALL_STORE).detect(d);
    assertEquals(0, report.flags().stream().filter(f -> f.reason().equals("shilling")).count(), report.toString());
    assertEquals(0, report.pushedItems().size());
    long judged = java.util.Arrays.stream(report.coherence()).filter(c -> !Double.isNaN(c)).count();
    assertTrue(judged > d.numUsers() / 2, "most users are judged, so the check had something to pass: " + judged);
  }

  @Test
  void binomialTailIsExact() {
    assertEquals(0, AbuseDetector.log10BinomialTail(0, 10, 0.3), 1e-12);
    assertEquals(Math.log10(0.125), AbuseDetector.log10BinomialTail(3, 3, 0.5), 1e-12);
    // P(X ≥ 2) for X ~ Binomial(3, 0.5) = 4/8
    assertEquals(Math.log10(0.5), AbuseDetector.log10BinomialTail(2, 3, 0.5), 1e-12);
    // far in the tail, where a normal approximation would be useless: 0.01^50
    assertEquals(-100, AbuseDetector.log10BinomialTail(50, 50, 0.01), 1e-9);
  }

  @Test
  void burstsOfEventsAreFlaggedAsBots() {
    Dataset d = attacked(300, 11, true);
    AbuseDetector.Report report = new AbuseDetector(
        new AbuseDetector.Params(60_000L, 20, 5, 5, 16, 10, 2.0, 24)).detect(d);
    long bots = report.flags().stream().filter(f -> f.reason().equals("burst")).map(AbuseDetector.Flag::userId)
        .filter(id -> id.startsWith("fake")).distinct().count();
    assertEquals(FAKES, bots, "25 events 0.2 s apart exceed 20 per minute for every fake");
    assertTrue(report.flags().stream().filter(f -> f.reason().equals("burst"))
        .allMatch(f -> f.userId().startsWith("fake")), "no real user posts that fast: " + report.flags());
  }

  @Test
  void parametersAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new AbuseDetector.Params(0, 60, 5, 5, 16, 10, 2, 24));
    assertThrows(IllegalArgumentException.class, () -> new AbuseDetector.Params(1000, 60, 1, 5, 16, 10, 2, 24));
    assertThrows(IllegalArgumentException.class, () -> new AbuseDetector.Params(1000, 60, 5, 5, 0, 10, 2, 24));
    assertThrows(IllegalArgumentException.class, () -> new AbuseDetector.Params(1000, 60, 5, 5, 16, 0, 2, 24));
    assertThrows(IllegalArgumentException.class, () -> new AbuseDetector.Params(1000, 60, 5, 5, 16, 10, 2, 3));
  }
}
