package dev.attune.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Aggregate reads over the event log for dashboards and reports ({@link Store#stats()}): events over time,
 * events by type and scene together, an item's consumers, and id search. The SQL is plain and runs unchanged on
 * SQLite and PostgreSQL; each method reads one snapshot.
 *
 * <p>Cost: the events table is indexed by (user, time) only, so every method here except the id searches scans
 * the event log (about 30 ms per million events on SQLite). They are meant for an operator's screen, a few
 * requests a minute, not for the request path. NOTE: an index on {@code events (item_id, ts)} would make the item
 * queries cheap but costs every append; not added until a dashboard is slow.
 *
 * <p>Thread-safe.
 */
public final class StoreStats {
  /** Most buckets one {@link #eventsOverTime} call returns. */
  public static final int MAX_BUCKETS = 10_000;
  /** Most rows a list method returns. */
  public static final int MAX_ROWS = 1_000;

  private final JdbcStore store;

  StoreStats(JdbcStore store) {
    this.store = store;
  }

  /**
   * Event counts in consecutive buckets of equal length, by event time.
   *
   * @param fromMillis start of the first bucket (inclusive)
   * @param bucketMillis length of a bucket, in milliseconds
   * @param counts events per bucket: bucket b holds timestamps in [from + b·bucket, from + (b + 1)·bucket)
   */
  public record Series(long fromMillis, long bucketMillis, long[] counts) {
    /** The sum of all buckets. */
    public long total() {
      long sum = 0;
      for (long c : counts) sum += c;
      return sum;
    }
  }

  /** Events of one type in one scene. */
  public record TypeScene(String type, String scene, long events) {}

  /** A user who consumed an item: how many events they have with it and the time of the newest. */
  public record Consumer(String userId, long events, long lastMillis) {}

  /**
   * Who consumed an item.
   *
   * @param users distinct users with any event on the item
   * @param events events on the item
   * @param top the users with the most events on it, most first (ties: user id order)
   */
  public record ItemConsumers(long users, long events, List<Consumer> top) {}

  /**
   * Events with a known time (not 0) in [fromMillis, toMillis), counted per bucket; empty buckets are 0.
   *
   * @param itemId only this item's events, or null for all
   * @param bucketMillis bucket length, &gt; 0; the last bucket may reach past {@code toMillis} (it counts only
   *     events before {@code toMillis})
   * @throws IllegalArgumentException if the range is empty or would need more than {@link #MAX_BUCKETS} buckets
   */
  public Series eventsOverTime(String itemId, long fromMillis, long toMillis, long bucketMillis) {
    if (bucketMillis <= 0) throw new IllegalArgumentException("bucketMillis must be > 0: " + bucketMillis);
    if (toMillis <= fromMillis) {
      throw new IllegalArgumentException("toMillis must be after fromMillis: " + fromMillis + ", " + toMillis);
    }
    long buckets = (toMillis - fromMillis + bucketMillis - 1) / bucketMillis;
    if (buckets > MAX_BUCKETS) {
      throw new IllegalArgumentException("at most " + MAX_BUCKETS + " buckets: " + buckets);
    }
    long[] counts = new long[(int) buckets];
    Buckets held = nonEmptyBuckets(itemId, fromMillis, toMillis, bucketMillis);
    for (int k = 0; k < held.size(); k++) counts[(int) held.buckets()[k]] += held.counts()[k];
    return new Series(fromMillis, bucketMillis, counts);
  }

  /**
   * The buckets that hold events, in order, and their counts: bucket b holds timestamps in [from + b·bucket, from +
   * (b + 1)·bucket).
   */
  public record Buckets(long[] buckets, long[] counts) {
    public int size() {
      return buckets.length;
    }
  }

  /**
   * Events with a known time (not 0, see {@link #timeRange}) in [fromMillis, toMillis) counted per bucket, only the
   * buckets that hold some: a log of decades with a few busy months costs what they hold, not a bucket per day of the
   * decades. Its cost is a scan of the events in range and a row per bucket that holds some: the caller bounds the
   * buckets, {@code (toMillis - fromMillis) / bucketMillis}.
   *
   * @param itemId only this item's events, or null for all
   * @param bucketMillis bucket length, &gt; 0
   */
  public Buckets nonEmptyBuckets(String itemId, long fromMillis, long toMillis, long bucketMillis) {
    if (bucketMillis <= 0) throw new IllegalArgumentException("bucketMillis must be > 0: " + bucketMillis);
    String sql = "SELECT (ts - ?) / ?, COUNT(*) FROM events WHERE ts >= ? AND ts < ? AND ts <> 0"
        + (itemId == null ? "" : " AND item_id = ?") + " GROUP BY 1 ORDER BY 1";
    return store.readSnapshot("nonEmptyBuckets", c -> {
      long[] buckets = new long[64];
      long[] counts = new long[64];
      int size = 0;
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setLong(1, fromMillis);
        ps.setLong(2, bucketMillis);
        ps.setLong(3, fromMillis);
        ps.setLong(4, toMillis);
        if (itemId != null) ps.setString(5, itemId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            if (size == buckets.length) {
              buckets = Arrays.copyOf(buckets, size * 2);
              counts = Arrays.copyOf(counts, size * 2);
            }
            buckets[size] = rs.getLong(1);
            counts[size++] = rs.getLong(2);
          }
        }
      }
      return new Buckets(Arrays.copyOf(buckets, size), Arrays.copyOf(counts, size));
    });
  }

  /**
   * The time of the oldest and the newest event with a known time ({@code [min, max]}; time 0 means unknown, as for
   * ratings imported without time), or null when there are none.
   */
  public long[] timeRange(String itemId) {
    String sql = "SELECT MIN(ts), MAX(ts), COUNT(*) FROM events WHERE ts <> 0" + (itemId == null ? ""
        : " AND item_id = ?");
    return store.readSnapshot("timeRange", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (itemId != null) ps.setString(1, itemId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(3) == 0 ? null : new long[] {rs.getLong(1), rs.getLong(2)};
        }
      }
    });
  }

  /** Event counts for every (type, scene) pair present, sorted by type, then scene. */
  public List<TypeScene> eventsByTypeAndScene() {
    return store.readSnapshot("eventsByTypeAndScene", c -> {
      List<TypeScene> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT type, scene, COUNT(*) FROM events GROUP BY type, scene");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(new TypeScene(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
      // sorted here, in code-point order: a database's language collation would order them otherwise than SQLite
      out.sort(java.util.Comparator.comparing(TypeScene::type).thenComparing(TypeScene::scene));
      return Collections.unmodifiableList(out);
    });
  }

  /**
   * The users who consumed {@code itemId} (any event type), with totals.
   *
   * @param limit most users in {@link ItemConsumers#top}, 0..{@link #MAX_ROWS}
   * @throws IllegalArgumentException if the item id is blank or the limit is out of range
   */
  public ItemConsumers itemConsumers(String itemId, int limit) {
    requireId(itemId);
    requireLimit(limit);
    return store.readSnapshot("itemConsumers", c -> {
      long users;
      long events;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT COUNT(DISTINCT user_id), COUNT(*) FROM events WHERE item_id = ?")) {
        ps.setString(1, itemId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          users = rs.getLong(1);
          events = rs.getLong(2);
        }
      }
      List<Consumer> top = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT user_id, COUNT(*), MAX(ts) FROM events WHERE item_id = ?"
          + " GROUP BY user_id ORDER BY 2 DESC, 1 LIMIT ?")) {
        ps.setString(1, itemId);
        ps.setInt(2, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) top.add(new Consumer(rs.getString(1), rs.getLong(2), rs.getLong(3)));
        }
      }
      return new ItemConsumers(users, events, Collections.unmodifiableList(top));
    });
  }

  /**
   * User ids starting with {@code prefix} (case-sensitive; empty = all), in id order.
   *
   * @param limit most ids, 0..{@link #MAX_ROWS}
   */
  public List<String> userIds(String prefix, int limit) {
    return idsWithPrefix("users", prefix, limit);
  }

  /**
   * User ids not starting with {@code prefix} (case-sensitive), in id order: for instance the users stored under
   * plain ids in a store of pseudonyms. One pass over the ids.
   *
   * @param limit most ids, 0..{@link #MAX_ROWS}
   */
  public List<String> userIdsWithoutPrefix(String prefix, int limit) {
    if (prefix == null || prefix.isEmpty()) throw new IllegalArgumentException("prefix must not be empty");
    requireLimit(limit);
    String sql = "SELECT id FROM users WHERE substr(id, 1, ?) <> ? ORDER BY id LIMIT ?";
    return store.readSnapshot("search users", c -> ids(c, sql, prefix, limit));
  }

  /**
   * Item ids starting with {@code prefix} (case-sensitive; empty = all), in id order.
   *
   * @param limit most ids, 0..{@link #MAX_ROWS}
   */
  public List<String> itemIds(String prefix, int limit) {
    return idsWithPrefix("items", prefix, limit);
  }

  private List<String> idsWithPrefix(String table, String prefix, int limit) {
    if (prefix == null) throw new IllegalArgumentException("prefix must not be null");
    requireLimit(limit);
    // substr counts characters in both databases; table is a constant
    String sql = "SELECT id FROM " + table + " WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?";
    return store.readSnapshot("search " + table, c -> ids(c, sql, prefix, limit));
  }

  private static List<String> ids(Connection c, String sql, String prefix, int limit) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, prefix.codePointCount(0, prefix.length()));
      ps.setString(2, prefix);
      ps.setInt(3, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static void requireId(String id) {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("itemId must not be blank");
  }

  private static void requireLimit(int limit) {
    if (limit < 0 || limit > MAX_ROWS) {
      throw new IllegalArgumentException("limit must be in [0, " + MAX_ROWS + "]: " + limit);
    }
  }
}
