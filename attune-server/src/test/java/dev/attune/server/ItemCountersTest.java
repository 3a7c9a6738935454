package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.attune.events.Event;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Popular and trending count users with a positive event, each once per item (and per window). */
class ItemCountersTest {
  private static final long HOUR = 3_600_000L;
  private static final long NOW = 1_780_000_000_000L;

  private static Event play(String user, String item, long timestamp) {
    return new Event(user, item, "play", 1f, timestamp, "music");
  }

  private static Event event(String user, String item, String type, float value) {
    return new Event(user, item, type, value, NOW, "music");
  }

  private static List<String> popular(ItemCounters c) {
    return c.popular(10, i -> true).stream().map(r -> r.itemId() + "=" + r.count()).toList();
  }

  private static List<String> trending(ItemCounters c, int hours) {
    return c.trending(NOW, hours, 10, i -> true).stream().map(r -> r.itemId() + "=" + r.count()).toList();
  }

  @Test
  void oneClientReplayingAnItemCountsOnceAndSkipsDoNotCount() {
    ItemCounters c = new ItemCounters(24);
    List<Event> bot = new ArrayList<>();
    for (int k = 0; k < 1000; k++) bot.add(play("bot", "pushed", NOW - k));
    c.addAll(bot);
    c.addAll(List.of(play("a", "liked", NOW), play("b", "liked", NOW)));
    c.addAll(List.of(event("a", "skipped", "skip", 1f), event("b", "skipped", "dislike", 1f),
        event("c", "skipped", "play", 0.05f))); // a play of 5% of the track is a skip
    assertEquals(List.of("liked=2", "pushed=1"), popular(c));
    assertEquals(List.of("liked=2", "pushed=1"), trending(c, 24));
    assertEquals(0, c.count("skipped"));
  }

  /** The heap of k gives what sorting every item gives: most users first, ties by id, the filter applied. */
  @Test
  void theTopKAreThoseAFullSortGives() {
    ItemCounters c = new ItemCounters(24, () -> NOW);
    Random random = new Random(11);
    List<Event> events = new ArrayList<>();
    int[] users = new int[300];
    for (int i = 0; i < users.length; i++) {
      users[i] = random.nextInt(12); // few distinct counts: many ties
      for (int u = 0; u < users[i]; u++) events.add(play("u" + u, "item" + i, NOW - u));
    }
    c.addAll(events);
    java.util.function.Predicate<String> keep = id -> id.hashCode() % 3 != 0;
    List<ItemCounters.Ranked> sorted = new ArrayList<>();
    for (int i = 0; i < users.length; i++) {
      if (users[i] > 0 && keep.test("item" + i)) sorted.add(new ItemCounters.Ranked("item" + i, users[i]));
    }
    sorted.sort(java.util.Comparator.comparingLong(ItemCounters.Ranked::count).reversed()
        .thenComparing(ItemCounters.Ranked::itemId));
    for (int k : new int[] {1, 7, 50, 1000}) {
      assertEquals(sorted.subList(0, Math.min(k, sorted.size())), c.popular(k, keep), "k=" + k);
      assertEquals(sorted.subList(0, Math.min(k, sorted.size())), c.trending(NOW, 24, k, keep), "k=" + k);
    }
  }

  /** One event stamped hours ahead (accepted up to a day) must not push the last day out of the window. */
  @Test
  void anEventAheadOfTheClockKeepsTheWindow() {
    ItemCounters c = new ItemCounters(24, () -> NOW);
    List<Event> day = new ArrayList<>();
    for (int u = 0; u < 20; u++) day.add(play("u" + u, "x", NOW - u * 3_600_000L));
    c.addAll(day);
    assertEquals(List.of("x=20"), trending(c, 24));
    c.add(play("early", "y", NOW + 23 * 3_600_000L));
    assertEquals(List.of("x=20", "y=1"), trending(c, 24));
  }

  /**
   * Review: a play counted while its item had no length read as a short play once it had one, and a deletion that
   * uncounted only what reads as liked now left the deleted user in popular and trending.
   */
  @Test
  void aDeletedUsersEventsAreUncountedWhateverTheyReadAsNow() {
    boolean[] itemHasALength = {false};
    ItemCounters c = new ItemCounters(24, () -> NOW, e -> !itemHasALength[0]);
    List<Event> theirs = List.of(play("gone", "x", NOW - HOUR));
    c.addAll(theirs);
    c.add(play("stays", "y", NOW - HOUR));
    assertEquals(List.of("x=1", "y=1"), popular(c));
    itemHasALength[0] = true; // the item's length is set: the play now reads as a short one
    c.removeAll(theirs);
    assertEquals(List.of("y=1"), popular(c));
    assertEquals(List.of("y=1"), trending(c, 24));
  }

  @Test
  void aRetriedBatchChangesNothing() {
    ItemCounters c = new ItemCounters(24);
    List<Event> batch = List.of(play("a", "x", NOW), play("b", "x", NOW), event("a", "y", "like", 1f));
    c.addAll(batch);
    List<String> once = popular(c);
    c.addAll(batch);
    assertEquals(once, popular(c));
    assertEquals(List.of("x=2", "y=1"), once);
  }

  @Test
  void trendingCountsEachUserOnceAtTheirLatestHour() {
    ItemCounters c = new ItemCounters(24);
    c.add(play("a", "x", NOW - 20 * HOUR));
    c.add(play("b", "x", NOW - 20 * HOUR));
    c.add(play("a", "x", NOW - HOUR)); // a moves to the latest hour: still one user in the day
    c.add(play("a", "x", NOW - 30 * HOUR)); // older than the window, and older than a's latest
    assertEquals(List.of("x=2"), trending(c, 24));
    assertEquals(List.of("x=1"), trending(c, 2), "only a was active on x in the last two hours");
    assertEquals(List.of("x=2"), popular(c));
  }

  /** The last hour is the last 60 minutes (rounded out), not the clock hour so far. */
  @Test
  void aWindowCoversItsWholeLengthBackFromNow() {
    ItemCounters c = new ItemCounters(24);
    assertEquals(26, NOW % HOUR / 60_000, "NOW is 26 minutes past the hour");
    c.add(play("a", "half-hour-ago", NOW - 30 * 60_000));
    c.add(play("a", "day-ago", NOW - 23 * HOUR - 40 * 60_000)); // 23 h 40 min ago: inside the last 24 hours
    assertEquals(List.of("half-hour-ago=1"), trending(c, 1));
    assertEquals(List.of("day-ago=1", "half-hour-ago=1"), trending(c, 24));
  }

  /** Against a direct count over a random log: every window, every item, deletions included. */
  @Test
  void matchesDistinctUsersCountedDirectly() {
    Random random = new Random(7);
    ItemCounters c = new ItemCounters(24);
    List<Event> log = new ArrayList<>();
    for (int k = 0; k < 3000; k++) {
      String type = random.nextInt(4) == 0 ? "skip" : "play";
      // time moves forward with some jitter, over 60 hours ending at NOW
      long t = NOW - 60 * HOUR + k * (60 * HOUR / 3000) + random.nextLong(-3 * HOUR, 3 * HOUR);
      Event e = new Event("u" + random.nextInt(40), "i" + random.nextInt(15), type, 1f, Math.min(t, NOW), "music");
      log.add(e);
      c.add(e);
    }
    List<Event> deleted = log.stream().filter(e -> e.userId().equals("u3") || e.userId().equals("u17")).toList();
    c.removeAll(deleted);
    List<Event> kept = log.stream().filter(e -> !deleted.contains(e)).toList();
    for (int item = 0; item < 15; item++) {
      String id = "i" + item;
      assertEquals(users(kept, id, Long.MIN_VALUE), c.count(id), id);
      for (int hours : new int[] {1, 5, 24}) {
        long from = Math.floorDiv(NOW - hours * HOUR, HOUR) * HOUR; // rounded out to the clock hour
        long expected = users(kept, id, from);
        long counted = c.trending(NOW, hours, 15, i -> i.equals(id)).stream().mapToLong(ItemCounters.Ranked::count)
            .sum();
        assertEquals(expected, counted, id + " in " + hours + " h");
      }
    }
  }

  private static long users(List<Event> log, String item, long fromMillis) {
    Set<String> users = new HashSet<>();
    for (Event e : log) {
      if (e.itemId().equals(item) && e.type().equals("play") && e.timestamp() >= fromMillis) users.add(e.userId());
    }
    return users.size();
  }

  @Test
  void aDeletedUserStartsAfresh() {
    ItemCounters c = new ItemCounters(24);
    c.addAll(List.of(play("a", "x", NOW), play("b", "x", NOW), play("a", "y", NOW)));
    c.removeAll(List.of(play("a", "x", NOW), play("a", "y", NOW - 1)));
    assertEquals(List.of("x=1"), popular(c));
    assertEquals(List.of("x=1"), trending(c, 24));
    c.add(play("a", "x", NOW)); // the same id coming back counts again
    assertEquals(List.of("x=2"), popular(c));
  }

  @Test
  void pairKeysDifferForSwappedOrNearbyIds() {
    assertNotEquals(ItemCounters.pairKey("u1", 2), ItemCounters.pairKey("u2", 1));
    assertNotEquals(ItemCounters.pairKey("Aa", 0), ItemCounters.pairKey("BB", 0), "equal String.hashCode");
    Set<Long> keys = new HashSet<>();
    for (int u = 0; u < 1000; u++) {
      for (int i = 0; i < 100; i++) keys.add(ItemCounters.pairKey("user" + u, i));
    }
    assertEquals(100_000, keys.size());
  }
}
