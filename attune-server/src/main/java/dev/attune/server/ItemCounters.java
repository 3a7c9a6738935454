package dev.attune.server;

import com.carrotsearch.hppc.LongHashSet;
import com.carrotsearch.hppc.LongLongHashMap;
import com.carrotsearch.hppc.ObjectIntHashMap;
import dev.attune.events.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Live audience counts per item: all-time (for {@code /v1/popular} and the last fallback) and per hour (for
 * {@code /v1/trending} over a window). An item's count is the number of distinct users with a positive event on it
 * (weight above 0 under {@link ModelTrainer#WEIGHTS}): a skip, a dislike or a short play does not make an item
 * popular, and one client replaying an item a thousand times counts once, as does a retried batch. Trending counts
 * each user at the hour of their latest positive event on the item, so a window holds every user active on the item
 * in it exactly once. Updated on every committed event; built from the store at start. Scenes are the items' own
 * (callers filter with the catalogue), so an event logged without a scene still counts for its item. A deleted
 * item keeps its counts, left out by that filter: its events stay in the store, so an event that makes it an item
 * again finds it with its earlier audience, as the counts built from the store at the next start would.
 *
 * <p>Users are remembered as 64-bit hashes of (user id, item), 8-16 bytes per pair counted (all-time) plus as much
 * again per pair active in the trending window; two users whose hashes collide on an item would count once, which
 * at 64 bits does not happen in practice.
 *
 * <p>Thread-safe: writers take one lock per batch; readers see the counts without locking. A ranking costs
 * O(counted items · log k).
 */
final class ItemCounters {
  private static final long HOUR = 3_600_000L;
  private static final long NO_HOUR = Long.MIN_VALUE;

  /** Whether an event says its user wants the item ({@link Catalog#likes}). */
  private final Predicate<Event> liked;
  /** item → distinct users with a positive event on it. */
  private final ConcurrentHashMap<String, LongAdder> total = new ConcurrentHashMap<>();
  /**
   * hour → item → users whose latest positive event on the item falls in that hour; hours older than the window are
   * dropped as new hours arrive.
   */
  private final ConcurrentHashMap<Long, ConcurrentHashMap<String, LongAdder>> hourly = new ConcurrentHashMap<>();
  private final int windowHours;

  // the (user, item) pairs behind the counts; guarded by this
  /** Pairs counted in {@link #total}. */
  private final LongHashSet counted = new LongHashSet();
  /** Pair → the hour it is counted in within {@link #hourly} (pairs whose hour left the window are pruned). */
  private final LongLongHashMap latestHour = new LongLongHashMap();
  /** Item id → its number in pair keys. */
  private final ObjectIntHashMap<String> itemNumbers = new ObjectIntHashMap<>();
  private int nextItemNumber;
  /**
   * The newest hour seen, up to the clock's; hours before {@code newestHour - windowHours} are neither kept nor
   * counted.
   */
  private long newestHour = NO_HOUR;

  /** The time now, in milliseconds: hours are dropped from the window by the clock, never by an event's own time. */
  private final java.util.function.LongSupplier clock;

  /** Counters that read every play as a full one (items of unknown length); tests. */
  ItemCounters(int windowHours) {
    this(windowHours, System::currentTimeMillis);
  }

  ItemCounters(int windowHours, java.util.function.LongSupplier clock) {
    this(windowHours, clock, new Catalog()::likes); // no item, so no length: a play is a play
  }

  /**
   * @param liked whether an event counts ({@link Catalog#likes}: a play's seconds read against the item's length,
   *     so a short play does not make an item popular)
   */
  ItemCounters(int windowHours, java.util.function.LongSupplier clock, Predicate<Event> liked) {
    this.windowHours = windowHours;
    this.clock = clock;
    this.liked = liked;
  }

  /** Counts one event (nothing when it is not positive or its user already counts for its item). */
  synchronized void add(Event e) {
    count(e);
  }

  /** Counts a committed batch under one lock; events stored before (a retried batch) change nothing. */
  synchronized void addAll(List<Event> events) {
    for (Event e : events) count(e);
  }

  /** Whether an event says its user wants the item (a skip, a dislike or a short play does not). */
  private boolean positive(Event e) {
    return liked.test(e);
  }

  /** Users whose events are not counted (quarantined by the latest abuse review); guarded by this. */
  private java.util.Set<String> excluded = java.util.Set.of();

  /**
   * Counts no event of {@code users} from now on and uncounts theirs counted before ({@code eventsOf}: a user's
   * stored events); users excluded before and not now are counted again from their events. Pushed items must not
   * stay popular or trending on the strength of a quarantined crowd.
   */
  void exclude(java.util.Set<String> users, java.util.function.Function<String, List<Event>> eventsOf) {
    java.util.Set<String> before;
    synchronized (this) {
      // first, so that an event of theirs committed from now on is not counted; the store is read outside the lock
      before = excluded;
      excluded = java.util.Set.copyOf(users);
    }
    for (String u : users) {
      if (before.contains(u)) continue;
      List<Event> events = eventsOf.apply(u); // every event counted before, and perhaps some never counted: harmless
      removeAll(events);
    }
    for (String u : before) {
      if (users.contains(u)) continue;
      List<Event> events = eventsOf.apply(u);
      addAll(events); // a pair counted meanwhile counts once
    }
  }

  private void count(Event e) {
    if (!positive(e) || excluded.contains(e.userId())) return;
    long pair = pairKey(e.userId(), itemNumber(e.itemId()));
    if (counted.add(pair)) counter(total, e.itemId()).increment();
    long hour = Math.floorDiv(e.timestamp(), HOUR);
    // an event stamped ahead of the clock (up to a day is accepted) counts at its hour, but moves the window only as
    // far as now: it must not push the last day's hours out of /v1/trending
    long windowEnd = Math.min(hour, Math.floorDiv(clock.getAsLong(), HOUR));
    if (windowEnd > newestHour) advanceTo(windowEnd);
    if (hour < newestHour - windowHours) return; // older than any trending window
    long previous = latestHour.getOrDefault(pair, NO_HOUR);
    if (previous >= hour) return; // already counted at this hour or a later one
    if (previous != NO_HOUR) uncount(previous, e.itemId());
    latestHour.put(pair, hour);
    counter(hourly.computeIfAbsent(hour, h -> new ConcurrentHashMap<>()), e.itemId()).increment();
  }

  /**
   * The item's counter, made when missing. A lookup first: {@code computeIfAbsent} alone locks the key's bin
   * whenever the key is not the bin's first.
   */
  private static LongAdder counter(ConcurrentHashMap<String, LongAdder> counts, String itemId) {
    LongAdder c = counts.get(itemId);
    return c != null ? c : counts.computeIfAbsent(itemId, i -> new LongAdder());
  }

  private void uncount(long hour, String itemId) {
    var items = hourly.get(hour);
    LongAdder c = items == null ? null : items.get(itemId);
    if (c != null) c.decrement();
  }

  /**
   * Uncounts the events of a deleted user, counted before, so they no longer shape popular and trending; the same
   * user id coming back counts afresh. Every event's pair, whether it reads as liked now or not: a play counted when
   * its item had no length reads as a short play once the item has one, and must still be uncounted (a review).
   */
  synchronized void removeAll(List<Event> events) {
    for (Event e : events) {
      if (!itemNumbers.containsKey(e.itemId())) continue;
      long pair = pairKey(e.userId(), itemNumbers.get(e.itemId()));
      if (counted.remove(pair)) {
        LongAdder t = total.get(e.itemId());
        if (t != null) t.decrement();
      }
      long hour = latestHour.getOrDefault(pair, NO_HOUR);
      if (hour != NO_HOUR) {
        latestHour.remove(pair);
        uncount(hour, e.itemId());
      }
    }
  }

  private void advanceTo(long hour) {
    newestHour = hour;
    long oldest = hour - windowHours;
    if (hourly.keySet().removeIf(h -> h < oldest)) latestHour.removeAll((pair, h) -> h < oldest);
  }

  /** The item's number of users (0 for an unknown item). */
  long count(String itemId) {
    LongAdder c = total.get(itemId);
    return c == null ? 0 : c.sum();
  }

  /** The k items with most users that pass {@code keep}, most first (ties by id). */
  List<Ranked> popular(int k, Predicate<String> keep) {
    TopK top = new TopK(k);
    for (var c : total.entrySet()) top.offer(c.getKey(), c.getValue().sum(), keep);
    return top.ranked();
  }

  /**
   * The k items with most users active on them in the {@code hours} (at most the window) ending at {@code
   * nowMillis} that pass {@code keep}, most first. The counts are per clock hour, so the window is rounded out to
   * the start of the hour holding {@code nowMillis - hours}: nothing in the last {@code hours} hours is left out,
   * and up to an hour more may count.
   */
  List<Ranked> trending(long nowMillis, int hours, int k, Predicate<String> keep) {
    long from = Math.floorDiv(nowMillis - Math.min(hours, windowHours) * HOUR, HOUR);
    Map<String, Long> counts = new HashMap<>();
    for (var h : hourly.entrySet()) {
      if (h.getKey() < from) continue;
      for (var c : h.getValue().entrySet()) counts.merge(c.getKey(), c.getValue().sum(), Long::sum);
    }
    TopK top = new TopK(k);
    for (var e : counts.entrySet()) top.offer(e.getKey(), e.getValue(), keep);
    return top.ranked();
  }

  /** An item and its number of users. */
  record Ranked(String itemId, long count) {}

  /** Most users first, then by id. */
  private static final Comparator<Ranked> BEST_FIRST =
      Comparator.comparingLong(Ranked::count).reversed().thenComparing(Ranked::itemId);

  /**
   * The k best of the items offered, in a heap of k: one comparison for most items, where sorting the whole catalogue
   * made {@code /v1/popular} take 20 ms on 12,000 items (a QA run's slowest read route).
   */
  private static final class TopK {
    private final int k;
    /** The worst of those kept on top. */
    private final java.util.PriorityQueue<Ranked> kept;

    TopK(int k) {
      this.k = k;
      this.kept = new java.util.PriorityQueue<>(Math.min(k, 1024) + 1, BEST_FIRST.reversed());
    }

    void offer(String itemId, long count, Predicate<String> keep) {
      // zero once every user of an item was uncounted (deleted) or moved to a later hour: not popular at all
      if (count <= 0) return;
      Ranked worst = kept.size() < k ? null : kept.peek();
      if (worst != null && (count < worst.count() || count == worst.count() && itemId.compareTo(worst.itemId()) > 0)) {
        return; // not better than the k-th: its filter need not be asked
      }
      if (!keep.test(itemId)) return;
      kept.add(new Ranked(itemId, count));
      if (kept.size() > k) kept.poll();
    }

    List<Ranked> ranked() {
      List<Ranked> out = new ArrayList<>(kept);
      out.sort(BEST_FIRST);
      return out;
    }
  }

  private int itemNumber(String itemId) {
    int slot = itemNumbers.indexOf(itemId);
    if (itemNumbers.indexExists(slot)) return itemNumbers.indexGet(slot);
    int number = nextItemNumber++;
    itemNumbers.indexInsert(slot, itemId, number);
    return number;
  }

  /** A 64-bit hash of (user id, item number): FNV-1a over the id's chars, then a finaliser mixing in the item. */
  static long pairKey(String userId, int itemNumber) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < userId.length(); i++) {
      h ^= userId.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= itemNumber * 0x9E3779B97F4A7C15L;
    return dev.attune.data.Hashes.mix(h); // nearby ids and item numbers spread over all bits (in memory only)
  }
}
