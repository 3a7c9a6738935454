package dev.attune.store;

import dev.attune.model.FitListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Copies a whole store into a new one, row for row: users, items, events (with their ids, contexts and arrival
 * numbers), the model registry, API keys, experiments with their arms and exposures. It is how an installation moves
 * from the embedded SQLite store to PostgreSQL (or back, or to another database) without losing what {@code attune
 * export} leaves out: the keys its clients hold, the versions its server trained and which one is served, the
 * experiments under way.
 *
 * <p>Contract: the source is read in one snapshot and the target written in one transaction, so the target ends
 * holding the whole source or, after a failure or a stop, nothing (an empty store). The target must be empty, so
 * that nothing is merged or overwritten. Arrival numbers ({@code sequence}) are kept, and so is the number the next
 * event gets, because a served model version records the number the store had reached when it was trained (the
 * events since then are what triggers retraining). Values are copied as stored, JSON as text; PostgreSQL keeps
 * JSON normalised and its {@code real} columns hold single precision, so a copy from SQLite reads back as the server
 * would read those values after storing them in PostgreSQL itself.
 */
public final class StoreCopy {

  /** Rows per batch of inserts. */
  private static final int BATCH_ROWS = 1_000;
  /** Rows the source sends at a time (PostgreSQL; needs auto-commit off, which a snapshot has). */
  private static final int FETCH_ROWS = 5_000;
  /** Progress is reported every this many rows (and at each table's end). */
  private static final int PROGRESS_ROWS = 10_000;

  private StoreCopy() {}

  enum Kind { TEXT, LONG, INT, DOUBLE, BOOLEAN, JSON }

  private record Column(String name, Kind kind) {}

  /**
   * A table of the schema, copied in {@code orderBy} order; {@code sinceSchema} is the schema version that made it
   * (an earlier build's store, read as it is, has none of its rows).
   */
  private record Table(String name, int sinceSchema, String orderBy, boolean numbered, List<Column> columns) {}

  private static Column text(String name) {
    return new Column(name, Kind.TEXT);
  }

  private static Column of(String name, Kind kind) {
    return new Column(name, kind);
  }

  /**
   * Every table of the schema ({@link JdbcStore#SCHEMA_VERSION}), parents before the rows that refer to them. A test
   * checks this list against the tables and columns the migrations make, so a migration that adds one fails until it
   * is copied too.
   */
  private static final List<Table> TABLES = List.of(
      new Table("users", 1, "id", false, List.of(text("id"), of("attributes", Kind.JSON))),
      new Table("items", 1, "id", false, List.of(text("id"), text("scene"), text("title"), text("creator"),
          text("album"), of("categories", Kind.JSON), of("tags", Kind.JSON), of("duration", Kind.DOUBLE),
          of("release_time", Kind.LONG), text("text"), of("attributes", Kind.JSON), of("hidden", Kind.BOOLEAN),
          of("created_at", Kind.LONG))),
      new Table("events", 1, "sequence", true, List.of(of("sequence", Kind.LONG), text("event_id"), text("user_id"),
          text("item_id"), text("type"), of("value", Kind.DOUBLE), of("ts", Kind.LONG), text("scene"),
          of("context", Kind.JSON))),
      new Table("model_versions", 1, "id", false, List.of(text("id"), text("kind"), text("path"),
          of("created_at", Kind.LONG), of("metrics", Kind.JSON), of("active", Kind.BOOLEAN))),
      new Table("api_keys", 2, "id", false, List.of(text("id"), text("secret_hash"), text("scopes"), text("name"),
          of("created_at", Kind.LONG), of("revoked", Kind.BOOLEAN))),
      new Table("experiments", 3, "id", false, List.of(text("id"), text("name"), of("window_ms", Kind.LONG),
          of("conversion_types", Kind.JSON), of("min_users_per_arm", Kind.INT), of("started_at", Kind.LONG),
          of("stopped_at", Kind.LONG))),
      new Table("experiment_arms", 3, "experiment_id, position", false, List.of(text("experiment_id"),
          of("position", Kind.INT), text("name"), text("version"), of("share", Kind.DOUBLE))),
      new Table("exposures", 3, "sequence", true, List.of(of("sequence", Kind.LONG), text("experiment_id"),
          text("user_id"), text("arm"), text("version"), of("ts", Kind.LONG), of("read_until", Kind.LONG),
          of("items", Kind.JSON))),
      new Table("store_settings", 4, "name", false, List.of(text("name"), text("value"))));

  /** The tables a copy writes, in its order. */
  public static List<String> tables() {
    return TABLES.stream().map(Table::name).toList();
  }

  /** The columns of {@code table} a copy writes (for the test that holds this class to the migrations). */
  static List<String> columns(String table) {
    return TABLES.stream().filter(t -> t.name().equals(table)).findFirst().orElseThrow().columns().stream()
        .map(Column::name).toList();
  }

  /**
   * Rows per table in one snapshot of {@code store}, in copy order; a table an earlier build's schema lacks counts
   * 0.
   */
  public static Map<String, Long> rowCounts(Store store) {
    JdbcStore s = jdbc(store, "store");
    return s.readSnapshot("rowCounts", c -> rowCounts(c, s.schemaVersion()));
  }

  private static Map<String, Long> rowCounts(Connection c, int schemaVersion) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Table t : TABLES) {
      long n = 0;
      if (t.sinceSchema() <= schemaVersion) {
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + t.name())) {
          rs.next();
          n = rs.getLong(1);
        }
      }
      counts.put(t.name(), n);
    }
    return counts;
  }

  /**
   * Copies everything {@code from} holds into {@code to}, which must be empty and at this build's schema ({@link
   * Store#open} makes it so); {@code from} may be at an earlier build's ({@link Store#openAsItIs}). The caller holds
   * the target's serving claim ({@link Store#tryLockForServing}), so that no server's writes mix in, and the source's
   * for a move, so that none comes after its snapshot; a backup of a served source copies that snapshot.
   *
   * @param progress told each table's rows done of its rows, as the stage named by the table ("experiment arms"), every
   *     {@value #PROGRESS_ROWS} rows and at its end
   * @return the rows copied per table, in copy order ({@link #requireHolds} checks the target against them)
   * @throws IllegalStateException if the target is not empty (nothing is written)
   * @throws StoreException if either database fails; the target then holds none of the copy, and its counters are
   *     set back
   */
  public static Map<String, Long> copy(Store from, Store to, FitListener progress) {
    JdbcStore source = jdbc(from, "from");
    JdbcStore target = jdbc(to, "to");
    if (target.schemaVersion() != JdbcStore.SCHEMA_VERSION) {
      throw new IllegalArgumentException("the target store must be at this build's schema (open it with Store.open)");
    }
    Map<String, Long> held = rowCounts(target);
    if (held.values().stream().anyMatch(n -> n > 0)) {
      throw new IllegalStateException("the target store is not empty: it holds " + describe(held));
    }
    try {
      return source.readSnapshot("copy", read -> {
        Map<String, Long> total = rowCounts(read, source.schemaVersion());
        return target.writeTransaction("copy", write -> {
          Map<String, Long> rows = new LinkedHashMap<>();
          for (Table t : TABLES) {
            // the large tables, which no key refers to, load faster with their indexes built once after
            List<String> rebuild = t.numbered() ? target.dialect().dropKeysForBulkLoad(write, t.name()) : List.of();
            long n = t.sinceSchema() <= source.schemaVersion()
                ? copyTable(t, read, write, target.dialect(), total.get(t.name()), progress) : 0;
            if (!rebuild.isEmpty()) {
              if (n > 0) progress.status(t.name() + ": building " + rebuild.size() + " keys and indexes");
              try (var st = write.createStatement()) {
                for (String sql : rebuild) st.execute(sql);
              }
            }
            if (t.numbered() && t.sinceSchema() <= source.schemaVersion()) {
              // the next row gets the number it would have got in the source, also past rows deleted at its end
              target.dialect().setLastNumber(write, t.name(), source.dialect().lastNumber(read, t.name()));
            }
            rows.put(t.name(), n);
          }
          return rows;
        });
      });
    } catch (RuntimeException e) {
      // PostgreSQL's counters are not rolled back with the rows: the empty store's next event would not be number 1
      try {
        target.writeTransaction("copy: counters back", write -> {
          for (Table t : TABLES) if (t.numbered()) target.dialect().setLastNumber(write, t.name(), 0);
          return null;
        });
      } catch (RuntimeException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  /**
   * Checks that {@code to} holds the rows {@link #copy} reported, after its commit: a command that took no claim on
   * it (an {@code attune keys create}) may have written to it meanwhile.
   *
   * @throws IllegalStateException if it holds other counts; the copy is in it all the same
   */
  public static void requireHolds(Store to, Map<String, Long> copied) {
    Map<String, Long> after = rowCounts(to);
    if (!after.equals(copied)) {
      throw new IllegalStateException("the copy was committed, but the target store holds " + describe(after)
          + ", not the " + describe(copied) + " copied: something wrote to it meanwhile");
    }
  }

  /**
   * Writes into {@code to} the API keys {@code from} holds now that {@code to} does not hold alike: keys created or
   * revoked on the source while it was copied. {@code attune keys} takes no claim on a store (keys are managed while
   * a server runs), so a copy cannot keep it out; a key revoked then, a leaked one say, would otherwise work again on
   * the new store.
   *
   * @return how many keys were written
   */
  public static int carryKeysOver(Store from, Store to) {
    Map<String, Store.ApiKey> held = new LinkedHashMap<>();
    for (Store.ApiKey k : to.apiKeys()) held.put(k.id(), k);
    int written = 0;
    for (Store.ApiKey k : from.apiKeys()) {
      if (!k.equals(held.get(k.id()))) {
        to.saveApiKey(k);
        written++;
      }
    }
    return written;
  }

  /** "3 users, 1 API key, ...": the non-zero counts for a message, else "nothing". */
  public static String describe(Map<String, Long> counts) {
    String held = counts.entrySet().stream().filter(e -> e.getValue() > 0)
        .map(e -> String.format(java.util.Locale.ROOT, "%,d %s", e.getValue(), label(e.getKey(), e.getValue())))
        .collect(Collectors.joining(", "));
    return held.isEmpty() ? "nothing" : held;
  }

  /** What a row of {@code table} is called, {@code n} of them ("1 API key", "2 experiment arms"). */
  private static String label(String table, long n) {
    String plural = table.equals("api_keys") ? "API keys" : table.replace('_', ' ');
    return n == 1 ? plural.substring(0, plural.length() - 1) : plural;
  }

  private static long copyTable(Table t, Connection read, Connection write, Dialect targetDialect, long total,
      FitListener progress) throws SQLException {
    String stage = t.name().replace('_', ' ');
    String names = t.columns().stream().map(Column::name).collect(Collectors.joining(", "));
    long rows = 0;
    try (PreparedStatement select = read.prepareStatement("SELECT " + names + " FROM " + t.name() + " ORDER BY "
        + t.orderBy(), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
      select.setFetchSize(FETCH_ROWS);
      try (ResultSet rs = select.executeQuery();
          RowWriter writer = targetDialect == Dialect.POSTGRESQL ? new CopyWriter(t, write, names)
              : new InsertWriter(t, write, names, targetDialect)) {
        while (rs.next()) {
          writer.write(rs);
          if (++rows % PROGRESS_ROWS == 0) progress.progress(stage, rows, Math.max(total, rows));
        }
      }
    }
    progress.progress(stage, rows, rows);
    return rows;
  }

  /** Writes the rows of one table into the target; {@link #close} writes what it holds back. */
  private interface RowWriter extends AutoCloseable {
    /** Writes the current row of {@code rs}, whose columns are the table's in order. */
    void write(ResultSet rs) throws SQLException;

    @Override
    void close() throws SQLException;
  }

  /** Batches of inserts: SQLite's way in (one process, no network between the rows and the file). */
  private static final class InsertWriter implements RowWriter {
    private final List<Column> columns;
    private final PreparedStatement insert;
    private int pending;

    InsertWriter(Table t, Connection write, String names, Dialect dialect) throws SQLException {
      this.columns = t.columns();
      String parameters = columns.stream().map(col -> col.kind() == Kind.JSON ? dialect.jsonParameter() : "?")
          .collect(Collectors.joining(", "));
      this.insert = write.prepareStatement("INSERT INTO " + t.name() + " (" + names + ") VALUES (" + parameters + ")");
    }

    @Override
    public void write(ResultSet rs) throws SQLException {
      for (int i = 0; i < columns.size(); i++) {
        transfer(columns.get(i).kind(), rs, insert, i + 1);
      }
      insert.addBatch();
      if (++pending == BATCH_ROWS) {
        insert.executeBatch();
        pending = 0;
      }
    }

    @Override
    public void close() throws SQLException {
      try {
        if (pending > 0) insert.executeBatch();
      } finally {
        insert.close();
      }
    }
  }

  /**
   * PostgreSQL's {@code COPY ... FROM STDIN} in its text format: rows as tab-separated lines, streamed. A batch of
   * inserts took 106 s for 5.2 million events here, as each row is parsed, planned and answered on its own.
   */
  private static final class CopyWriter implements RowWriter {
    /** Characters gathered before they are sent. */
    private static final int CHUNK_CHARS = 1 << 20;
    private final List<Column> columns;
    private final org.postgresql.copy.CopyIn copy;
    private final StringBuilder chunk = new StringBuilder(CHUNK_CHARS + 4096);

    CopyWriter(Table t, Connection write, String names) throws SQLException {
      this.columns = t.columns();
      this.copy = write.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
          .copyIn("COPY " + t.name() + " (" + names + ") FROM STDIN");
    }

    @Override
    public void write(ResultSet rs) throws SQLException {
      for (int i = 0; i < columns.size(); i++) {
        if (i > 0) chunk.append('\t');
        appendCopyText(chunk, columns.get(i).kind(), rs, i + 1);
      }
      chunk.append('\n');
      if (chunk.length() >= CHUNK_CHARS) send();
    }

    private void send() throws SQLException {
      byte[] bytes = chunk.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      copy.writeToCopy(bytes, 0, bytes.length);
      chunk.setLength(0);
    }

    @Override
    public void close() throws SQLException {
      boolean sent = false;
      try {
        if (!chunk.isEmpty()) send();
        copy.endCopy();
        sent = true;
      } finally {
        if (!sent && copy.isActive()) copy.cancelCopy(); // a failed row: the connection is usable for the rollback
      }
    }
  }

  /**
   * Appends column {@code index} of the current row in {@code COPY}'s text format: {@code \N} for NULL, and a
   * backslash before the characters that would end the field or the row.
   */
  static void appendCopyText(StringBuilder out, Kind kind, ResultSet rs, int index) throws SQLException {
    switch (kind) {
      case TEXT, JSON -> {
        String v = rs.getString(index);
        if (v == null) {
          out.append("\\N");
          return;
        }
        for (int i = 0; i < v.length(); i++) {
          char ch = v.charAt(i);
          switch (ch) {
            case '\\' -> out.append("\\\\");
            case '\t' -> out.append("\\t");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            default -> out.append(ch);
          }
        }
      }
      case LONG, INT -> {
        long v = rs.getLong(index);
        out.append(rs.wasNull() ? "\\N" : Long.toString(v));
      }
      case DOUBLE -> {
        double v = rs.getDouble(index);
        // Double's NaN and Infinity are PostgreSQL's spellings too
        out.append(rs.wasNull() ? "\\N" : Double.toString(v));
      }
      case BOOLEAN -> out.append(rs.getBoolean(index) ? 't' : 'f');
    }
  }

  /** Reads column {@code index} of the current row and binds it as the insert's parameter of that index. */
  private static void transfer(Kind kind, ResultSet rs, PreparedStatement insert, int index) throws SQLException {
    switch (kind) {
      case TEXT, JSON -> insert.setString(index, rs.getString(index));
      case LONG -> {
        long v = rs.getLong(index);
        if (rs.wasNull()) insert.setNull(index, Types.BIGINT);
        else insert.setLong(index, v);
      }
      case INT -> {
        int v = rs.getInt(index);
        if (rs.wasNull()) insert.setNull(index, Types.INTEGER);
        else insert.setInt(index, v);
      }
      case DOUBLE -> {
        double v = rs.getDouble(index);
        if (rs.wasNull()) insert.setNull(index, Types.DOUBLE);
        else insert.setDouble(index, v);
      }
      case BOOLEAN -> insert.setBoolean(index, rs.getBoolean(index));
    }
  }

  private static JdbcStore jdbc(Store store, String name) {
    if (store instanceof JdbcStore s) return s;
    throw new IllegalArgumentException(name + " is not a JDBC store: " + store);
  }
}
