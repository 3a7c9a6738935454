package dev.attune.data;

import java.util.Arrays;

/**
 * Columnar, append-only list of events referring to dense user, item, type and scene indices.
 *
 * <p>Columns are primitive arrays grown by doubling, so memory is linear in events: 4 (user) + 4 (item)
 * + 2 (type) + 2 (scene) + 4 (value) + 8 (time) = 24 bytes per event, plus up to 2x slack while growing
 * (see {@link #bytesPerEvent()}). Row order is input order, which breaks ties between equal timestamps.
 *
 * <p>Not thread-safe while appending.
 */
public final class EventLog {
  private int size;
  private int[] users;
  private int[] items;
  private short[] types;
  private short[] scenes;
  private float[] values;
  private long[] times;

  /** An empty log with room for {@code capacity} events. */
  public EventLog(int capacity) {
    int c = Math.max(16, capacity);
    users = new int[c];
    items = new int[c];
    types = new short[c];
    scenes = new short[c];
    values = new float[c];
    times = new long[c];
  }

  /** An empty log. */
  public EventLog() {
    this(1024);
  }

  /** Appends one event and returns its row. */
  public int add(int user, int item, int type, float value, long time, int scene) {
    if (type < 0 || type > Short.MAX_VALUE || scene < 0 || scene > Short.MAX_VALUE) {
      throw new IllegalArgumentException("type and scene indices must be in [0, 32767]");
    }
    if (size == users.length) {
      grow();
    }
    users[size] = user;
    items[size] = item;
    types[size] = (short) type;
    scenes[size] = (short) scene;
    values[size] = value;
    times[size] = time;
    return size++;
  }

  private void grow() {
    int c = users.length * 2;
    users = Arrays.copyOf(users, c);
    items = Arrays.copyOf(items, c);
    types = Arrays.copyOf(types, c);
    scenes = Arrays.copyOf(scenes, c);
    values = Arrays.copyOf(values, c);
    times = Arrays.copyOf(times, c);
  }

  /** Number of events. */
  public int size() {
    return size;
  }

  public int user(int row) {
    return users[row];
  }

  public int item(int row) {
    return items[row];
  }

  public int type(int row) {
    return types[row];
  }

  public int scene(int row) {
    return scenes[row];
  }

  public float value(int row) {
    return values[row];
  }

  public long time(int row) {
    return times[row];
  }

  /** Bytes held per event by the column arrays, including growth slack. */
  public double bytesPerEvent() {
    long bytes = (long) users.length * (4 + 4 + 2 + 2 + 4 + 8);
    return size == 0 ? 0 : (double) bytes / size;
  }

  /** Releases growth slack. */
  public void trim() {
    users = Arrays.copyOf(users, size);
    items = Arrays.copyOf(items, size);
    types = Arrays.copyOf(types, size);
    scenes = Arrays.copyOf(scenes, size);
    values = Arrays.copyOf(values, size);
    times = Arrays.copyOf(times, size);
  }

  /**
   * Collapses duplicate events. <b>Rule:</b> events with the same user, item, type and timestamp are one
   * event recorded more than once (a retried upload, a repeated line); the last one in input order is
   * kept, because a later line corrects an earlier one (its value wins). Events that differ in any of the
   * four are distinct, so repeated plays of a song at different times are all kept.
   *
   * @return number of events removed
   */
  public int collapseDuplicates() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int c = Integer.compare(users[a], users[b]);
      if (c != 0) return c;
      c = Integer.compare(items[a], items[b]);
      if (c != 0) return c;
      c = Integer.compare(types[a], types[b]);
      if (c != 0) return c;
      c = Long.compare(times[a], times[b]);
      return c != 0 ? c : Integer.compare(a, b);
    });
    boolean[] drop = new boolean[size];
    int removed = 0;
    for (int k = 0; k + 1 < size; k++) {
      int a = order[k];
      int b = order[k + 1];
      if (users[a] == users[b] && items[a] == items[b] && types[a] == types[b] && times[a] == times[b]) {
        drop[a] = true; // b comes later in input order and wins
        removed++;
      }
    }
    if (removed == 0) {
      return 0;
    }
    int w = 0;
    for (int r = 0; r < size; r++) {
      if (!drop[r]) {
        users[w] = users[r];
        items[w] = items[r];
        types[w] = types[r];
        scenes[w] = scenes[r];
        values[w] = values[r];
        times[w] = times[r];
        w++;
      }
    }
    size = w;
    return removed;
  }
}
