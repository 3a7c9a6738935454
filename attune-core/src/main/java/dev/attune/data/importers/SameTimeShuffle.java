package dev.attune.data.importers;

import dev.attune.data.Hashes;
import dev.attune.events.Event;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Buffers one file's events and adds them to the data set with each user's events of one timestamp in a seeded
 * pseudo-random order, for sources whose events of one time have no order of their own.
 *
 * <p>Why: the data set keeps the input's order among events of one time, and the protocols rely on it
 * ({@link dev.attune.data.Splits#leaveOneOut} holds out the later one). That is right where the input order means
 * something (a client's batch of events, a sequence file), and wrong where a file's sort order stands in for it:
 * MovieLens saved a page of ratings in one second, and a copy sorted by item id within a user would have the highest
 * id of that second held out, and would let a sequence model learn "lower id first" from the ties. An importer that
 * knows its source's ties carry no order passes the events through this buffer instead.
 *
 * <p>Contract of {@link #addAllTo}:
 * <ul>
 *   <li>Every event is added once; only events of the same user and the same timestamp change places, and only among
 *       the positions that group held in the file. Events of other times keep the file's order, so each user's
 *       events in time order are the file's except within a tied group.</li>
 *   <li>The order within a group is that of {@link #rank} of (seed, user id, item id), ties by file order: it does not
 *       depend on the file's order (a file sorted by item id and the same file shuffled give the same order for
 *       distinct items), the same input gives the same order on every run and machine, and the user id in the key
 *       gives each user their own order of the same items, so no order of two items holds across users.</li>
 *   <li>Events equal in user, item and timestamp (duplicates the import collapses) keep their file order, so the
 *       later one still wins.</li>
 * </ul>
 *
 * <p>Not thread-safe; one per file being read. Holds the file's events until {@link #addAllTo}.
 *
 * @implNote {@link #addAllTo} takes O(n) plus a sort of each user's events that has a tie, O(n log n) at worst.
 */
final class SameTimeShuffle {
  /**
   * The seed of the MovieLens importers' order. Fixed, so that a data set imported twice is the same data set and its
   * figures reproduce; changing it changes which of a second's ratings are held out.
   */
  static final long MOVIELENS_SEED = 20_261_206L;

  private final long seed;
  private final List<Event> events = new ArrayList<>();

  /** A buffer whose tied events will be ordered by {@link #rank} under {@code seed}. */
  SameTimeShuffle(long seed) {
    this.seed = seed;
  }

  /** Holds {@code e} until {@link #addAllTo}. */
  void add(Event e) {
    events.add(e);
  }

  /**
   * Adds the held events to {@code cx}'s data set in file order except that each group of one user's events with one
   * timestamp is ordered by {@link #rank} (see the class javadoc), then forgets them.
   *
   * @return the number of groups of two or more events that were ordered, reordered or not
   */
  int addAllTo(ImportContext cx) {
    int[] order = new int[events.size()];
    int groups = fillOrder(order);
    for (int row : order) {
      cx.add(events.get(row));
    }
    events.clear();
    return groups;
  }

  /**
   * Writes into {@code order} the rows of {@link #events} in the order they are to be added.
   *
   * @return the number of tied groups of two or more events
   */
  private int fillOrder(int[] order) {
    int n = events.size();
    for (int r = 0; r < n; r++) {
      order[r] = r;
    }
    int[] byUser = rowsByUser();
    int groups = 0;
    int start = 0;
    while (start < n) {
      String user = events.get(byUser[start]).userId();
      int end = start + 1;
      while (end < n && events.get(byUser[end]).userId().equals(user)) {
        end++;
      }
      if (hasTie(byUser, start, end)) {
        groups += orderTies(byUser, start, end, order);
      }
      start = end;
    }
    return groups;
  }

  /** Row indices grouped by user (users in order of first appearance), each user's rows in file order. */
  private int[] rowsByUser() {
    int n = events.size();
    Map<String, Integer> slots = new HashMap<>();
    int[] slotOf = new int[n];
    for (int r = 0; r < n; r++) {
      Integer slot = slots.get(events.get(r).userId());
      if (slot == null) {
        slot = slots.size();
        slots.put(events.get(r).userId(), slot);
      }
      slotOf[r] = slot;
    }
    int[] fill = new int[slots.size() + 1];
    for (int r = 0; r < n; r++) {
      fill[slotOf[r] + 1]++;
    }
    for (int s = 0; s < slots.size(); s++) {
      fill[s + 1] += fill[s];
    }
    int[] rows = new int[n];
    for (int r = 0; r < n; r++) {
      rows[fill[slotOf[r]]++] = r;
    }
    return rows;
  }

  /** Whether two of {@code rows[start, end)} have the same timestamp; a primitive sort, as most users have none. */
  private boolean hasTie(int[] rows, int start, int end) {
    long[] times = new long[end - start];
    for (int p = start; p < end; p++) {
      times[p - start] = events.get(rows[p]).timestamp();
    }
    Arrays.sort(times);
    for (int i = 1; i < times.length; i++) {
      if (times[i] == times[i - 1]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Orders each group of one time among one user's {@code rows[start, end)}: the group's file positions, ascending,
   * receive its rows by ascending {@link #rank}. Writes {@code order} at those positions.
   *
   * @return the number of groups of two or more rows
   */
  private int orderTies(int[] rows, int start, int end, int[] order) {
    Integer[] byTime = new Integer[end - start];
    for (int p = start; p < end; p++) {
      byTime[p - start] = rows[p];
    }
    // rows[start, end) are in file order, and the sort is stable: a group's rows come out at ascending positions
    Arrays.sort(byTime, (a, b) -> Long.compare(events.get(a).timestamp(), events.get(b).timestamp()));
    int groups = 0;
    int from = 0;
    while (from < byTime.length) {
      long time = events.get(byTime[from]).timestamp();
      int to = from + 1;
      while (to < byTime.length && events.get(byTime[to]).timestamp() == time) {
        to++;
      }
      if (to - from > 1) {
        groups++;
        int size = to - from;
        long[] keys = new long[size];
        Integer[] ranked = new Integer[size];
        for (int k = 0; k < size; k++) {
          Event e = events.get(byTime[from + k]);
          keys[k] = rank(seed, e.userId(), e.itemId());
          ranked[k] = k;
        }
        // ties of the key (duplicate events) by file position, which byTime holds in ascending order
        Arrays.sort(ranked, (a, b) -> {
          int c = Long.compare(keys[a], keys[b]);
          return c != 0 ? c : Integer.compare(a, b);
        });
        for (int k = 0; k < size; k++) {
          order[byTime[from + k]] = byTime[from + ranked[k]];
        }
      }
      from = to;
    }
    return groups;
  }

  /**
   * The sort key of an event within its tied group: a well-mixed 64-bit hash of {@code seed}, the user id and the item
   * id (each character multiplied in, with a separator between the ids, then {@link Hashes#mix}), so that the
   * order of a user's items looks random, differs between users and seeds, and is the same on every run.
   */
  static long rank(long seed, String userId, String itemId) {
    long h = seed;
    for (int i = 0; i < userId.length(); i++) {
      h = h * 0x9E3779B97F4A7C15L + userId.charAt(i);
    }
    h = h * 0x9E3779B97F4A7C15L + 0x1F; // unit separator: ("1", "23") and ("12", "3") hash apart
    for (int i = 0; i < itemId.length(); i++) {
      h = h * 0x9E3779B97F4A7C15L + itemId.charAt(i);
    }
    return Hashes.mix(h);
  }
}
