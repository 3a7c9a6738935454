package dev.attune.server;

import dev.attune.events.Event;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Each user's newest events, the window the sequential models read, and the items of their older events (so that a
 * recommendation leaves out everything the user consumed, not only the window's items), kept in memory for the
 * {@code capacity} most recently used users and loaded from the store on a miss.
 *
 * <p>Read-your-writes: {@link #append} runs after the store has committed a batch and before the request that
 * posted it is answered, so a recommendation requested after that answer sees the events. A batch in which the
 * store skipped duplicates drops the users it names instead, so a retried batch never counts an event twice; the
 * next read reloads them from the store.
 *
 * <p>Thread-safe (one lock; every operation is O(window), a load O(the user's events)).
 */
final class RecentHistory {
  /** Most events a load reads per user (newest first) to find the items before the window; older ones are ignored. */
  static final int MAX_LOADED_EVENTS = 100_000;

  /**
   * A user's history as recommendations see it.
   *
   * @param recent the newest events (at most the window), oldest first
   * @param earlierItems items of the user's events before the window (some may also be in it)
   */
  record UserHistory(List<Event> recent, Set<String> earlierItems) {
    static final UserHistory EMPTY = new UserHistory(List.of(), Set.of());
  }

  private static final class Cached {
    final List<Event> recent;
    final Set<String> earlier;

    Cached(List<Event> recent, Set<String> earlier) {
      this.recent = recent;
      this.earlier = earlier;
    }

    UserHistory copy() {
      return new UserHistory(List.copyOf(recent), earlier.isEmpty() ? Set.of() : Set.copyOf(earlier));
    }
  }

  private final Store store;
  private final int window;
  private final LinkedHashMap<String, Cached> byUser;

  RecentHistory(Store store, int window, int capacity) {
    this.store = store;
    this.window = window;
    this.byUser = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The user's newest events (at most the window), oldest first, and their earlier items; empty if unknown. */
  UserHistory of(String userId) {
    synchronized (byUser) {
      Cached cached = byUser.get(userId);
      if (cached != null) return cached.copy();
    }
    // one more than the window tells whether there is anything before it; only then is the rest read
    List<Store.StoredEvent> stored = store.recentEvents(userId, window + 1);
    if (stored.size() > window) stored = store.recentEvents(userId, MAX_LOADED_EVENTS);
    int from = Math.max(0, stored.size() - window);
    List<Event> recent = new ArrayList<>(stored.size() - from);
    Set<String> earlier = new HashSet<>();
    for (int p = 0; p < stored.size(); p++) {
      if (p < from) earlier.add(stored.get(p).event().itemId());
      else recent.add(stored.get(p).event());
    }
    synchronized (byUser) {
      // an append that raced with the load has already reached the store, so the loaded list holds it too
      byUser.putIfAbsent(userId, new Cached(recent, earlier));
      return byUser.get(userId).copy();
    }
  }

  /** Adds committed events to the users already cached; see the class note for batches with duplicates. */
  void append(List<Event> committed, boolean hadDuplicates) {
    synchronized (byUser) {
      for (Event e : committed) {
        if (hadDuplicates) {
          byUser.remove(e.userId());
          continue;
        }
        Cached c = byUser.get(e.userId());
        if (c == null) continue;
        List<Event> list = c.recent;
        int at = list.size();
        while (at > 0 && list.get(at - 1).timestamp() > e.timestamp()) at--;
        list.add(at, e);
        if (list.size() > window) c.earlier.add(list.remove(0).itemId());
      }
    }
  }

  /** Forgets a user (after deletion). */
  void forget(String userId) {
    synchronized (byUser) {
      byUser.remove(userId);
    }
  }
}
