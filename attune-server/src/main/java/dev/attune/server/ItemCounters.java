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

  ItemCounters(int windowHours) {
    this.windowHours = windowHours;
  }

  /** Counts one event. */
  void add(Event e) {
    total.computeIfAbsent(e.itemId(), i -> new LongAdder()).increment();
    long hour = e.timestamp() / HOUR;
    if (hour > newestHour) advanceTo(hour);
    if (hour < newestHour - windowHours) return; // older than any trending window
    hourly.computeIfAbsent(hour, h -> new ConcurrentHashMap<>()).computeIfAbsent(e.itemId(), i -> new LongAdder())
        .increment();
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
  }

  /** Forgets an item everywhere (after deletion). */
  void forget(String itemId) {
    total.remove(itemId);
    for (var m : hourly.values()) m.remove(itemId);
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
