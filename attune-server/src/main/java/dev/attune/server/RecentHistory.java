package dev.attune.server;

import dev.attune.events.Event;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each user's newest events, the window the sequential models read, kept in memory for the {@code capacity} most
 * recently used users and loaded from the store on a miss.
 *
 * <p>Read-your-writes: {@link #append} runs after the store has committed a batch and before the request that
 * posted it is answered, so a recommendation requested after that answer sees the events. A batch in which the
 * store skipped duplicates drops the users it names instead, so a retried batch never counts an event twice; the
 * next read reloads them from the store.
 *
 * <p>Thread-safe (one lock; every operation is O(window)).
 */
final class RecentHistory {
  private final Store store;
  private final int window;
  private final LinkedHashMap<String, List<Event>> byUser;

  RecentHistory(Store store, int window, int capacity) {
    this.store = store;
    this.window = window;
    this.byUser = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, List<Event>> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The user's newest events (at most the window), oldest first; empty for an unknown user. */
  List<Event> of(String userId) {
    synchronized (byUser) {
      List<Event> cached = byUser.get(userId);
      if (cached != null) return List.copyOf(cached);
    }
    List<Event> loaded = new ArrayList<>();
    for (Store.StoredEvent e : store.recentEvents(userId, window)) loaded.add(e.event());
    synchronized (byUser) {
      // an append that raced with the load has already reached the store, so the loaded list holds it too
      byUser.putIfAbsent(userId, loaded);
      return List.copyOf(byUser.get(userId));
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
        List<Event> list = byUser.get(e.userId());
        if (list == null) continue;
        int at = list.size();
        while (at > 0 && list.get(at - 1).timestamp() > e.timestamp()) at--;
        list.add(at, e);
        if (list.size() > window) list.remove(0);
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
