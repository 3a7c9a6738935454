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
 * next read reloads them from the store. A load reads the store outside the lock; an append or a deletion for that
 * user meanwhile makes its result stale (it may lack the appended event, or hold the deleted ones), so it is read
 * again rather than cached.
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
  /**
   * Users being loaded → {loads in flight, changes since}: an append or a deletion counts a change, and a load that
   * saw one does not cache what it read. Guarded by {@code byUser}; holds only users with a load in flight.
   */
  private final Map<String, long[]> loading = new java.util.HashMap<>();
  /** Loads of one user in a row that may find it changed before one is cached as is; rare (a race per load). */
  private static final int LOAD_ATTEMPTS = 3;

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
    for (int attempt = 1; ; attempt++) {
      long[] inFlight;
      long changesBefore;
      synchronized (byUser) {
        Cached cached = byUser.get(userId);
        if (cached != null) return cached.copy();
        inFlight = loading.computeIfAbsent(userId, u -> new long[2]);
        inFlight[0]++;
        changesBefore = inFlight[1];
      }
      Cached loaded;
      try {
        loaded = load(userId);
      } catch (RuntimeException | Error e) {
        synchronized (byUser) {
          if (--inFlight[0] == 0) loading.remove(userId);
        }
        throw e;
      }
      // leaving the in-flight count and caching under one lock: between the two, a change would be counted nowhere
      synchronized (byUser) {
        if (--inFlight[0] == 0) loading.remove(userId);
        boolean unchanged = inFlight[1] == changesBefore;
        if (unchanged) {
          byUser.putIfAbsent(userId, loaded);
          return byUser.get(userId).copy();
        }
        // changed while it loaded: the store has the change now, so read again; after a few races in a row, answer
        // with this read (it held everything committed before the request) without caching it
        if (attempt == LOAD_ATTEMPTS) return loaded.copy();
      }
    }
  }

  private Cached load(String userId) {
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
    return new Cached(recent, earlier);
  }

  /** Counts a change of a user being loaded (guarded by {@code byUser}). */
  private void changed(String userId) {
    long[] inFlight = loading.get(userId);
    if (inFlight != null) inFlight[1]++;
  }

  /** Adds committed events to the users already cached; see the class note for batches with duplicates. */
  void append(List<Event> committed, boolean hadDuplicates) {
    synchronized (byUser) {
      for (Event e : committed) {
        changed(e.userId());
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
      changed(userId);
      byUser.remove(userId);
    }
  }
}
