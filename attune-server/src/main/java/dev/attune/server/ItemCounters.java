package dev.attune.server;

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
 * Live consumption counts per item: all-time (for {@code /v1/popular} and the last fallback) and per hour (for
 * {@code /v1/trending} over a window). Updated on every committed event; built from the store at start. Scenes
 * are the items' own (callers filter with the catalogue), so an event logged without a scene still counts for its
 * item.
 *
 * <p>Thread-safe. A ranking costs O(counted items · log k).
 */
final class ItemCounters {
  private static final long HOUR = 3_600_000L;

  private final ConcurrentHashMap<String, LongAdder> total = new ConcurrentHashMap<>();
  /** hour → item → count; hours older than the window are dropped as new hours arrive. */
  private final ConcurrentHashMap<Long, ConcurrentHashMap<String, LongAdder>> hourly = new ConcurrentHashMap<>();
  private final int windowHours;
  /** The newest hour seen; hours before {@code newestHour - windowHours} are neither kept nor counted. */
  private volatile long newestHour = Long.MIN_VALUE;
  /** The hour the last event counted fell in, and its map: most events fall in the same hour as the last. */
  private volatile Hour latestHour;

  private record Hour(long hour, ConcurrentHashMap<String, LongAdder> items) {}

  ItemCounters(int windowHours) {
    this.windowHours = windowHours;
  }

  /** Counts one event. */
  void add(Event e) {
    counter(total, e.itemId()).increment();
    long hour = e.timestamp() / HOUR;
    if (hour > newestHour) advanceTo(hour);
    if (hour < newestHour - windowHours) return; // older than any trending window
    Hour latest = latestHour;
    ConcurrentHashMap<String, LongAdder> items = latest != null && latest.hour() == hour ? latest.items() : null;
    if (items == null) {
      items = hourly.computeIfAbsent(hour, h -> new ConcurrentHashMap<>());
      latestHour = new Hour(hour, items);
    }
    counter(items, e.itemId()).increment();
  }

  /**
   * The item's counter, made when missing. A lookup first: {@code computeIfAbsent} alone locks the key's bin
   * whenever the key is not the bin's first, and ingestion counts every event.
   */
  private static LongAdder counter(ConcurrentHashMap<String, LongAdder> counts, String itemId) {
    LongAdder c = counts.get(itemId);
    return c != null ? c : counts.computeIfAbsent(itemId, i -> new LongAdder());
  }

  /** Uncounts one event counted before (its user was deleted), so it no longer shapes popular and trending. */
  void remove(Event e) {
    LongAdder t = total.get(e.itemId());
    if (t != null) t.decrement();
    var hour = hourly.get(e.timestamp() / HOUR);
    LongAdder h = hour == null ? null : hour.get(e.itemId());
    if (h != null) h.decrement();
  }

  private synchronized void advanceTo(long hour) {
    if (hour <= newestHour) return;
    newestHour = hour;
    hourly.keySet().removeIf(h -> h < hour - windowHours);
    Hour latest = latestHour;
    if (latest != null && latest.hour() < hour - windowHours) latestHour = null; // dropped from hourly
  }

  /** Forgets an item everywhere (after deletion). */
  void forget(String itemId) {
    total.remove(itemId);
    for (var m : hourly.values()) m.remove(itemId);
  }

  /** The item's number of events (0 for an unknown item). */
  long count(String itemId) {
    LongAdder c = total.get(itemId);
    return c == null ? 0 : c.sum();
  }

  /** The k items with most events that pass {@code keep}, most first (ties by id). */
  List<Ranked> popular(int k, Predicate<String> keep) {
    Map<String, Long> counts = new HashMap<>();
    for (var c : total.entrySet()) counts.put(c.getKey(), c.getValue().sum());
    return top(counts, k, keep);
  }

  /**
   * The k items with most events in the {@code hours} (at most the window) ending at {@code nowMillis} that pass
   * {@code keep}, most first.
   */
  List<Ranked> trending(long nowMillis, int hours, int k, Predicate<String> keep) {
    long from = nowMillis / HOUR - Math.min(hours, windowHours) + 1;
    Map<String, Long> counts = new HashMap<>();
    for (var h : hourly.entrySet()) {
      if (h.getKey() < from) continue;
      for (var c : h.getValue().entrySet()) counts.merge(c.getKey(), c.getValue().sum(), Long::sum);
    }
    return top(counts, k, keep);
  }
  /** An item and its count. */
  record Ranked(String itemId, long count) {}

  private static List<Ranked> top(Map<String, Long> counts, int k, Predicate<String> keep) {
    List<Ranked> all = new ArrayList<>();
    for (var e : counts.entrySet()) {
      // zero once every event of an item was uncounted (its users deleted): not popular at all
      if (e.getValue() > 0 && keep.test(e.getKey())) all.add(new Ranked(e.getKey(), e.getValue()));
    }
    all.sort(Comparator.comparingLong(Ranked::count).reversed().thenComparing(Ranked::itemId));
    return all.size() > k ? new ArrayList<>(all.subList(0, k)) : all;
  }
}
