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
 * <p>The window is counted in liked events (positive weight under {@link Recommendations#WEIGHTS}), the ones a model
 * reads: it holds the newest {@link #liked()} of them and the newest of the skips, dislikes and short plays since the
 * oldest of those, at most {@link #MAX_EVENTS_PER_LIKED} - 1 per liked event ({@link #otherBudget()}). Counting every
 * event, as before, let 5 skips take 5 of a model's 50 steps; capping the events in all, as later, emptied the window
 * of a user who skipped a few hundred tracks in a row after their likes (a review): the cap is on the others alone,
 * and the older of them move to the earlier items (still left out of recommendations, as every seen item is).
 * {@link #liked()} is the served model's window and a quarter more (room for events of items it does not know), at
 * least the configured one; a model with a wider window widens it ({@link #ensureLiked}).
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
    /** The user's id, the one instance every cached event of theirs names. */
    final String userId;
    final List<Event> recent;
    final Set<String> earlier;
    /**
     * Whether liked events of the user's lie before the window: then it starts at its oldest liked event (the others
     * before that are earlier), however it came to be, loaded or appended to.
     */
    boolean likedBefore;

    Cached(String userId, List<Event> recent, Set<String> earlier, boolean likedBefore) {
      this.userId = userId;
      this.recent = recent;
      this.earlier = earlier;
      this.likedBefore = likedBefore;
    }

    UserHistory copy() {
      return new UserHistory(List.copyOf(recent), earlier.isEmpty() ? Set.of() : Set.copyOf(earlier));
    }
  }

  private final Store store;
  /** The one instance of each type and scene name ({@link #shared}). */
  private final SharedNames names = new SharedNames();
  /** The catalogue's instance of an item id ({@link #shared}). */
  private final java.util.function.UnaryOperator<String> sharedItemId;
  /** Whether an event is a liked one ({@link Catalog#likes}): the window counts liked events. */
  private final java.util.function.Predicate<Event> liked;
  /**
   * Liked events the window holds; grows with the served model's window, never shrinks. Written under byUser;
   * volatile so that {@link #ensureSteps}, asked on every request, reads it without the lock.
   */
  private volatile int window;
  /** Events in all a window may hold, per liked one it holds (skips among them); bounds a cached user's memory. */
  static final int MAX_EVENTS_PER_LIKED = 4;
  private final LinkedHashMap<String, Cached> byUser;
  /**
   * Users being loaded → {loads in flight, changes since}: an append or a deletion counts a change, and a load that
   * saw one does not cache what it read. Guarded by {@code byUser}; holds only users with a load in flight.
   */
  private final Map<String, long[]> loading = new java.util.HashMap<>();
  /** Loads of one user in a row that may find it changed before one is cached as is; rare (a race per load). */
  private static final int LOAD_ATTEMPTS = 3;

  /**
   * A cache whose reads take every play as a full one (items of unknown length); tests.
   *
   * @param window liked events each window holds at first ({@link #ensureLiked} widens it)
   */
  RecentHistory(Store store, int window, int capacity) {
    this(store, window, capacity, new Catalog()::likes, id -> id); // no item, so no length: a play is a play
  }

  /**
   * @param liked whether an event is a liked one ({@link Catalog#likes}: a play's seconds read against the item's
   *     length), which the window counts
   * @param sharedItemId the catalogue's instance of an item id, or the id given ({@link Catalog#sharedId})
   */
  RecentHistory(Store store, int window, int capacity, java.util.function.Predicate<Event> liked,
      java.util.function.UnaryOperator<String> sharedItemId) {
    this.liked = liked;
    this.sharedItemId = sharedItemId;
    this.store = store;
    this.window = window;
    this.byUser = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
        return size() > capacity;
      }
    };
  }

  /** Liked events the window holds now. */
  int liked() {
    return window;
  }

  /** Other events (skips, dislikes, short plays) the window holds at most now: the newest of them. */
  int otherBudget() {
    return window * (MAX_EVENTS_PER_LIKED - 1);
  }

  /**
   * Widens the window for a served model that reads {@code steps} steps: to its steps and a quarter more (room for
   * events of items it does not know). See {@link #ensureLiked}.
   */
  void ensureSteps(int steps) {
    ensureLiked(steps + Math.max(1, steps / 4));
  }

  /**
   * Widens the window to hold at least {@code liked} liked events (a served model reading more steps than it holds);
   * the cached users are read again. A narrower request changes nothing.
   */
  void ensureLiked(int liked) {
    if (liked <= window) return; // the common case, without the lock
    synchronized (byUser) {
      if (liked <= window) return;
      window = liked;
      byUser.clear();
      for (long[] inFlight : loading.values()) inFlight[1]++; // a load under the narrower window is not cached
    }
  }

  private boolean isLiked(Event e) {
    return liked.test(e);
  }

  /** The user's newest events (the window), oldest first, and their earlier items; empty if unknown. */
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
    int liked = liked();
    int others = liked * (MAX_EVENTS_PER_LIKED - 1);
    int most = liked + others;
    // one more than the window's most events tells whether there is anything before it; only then is the rest read
    List<Store.StoredEvent> stored = store.recentEvents(userId, most + 1);
    if (stored.size() > most) stored = store.recentEvents(userId, MAX_LOADED_EVENTS);
    // back from the newest event: every liked one until the window holds `liked` of them, the others while their
    // budget lasts (older others are earlier, and so is everything before the first liked event left out)
    boolean[] inWindow = new boolean[stored.size()];
    int likedIn = 0;
    int othersIn = 0;
    int from = stored.size();
    boolean likedBefore = false;
    for (; from > 0; from--) {
      int p = from - 1;
      if (isLiked(stored.get(p).event())) {
        if (likedIn == liked) {
          likedBefore = true;
          break;
        }
        likedIn++;
        inWindow[p] = true;
      } else if (othersIn < others) {
        othersIn++;
        inWindow[p] = true;
      }
    }
    // with liked events before it, the window starts at its oldest liked event, as trim leaves it
    if (likedBefore) {
      while (from < stored.size() && !isLiked(stored.get(from).event())) inWindow[from++] = false;
    }
    List<Event> recent = new ArrayList<>(likedIn + othersIn);
    Set<String> earlier = new HashSet<>();
    for (int p = 0; p < stored.size(); p++) {
      if (inWindow[p]) recent.add(shared(stored.get(p).event(), userId));
      else earlier.add(sharedItemId.apply(stored.get(p).event().itemId()));
    }
    return new Cached(userId, recent, earlier, likedBefore);
  }

  /**
   * {@code e} naming its user, item, type and scene by instances the server holds already: each cached event held
   * its own copies of them, parsed from its request or read from its row, 250 bytes of heap per cached event where
   * it takes 58 with them shared (attune-bench's HistoryCacheMemory; a soak run had found about 256).
   */
  private Event shared(Event e, String userId) {
    String itemId = sharedItemId.apply(e.itemId());
    String type = names.of(e.type());
    String scene = names.of(e.scene());
    if (e.userId() == userId && e.itemId() == itemId && e.type() == type && e.scene() == scene) return e;
    return new Event(userId, itemId, type, e.value(), e.timestamp(), scene, e.context());
  }

  /**
   * One instance of each event type and scene name, for the few there are; past {@link #MAX} names (a client sending
   * types at random) the others are kept as they come, so the table cannot grow without bound. One per cache, not
   * per JVM: servers in one process (tests) do not fill each other's.
   */
  static final class SharedNames {
    static final int MAX = 10_000;
    private final java.util.concurrent.ConcurrentHashMap<String, String> names =
        new java.util.concurrent.ConcurrentHashMap<>();

    String of(String name) {
      String known = names.get(name);
      if (known != null) return known;
      if (names.size() >= MAX) return name;
      known = names.putIfAbsent(name, name);
      return known == null ? name : known;
    }
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
        list.add(at, shared(e, c.userId));
        trim(c);
      }
    }
  }

  /**
   * Moves events out of the window, as a load would have left them: the oldest liked one (and everything before it)
   * while it holds too many liked events, the oldest other one while it holds too many others.
   */
  private void trim(Cached c) {
    List<Event> list = c.recent;
    int likedIn = 0;
    for (Event x : list) if (isLiked(x)) likedIn++;
    while (likedIn > window) {
      Event oldest = list.remove(0);
      if (isLiked(oldest)) {
        likedIn--;
        c.likedBefore = true;
      }
      c.earlier.add(oldest.itemId());
    }
    if (c.likedBefore) {
      while (!list.isEmpty() && !isLiked(list.get(0))) c.earlier.add(list.remove(0).itemId());
    }
    int othersOver = list.size() - likedIn - otherBudget();
    for (int p = 0; othersOver > 0 && p < list.size(); ) {
      if (isLiked(list.get(p))) {
        p++;
      } else {
        c.earlier.add(list.remove(p).itemId());
        othersOver--;
      }
    }
  }

  /** How many users' windows are cached. */
  int cachedUsers() {
    synchronized (byUser) {
      return byUser.size();
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
