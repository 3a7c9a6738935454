package dev.attune.store;

import com.zaxxer.hikari.HikariConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import org.sqlite.SQLiteConfig;

/**
 * What differs between the databases {@link JdbcStore} runs on: how connections are configured, where the
 * migrations live, how JSON parameters are bound, and how writes are coordinated. The SQL itself is shared
 * (both accept {@code INSERT ... ON CONFLICT} and {@code excluded.}); everything else lives here.
 */
enum Dialect {

  /**
   * One file, WAL journal. SQLite takes one writer at a time, so the store queues its writes in the JVM for one
   * write connection ({@link #singleWriter}, {@link #writePoolConfig}), and the busy timeout only covers other
   * processes on the same file.
   *
   * <p>{@code synchronous=FULL}: every commit syncs the WAL, so a committed event survives a power loss or OS
   * crash, not only a crash of the process (which {@code NORMAL} already survives in WAL mode).
   */
  SQLITE("jdbc:sqlite:", "org.sqlite.JDBC", "sqlite", "?"),

  /**
   * A server; many writers at once. Concurrent batches that share new users, items or event ids can deadlock
   * each other in rare interleavings; the store retries those ({@link #isRetryable}).
   */
  POSTGRESQL("jdbc:postgresql:", "org.postgresql.Driver", "postgresql", "CAST(? AS jsonb)");

  /** Page cache of SQLite's write connection, in KiB. */
  static final int WRITER_CACHE_KIB = 64 * 1024;

  /** Page size of new SQLite files, in bytes (see {@link #createWithPageSize}). */
  static final int PAGE_SIZE = 1024;
  /**
   * How often SQLite's log is checkpointed, off the commit path ({@link WalCheckpointer}). A checkpoint copies
   * each page changed since the last one once, however often it changed, so a longer interval copies less: the
   * random index pages that ingestion dirties are mostly the same ones second after second. From 200 ms to 2 s,
   * bytes written per event fell by a quarter (2026-12-02, docs/benchmarks.md "Service").
   */
  static final int CHECKPOINT_INTERVAL_MILLIS = 2_000;
  /**
   * Bytes in SQLite's log above which {@link WalCheckpointer} briefly holds the writer back so that the log can
   * start over.
   */
  static final long WAL_RESTART_BYTES = 80L * 1024 * 1024;
  /**
   * Bytes of log file SQLite keeps when the log starts over; a larger file is cut back to this. Above what the
   * log reaches under a steady load (the restart limit plus what is appended while it catches up, about 150 MB),
   * so that the file is reused rather than cut and grown again each time; only a log that readers kept from
   * starting over for long is cut back.
   */
  static final int WAL_FILE_LIMIT_BYTES = 256 * 1024 * 1024;

  private final String urlPrefix;
  private final String driverClass;
  private final String migrationFolder;
  private final String jsonParameter;

  Dialect(String urlPrefix, String driverClass, String migrationFolder, String jsonParameter) {
    this.urlPrefix = urlPrefix;
    this.driverClass = driverClass;
    this.migrationFolder = migrationFolder;
    this.jsonParameter = jsonParameter;
  }

  /** A PostgreSQL URL that names its host(s) and database; parameters may follow. */
  private static final java.util.regex.Pattern POSTGRESQL_URL =
      java.util.regex.Pattern.compile("jdbc:postgresql://[^/?#]+/[^/?#;&]+");

  /**
   * The dialect of a JDBC URL.
   *
   * @throws IllegalArgumentException if the URL is null, names another database, or is a PostgreSQL URL the driver
   *     would read otherwise than written ({@link #requireWholePostgresqlUrl})
   */
  static Dialect of(String jdbcUrl) {
    if (jdbcUrl == null) {
      throw new IllegalArgumentException("JDBC URL must not be null");
    }
    for (Dialect d : values()) {
      if (jdbcUrl.startsWith(d.urlPrefix)) {
        if (d == POSTGRESQL) requireWholePostgresqlUrl(jdbcUrl);
        return d;
      }
    }
    // Only the scheme goes in the message: the rest of a URL may carry a password.
    int schemeEnd = jdbcUrl.indexOf(':', jdbcUrl.indexOf(':') + 1);
    String scheme = schemeEnd < 0 ? jdbcUrl : jdbcUrl.substring(0, schemeEnd + 1) + "...";
    throw new IllegalArgumentException("unsupported database URL '" + scheme
        + "': the store runs on jdbc:sqlite:<file> or jdbc:postgresql://<host>:<port>/<database>");
  }

  /**
   * Refuses a PostgreSQL URL without its host or database, with {@code user:password@} before the host, or with a
   * port that is no number from 1 to 65535 in any of its hosts. The driver fills in what is left out (localhost, a
   * database named after the system user: {@code jdbc:postgresql://} opened a database the operator never named and
   * made a store in it, QA); it reads "user:secret@host" as a host with the port "secret@host"; and of a bad port the
   * pool said only that the driver "claims to not accept" the URL, after the driver's own warning line (a CLI QA run).
   */
  private static void requireWholePostgresqlUrl(String jdbcUrl) {
    if (!POSTGRESQL_URL.matcher(jdbcUrl).lookingAt()) {
      throw new IllegalArgumentException("incomplete PostgreSQL URL '" + Store.redacted(jdbcUrl) + "': name the"
          + " host and the database, jdbc:postgresql://<host>[:<port>]/<database>");
    }
    String hosts = jdbcUrl.substring("jdbc:postgresql://".length(), jdbcUrl.indexOf('/', "jdbc:postgresql://".length()));
    if (hosts.indexOf('@') >= 0) { // said so, the secret not echoed
      throw new IllegalArgumentException("PostgreSQL URL '" + Store.redacted(jdbcUrl) + "' names its user before the"
          + " host (user:password@host), which the PostgreSQL driver does not read: give them as parameters,"
          + " jdbc:postgresql://<host>[:<port>]/<database>?user=<name>&password=<secret>");
    }
    for (String host : hosts.split(",", -1)) {
      // [::1]:5432 or name:5432; a bare IPv6 address has no port unless bracketed
      int bracket = host.lastIndexOf(']');
      int colon = host.lastIndexOf(':');
      if (colon < 0 || colon < bracket || (bracket < 0 && host.indexOf(':') != colon)) continue;
      String port = host.substring(colon + 1);
      if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        throw new IllegalArgumentException("PostgreSQL URL '" + Store.redacted(jdbcUrl) + "' has the port '" + port
            + "': a port is a number from 1 to 65535 (jdbc:postgresql://<host>[:<port>]/<database>)");
      }
    }
  }

  /** The URL as messages show it: {@link Store#redacted}, a password masked. */
  String describe(String jdbcUrl) {
    return Store.redacted(jdbcUrl);
  }

  /** The Flyway location of this dialect's migrations. */
  String migrationLocation() {
    return "classpath:db/migration/" + migrationFolder;
  }

  /** The SQL for a JSON-valued parameter: PostgreSQL's {@code jsonb} columns need a cast from text. */
  String jsonParameter() {
    return jsonParameter;
  }

  /**
   * Whether appends send each table's new rows as arrays in one statement ({@code unnest}, PostgreSQL) rather
   * than as a JDBC batch of one-row statements (SQLite, where a statement costs no round trip).
   */
  boolean insertsFromArrays() {
    return this == POSTGRESQL;
  }

  /** Whether the database takes one writer at a time, so that writes must queue in the JVM. */
  boolean singleWriter() {
    return this == SQLITE;
  }

  /**
   * Whether concurrent appends share one transaction ({@link GroupCommit}). On SQLite they queue for the one
   * writer anyway, and the commit (writing and syncing the log) costs more than the inserts of a batch of 500
   * events. Not on PostgreSQL: it already shares one sync of its log among transactions that commit at the same
   * moment and runs them in parallel, which a queue in front of it gives up (measured 2026-12-02, 4 threads
   * appending batches of 500: 25,000 events/s grouped against 33,000-37,000 without).
   */
  boolean groupsAppends() {
    return this == SQLITE;
  }

  /**
   * Whether a failed write transaction ({@code operation}) may simply be run again: a PostgreSQL deadlock ({@code
   * 40P01}) or serialisation failure ({@code 40001}), and an append's foreign key broken by a concurrent deletion.
   */
  boolean isRetryable(SQLException e, String operation) {
    String state = e.getSQLState();
    // and, for an append, a foreign key that a concurrent transaction's delete broke (23503): an append that found
    // its user stored (INSERT ... ON CONFLICT DO NOTHING locks no existing row) while another process deleted them;
    // run again, it stores the user anew, as if it came after the deletion (a review: 428 of 3,000 racing appends
    // failed). Elsewhere such a violation is the write's own, and fails at once.
    return this == POSTGRESQL && ("40P01".equals(state) || "40001".equals(state)
        || "23503".equals(state) && operation.startsWith("appendEvents"));
  }

  /**
   * Makes the transaction on {@code c} the only one that changes which model version is active until it ends. On
   * PostgreSQL two activations at once each cleared the others' flags as they saw them, then both set their own, and
   * the second broke the one-active index (a review: 138 of 1,200 racing activations failed); SQLite has one writer.
   */
  void serializeActivations(java.sql.Connection c) throws SQLException {
    if (this != POSTGRESQL) return;
    try (java.sql.Statement s = c.createStatement()) {
      s.execute("SELECT pg_advisory_xact_lock(" + ACTIVATION_LOCK_KEY + ")");
    }
  }

  /** The advisory lock of {@link #serializeActivations}: any constant of this application's own. */
  private static final long ACTIVATION_LOCK_KEY = 0x61747475_6e650001L;

  /**
   * Refuses a PostgreSQL URL whose {@code currentSchema} is not lower-case plain names: the driver quotes it in the
   * session's search path, so {@code QA3Up} names a schema {@code "QA3Up"} that an unquoted statement never finds. A
   * QA run's store on one failed to migrate ("no schema has been selected to create in"), left a schema behind that
   * the next open could not read, and every tool that names it unquoted misses it. A search path set through {@code
   * options} is refused too.
   */
  private static void requirePlainSchemaNames(String jdbcUrl) {
    int query = jdbcUrl.indexOf('?');
    if (query < 0) return;
    for (String part : jdbcUrl.substring(query + 1).split("&")) {
      int eq = part.indexOf('=');
      if (eq < 0) continue;
      String value = java.net.URLDecoder.decode(part.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
      if (part.substring(0, eq).equalsIgnoreCase("options") && value.toLowerCase(Locale.ROOT).contains("search_path")) {
        // the store's claim (one server per store), copy's same-store check and every message read currentSchema:
        // a schema chosen behind them would be claimed as the database's default one
        throw new IllegalArgumentException("name the store's schema with currentSchema=<schema>, not with a search_path"
            + " in options=");
      }
      if (!part.substring(0, eq).equalsIgnoreCase("currentSchema")) continue;
      if (!value.matches("[a-z_][a-z0-9_$]*(,[a-z_][a-z0-9_$]*)*")) {
        throw new IllegalArgumentException("currentSchema '" + value + "' must be a lower-case name (a-z, digits, _):"
            + " PostgreSQL reads unquoted names in lower case, so a schema named otherwise is missed by the name given");
      }
    }
  }

  /**
   * Readies the database's location: for SQLite, creates the folders above the file.
   *
   * @throws IllegalArgumentException for an in-memory SQLite URL: every pooled connection would see its own
   *     empty database
   * @throws StoreException if the folders cannot be created
   */
  void prepare(String jdbcUrl) {
    if (this != SQLITE) {
      requirePlainSchemaNames(jdbcUrl);
      return;
    }
    String location = jdbcUrl.substring(urlPrefix.length());
    if (location.isEmpty() || location.contains(":memory:") || location.toLowerCase(Locale.ROOT)
        .contains("mode=memory")) {
      throw new IllegalArgumentException("in-memory SQLite is not supported (each pooled connection would see "
          + "its own database): use jdbc:sqlite:<file>");
    }
    Path file = sqliteFile(jdbcUrl);
    Path parent = file.toAbsolutePath().getParent();
    try {
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      // the system's reason without Java's class name: "Not a directory" when a part of the path is a file
      String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
          : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
          : e instanceof java.nio.file.FileAlreadyExistsException ? "a file is there" : String.valueOf(e.getMessage());
      throw StoreException.cannotOpen(describe(jdbcUrl), "cannot create folder " + parent + " (" + reason + ")", e);
    }
    createWithPageSize(jdbcUrl, file);
  }

  /** SQLite only: the database file a {@code jdbc:sqlite:} URL names (without its parameters). */
  Path sqliteFile(String jdbcUrl) {
    assert this == SQLITE : "only SQLite has a file";
    String location = jdbcUrl.substring(urlPrefix.length());
    int query = location.indexOf('?');
    if (query >= 0) {
      location = location.substring(0, query);
    }
    if (location.startsWith("file:")) {
      location = location.substring("file:".length());
    }
    return Path.of(location);
  }

  /**
   * SQLite only: a database file that does not exist yet is created with {@value #PAGE_SIZE}-byte pages.
   *
   * <p>Why smaller pages than SQLite's 4,096: every event inserts into two indexes in random order (the (user,
   * time) index, and the event-id index for random client ids), so a commit dirties about one index page per
   * event, and WAL mode writes every dirty page whole into the log (and again into the database at the
   * checkpoint). Appends were bound by those writes, not by the CPU (the process used about half a core);
   * a quarter of the page size is a quarter of the bytes written per event. The page size of an existing file
   * cannot change (short of a VACUUM), so it is set only here, before the first write, and before the journal
   * becomes WAL, after which SQLite ignores it.
   */
  private void createWithPageSize(String jdbcUrl, Path file) {
    try {
      if (Files.exists(file) && Files.size(file) > 0) return;
    } catch (IOException e) {
      return; // the pool's own open reports what is wrong with the file
    }
    try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl);
        java.sql.Statement st = c.createStatement()) {
      st.execute("PRAGMA page_size = " + PAGE_SIZE);
      st.execute("PRAGMA journal_mode = WAL");
    } catch (SQLException e) {
      throw StoreException.cannotOpen(describe(jdbcUrl), e.getMessage(), e);
    }
  }

  /**
   * The configuration of the pool that serves reads, or every call when {@link #singleWriter} is false.
   * SQLite connections get WAL, {@code synchronous=FULL}, the busy timeout and foreign keys; PostgreSQL ones the
   * busy timeout as {@code lock_timeout}.
   */
  HikariConfig readPoolConfig(String jdbcUrl, JdbcStore.Options options) {
    HikariConfig config = basePoolConfig(jdbcUrl, options, this == SQLITE ? "attune-sqlite-read" : "attune-postgresql");
    config.setMaximumPoolSize(options.maxPoolSize());
    if (this == SQLITE) {
      config.setDataSourceProperties(sqliteConfig(options).toProperties());
    } else {
      // what SQLite's busy timeout is: a lock another session holds (a CREATE INDEX, a LOCK TABLE, a long
      // transaction) fails the call after that long instead of holding its connection until it is released; a QA
      // run's 40 s table lock held every connection, so reads and /health failed too. 0 means wait for ever here,
      // not fail at once as in SQLite: a millisecond is the nearest
      config.setConnectionInitSql("SET lock_timeout = " + Math.max(1, options.busyTimeout().toMillis()));
    }
    return config;
  }

  /**
   * SQLite only: the configuration of the one-connection pool that makes every write.
   *
   * <p>One connection keeps its page cache: SQLite empties a connection's cache whenever another connection
   * has committed since, so writes that rotated through the read pool would each start cold and re-read the
   * index pages they modify. Hence also its larger cache ({@value #WRITER_CACHE_KIB} KiB).
   *
   * <p>No automatic checkpoint ({@code wal_autocheckpoint=0}): SQLite would run it inside the commit that
   * crosses the limit, and random inserts into the (user, time) index dirty about one page per event, so it
   * copied tens of MB while an append waited. {@link WalCheckpointer} does it beside the writer instead, and
   * {@code journal_size_limit} ({@value #WAL_FILE_LIMIT_BYTES} bytes) trims the log file when the log starts
   * over.
   */
  HikariConfig writePoolConfig(String jdbcUrl, JdbcStore.Options options) {
    assert this == SQLITE : "only SQLite has a separate writer";
    HikariConfig config = basePoolConfig(jdbcUrl, options, "attune-sqlite-write");
    config.setMaximumPoolSize(1);
    SQLiteConfig sqlite = sqliteConfig(options);
    sqlite.setCacheSize(-WRITER_CACHE_KIB); // negative: KiB rather than pages
    sqlite.setWalAutocheckpoint(0);
    sqlite.setJournalSizeLimit(WAL_FILE_LIMIT_BYTES);
    config.setDataSourceProperties(sqlite.toProperties());
    return config;
  }

  /**
   * SQLite only: opens the connection of {@link WalCheckpointer}. Its busy timeout is 0: a passive checkpoint
   * never waits, and one that finds another checkpoint running simply tries again next round. {@code
   * synchronous=FULL} makes its checkpoints sync the database file before the log may start over, so that a page
   * is never only in a log frame that is about to be overwritten.
   *
   * @throws StoreException if the database cannot be opened
   */
  Connection openCheckpointConnection(String jdbcUrl, String database) {
    assert this == SQLITE : "only SQLite checkpoints from the store";
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    sqlite.setBusyTimeout(0);
    try {
      return sqlite.createConnection(jdbcUrl);
    } catch (SQLException e) {
      throw StoreException.of("open (checkpoint connection)", database, e);
    }
  }

  private HikariConfig basePoolConfig(String jdbcUrl, JdbcStore.Options options, String name) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(jdbcUrl);
    config.setDriverClassName(driverClass);
    config.setConnectionTimeout(options.connectionTimeout().toMillis());
    return config;
  }

  private static SQLiteConfig sqliteConfig(JdbcStore.Options options) {
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    sqlite.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, options.busyTimeout().toMillis()));
    // On for the writer too, although appendEvents inserts the users in the same transaction and deleteUser
    // deletes the events itself: with the check off, appends were no faster within the noise of the machine
    // (2026-12-02), and it still catches a user deleted from outside the store (another process, a shell).
    sqlite.enforceForeignKeys(true);
    // a deleted user's rows are overwritten, not left readable in the file's free pages (and in its backups)
    sqlite.setPragma(SQLiteConfig.Pragma.SECURE_DELETE, "ON");
    return sqlite;
  }

  /**
   * Runs {@code work} on {@code connection}, inside its transaction, with the wait on a lock another process or
   * session holds cut to {@code lockMillis}. PostgreSQL: {@code SET LOCAL lock_timeout}, which the transaction's end
   * undoes. SQLite: the busy timeout, which belongs to the connection, so it is set back to {@code busyMillis}
   * afterwards.
   */
  <T> T withLockWait(Connection connection, long lockMillis, long busyMillis, JdbcStore.SqlWork<T> work)
      throws SQLException {
    try (java.sql.Statement st = connection.createStatement()) {
      st.execute(this == POSTGRESQL ? "SET LOCAL lock_timeout = " + lockMillis : "PRAGMA busy_timeout = " + lockMillis);
    }
    if (this == POSTGRESQL) return work.run(connection);
    try {
      return work.run(connection);
    } finally {
      try (java.sql.Statement st = connection.createStatement()) {
        st.execute("PRAGMA busy_timeout = " + busyMillis);
      }
    }
  }

  /**
   * Starts a read-only transaction on {@code connection} (auto-commit already off) in which every statement
   * sees the same committed state. SQLite transactions are serialisable already; PostgreSQL's default (read
   * committed) takes a new snapshot per statement, so this asks for repeatable read.
   */
  void beginSnapshot(Connection connection) throws SQLException {
    if (this == POSTGRESQL) {
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      connection.setReadOnly(true);
    }
  }

  /**
   * The number the last row of {@code table} took from its counter ({@code AUTOINCREMENT} / {@code bigserial}
   * column {@code sequence}), 0 when none did: at least its highest {@code sequence}, more when the newest rows were
   * deleted, since a number is never given twice.
   */
  long lastNumber(Connection connection, String table) throws SQLException {
    String sql = this == SQLITE ? "SELECT seq FROM sqlite_sequence WHERE name = ?"
        : "SELECT COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence(?, 'sequence') AS regclass)), 0)";
    try (var ps = connection.prepareStatement(sql)) {
      ps.setString(1, table);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  /**
   * Sets {@code table}'s counter so that its next row gets {@code last} + 1 (or more, if its rows are past it); 0 sets
   * an empty table's back to its start.
   */
  void setLastNumber(Connection connection, String table, long last) throws SQLException {
    try (var max = connection.prepareStatement("SELECT COALESCE(MAX(sequence), 0) FROM " + table);
        var rs = max.executeQuery()) {
      rs.next();
      last = Math.max(last, rs.getLong(1));
    }
    if (last == 0) {
      // SQLite: no entry is the start; PostgreSQL: the next value is 1 again
      String sql = this == SQLITE ? "DELETE FROM sqlite_sequence WHERE name = ?"
          : "SELECT setval(pg_get_serial_sequence(?, 'sequence'), 1, false)";
      try (var ps = connection.prepareStatement(sql)) {
        ps.setString(1, table);
        ps.execute();
      }
      return;
    }
    if (this == SQLITE) {
      // explicit numbers already moved the counter to the highest row; a row inserted makes its entry
      try (var ps = connection.prepareStatement("UPDATE sqlite_sequence SET seq = ? WHERE name = ?")) {
        ps.setLong(1, last);
        ps.setString(2, table);
        if (ps.executeUpdate() == 1) return;
      }
      try (var ps = connection.prepareStatement("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")) {
        ps.setString(1, table);
        ps.setLong(2, last);
        ps.executeUpdate();
      }
    } else {
      try (var ps = connection.prepareStatement("SELECT setval(pg_get_serial_sequence(?, 'sequence'), ?)")) {
        ps.setString(1, table);
        ps.setLong(2, last);
        ps.executeQuery().close();
      }
    }
  }

  /**
   * PostgreSQL: drops {@code table}'s keys, foreign keys and indexes before a bulk load into it, inside the caller's
   * transaction, and returns the statements that make them again, to run after the load. Building an index once over
   * the loaded rows is faster than keeping it up row by row: 5.2 million events went in 5.0 s and their three indexes
   * were built in 5.9 s, against 30.7 s into the indexed table (2026-12-06, {@code INSERT ... SELECT}). Read from the
   * catalogue, so a migration's new index is rebuilt too. SQLite: nothing.
   *
   * <p>Only for a table no foreign key points at (the events, the exposures): one another table refers to keeps its
   * keys and indexes (the list is empty). Dropping them takes the table, and the table its foreign key names, from
   * every other reader until the transaction ends: for a store no server serves yet.
   */
  java.util.List<String> dropKeysForBulkLoad(Connection connection, String table) throws SQLException {
    java.util.List<String> again = new java.util.ArrayList<>();
    // SQLite: its keys' indexes are part of the table; rebuilding its one index apart from them measured no faster
    // (5.2 million events from PostgreSQL: 43.4 s, against 42.0 s kept up)
    if (this != POSTGRESQL) return again;
    try (var ps = connection.prepareStatement("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
        + " AND confrelid = CAST(? AS regclass)")) {
      ps.setString(1, table);
      try (var rs = ps.executeQuery()) {
        // a key another table refers to cannot be dropped alone: loaded with its indexes kept up then
        if (rs.next() && rs.getLong(1) > 0) return again;
      }
    }
    // the drops wait for every session that read the table; a reader holding it open is said, not waited on unseen
    try (var st = connection.createStatement()) {
      st.execute("SET LOCAL lock_timeout = '10s'");
    }
    java.util.List<String> drops = new java.util.ArrayList<>();
    java.util.List<String> foreign = new java.util.ArrayList<>();
    try (var ps = connection.prepareStatement("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
        + " WHERE conrelid = CAST(? AS regclass) AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname")) {
      ps.setString(1, table);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = quoted(rs.getString(1));
          drops.add("ALTER TABLE " + table + " DROP CONSTRAINT " + name);
          String add = "ALTER TABLE " + table + " ADD CONSTRAINT " + name + " " + rs.getString(3);
          // a foreign key last: it is checked over every row loaded, the keys and indexes being built before it
          if (rs.getString(2).equals("f")) foreign.add(add);
          else again.add(add);
        }
      }
    }
    try (var ps = connection.prepareStatement("SELECT i.indexname, i.indexdef FROM pg_indexes i"
        + " WHERE i.schemaname = current_schema() AND i.tablename = ? AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
        + " WHERE c.conrelid = CAST(? AS regclass) AND c.conname = i.indexname) ORDER BY i.indexname")) {
      ps.setString(1, table);
      ps.setString(2, table);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          drops.add("DROP INDEX " + quoted(rs.getString(1)));
          again.add(rs.getString(2));
        }
      }
    }
    again.addAll(foreign);
    try (var st = connection.createStatement()) {
      for (String drop : drops) st.execute(drop);
    }
    return again;
  }

  private static String quoted(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
