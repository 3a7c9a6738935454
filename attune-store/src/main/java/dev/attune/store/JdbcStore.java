package dev.attune.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The {@link Store} on JDBC: SQLite or PostgreSQL ({@link Dialect}), behind a HikariCP pool, with the schema
 * migrated by Flyway from {@code db/migration/<dialect>} when the store opens.
 *
 * <p>Transactions: every write method is one transaction, committed before it returns. Methods that read more
 * than one statement ({@link #counts}, {@link #toDataset}, the {@code forEach} visitors) read one snapshot, so
 * concurrent writes are seen entirely or not at all. On SQLite the writes queue on one fair lock in this JVM
 * and go through one connection of their own (SQLite takes one writer at a time, and queueing here means
 * request threads never see {@code SQLITE_BUSY}); reads run in parallel beside them (WAL) on a pool of
 * their own. On PostgreSQL one pool serves both, writes run in parallel, and a transaction that deadlocked
 * against another is retried.
 *
 * <p>Group commit (SQLite): {@link #appendEvents} calls that wait for the writer at the same time share one
 * transaction and one commit ({@link GroupCommit}); each still returns only after that commit and gets its own
 * counts. The log is checkpointed by a thread of the store's ({@link WalCheckpointer}), not inside commits.
 *
 * <p>Arrival order: {@link StoredEvent#sequence} comes from the database ({@code AUTOINCREMENT} /
 * {@code bigserial}) as each row is inserted, in batch order. On SQLite it is also commit order. On PostgreSQL
 * two batches committing at the same time may interleave their numbers, and a reader may see a higher number
 * committed before a lower one.
 *
 * <p>Thread-safe.
 */
public final class JdbcStore implements Store {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JdbcStore.class);

  /**
   * How the store uses its database.
   *
   * @param maxPoolSize most connections open at once, > 0; on SQLite these serve the reads, and the writes
   *     have one more connection of their own
   * @param connectionTimeout how long a call waits for a free connection (on SQLite, a write for its turn)
   *     before failing with a {@link StoreException}, > 0
   * @param busyTimeout how long a call waits for a lock another process holds: on SQLite the write lock of the same
   *     file, on PostgreSQL any lock another session holds ({@code lock_timeout}; at least 1 ms there, where 0 would
   *     wait for ever), >= 0
   */
  public record Options(int maxPoolSize, Duration connectionTimeout, Duration busyTimeout) {

    /**
     * 8 connections, 10 s to get one, 10 s for another process's write lock. A request waits that long for a
     * connection when the database is down (then its answer is 503, retry later): HikariCP's 30 s outlasted most
     * clients' own timeouts, so they saw a timeout rather than the 503 (a QA run on PostgreSQL).
     */
    public static final Options DEFAULTS = new Options(8, Duration.ofSeconds(10), Duration.ofSeconds(10));

    /** Checks the components. */
    public Options {
      if (maxPoolSize <= 0) {
        throw new IllegalArgumentException("maxPoolSize must be > 0: " + maxPoolSize);
      }
      if (connectionTimeout == null || connectionTimeout.isNegative() || connectionTimeout.isZero()) {
        throw new IllegalArgumentException("connectionTimeout must be > 0: " + connectionTimeout);
      }
      if (busyTimeout == null || busyTimeout.isNegative()) {
        throw new IllegalArgumentException("busyTimeout must be >= 0: " + busyTimeout);
      }
    }
  }

  /** The schema version of this build's migrations (the highest {@code V<n>__} file). */
  static final int SCHEMA_VERSION = 4;
  /** The schema version the store was opened at: below {@link #SCHEMA_VERSION} when read as an earlier build left it. */
  private final int schemaVersion;
  /** The first schema version with A/B experiments. */
  private static final int EXPERIMENTS_SCHEMA = 3;
  /** The schema version that added the API keys' table. */
  private static final int API_KEYS_SCHEMA = 2;
  /** The schema version that added the store's settings table. */
  private static final int SETTINGS_SCHEMA = 4;

  /** Rows sent to the driver per executeBatch call; bounds the driver's buffers for very large appends. */
  private static final int BATCH_ROWS = 1_000;
  /** Rows per array statement on PostgreSQL ({@link #appendFromArrays}); bounds the size of one statement. */
  private static final int ARRAY_ROWS = 10_000;
  /** Rows PostgreSQL sends per round trip when a visitor streams a table (without it, the whole table). */
  private static final int FETCH_ROWS = 5_000;
  /** Attempts of a PostgreSQL write transaction that deadlocked; a deadlock needs two unlucky batches. */
  private static final int MAX_ATTEMPTS = 6;
  /**
   * Events one group commit takes at most ({@link GroupCommit}), unless its first call is larger alone: about
   * 10 batches of 500. Larger groups commit less often but make the calls at the end of a group wait longer.
   */
  private static final int MAX_GROUP_EVENTS = 5_000;

  private static final String ITEM_COLUMNS =
      "id, scene, title, creator, album, categories, tags, duration, release_time, text, attributes, hidden, "
          + "created_at";
  private static final String EVENT_COLUMNS = "sequence, event_id, user_id, item_id, type, value, ts, scene, context";
  private static final String MODEL_COLUMNS = "id, kind, path, created_at, metrics, active";
  private static final String INSERT_USERS_FROM_ARRAY =
      "INSERT INTO users (id) SELECT unnest(CAST(? AS text[])) ON CONFLICT (id) DO NOTHING RETURNING id";
  private static final String INSERT_ITEMS_FROM_ARRAYS = "INSERT INTO items (id, scene, created_at) "
      + "SELECT id, scene, ? FROM unnest(CAST(? AS text[]), CAST(? AS text[])) AS t (id, scene) "
      + "ON CONFLICT (id) DO NOTHING RETURNING id";
  private static final String INSERT_EVENTS_FROM_ARRAYS =
      "INSERT INTO events (event_id, user_id, item_id, type, value, ts, scene, context) "
          + "SELECT event_id, user_id, item_id, type, value, ts, scene, CAST(context AS jsonb) "
          + "FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), "
          + "CAST(? AS real[]), CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[])) WITH ORDINALITY "
          + "AS t (event_id, user_id, item_id, type, value, ts, scene, context, position) "
          + "ORDER BY position ON CONFLICT (event_id) DO NOTHING RETURNING event_id";

  private final Dialect dialect;
  /** The URL the store was opened with, for the connection of {@link #tryLockForServing}. */
  private final String jdbcUrl;
  private final String database;
  /** Most user ids, and most item ids, remembered as stored (about 100 bytes each). */
  static final int KNOWN_IDS = 2_000_000;
  /** Serves reads; on PostgreSQL, writes too. */
  private final HikariDataSource readPool;
  /** Makes the writes: SQLite's one write connection, or the same pool as {@link #readPool} on PostgreSQL. */
  private final HikariDataSource writePool;
  /**
   * SQLite: the queue of writers for the one write connection (appends take it through {@link #appends}, once
   * per group; the checkpointer holds it for its last step); null on PostgreSQL. Fair, so a steady stream of
   * appends cannot starve a deleteUser or the checkpointer, and waited on for at most the connection timeout.
   */
  private final ReentrantLock writeLock;
  private final long writeWaitMillis;
  /** How long a call waits for a lock another process holds ({@link Options#busyTimeout}). */
  private final long busyWaitMillis;
  /**
   * PostgreSQL: the pool's connections writes may hold at once, all but {@value #CONNECTIONS_KEPT_FOR_READS} (and at
   * least one); null on SQLite, whose writes have a connection of their own. Writes that wait on a lock another
   * session holds (a CREATE INDEX) hold their connections meanwhile; with every one of them taken, reads and the
   * health check found none (a QA run: /health answered 503 while a table lock lasted).
   */
  private final java.util.concurrent.Semaphore writeSlots;
  /** PostgreSQL: the pool's connections writes leave to reads, when the pool has more than one. */
  static final int CONNECTIONS_KEPT_FOR_READS = 2;
  /**
   * A turn (a write slot, SQLite's writer) waited for this long shortens the lock wait; shorter waits are the usual
   * turns under load, not worth a statement more.
   */
  private static final long TURN_WAIT_WORTH_A_SHORTER_LOCK_MILLIS = 100;
  /**
   * The platform thread that writes the groups of {@link #appends} when their leader is a virtual thread (see
   * {@link GroupCommit}); null on PostgreSQL.
   */
  private final ExecutorService writerThread;
  /** The queue that groups concurrent appends into one transaction; null when the dialect does not. */
  private final GroupCommit<PreparedAppend, AppendResult> appends;
  /**
   * SQLite: users and items known to be stored, whose inserts appends skip (see {@link KnownIds}); null on
   * PostgreSQL, where other servers may share the database. Used only under {@link #writeLock}.
   */
  private final KnownIds knownUsers;
  private final KnownIds knownItems;
  /** SQLite: checkpoints the log beside the writer; null on PostgreSQL. */
  private final WalCheckpointer checkpointer;
  /** Set by {@link #close}: every call after it fails with a {@link StoreException} that says so. */
  private volatile boolean closed;
  /**
   * Held shared by every call while it uses the pools ({@link #enter}), and exclusively by {@link #close}, which
   * so waits for the calls in progress: a pool closed under a busy connection aborts it mid-transaction.
   */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

  // Statements with JSON parameters, whose SQL depends on the dialect (Dialect.jsonParameter).
  private final String upsertUser;
  private final String upsertItem;
  private final String insertEvent;
  private final String upsertModel;

  private JdbcStore(Dialect dialect, String jdbcUrl, String database, HikariDataSource readPool,
      HikariDataSource writePool, Options options, ReentrantLock writeLock, WalCheckpointer checkpointer,
      int schemaVersion) {
    this.schemaVersion = schemaVersion;
    this.dialect = dialect;
    this.jdbcUrl = jdbcUrl;
    this.database = database;
    this.readPool = readPool;
    this.writePool = writePool;
    this.writeLock = writeLock;
    this.writeWaitMillis = options.connectionTimeout().toMillis();
    this.busyWaitMillis = options.busyTimeout().toMillis();
    this.writeSlots = writeLock != null ? null
        : new java.util.concurrent.Semaphore(Math.max(1, options.maxPoolSize() - CONNECTIONS_KEPT_FOR_READS), true);
    this.checkpointer = checkpointer;
    this.knownUsers = writeLock == null ? null : new KnownIds(KNOWN_IDS);
    this.knownItems = writeLock == null ? null : new KnownIds(KNOWN_IDS);
    this.writerThread = dialect.groupsAppends()
        ? Executors.newSingleThreadExecutor(Thread.ofPlatform().name("attune-store-writer").daemon().factory())
        : null;
    this.appends = dialect.groupsAppends()
        ? new GroupCommit<>(writeLock, MAX_GROUP_EVENTS, PreparedAppend::size, this::writeAppendGroup, writerThread,
            // a wait that timed out has no cause of its own: a timeout, so that the failure reads as retryable()
            (reason, cause) -> new StoreException("appendEvents failed on " + database + ": " + reason,
                cause != null ? cause : new java.sql.SQLTimeoutException(reason)))
        : null;
    String json = dialect.jsonParameter();
    this.upsertUser = "INSERT INTO users (id, attributes) VALUES (?, " + json + ") "
        + "ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes";
    this.upsertItem = "INSERT INTO items (" + ITEM_COLUMNS + ") VALUES (?, ?, ?, ?, ?, " + json + ", " + json
        + ", ?, ?, ?, " + json + ", ?, ?) "
        + "ON CONFLICT (id) DO UPDATE SET scene = excluded.scene, title = excluded.title, "
        + "creator = excluded.creator, album = excluded.album, categories = excluded.categories, "
        + "tags = excluded.tags, duration = excluded.duration, release_time = excluded.release_time, "
        + "text = excluded.text, attributes = excluded.attributes";
    this.insertEvent = "INSERT INTO events (event_id, user_id, item_id, type, value, ts, scene, context) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?, " + json + ") ON CONFLICT (event_id) DO NOTHING";
    this.upsertModel = "INSERT INTO model_versions (" + MODEL_COLUMNS + ") VALUES (?, ?, ?, ?, " + json + ", ?) "
        + "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, path = excluded.path, "
        + "created_at = excluded.created_at, metrics = excluded.metrics, "
        // saved as inactive, a version keeps an activation: a job registering the version an admin has just
        // activated (it is listed once it has its name) must not undo that
        + "active = (excluded.active OR model_versions.active)";
  }

  /**
   * Opens (and migrates) the store at {@code jdbcUrl}: {@code jdbc:sqlite:<file>} (the file's folders are
   * created; the store's pragmas, such as {@code synchronous=FULL}, win over any in the URL) or {@code jdbc:postgresql://host:port/db} (parameters such as {@code currentSchema} are passed to
   * the driver; Flyway creates a missing schema).
   *
   * @throws IllegalArgumentException if the URL names another database or in-memory SQLite, or options is null
   * @throws StoreException if the database cannot be reached or migrated
   */
  public static Store open(String jdbcUrl, Options options) {
    return open(jdbcUrl, options, SchemaUse.MIGRATE);
  }

  /** What opening does with the schema it finds. */
  enum SchemaUse {
    /** Migrates it to this build's version, creating it in an empty database ({@link Store#open}). */
    MIGRATE,
    /** Reads an earlier build's as it is; refuses a database without one ({@link Store#openAsItIs}). */
    AS_IT_IS,
    /** As {@link #AS_IT_IS}, but creates the schema in an empty database ({@link Store#openAsItIsOrNew}). */
    AS_IT_IS_OR_NEW,
    /** Migrates an existing one; refuses a database without one ({@link Store#openExisting}). */
    MIGRATE_EXISTING
  }

  /** As {@link #open(String, Options)}, with the schema used as {@code use} says. */
  static Store open(String jdbcUrl, Options options, SchemaUse use) {
    boolean migrate = use == SchemaUse.MIGRATE || use == SchemaUse.MIGRATE_EXISTING;
    Dialect dialect = Dialect.of(jdbcUrl);
    if (options == null) {
      throw new IllegalArgumentException("options must not be null");
    }
    String database = dialect.describe(jdbcUrl);
    dialect.prepare(jdbcUrl);
    // The writer first: on SQLite it is the connection that creates the file and sets it to WAL.
    HikariDataSource writePool = startPool(
        dialect.singleWriter() ? dialect.writePoolConfig(jdbcUrl, options) : dialect.readPoolConfig(jdbcUrl, options),
        database);
    int schemaVersion;
    try {
      var configuration = Flyway.configure(JdbcStore.class.getClassLoader())
          .dataSource(writePool)
          .locations(dialect.migrationLocation())
          // a schema a newer build migrated is refused (Flyway only warns): this build would misread what it added
          .ignoreMigrationPatterns(new String[0]);
      Flyway flyway = configuration.load();
      // before Flyway validates: a schema 3 of an early build fails validation (every open mode); upgraded by the
      // commands that migrate, and said so by those that only read (which must not change the store)
      if (migrate) {
        EarlyExperimentsSchema.upgradeIfEarly(writePool, dialect, database);
      } else if (EarlyExperimentsSchema.isEarly(writePool, dialect)) {
        writePool.close();
        throw StoreException.cannotOpen(database, "its schema 3 is a development build's of 2026-12-06, which this"
            + " build reads only once upgraded: 'attune serve', 'load' or 'compact' upgrade it (back the store up"
            + " first)", null);
      }
      if (use == SchemaUse.MIGRATE_EXISTING && flyway.info().current() == null) {
        // compacting an empty database would only make a store there
        writePool.close();
        throw StoreException.cannotOpen(database, "it holds no Attune store (no Attune schema): nothing to compact",
            null);
      }
      var current = migrate ? null : flyway.info().current();
      if (current != null && current.getVersion() == null) {
        // only Flyway's own marker of the schema it created: a first migration failed there, and nothing is readable
        writePool.close();
        throw StoreException.cannotOpen(database, "its schema holds no completed Attune migration (one failed there"
            + " before): give the store an empty database or schema, or drop this one", null);
      }
      if (use == SchemaUse.AS_IT_IS && current == null) {
        // a command that only reads (export, keys list) must not make a store in a mistyped empty database
        writePool.close();
        throw StoreException.cannotOpen(database, "it holds no Attune store (no Attune schema); an empty database"
            + " or schema becomes one with 'attune load', 'attune serve' or 'attune keys create'", null);
      }
      if (current != null && flyway.info().pending().length > 0) {
        // an earlier build's schema, read as it is; one a newer build made is still refused, as by migrate()
        configuration.ignoreMigrationPatterns("*:pending").load().validate();
        schemaVersion = Integer.parseInt(current.getVersion().getVersion());
        LOG.info("store schema of {} read as version {}, as an earlier build left it (not migrated)", database,
            schemaVersion);
      } else {
        var migrated = flyway.migrate();
        if (migrated.migrationsExecuted > 0 && migrated.initialSchemaVersion != null) {
          // an upgrade is worth a line in the log; a new store's creation is not
          LOG.info("store schema of {} upgraded from version {} to {}", database, migrated.initialSchemaVersion,
              migrated.targetSchemaVersion);
        }
        schemaVersion = SCHEMA_VERSION;
      }
    } catch (FlywayException e) {
      writePool.close();
      String reason;
      if (String.valueOf(e.getMessage()).contains("non-empty schema")) {
        // Flyway's advice (baselineOnMigrate) would write a store's tables among another application's
        reason = "the database (or schema) holds other tables and no Attune store: give a store an empty database or"
            + " schema of its own";
      } else if (String.valueOf(e.getMessage()).contains("checksum mismatch")) {
        // not Flyway's "Migrations have failed validation": which file, and what to do
        reason = "the store's schema was made by a build whose migration files differ from this build's ("
            + String.valueOf(e.getMessage()).lines().filter(l -> l.contains("checksum mismatch")).findFirst()
            .orElse("checksum mismatch").strip() + "): run the build that made it, or restore a copy of the store"
            + " from before it";
      } else if (String.valueOf(e.getMessage()).contains("not resolved locally")) {
        // not Flyway's text: it suggests a repair that would let this older build misread the store
        reason = "the store's schema was migrated by a newer Attune than this one, which would misread it: run that"
            + " version (or a newer one), or restore a copy of the store from before the upgrade";
      } else {
        // the database's own words (permission denied for table ...), not Flyway's block of lines around them
        java.sql.SQLException sql = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
          if (t instanceof java.sql.SQLException q) sql = q;
        }
        reason = sql != null ? sql.getMessage().lines().findFirst().orElse("") + " (SQLState " + sql.getSQLState() + ")"
            : String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      }
      // a role without rights, or a newer schema: a setting to fix, said in one line
      throw StoreException.cannotOpen(database, "schema migration failed: " + reason, e);
    } catch (java.sql.SQLException e) {
      writePool.close();
      throw StoreException.cannotOpen(database, "upgrading an early build's schema 3 failed: "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + " (SQLState " + e.getSQLState() + ")", e);
    }
    HikariDataSource readPool = writePool;
    if (!dialect.singleWriter()) {
      return new JdbcStore(dialect, jdbcUrl, database, readPool, writePool, options, null, null, schemaVersion);
    }
    ReentrantLock writeLock = new ReentrantLock(true); // fair: see the field
    WalCheckpointer checkpointer = null;
    try {
      readPool = startPool(dialect.readPoolConfig(jdbcUrl, options), database);
      checkpointer = new WalCheckpointer(dialect.openCheckpointConnection(jdbcUrl, database), writeLock, database);
    } catch (StoreException e) {
      if (readPool != writePool) {
        readPool.close();
      }
      writePool.close();
      throw e;
    }
    return new JdbcStore(dialect, jdbcUrl, database, readPool, writePool, options, writeLock, checkpointer,
        schemaVersion);
  }

  private static HikariDataSource startPool(HikariConfig config, String database) {
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      // HikariCP's PoolInitializationException; its message carries the driver's reason.
      throw StoreException.cannotOpen(database, reason(e), e);
    }
  }

  private static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // HikariCP's own words before the driver's say nothing an operator can act on
    String message = String.valueOf(e.getMessage()).replaceFirst("^Failed to initialize pool: ", "");
    String rootMessage = String.valueOf(root.getMessage());
    return root == e || message.contains(rootMessage) ? message : message + " (" + rootMessage + ")";
  }

  // ---- users ----

  @Override
  public void upsertUsers(List<User> users) {
    requireElements(users, "users");
    if (users.isEmpty()) {
      return;
    }
    write("upsertUsers", c -> {
      try (PreparedStatement ps = c.prepareStatement(upsertUser)) {
        executeInBatches(ps, users, (statement, u) -> {
          statement.setString(1, u.id());
          statement.setString(2, JsonColumns.write(u.attributes()));
        });
      }
      return null;
    });
  }

  @Override
  public Optional<User> user(String userId) {
    requireId(userId, "userId");
    return byId("user", "SELECT id, attributes FROM users WHERE id = ?", userId, JdbcStore::readUser);
  }

  /** One connection and one statement for them all: a point read each cost about 4x the batch's upsert. */
  @Override
  public Map<String, User> users(java.util.Collection<String> userIds) {
    for (String id : userIds) requireId(id, "userId");
    return byIds("users", "SELECT id, attributes FROM users WHERE id = ?", userIds, JdbcStore::readUser);
  }

  @Override
  public boolean deleteUser(String userId) {
    requireId(userId, "userId");
    boolean deleted = write("deleteUser", c -> {
      // Events first and explicitly: the foreign key's cascade would do it too, but only while SQLite's
      // foreign_keys pragma is on, which is per connection.
      if (knownUsers != null) knownUsers.remove(userId); // before the commit: see KnownIds
      int events = update(c, "DELETE FROM events WHERE user_id = ?", userId);
      int profiles = update(c, "DELETE FROM users WHERE id = ?", userId);
      int exposures = schemaVersion < EXPERIMENTS_SCHEMA ? 0
          : update(c, "DELETE FROM exposures WHERE user_id = ?", userId);
      return events + profiles + exposures > 0;
    });
    // SQLite: the write-ahead log still holds the rows as they were written; empty it soon
    if (checkpointer != null) checkpointer.requestTruncate();
    return deleted;
  }

  @Override
  public void compact() {
    enter("compact");
    try {
      if (writeLock != null) writeLock.lock();
      // VACUUM runs outside a transaction, so not through write()
      try (Connection c = writePool.getConnection(); Statement st = c.createStatement()) {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try {
          if (dialect.singleWriter()) {
            st.execute("VACUUM");
            // the log must be cut too (it holds the pages as they were); a reader in the way is waited for a while.
            // Each try itself waits out the busy timeout behind readers, so the whole wait is timed, not counted (a
            // review: "5 s" was said after up to 50 busy timeouts)
            long since = System.nanoTime();
            for (int attempt = 1; !WalCheckpointer.truncateLog(st); attempt++) {
              long waited = (System.nanoTime() - since) / 1_000_000_000L;
              if (attempt == 50 || waited >= 30) {
                throw new SQLException("the write-ahead log could not be emptied: a reader (an export, a copy"
                    + " --snapshot) kept it busy for " + Math.max(1, waited) + " s; run compact again once it ends");
              }
              try {
                Thread.sleep(100);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while emptying the write-ahead log", e);
              }
            }
          } else {
            // VACUUM FULL skips a table the role may not vacuum with a warning only (worded by version and
            // language): asked first, so that compact fails rather than reports a rewrite that did not happen
            try (ResultSet rs = st.executeQuery("SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
                + " AND c.relname IN ('events', 'users', 'items', 'exposures')"
                + " AND NOT pg_has_role(current_user, c.relowner, 'MEMBER')"
                + " AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
                + " AND NOT pg_has_role(current_user, (SELECT datdba FROM pg_database"
                + " WHERE datname = current_database()), 'MEMBER')")) {
              String notOwned = rs.next() ? rs.getString(1) : null;
              if (notOwned != null) {
                throw new IllegalStateException("compact needs the owner of the store's tables (or of the database,"
                    + " or a superuser), and this role does not own " + notOwned + ": run it as their owner");
              }
            }
            String[] tables = schemaVersion < EXPERIMENTS_SCHEMA ? new String[] {"events", "users", "items"}
                : new String[] {"events", "users", "items", "exposures"};
            for (String table : tables) {
              st.clearWarnings();
              st.execute("VACUUM FULL " + table);
              // PostgreSQL skips a table the user does not own with a warning only ("skipping ... only table or
              // database owner can vacuum it"): done nothing, the command must not report success
              for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
                if (String.valueOf(w.getMessage()).contains("skipping")) {
                  throw new IllegalStateException("compact needs the owner of the store's tables, and the database"
                      + " skipped table " + table + " (" + w.getMessage() + "): run it as that role (or a superuser)");
                }
              }
            }
          }
        } finally {
          c.setAutoCommit(autoCommit);
        }
      } catch (SQLException e) {
        throw StoreException.of("compact", database, e);
      } finally {
        if (writeLock != null) writeLock.unlock();
      }
    } finally {
      exit();
    }
  }

  @Override
  public List<User> users(int offset, int limit) {
    requirePage(offset, limit);
    return page("users", "SELECT id, attributes FROM users ORDER BY id LIMIT ? OFFSET ?", offset, limit,
        JdbcStore::readUser);
  }

  // ---- items ----

  @Override
  public void upsertItems(List<Item> items) {
    requireElements(items, "items");
    if (items.isEmpty()) {
      return;
    }
    write("upsertItems", c -> {
      long now = System.currentTimeMillis();
      try (PreparedStatement ps = c.prepareStatement(upsertItem)) {
        executeInBatches(ps, items, (statement, item) -> bindItem(statement, item, now));
      }
      return null;
    });
  }

  @Override
  public Optional<StoredItem> item(String itemId) {
    requireId(itemId, "itemId");
    return byId("item", "SELECT " + ITEM_COLUMNS + " FROM items WHERE id = ?", itemId, JdbcStore::readItem);
  }

  @Override
  public boolean holdsEventIdsStartingWith(String prefix) {
    if (prefix == null || prefix.isEmpty()) throw new IllegalArgumentException("prefix must not be empty");
    // a range over the unique index (binary order on SQLite, COLLATE "C" on PostgreSQL): ids from the prefix up to
    // the prefix with its last character raised by one
    String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
    return read("holdsEventIdsStartingWith", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT 1 FROM events WHERE event_id >= ? AND event_id < ? LIMIT 1")) {
        ps.setString(1, prefix);
        ps.setString(2, end);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  @Override
  public Optional<String> firstEventId() {
    return read("firstEventId", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT event_id FROM events ORDER BY sequence LIMIT 1");
          ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    });
  }

  @Override
  public Map<String, StoredItem> items(java.util.Collection<String> itemIds) {
    for (String id : itemIds) requireId(id, "itemId");
    return byIds("items", "SELECT " + ITEM_COLUMNS + " FROM items WHERE id = ?", itemIds, JdbcStore::readItem);
  }

  @Override
  public boolean setHidden(String itemId, boolean hidden) {
    requireId(itemId, "itemId");
    return write("setHidden", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE items SET hidden = ? WHERE id = ?")) {
        ps.setBoolean(1, hidden);
        ps.setString(2, itemId);
        return ps.executeUpdate() > 0;
      }
    });
  }

  @Override
  public boolean deleteItem(String itemId) {
    requireId(itemId, "itemId");
    return write("deleteItem", c -> {
      if (knownItems != null) knownItems.remove(itemId); // before the commit: see KnownIds
      return update(c, "DELETE FROM items WHERE id = ?", itemId) > 0;
    });
  }

  @Override
  public List<StoredItem> items(int offset, int limit) {
    requirePage(offset, limit);
    return page("items", "SELECT " + ITEM_COLUMNS + " FROM items ORDER BY id LIMIT ? OFFSET ?", offset, limit,
        JdbcStore::readItem);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads one snapshot and holds a pooled connection while visiting.
   */
  @Override
  public void forEachItem(Consumer<StoredItem> visitor) {
    requireVisitor(visitor);
    readSnapshot("forEachItem", c -> {
      visitItems(c, visitor);
      return null;
    });
  }

  // ---- events ----

  /**
   * {@inheritDoc}
   *
   * <p>Each event's id is {@link NewEvent#effectiveId}. A new item takes the scene of the batch's first event
   * that names it. The result counts {@code inserted + duplicates == events.size()}.
   *
   * <p>On SQLite, calls that arrive while the writer is busy are written together in one transaction when it
   * is free (up to about 5,000 events, in arrival order; see {@link GroupCommit}). Each call
   * still returns only after the commit that holds its events, and counts as if the calls had run one after
   * the other: an id sent by two calls of a group is inserted by the one that arrived first and is a duplicate
   * for the other. If the shared transaction fails, each of its calls is run again alone, so a call fails only
   * for a reason of its own. A call alone is written at once: it never waits for others to join it.
   *
   * @throws IllegalArgumentException if the list or an element is null, or a client id is blank
   * @throws StoreException if the write fails, the call waited longer than the connection timeout for the
   *     writer, or the store is closed
   * @implNote One transaction and three batched inserts (new users, new items, events) per call; the JSON and
   *     the content ids are made before the transaction, so on SQLite the writer is held only for the inserts.
   */
  @Override
  public AppendResult appendEvents(List<NewEvent> events) {
    requireElements(events, "events");
    if (events.isEmpty()) {
      requireOpen("appendEvents");
      return new AppendResult(0, 0, new BitSet());
    }
    PreparedAppend batch = prepare(events);
    if (appends == null) {
      write("appendEvents", c -> appendRows(c, List.of(batch)));
      return batch.result();
    }
    enter("appendEvents");
    try {
      return appends.submit(batch, TimeUnit.MILLISECONDS.toNanos(writeWaitMillis));
    } finally {
      exit();
    }
  }

  /**
   * Writes {@code calls} as one group, as {@link #appendEvents} does with calls that queue for the writer
   * together, and returns each call's outcome in order; on either database. For tests, which cannot make
   * concurrent calls meet in one group on purpose.
   *
   * @throws IllegalArgumentException as {@link #appendEvents}, for a null, empty or invalid call
   */
  List<GroupCommit.Outcome<AppendResult>> appendAsOneGroup(List<List<NewEvent>> calls) {
    requireElements(calls, "calls");
    List<PreparedAppend> group = new ArrayList<>();
    for (List<NewEvent> events : calls) {
      requireElements(events, "events");
      if (events.isEmpty()) {
        throw new IllegalArgumentException("a call of a group has events");
      }
      group.add(prepare(events));
    }
    enter("appendEvents");
    if (writeLock != null) {
      writeLock.lock();
    }
    try {
      return writeAppendGroup(group, System.nanoTime());
    } finally {
      if (writeLock != null) {
        writeLock.unlock();
      }
      exit();
    }
  }

  /** Checks a call's events and computes what its transaction needs. */
  private static PreparedAppend prepare(List<NewEvent> events) {
    int n = events.size();
    String[] ids = new String[n];
    String[] contexts = new String[n];
    // Sorted, so that concurrent PostgreSQL transactions take the users' and items' row locks in one order
    // (hashed, then sorted once: cheaper than a tree per insert on the request threads).
    Set<String> userIds = new HashSet<>();
    Map<String, String> itemScenes = new HashMap<>();
    for (int i = 0; i < n; i++) {
      NewEvent ne = events.get(i);
      if (ne.event() == null) {
        throw new IllegalArgumentException("events[" + i + "] has no event");
      }
      if (ne.eventId() != null && ne.eventId().isBlank()) {
        throw new IllegalArgumentException("events[" + i + "] has a blank event id");
      }
      Event e = ne.event();
      ids[i] = ne.effectiveId();
      contexts[i] = JsonColumns.contextOrNull(e.context());
      userIds.add(e.userId());
      itemScenes.putIfAbsent(e.itemId(), e.scene());
    }
    // Every user and item the batch names; those already stored are left as they are.
    String[] users = userIds.toArray(String[]::new);
    String[] items = itemScenes.keySet().toArray(String[]::new);
    Arrays.sort(users);
    Arrays.sort(items);
    String[] scenes = new String[items.length];
    for (int k = 0; k < items.length; k++) scenes[k] = itemScenes.get(items[k]);
    return new PreparedAppend(events, ids, contexts, users, items, scenes, new ArrayList<>(), new ArrayList<>(),
        new HashSet<>(), new HashSet<>(), new BitSet());
  }

  /**
   * One call of {@link #appendEvents}, with what is computed before the transaction.
   *
   * @param events the call's events
   * @param ids each event's {@link NewEvent#effectiveId}
   * @param contexts each event's context as JSON, or null
   * @param users the users the events name, sorted
   * @param items the items the events name, sorted
   * @param itemScenes the scene of the first event naming each of {@code items}
   * @param insertedUsers SQLite: the users the latest attempt inserted (or found stored) because they were not
   *     known, to remember once it commits
   * @param insertedItems the same for items
   * @param createdUsers the users whose row the latest attempt created (not stored before)
   * @param createdItems the same for items
   */
  private record PreparedAppend(List<NewEvent> events, String[] ids, String[] contexts, String[] users,
      String[] items, String[] itemScenes, List<String> insertedUsers, List<String> insertedItems,
      Set<String> createdUsers, Set<String> createdItems, BitSet duplicateAt) {
    int size() {
      return ids.length;
    }

    /** The outcome of the call's last (successful) write. */
    AppendResult result() {
      int duplicates = duplicateAt.cardinality();
      return new AppendResult(size() - duplicates, duplicates, duplicateAt);
    }
  }

  /**
   * The {@link GroupCommit.GroupWriter} of {@link #appendEvents}: writes a group of calls in one transaction and
   * gives each its own counts. Calls are written one after the other in queue order, so an id that two calls of
   * the group share (or that one call repeats) is inserted by its first occurrence and counted as a duplicate
   * everywhere else, exactly as if the calls had run one by one.
   *
   * <p>If the group's transaction fails, each call is run again alone, in its own transaction: one bad call (or
   * one whose events hit a constraint) then fails only itself. That costs a second attempt only after a
   * failure; an append that succeeded alone is durable like any other.
   *
   * <p>Each transaction waits on a lock another process holds only for what is left of the busy timeout since
   * {@code waitingSinceNanos}, when the group's first call began to wait ({@link #transactAfterWaiting}).
   */
  private List<GroupCommit.Outcome<AppendResult>> writeAppendGroup(List<PreparedAppend> group,
      long waitingSinceNanos) {
    List<GroupCommit.Outcome<AppendResult>> outcomes = new ArrayList<>(group.size());
    if (closed) {
      for (int i = 0; i < group.size(); i++) {
        outcomes.add(GroupCommit.Outcome.failed(closedException("appendEvents")));
      }
      return outcomes;
    }
    try {
      transactAfterWaiting("appendEvents", millisSince(waitingSinceNanos), c -> appendRows(c, group));
      for (PreparedAppend call : group) remember(call);
      for (PreparedAppend call : group) outcomes.add(GroupCommit.Outcome.of(call.result()));
      return outcomes;
    } catch (RuntimeException groupFailure) {
      if (groupFailure instanceof StoreException busy && busy.retryable()) {
        // a lock held elsewhere, or a database gone: each call alone would wait out the same timeout again (a QA
        // run's event write answered after 20 s, the busy timeout twice, where the API promises about 10)
        for (int i = 0; i < group.size(); i++) outcomes.add(GroupCommit.Outcome.failed(groupFailure));
        return outcomes;
      }
      // If something outside this store deleted a user or item it remembers, the appends that skipped its
      // insert break the foreign key; forgetting every remembered id lets the retries below insert it again.
      boolean forgot = forgetKnownIds();
      if (group.size() == 1 && !forgot) {
        outcomes.add(GroupCommit.Outcome.failed(groupFailure));
        return outcomes;
      }
    }
    for (PreparedAppend call : group) {
      try {
        transactAfterWaiting("appendEvents", millisSince(waitingSinceNanos), c -> appendRows(c, List.of(call)));
        remember(call);
        outcomes.add(GroupCommit.Outcome.of(call.result()));
      } catch (RuntimeException e) {
        outcomes.add(GroupCommit.Outcome.failed(e));
      }
    }
    return outcomes;
  }

  /** Empties the known-id caches; returns whether they held anything. */
  private boolean forgetKnownIds() {
    if (knownUsers == null || knownUsers.size() + knownItems.size() == 0) return false;
    knownUsers.clear();
    knownItems.clear();
    return true;
  }

  /**
   * After a committed append: its users and items are stored (SQLite; see {@link KnownIds}). Only those it did
   * not skip need adding; the others are known already (or were forgotten since, and will be inserted again).
   */
  private void remember(PreparedAppend call) {
    if (knownUsers == null) return;
    knownUsers.addAll(call.insertedUsers());
    knownItems.addAll(call.insertedItems());
  }

  /**
   * Inserts the calls' users, items and events, call after call on the same statements; each call's {@code
   * duplicateAt} then marks its events skipped as duplicates.
   */
  private Void appendRows(Connection c, List<PreparedAppend> calls) throws SQLException {
    long now = System.currentTimeMillis();
    if (dialect.insertsFromArrays()) {
      try (PreparedStatement users = c.prepareStatement(INSERT_USERS_FROM_ARRAY);
          PreparedStatement items = c.prepareStatement(INSERT_ITEMS_FROM_ARRAYS);
          PreparedStatement events = c.prepareStatement(INSERT_EVENTS_FROM_ARRAYS)) {
        for (PreparedAppend call : calls) appendFromArrays(c, users, items, events, call, now);
      }
    } else {
      try (PreparedStatement users = c.prepareStatement("INSERT INTO users (id) VALUES (?) ON CONFLICT (id) DO NOTHING");
          PreparedStatement items = c.prepareStatement(
              "INSERT INTO items (id, scene, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING");
          PreparedStatement events = c.prepareStatement(insertEvent)) {
        for (PreparedAppend call : calls) appendInBatches(users, items, events, call, knownUsers, knownItems, now);
      }
    }
    return null;
  }

  /**
   * One call of {@link #appendEvents} as JDBC batches of one row per statement, marking the events skipped as
   * duplicates. Users and items in {@code knownUsers} / {@code knownItems} (null = none known) are not inserted again.
   */
  private static void appendInBatches(PreparedStatement users, PreparedStatement items, PreparedStatement events,
      PreparedAppend call, KnownIds knownUsers, KnownIds knownItems, long now) throws SQLException {
    int pending = 0;
    call.insertedUsers().clear(); // a retry after a failed group starts again
    call.insertedItems().clear();
    call.createdUsers().clear();
    call.createdItems().clear();
    List<String> inserted = call.insertedUsers();
    for (String userId : call.users()) {
      if (knownUsers != null && knownUsers.contains(userId)) continue;
      inserted.add(userId);
      users.setString(1, userId);
      users.addBatch();
      if (++pending == BATCH_ROWS) {
        markCreated(users.executeBatch(), inserted, inserted.size() - pending, call.createdUsers());
        pending = 0;
      }
    }
    if (pending > 0) markCreated(users.executeBatch(), inserted, inserted.size() - pending, call.createdUsers());
    pending = 0;
    String[] itemIds = call.items();
    inserted = call.insertedItems();
    for (int i = 0; i < itemIds.length; i++) {
      if (knownItems != null && knownItems.contains(itemIds[i])) continue;
      inserted.add(itemIds[i]);
      items.setString(1, itemIds[i]);
      items.setString(2, call.itemScenes()[i]);
      items.setLong(3, now);
      items.addBatch();
      if (++pending == BATCH_ROWS) {
        markCreated(items.executeBatch(), inserted, inserted.size() - pending, call.createdItems());
        pending = 0;
      }
    }
    if (pending > 0) markCreated(items.executeBatch(), inserted, inserted.size() - pending, call.createdItems());
    call.duplicateAt().clear();
    String[] ids = call.ids();
    for (int i = 0; i < ids.length; i++) {
      Event e = call.events().get(i).event();
      events.setString(1, ids[i]);
      events.setString(2, e.userId());
      events.setString(3, e.itemId());
      events.setString(4, e.type());
      events.setFloat(5, e.value());
      events.setLong(6, e.timestamp());
      events.setString(7, e.scene());
      events.setString(8, call.contexts()[i]);
      events.addBatch();
      if ((i + 1) % BATCH_ROWS == 0 || i == ids.length - 1) {
        markDuplicates(events.executeBatch(), i - i % BATCH_ROWS, call.duplicateAt());
      }
    }
    dropRowsOfDuplicatesOnly(events.getConnection(), call);
  }

  /** Adds to {@code created} the ids of a batch whose update count is 1 ({@code ids} from {@code first} on). */
  private static void markCreated(int[] counts, List<String> ids, int first, Set<String> created) {
    for (int r = 0; r < counts.length; r++) {
      if (counts[r] > 0) created.add(ids.get(first + r));
    }
  }

  /**
   * Deletes the users and items a call created only for events it skipped as duplicates. A duplicate is not stored,
   * so neither is the user or item it names: an event id reused for another user left that user's row behind, empty,
   * counted among the users and listed by the dashboard. An item the call created takes the scene of its first stored
   * event, as the server's catalogue does. Rows stored before the call are never touched.
   */
  private static void dropRowsOfDuplicatesOnly(Connection c, PreparedAppend call) throws SQLException {
    if (call.duplicateAt().isEmpty() || call.createdUsers().isEmpty() && call.createdItems().isEmpty()) return;
    Set<String> orphanUsers = new HashSet<>(call.createdUsers());
    Set<String> orphanItems = new HashSet<>(call.createdItems());
    // a created item took its scene from the first event naming it, which may be a duplicate: the first stored one's
    Map<String, String> rescened = new java.util.LinkedHashMap<>();
    for (int i = 0; i < call.size(); i++) {
      if (call.duplicateAt().get(i)) continue;
      Event e = call.events().get(i).event();
      orphanUsers.remove(e.userId());
      if (orphanItems.remove(e.itemId())) {
        String given = call.itemScenes()[Arrays.binarySearch(call.items(), e.itemId())];
        if (!given.equals(e.scene())) rescened.put(e.itemId(), e.scene());
      }
    }
    deleteRows(c, "DELETE FROM users WHERE id = ?", orphanUsers);
    deleteRows(c, "DELETE FROM items WHERE id = ?", orphanItems);
    if (!rescened.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("UPDATE items SET scene = ? WHERE id = ?")) {
        for (Map.Entry<String, String> e : rescened.entrySet()) {
          ps.setString(1, e.getValue());
          ps.setString(2, e.getKey());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    // not stored after all: the known-id caches must not remember them
    call.insertedUsers().removeAll(orphanUsers);
    call.insertedItems().removeAll(orphanItems);
    call.createdUsers().removeAll(orphanUsers);
    call.createdItems().removeAll(orphanItems);
  }

  private static void deleteRows(Connection c, String sql, Set<String> ids) throws SQLException {
    if (ids.isEmpty()) return;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (String id : ids) {
        ps.setString(1, id);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * One call of {@link #appendEvents} as one statement per table that reads its rows from arrays ({@code
   * unnest}), for PostgreSQL: a batch of one-row statements costs the server a parse-bind-execute round per row.
   * The events go in batch order ({@code WITH ORDINALITY ... ORDER BY}), so their sequence numbers follow it.
   * Marks the events skipped as duplicates: those whose id the statement did not return, as {@code ON CONFLICT DO
   * NOTHING} skips a row whose id is stored or was inserted earlier by the same statement (so of a repeated id, the
   * first occurrence is the one inserted).
   */
  private static void appendFromArrays(Connection c, PreparedStatement users, PreparedStatement items,
      PreparedStatement events, PreparedAppend call, long now) throws SQLException {
    call.createdUsers().clear(); // a retry after a failed group starts again
    call.createdItems().clear();
    String[] userIds = call.users();
    for (int from = 0; from < userIds.length; from += ARRAY_ROWS) {
      int to = Math.min(userIds.length, from + ARRAY_ROWS);
      users.setArray(1, c.createArrayOf("text", Arrays.copyOfRange(userIds, from, to)));
      readIds(users, call.createdUsers());
    }
    String[] itemIds = call.items();
    for (int from = 0; from < itemIds.length; from += ARRAY_ROWS) {
      int to = Math.min(itemIds.length, from + ARRAY_ROWS);
      items.setLong(1, now);
      items.setArray(2, c.createArrayOf("text", Arrays.copyOfRange(itemIds, from, to)));
      items.setArray(3, c.createArrayOf("text", Arrays.copyOfRange(call.itemScenes(), from, to)));
      readIds(items, call.createdItems());
    }
    call.duplicateAt().clear();
    String[] ids = call.ids();
    for (int from = 0; from < ids.length; from += ARRAY_ROWS) {
      int size = Math.min(ids.length - from, ARRAY_ROWS);
      String[] eventUsers = new String[size];
      String[] eventItems = new String[size];
      String[] types = new String[size];
      Float[] values = new Float[size];
      Long[] timestamps = new Long[size];
      String[] scenes = new String[size];
      for (int i = 0; i < size; i++) {
        Event e = call.events().get(from + i).event();
        eventUsers[i] = e.userId();
        eventItems[i] = e.itemId();
        types[i] = e.type();
        values[i] = e.value();
        timestamps[i] = e.timestamp();
        scenes[i] = e.scene();
      }
      events.setArray(1, c.createArrayOf("text", Arrays.copyOfRange(ids, from, from + size)));
      events.setArray(2, c.createArrayOf("text", eventUsers));
      events.setArray(3, c.createArrayOf("text", eventItems));
      events.setArray(4, c.createArrayOf("text", types));
      events.setArray(5, c.createArrayOf("float4", values));
      events.setArray(6, c.createArrayOf("int8", timestamps));
      events.setArray(7, c.createArrayOf("text", scenes));
      events.setArray(8, c.createArrayOf("text", Arrays.copyOfRange(call.contexts(), from, from + size)));
      // event ids are unique, so each comes back at most once: for its first occurrence in the call
      Set<String> returned = new HashSet<>();
      try (ResultSet rs = events.executeQuery()) {
        while (rs.next()) returned.add(rs.getString(1));
      }
      for (int i = from; i < from + size; i++) {
        if (!returned.remove(ids[i])) call.duplicateAt().set(i);
      }
    }
    dropRowsOfDuplicatesOnly(c, call);
  }

  /** Runs an insert that returns the ids of the rows it created, adding them to {@code created}. */
  private static void readIds(PreparedStatement insert, Set<String> created) throws SQLException {
    try (ResultSet rs = insert.executeQuery()) {
      while (rs.next()) created.add(rs.getString(1));
    }
  }

  /**
   * Marks in {@code duplicateAt} the rows of a batch whose update count is 0 (skipped as a duplicate; 1 = inserted),
   * the batch's first row being the call's event {@code first}.
   */
  private static void markDuplicates(int[] counts, int first, BitSet duplicateAt) throws SQLException {
    for (int r = 0; r < counts.length; r++) {
      if (counts[r] < 0) {
        // SUCCESS_NO_INFO: a driver option (such as pgjdbc's reWriteBatchedInserts) hid the counts, and the
        // duplicates could no longer be counted. Fail rather than report wrong numbers.
        throw new SQLException("the driver did not report per-row insert counts (" + counts[r] + ")");
      }
      if (counts[r] == 0) duplicateAt.set(first + r);
    }
  }

  @Override
  public Optional<StoredEvent> event(String eventId) {
    requireId(eventId, "eventId");
    return byId("event", "SELECT " + EVENT_COLUMNS + " FROM events WHERE event_id = ?", eventId, JdbcStore::readEvent);
  }

  /**
   * {@inheritDoc} One lookup on the (user, time) index; the type is compared here, since SQL's {@code lower} folds
   * only ASCII in SQLite (and under PostgreSQL's C collation), and types are any text ("ÉCOUTE").
   */
  @Override
  public boolean holdsEventLike(Event event, String exceptId) {
    return read("holdsEventLike", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT type FROM events WHERE user_id = ? AND ts = ? AND item_id = ? AND event_id <> ?")) {
        ps.setString(1, event.userId());
        ps.setLong(2, event.timestamp());
        ps.setString(3, event.itemId());
        ps.setString(4, exceptId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            if (rs.getString(1).equalsIgnoreCase(event.type())) return true;
          }
          return false;
        }
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if userId is blank or limit is negative
   */
  @Override
  public List<StoredEvent> recentEvents(String userId, int limit) {
    requireId(userId, "userId");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0: " + limit);
    }
    if (limit == 0) {
      return List.of();
    }
    return read("recentEvents", c -> {
      List<StoredEvent> newestFirst = new ArrayList<>(Math.min(limit, 1024));
      try (PreparedStatement ps = c.prepareStatement("SELECT " + EVENT_COLUMNS
          + " FROM events WHERE user_id = ? ORDER BY ts DESC, sequence DESC LIMIT ?")) {
        ps.setString(1, userId);
        ps.setInt(2, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            newestFirst.add(readEvent(rs));
          }
        }
      }
      return Collections.unmodifiableList(newestFirst.reversed());
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads one snapshot and holds a pooled connection while visiting.
   */
  @Override
  public void forEachEvent(Consumer<StoredEvent> visitor) {
    requireVisitor(visitor);
    readSnapshot("forEachEvent", c -> {
      visitEvents(c, "SELECT " + EVENT_COLUMNS + " FROM events ORDER BY sequence", null, visitor);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads one snapshot and holds a pooled connection while visiting.
   *
   * @implNote Scans the whole event table (there is no index on the timestamp, which would slow every append).
   */
  @Override
  public void forEachEventSince(long sinceMillis, Consumer<StoredEvent> visitor) {
    requireVisitor(visitor);
    readSnapshot("forEachEventSince", c -> {
      visitEvents(c, "SELECT " + EVENT_COLUMNS + " FROM events WHERE ts >= ? ORDER BY sequence", sinceMillis,
          visitor);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The maps are sorted by key. Bare users and items created by events count.
   */
  @Override
  public Counts counts() {
    return readSnapshot("counts", c -> {
      long users = count(c, "SELECT COUNT(*) FROM users");
      long items = count(c, "SELECT COUNT(*) FROM items");
      Map<String, Long> byType = countBy(c, "type");
      Map<String, Long> byScene = countBy(c, "scene");
      long events = 0;
      for (long n : byType.values()) {
        events += n;
      }
      return new Counts(users, items, events, byType, byScene);
    });
  }

  @Override
  public long lastSequence() {
    return readSnapshot("lastSequence", c -> count(c, "SELECT COALESCE(MAX(sequence), 0) FROM events"));
  }

  @Override
  public long countEventsAfter(long sequence) {
    return readSnapshot("countEventsAfter", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM events WHERE sequence > ?")) {
        ps.setLong(1, sequence);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The data set's times are clock time ({@link Dataset.TimeKind#CLOCK}). Users come first in id order,
   * then items in id order (hidden ones too: they are part of users' histories), then the events in arrival
   * order; an event whose item's metadata was deleted gets a bare item in its scene. Event ids and contexts are not
   * carried over (a data set has no columns for them; see {@link #toDataset(String, dev.attune.model.FitListener,
   * Consumer)}).
   *
   * @throws IllegalArgumentException if name is blank
   */
  @Override
  public Dataset toDataset(String name) {
    return toDataset(name, dev.attune.model.FitListener.NONE);
  }

  /** {@inheritDoc} */
  @Override
  public Dataset toDataset(String name, dev.attune.model.FitListener progress) {
    return toDataset(name, progress, stored -> {});
  }

  /** {@inheritDoc} */
  @Override
  public Dataset toDataset(String name, dev.attune.model.FitListener progress, Consumer<StoredEvent> eachEvent) {
    Dataset dataset = new Dataset(name, Dataset.TimeKind.CLOCK);
    return readSnapshot("toDataset", c -> {
      long total = 0;
      if (progress != dev.attune.model.FitListener.NONE) {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM events");
            ResultSet rs = ps.executeQuery()) {
          rs.next();
          total = rs.getLong(1);
        }
      }
      long events = total;
      long[] read = {0};
      try (PreparedStatement ps = streaming(c, "SELECT id, attributes FROM users ORDER BY id");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          dataset.putUser(readUser(rs));
        }
      }
      visitItems(c, stored -> dataset.putItem(stored.item()));
      visitEvents(c, "SELECT " + EVENT_COLUMNS + " FROM events ORDER BY sequence", null, stored -> {
        dataset.addEvent(stored.event());
        eachEvent.accept(stored);
        if (++read[0] % 100_000 == 0) progress.progress("events", read[0], Math.max(events, read[0]));
      });
      progress.progress("events", read[0], Math.max(events, read[0]));
      return dataset;
    });
  }

  /** {@inheritDoc} */
  @Override
  public StoreStats stats() {
    return new StoreStats(this);
  }

  // ---- model registry ----

  /**
   * {@inheritDoc}
   *
   * <p>A version saved as active becomes the only active one, as with {@link #activateModel}; one saved as inactive
   * keeps its active flag if it had one (only an activation of another version clears it).
   *
   * @throws IllegalArgumentException if the version or one of its fields is null or blank
   */
  @Override
  public void saveModelVersion(ModelVersion version) {
    if (version == null) {
      throw new IllegalArgumentException("version must not be null");
    }
    requireId(version.id(), "version id");
    requireId(version.kind(), "version kind");
    if (version.path() == null) {
      throw new IllegalArgumentException("version path must not be null: " + version.id());
    }
    Map<String, Double> metrics = version.metrics() == null ? Map.of() : version.metrics();
    String metricsJson = JsonColumns.write(metrics);
    write("saveModelVersion", c -> {
      if (version.active()) {
        dialect.serializeActivations(c);
        deactivateOthers(c, version.id());
      }
      try (PreparedStatement ps = c.prepareStatement(upsertModel)) {
        ps.setString(1, version.id());
        ps.setString(2, version.kind());
        ps.setString(3, version.path());
        ps.setLong(4, version.createdAtMillis());
        ps.setString(5, metricsJson);
        ps.setBoolean(6, version.active());
        ps.executeUpdate();
      }
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Ties on creation time are ordered by descending id.
   */
  @Override
  public List<ModelVersion> modelVersions() {
    return read("modelVersions", c -> {
      List<ModelVersion> versions = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT " + MODEL_COLUMNS + " FROM model_versions ORDER BY created_at DESC, id DESC");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          versions.add(readModel(rs));
        }
      }
      return Collections.unmodifiableList(versions);
    });
  }

  @Override
  public boolean activateModel(String versionId) {
    requireId(versionId, "versionId");
    return write("activateModel", c -> {
      // Others first: the unique index on the active flag would reject two active rows, even for a moment.
      dialect.serializeActivations(c);
      deactivateOthers(c, versionId);
      try (PreparedStatement ps = c.prepareStatement("UPDATE model_versions SET active = ? WHERE id = ?")) {
        ps.setBoolean(1, true);
        ps.setString(2, versionId);
        if (ps.executeUpdate() == 0) {
          c.rollback(); // unknown id: the previous active version stays active
          return false;
        }
      }
      return true;
    });
  }

  private static void deactivateOthers(Connection c, String versionId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE model_versions SET active = ? WHERE active = ? AND id <> ?")) {
      ps.setBoolean(1, false);
      ps.setBoolean(2, true);
      ps.setString(3, versionId);
      ps.executeUpdate();
    }
  }

  @Override
  public boolean deleteModelVersion(String versionId) {
    requireId(versionId, "versionId");
    return write("deleteModelVersion", c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM model_versions WHERE id = ? AND active = ?")) {
        ps.setString(1, versionId);
        ps.setBoolean(2, false);
        return ps.executeUpdate() > 0;
      }
    });
  }

  @Override
  public Optional<ModelVersion> activeModel() {
    return read("activeModel", c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT " + MODEL_COLUMNS + " FROM model_versions WHERE active = ?")) {
        ps.setBoolean(1, true);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(readModel(rs)) : Optional.empty();
        }
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Never throws; false after {@link #close}. Waits at most the pool's connection timeout.
   */
  // ---- API keys ----

  @Override
  public void saveApiKey(ApiKey key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    write("saveApiKey", c -> {
      try (PreparedStatement del = c.prepareStatement("DELETE FROM api_keys WHERE id = ?");
          PreparedStatement ins = c.prepareStatement(
              "INSERT INTO api_keys (id, secret_hash, scopes, name, created_at, revoked) VALUES (?, ?, ?, ?, ?, ?)")) {
        del.setString(1, key.id());
        del.executeUpdate();
        ins.setString(1, key.id());
        ins.setString(2, key.secretHash());
        ins.setString(3, String.join(",", new java.util.TreeSet<>(key.scopes())));
        ins.setString(4, key.name());
        ins.setLong(5, key.createdAtMillis());
        ins.setBoolean(6, key.revoked());
        ins.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public List<ApiKey> apiKeys() {
    // an earlier build's store of the first schema has no keys' table: none, as experiments() says of its own (a
    // review: export of such a store failed after reading it all, and copy after its commit)
    if (schemaVersion < API_KEYS_SCHEMA) return List.of();
    return read("apiKeys", c -> {
      List<ApiKey> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
              "SELECT id, secret_hash, scopes, name, created_at, revoked FROM api_keys");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new ApiKey(rs.getString(1), rs.getString(2), java.util.Set.of(rs.getString(3).split(",")),
              rs.getString(4), rs.getLong(5), rs.getBoolean(6)));
        }
      }
      out.sort(java.util.Comparator.comparing(ApiKey::id)); // by id in code-point order, whatever the collation
      return out;
    });
  }

  @Override
  public boolean revokeApiKey(String keyId) {
    requireId(keyId, "keyId");
    return write("revokeApiKey", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET revoked = ? WHERE id = ?")) {
        ps.setBoolean(1, true);
        ps.setString(2, keyId);
        return ps.executeUpdate() > 0;
      }
    });
  }

  // ---- the store's own settings ----

  @Override
  public Optional<String> setting(String name) {
    requireId(name, "name");
    if (schemaVersion < SETTINGS_SCHEMA) return Optional.empty(); // an earlier build's store records none
    return read("setting", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT value FROM store_settings WHERE name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
        }
      }
    });
  }

  @Override
  public String settingIfAbsent(String name, String value) {
    requireId(name, "name");
    java.util.Objects.requireNonNull(value, "value");
    requireSchema(SETTINGS_SCHEMA, "recording a store setting");
    return write("settingIfAbsent", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO store_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
        ps.setString(1, name);
        ps.setString(2, value);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT value FROM store_settings WHERE name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getString(1);
        }
      }
    });
  }

  @Override
  public void putSetting(String name, String value) {
    requireId(name, "name");
    requireSchema(SETTINGS_SCHEMA, "recording a store setting");
    write("putSetting", c -> {
      try (PreparedStatement ps = c.prepareStatement(value == null ? "DELETE FROM store_settings WHERE name = ?"
          : "INSERT INTO store_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value ="
              + " excluded.value")) {
        ps.setString(1, name);
        if (value != null) ps.setString(2, value);
        return ps.executeUpdate();
      }
    });
  }

  // ---- experiments ----

  /** Refuses a write of what an earlier build's schema lacks (a store opened {@linkplain Store#openAsItIs as it is}). */
  private void requireSchema(int version, String operation) {
    if (schemaVersion < version) {
      throw new IllegalStateException(operation + " needs the store's schema at version " + version + "; it was"
          + " opened as an earlier build left it (version " + schemaVersion + "): open it to migrate");
    }
  }

  @Override
  public void saveExperiment(Experiment experiment) {
    if (experiment == null) {
      throw new IllegalArgumentException("experiment must not be null");
    }
    requireSchema(EXPERIMENTS_SCHEMA, "saveExperiment");
    write("saveExperiment", c -> {
      // arms go with their experiment (ON DELETE CASCADE), and are deleted here too: SQLite cascades only while
      // the foreign_keys pragma is on
      update(c, "DELETE FROM experiment_arms WHERE experiment_id = ?", experiment.id());
      update(c, "DELETE FROM experiments WHERE id = ?", experiment.id());
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO experiments (id, name, window_ms, conversion_types,"
              + " min_users_per_arm, started_at, stopped_at) VALUES (?, ?, ?, " + dialect.jsonParameter()
              + ", ?, ?, ?)");
          PreparedStatement arm = c.prepareStatement(
              "INSERT INTO experiment_arms (experiment_id, position, name, version, share) VALUES (?, ?, ?, ?, ?)")) {
        ins.setString(1, experiment.id());
        ins.setString(2, experiment.name());
        ins.setLong(3, experiment.windowMillis());
        ins.setString(4, JsonColumns.write(List.copyOf(new java.util.TreeSet<>(experiment.conversionTypes()))));
        ins.setInt(5, experiment.minUsersPerArm());
        ins.setLong(6, experiment.startedAtMillis());
        if (experiment.stoppedAtMillis() == null) ins.setNull(7, Types.BIGINT);
        else ins.setLong(7, experiment.stoppedAtMillis());
        ins.executeUpdate();
        for (int position = 0; position < experiment.arms().size(); position++) {
          Arm a = experiment.arms().get(position);
          arm.setString(1, experiment.id());
          arm.setInt(2, position);
          arm.setString(3, a.name());
          arm.setString(4, a.version());
          arm.setDouble(5, a.share());
          arm.addBatch();
        }
        arm.executeBatch();
      }
      return null;
    });
  }

  @Override
  public List<Experiment> experiments() {
    if (schemaVersion < EXPERIMENTS_SCHEMA) return List.of(); // an earlier build's store has none
    return readSnapshot("experiments", c -> {
      Map<String, List<Arm>> arms = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(
              "SELECT experiment_id, name, version, share FROM experiment_arms ORDER BY experiment_id, position");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          arms.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(new Arm(rs.getString(2), rs.getString(3), rs.getDouble(4)));
        }
      }
      List<Experiment> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id, name, window_ms, conversion_types, min_users_per_arm,"
              + " started_at, stopped_at FROM experiments");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long stopped = rs.getLong(7);
          Long stoppedAt = rs.wasNull() ? null : stopped;
          out.add(new Experiment(rs.getString(1), rs.getString(2), arms.getOrDefault(rs.getString(1), List.of()),
              rs.getLong(3), new java.util.HashSet<>(JsonColumns.stringList(rs.getString(4))), rs.getInt(5),
              rs.getLong(6), stoppedAt));
        }
      }
      out.sort(java.util.Comparator.comparingLong(Experiment::startedAtMillis).reversed()
          .thenComparing(Experiment::id));
      return out;
    });
  }

  @Override
  public boolean deleteExperiment(String experimentId) {
    requireId(experimentId, "experimentId");
    if (schemaVersion < EXPERIMENTS_SCHEMA) return false;
    return write("deleteExperiment", c -> {
      update(c, "DELETE FROM exposures WHERE experiment_id = ?", experimentId);
      update(c, "DELETE FROM experiment_arms WHERE experiment_id = ?", experimentId);
      return update(c, "DELETE FROM experiments WHERE id = ?", experimentId) > 0;
    });
  }

  @Override
  public void recordExposures(List<Exposure> exposures) {
    if (exposures == null || exposures.stream().anyMatch(java.util.Objects::isNull)) {
      throw new IllegalArgumentException("exposures must not be or hold null");
    }
    if (exposures.isEmpty()) return;
    requireSchema(EXPERIMENTS_SCHEMA, "recordExposures");
    write("recordExposures", c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO exposures (experiment_id, user_id, arm, version, ts,"
          + " read_until, items) VALUES (?, ?, ?, ?, ?, ?, " + dialect.jsonParameter() + ")")) {
        for (int i = 0; i < exposures.size(); i++) {
          Exposure e = exposures.get(i);
          ps.setString(1, e.experimentId());
          ps.setString(2, e.userId());
          ps.setString(3, e.arm());
          ps.setString(4, e.version());
          ps.setLong(5, e.timestampMillis());
          if (e.readUntilMillis() == Long.MIN_VALUE) ps.setNull(6, Types.BIGINT);
          else ps.setLong(6, e.readUntilMillis());
          ps.setString(7, JsonColumns.write(e.itemIds()));
          ps.addBatch();
          if ((i + 1) % BATCH_ROWS == 0 || i == exposures.size() - 1) ps.executeBatch();
        }
      }
      return null;
    });
  }

  @Override
  public void forEachExposure(String experimentId, String userId, Consumer<Exposure> visitor) {
    requireVisitor(visitor);
    if (schemaVersion < EXPERIMENTS_SCHEMA) return;
    StringBuilder sql = new StringBuilder("SELECT experiment_id, user_id, arm, version, ts, read_until, items FROM"
        + " exposures WHERE 1 = 1");
    if (experimentId != null) sql.append(" AND experiment_id = ?");
    if (userId != null) sql.append(" AND user_id = ?");
    sql.append(" ORDER BY sequence");
    readSnapshot("forEachExposure", c -> {
      try (PreparedStatement ps = streaming(c, sql.toString())) {
        int parameter = 1;
        if (experimentId != null) ps.setString(parameter++, experimentId);
        if (userId != null) ps.setString(parameter, userId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long readUntil = rs.getLong(6);
            if (rs.wasNull()) readUntil = Long.MIN_VALUE;
            visitor.accept(new Exposure(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getLong(5), readUntil, JsonColumns.stringList(rs.getString(7))));
          }
        }
      }
      return null;
    });
  }

  // ---- serving ----

  /** {@inheritDoc} The claim is made outside the pools ({@link ServingLocks}). */
  @Override
  public Optional<ServingLock> tryLockForServing() {
    requireOpen("tryLockForServing");
    return ServingLocks.on(jdbcUrl, dialect, database);
  }

  @Override
  public Optional<String> servingClaimHolder() {
    return ServingLocks.holder(jdbcUrl, dialect);
  }

  @Override
  public boolean healthy() {
    if (closed) {
      return false;
    }
    try (Connection c = readPool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /**
   * {@inheritDoc} Idempotent; calls after it fail with a {@link StoreException} that says the store is closed.
   *
   * <p>Calls in progress finish first: close waits for them (at most the connection timeout, and not for the
   * calling thread's own, as from a visitor), so that a write being committed still returns its outcome rather
   * than losing its connection mid-transaction. Appends still queued for SQLite's writer fail instead of being
   * written. On SQLite it also stops the checkpoint thread.
   */
  @Override
  public void close() {
    closed = true;
    if (checkpointer != null) {
      checkpointer.close();
    }
    boolean locked = false;
    if (lifecycle.getReadHoldCount() == 0) {
      try {
        locked = lifecycle.writeLock().tryLock(writeWaitMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // close anyway
      }
    }
    try {
      readPool.close();
      writePool.close(); // a no-op when it is the same pool
      if (writerThread != null) {
        writerThread.shutdown();
      }
    } finally {
      if (locked) {
        lifecycle.writeLock().unlock();
      }
    }
  }

  @Override
  public String toString() {
    return "JdbcStore[" + database + "]";
  }

  // ---- transactions ----

  /** Binds one row's parameters. */
  @FunctionalInterface
  private interface RowBinder<T> {
    void bind(PreparedStatement statement, T row) throws SQLException;
  }

  /** Adds every row to {@code ps}'s batch, executing it every {@link #BATCH_ROWS} rows and at the end. */
  private static <T> void executeInBatches(PreparedStatement ps, List<T> rows, RowBinder<T> binder)
      throws SQLException {
    int pending = 0;
    for (T row : rows) {
      binder.bind(ps, row);
      ps.addBatch();
      if (++pending == BATCH_ROWS) {
        ps.executeBatch();
        pending = 0;
      }
    }
    if (pending > 0) ps.executeBatch();
  }

  /** Work on a connection that the helpers below open, commit or roll back, and close. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one write transaction and commits it. On SQLite it waits for the write lock first;
   * on PostgreSQL it runs the transaction again after a deadlock.
   */
  private <T> T write(String operation, SqlWork<T> work) {
    enter(operation);
    try {
      if (writeSlots != null) return inWriteSlot(operation, work);
      long start = System.nanoTime();
      if (writeLock != null) {
        try {
          if (!writeLock.tryLock(writeWaitMillis, TimeUnit.MILLISECONDS)) {
            String reason = "waited " + writeWaitMillis + " ms for the other writes to finish (SQLite takes one"
                + " writer at a time)";
            throw new StoreException(operation + " failed on " + database + ": " + reason,
                new java.sql.SQLTimeoutException(reason)); // busy, not broken: retryable()
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StoreException(operation + " failed on " + database + ": interrupted while waiting to write",
              e);
        }
      }
      try {
        return transactAfterWaiting(operation, millisSince(start), work);
      } finally {
        if (writeLock != null) {
          writeLock.unlock();
        }
      }
    } finally {
      exit();
    }
  }

  /**
   * Runs {@code work} in a write transaction ({@link #transact}) holding one of {@link #writeSlots}, waited on for at
   * most the connection timeout, as the connection itself would be. A write that waited for its slot, behind writes
   * that waited on a lock, waits on the lock only for what is left of the busy timeout, so that it fails within about
   * that long in all rather than twice as long (a QA run's queued event writes answered 503 after 20 s).
   */
  private <T> T inWriteSlot(String operation, SqlWork<T> work) {
    long start = System.nanoTime();
    try {
      if (!writeSlots.tryAcquire(writeWaitMillis, TimeUnit.MILLISECONDS)) {
        String reason = "waited " + writeWaitMillis + " ms for one of the connections writes may use (the others are"
            + " kept for reads)";
        throw new StoreException(operation + " failed on " + database + ": " + reason,
            new java.sql.SQLTimeoutException(reason)); // busy, not broken: retryable()
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(operation + " failed on " + database + ": interrupted while waiting to write", e);
    }
    try {
      return transactAfterWaiting(operation, millisSince(start), work);
    } finally {
      writeSlots.release();
    }
  }

  /**
   * Runs {@code work} in a write transaction ({@link #transact}) that waits on a lock held elsewhere only for what
   * is left of the busy timeout after {@code waitedMillis} spent waiting for its turn (a write slot, SQLite's writer),
   * so that a write fails within about the busy timeout in all rather than twice that: a QA run's queued event writes
   * answered 503 after 20 s, behind writes that had waited out the lock.
   */
  private <T> T transactAfterWaiting(String operation, long waitedMillis, SqlWork<T> work) {
    if (waitedMillis < TURN_WAIT_WORTH_A_SHORTER_LOCK_MILLIS) return transact(operation, work);
    long lockMillis = Math.max(1, busyWaitMillis - waitedMillis);
    return transact(operation, c -> dialect.withLockWait(c, lockMillis, busyWaitMillis, work));
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /**
   * Runs {@code work} in one write transaction and commits it, again after a PostgreSQL deadlock; on SQLite the
   * caller holds the write lock.
   */
  private <T> T transact(String operation, SqlWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return inTransaction(work);
      } catch (SQLException e) {
        if (attempt == MAX_ATTEMPTS || !dialect.isRetryable(e, operation)) {
          throw StoreException.of(operation, database, e);
        }
        // a deadlock's transactions would meet again if retried at once: each waits a random few ms, longer each time
        try {
          Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 20L * attempt));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw StoreException.of(operation, database, e);
        }
      }
    }
  }

  /** Runs {@code work} in one write transaction and commits it ({@link StoreCopy}). */
  <T> T writeTransaction(String operation, SqlWork<T> work) {
    return write(operation, work);
  }

  /** The schema version the store was opened at: {@link #SCHEMA_VERSION}, or an earlier build's read as it is. */
  int schemaVersion() {
    return schemaVersion;
  }

  /** The database it runs on. */
  Dialect dialect() {
    return dialect;
  }

  /** Fails a call made after {@link #close} with a message that says so, rather than the pool's. */
  private void requireOpen(String operation) {
    if (closed) {
      throw closedException(operation);
    }
  }

  /**
   * Starts a call that uses the pools: fails it if the store is closed (or closing), else lets {@link #close}
   * wait for it until {@link #exit}.
   */
  private void enter(String operation) {
    // tryLock: it fails only while close() holds the lock, and does not queue behind a close() that waits.
    if (closed || !lifecycle.readLock().tryLock()) {
      throw closedException(operation);
    }
    if (closed) {
      lifecycle.readLock().unlock();
      throw closedException(operation);
    }
  }

  private void exit() {
    lifecycle.readLock().unlock();
  }

  private StoreException closedException(String operation) {
    // a connection-class cause: a caller answering requests says "unavailable, retry", as for a lost database
    return new StoreException(operation + " failed on " + database + ": the store is closed",
        new java.sql.SQLNonTransientConnectionException("the store is closed", "08003"));
  }

  private <T> T inTransaction(SqlWork<T> work) throws SQLException {
    try (Connection c = writePool.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        writeFailure = null;
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollbackQuietly(c, e);
        // a failed write's connection is not reused: after a full disk or an I/O error SQLite rolls the transaction
        // back itself while the driver still holds it open, so every later write on that connection committed each
        // statement alone and then failed its commit (a QA run: 500 for every write until a restart, the writes
        // stored all the same). A connection is cheap to open again, and failures are rare.
        writePool.evictConnection(c);
        noteWriteFailure(e);
        throw e;
      }
    }
  }

  /** Why the latest write failed for want of storage, and when, or null since a write succeeded. */
  private volatile WriteFailure writeFailure;

  private record WriteFailure(String reason, long atNanos) {}

  /** How long a write refused for want of storage keeps {@link #writeRefusal} saying so without another failure. */
  static final long WRITE_REFUSAL_MEMORY_NANOS = 60_000_000_000L;

  private void noteWriteFailure(Throwable e) {
    if (!(e instanceof SQLException sql)) return;
    String why = StoreException.storageRefusal(sql);
    if (why == null) return;
    writeFailure = new WriteFailure(why, System.nanoTime());
    // every pooled connection, not only the failed one: a PostgreSQL session keeps the read-only default it began
    // with, so after the database was made writable again each idle connection failed one more write (a QA run: 8)
    var pool = writePool.getHikariPoolMXBean();
    if (pool != null) pool.softEvictConnections();
  }

  @Override
  public String location() {
    if (dialect == Dialect.SQLITE) return "sqlite:" + dialect.sqliteFile(jdbcUrl).toAbsolutePath().normalize();
    String url = jdbcUrl.replaceAll("(?i)([?&;])(?:user|password|sslpassword)=[^&;]*", "$1");
    return url.replaceAll("[?&;]+$", "");
  }

  /**
   * {@inheritDoc} Reads may still work, so {@link #healthy} alone said "ok" while every write failed (a QA run's full
   * disk).
   */
  @Override
  public String writeRefusal() {
    WriteFailure f = writeFailure;
    return f == null || System.nanoTime() - f.atNanos() > WRITE_REFUSAL_MEMORY_NANOS ? null : f.reason();
  }

  /** Runs {@code work} on a connection in auto-commit mode: for reads of one statement. */
  private <T> T read(String operation, SqlWork<T> work) {
    enter(operation);
    try (Connection c = readPool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw StoreException.of(operation, database, e);
    } finally {
      exit();
    }
  }

  /**
   * Runs {@code work} in one read-only transaction: every statement sees the same committed state. Exceptions
   * thrown by a visitor inside {@code work} pass through unchanged.
   */
  <T> T readSnapshot(String operation, SqlWork<T> work) {
    enter(operation);
    try (Connection c = readPool.getConnection()) {
      c.setAutoCommit(false);
      try {
        dialect.beginSnapshot(c);
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollbackQuietly(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw StoreException.of(operation, database, e);
    } finally {
      exit();
    }
  }

  private static void rollbackQuietly(Connection c, Throwable failure) {
    try {
      c.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  // ---- statements and rows ----

  /** A statement whose rows PostgreSQL sends in pages instead of all at once (needs auto-commit off). */
  private static PreparedStatement streaming(Connection c, String sql) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    ps.setFetchSize(FETCH_ROWS);
    return ps;
  }

  private static void visitItems(Connection c, Consumer<StoredItem> visitor) throws SQLException {
    try (PreparedStatement ps = streaming(c, "SELECT " + ITEM_COLUMNS + " FROM items ORDER BY id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        visitor.accept(readItem(rs));
      }
    }
  }

  /** Visits the events {@code sql} selects; {@code since} binds its one parameter, if not null. */
  private static void visitEvents(Connection c, String sql, Long since, Consumer<StoredEvent> visitor)
      throws SQLException {
    try (PreparedStatement ps = streaming(c, sql)) {
      if (since != null) {
        ps.setLong(1, since);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          visitor.accept(readEvent(rs));
        }
      }
    }
  }

  private static int update(Connection c, String sql, String parameter) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, parameter);
      return ps.executeUpdate();
    }
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Event counts grouped by {@code column} (a constant, never user input), sorted by key in code-point order (sorted
   * here: a PostgreSQL database whose default collation is a language's would order them otherwise than SQLite).
   */
  private static Map<String, Long> countBy(Connection c, String column) throws SQLException {
    Map<String, Long> counts = new java.util.TreeMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT " + column + ", COUNT(*) FROM events GROUP BY " + column)) {
      while (rs.next()) {
        counts.put(rs.getString(1), rs.getLong(2));
      }
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(counts));
  }

  private static void bindItem(PreparedStatement ps, Item item, long now) throws SQLException {
    ps.setString(1, item.id());
    ps.setString(2, item.scene());
    ps.setString(3, item.title());
    ps.setString(4, item.creator());
    ps.setString(5, item.album());
    ps.setString(6, JsonColumns.write(item.categories()));
    ps.setString(7, JsonColumns.write(item.tags()));
    if (Float.isNaN(item.durationSeconds())) {
      ps.setNull(8, Types.REAL);
    } else {
      ps.setFloat(8, item.durationSeconds());
    }
    if (item.hasReleaseTime()) {
      ps.setLong(9, item.releaseTime());
    } else {
      ps.setNull(9, Types.BIGINT);
    }
    ps.setString(10, item.text());
    ps.setString(11, JsonColumns.write(item.attributes()));
    ps.setBoolean(12, false); // only for a new item: an update keeps the flag
    ps.setLong(13, now); // likewise the creation time
  }

  /** Reads one row. */
  @FunctionalInterface
  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** One page of {@code sql} (whose two parameters are LIMIT and OFFSET), unmodifiable. */
  /** The one row {@code sql} (one string parameter: the id) finds, if any. */
  private <T> Optional<T> byId(String operation, String sql, String id, RowReader<T> reader) {
    return read(operation, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(reader.read(rs)) : Optional.<T>empty();
        }
      }
    });
  }

  /** {@link #byId} for each of {@code ids}, on one connection and one statement: those found, by id. */
  private <T> Map<String, T> byIds(String operation, String sql, java.util.Collection<String> ids,
      RowReader<T> reader) {
    return read(operation, c -> {
      Map<String, T> found = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (String id : ids) {
          ps.setString(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) found.put(id, reader.read(rs));
          }
        }
      }
      return found;
    });
  }

  private <T> List<T> page(String operation, String sql, int offset, int limit, RowReader<T> reader) {
    return read(operation, c -> {
      List<T> page = new ArrayList<>(Math.min(limit, 1024));
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(1, limit);
        ps.setInt(2, offset);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) page.add(reader.read(rs));
        }
      }
      return Collections.unmodifiableList(page);
    });
  }

  private static User readUser(ResultSet rs) throws SQLException {
    return new User(rs.getString("id"), JsonColumns.stringMap(rs.getString("attributes")));
  }

  private static StoredItem readItem(ResultSet rs) throws SQLException {
    float duration = rs.getFloat("duration");
    if (rs.wasNull()) {
      duration = Float.NaN;
    }
    long releaseTime = rs.getLong("release_time");
    if (rs.wasNull()) {
      releaseTime = Item.UNKNOWN_TIME;
    }
    Item item = new Item(rs.getString("id"), rs.getString("scene"), rs.getString("title"),
        rs.getString("creator"), rs.getString("album"), JsonColumns.stringList(rs.getString("categories")),
        JsonColumns.stringList(rs.getString("tags")), duration, releaseTime, rs.getString("text"),
        JsonColumns.stringMap(rs.getString("attributes")));
    return new StoredItem(item, rs.getBoolean("hidden"), rs.getLong("created_at"));
  }

  private static StoredEvent readEvent(ResultSet rs) throws SQLException {
    Event event = new Event(rs.getString("user_id"), rs.getString("item_id"), rs.getString("type"),
        rs.getFloat("value"), rs.getLong("ts"), rs.getString("scene"),
        JsonColumns.stringMap(rs.getString("context")));
    return new StoredEvent(rs.getLong("sequence"), rs.getString("event_id"), event);
  }

  private static ModelVersion readModel(ResultSet rs) throws SQLException {
    return new ModelVersion(rs.getString("id"), rs.getString("kind"), rs.getString("path"),
        rs.getLong("created_at"), JsonColumns.numberMap(rs.getString("metrics")), rs.getBoolean("active"));
  }

  // ---- argument checks ----

  private static void requireElements(List<?> list, String name) {
    if (list == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        throw new IllegalArgumentException(name + "[" + i + "] is null");
      }
    }
  }

  private static void requireId(String id, String name) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }

  private static void requirePage(int offset, int limit) {
    if (offset < 0 || limit < 0) {
      throw new IllegalArgumentException("offset and limit must be >= 0: " + offset + ", " + limit);
    }
  }

  private static void requireVisitor(Consumer<?> visitor) {
    if (visitor == null) {
      throw new IllegalArgumentException("visitor must not be null");
    }
  }
}
