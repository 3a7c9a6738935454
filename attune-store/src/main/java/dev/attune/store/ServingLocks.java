package dev.attune.store;

import dev.attune.store.Store.ServingLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The claims of {@link Store#tryLockForServing}: a PostgreSQL advisory lock on a connection of its own, or an
 * exclusive lock on a file beside the SQLite database. Both end with the process that holds them, so a server that
 * was killed never leaves a claim behind; a PostgreSQL claim of a machine that died or lost its network ends when
 * the database's keep-alive, set to about a minute and a half on the claim's session, finds the peer gone.
 */
final class ServingLocks {

  /** Ends the name of the file beside a SQLite database whose lock is the claim. */
  static final String SQLITE_LOCK_SUFFIX = ".serve.lock";

  /**
   * The SQLite lock files this JVM holds. Checked before a file is opened: the JVM refuses a second lock on a file
   * it already locks, but closing the channel of that failed attempt would drop the first lock at the operating
   * system (POSIX locks belong to the process and end when any of its descriptors for the file closes).
   */
  private static final Set<Path> HELD_FILES = ConcurrentHashMap.newKeySet();

  private ServingLocks() {}

  /**
   * Tries the claim on the store at {@code jdbcUrl}, of its dialect: {@link #onSqlite} or {@link #onPostgresql}.
   *
   * @param database the store's description, for messages
   */
  static Optional<ServingLock> on(String jdbcUrl, Dialect dialect, String database) {
    return dialect == Dialect.SQLITE ? onSqlite(dialect.sqliteFile(jdbcUrl), database) : onPostgresql(jdbcUrl, database);
  }

  /** How a PostgreSQL claim's session is named in {@code pg_stat_activity}, followed by its process id. */
  private static final String CLAIM_SESSION = "attune (store claim) pid ";
  /** How a claim names its process where others can read it: its id, which {@code ps} shows. */
  private static final String CLAIMED_BY = CLAIM_SESSION + ProcessHandle.current().pid();

  /**
   * Who holds the claim of the store at {@code jdbcUrl}, as a refusal names them: on SQLite, what the holder wrote in
   * the lock file (its process id and since when); on PostgreSQL, the holder's session (its process id, client
   * address and since when). Empty when that cannot be read, or nobody holds it. Never throws: a refusal is said
   * with or without it.
   */
  static Optional<String> holder(String jdbcUrl, Dialect dialect) {
    try {
      if (dialect == Dialect.SQLITE) {
        String written = java.nio.file.Files.readString(lockFileOf(dialect.sqliteFile(jdbcUrl)),
            StandardCharsets.UTF_8).strip();
        return written.isEmpty() ? Optional.empty() : Optional.of(written);
      }
      try (Connection c = DriverManager.getConnection(jdbcUrl)) {
        long key = advisoryKeyOf(c);
        try (PreparedStatement ps = c.prepareStatement("SELECT a.application_name, a.client_addr,"
            + " a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
            + " AND l.granted AND l.objsubid = 1 AND l.classid::bigint = ? AND l.objid::bigint = ?"
            + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
          ps.setLong(1, key >>> 32);
          ps.setLong(2, key & 0xFFFFFFFFL);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            String name = rs.getString(1);
            String pid = name != null && name.startsWith(CLAIM_SESSION)
                ? "process " + name.substring(CLAIM_SESSION.length()) : "a process";
            String from = rs.getString(2);
            java.sql.Timestamp since = rs.getTimestamp(3);
            // another role's session shows no address nor start to a role without pg_read_all_stats (a review: said
            // as "on the database's machine"), and a Unix socket's has no address: either way left out
            return Optional.of(pid + (from == null ? "" : " at " + from) + (since == null
                ? "" : " since " + since.toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
          }
        }
      }
    } catch (IOException | SQLException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Tries the claim on a PostgreSQL store: {@code pg_try_advisory_lock} with a key made from the database and the
   * schema that {@code jdbcUrl} resolves to, so stores in other schemas or databases of the same server do not
   * contend, and two URLs that reach the same schema do. The connection is opened here, outside the store's pool,
   * and kept open (with TCP keep-alive, so a dead peer is noticed) until the claim is closed.
   *
   * @param database the store's description, for messages
   * @throws StoreException if the database cannot be reached
   */
  static Optional<ServingLock> onPostgresql(String jdbcUrl, String database) {
    Properties properties = new Properties();
    properties.setProperty("ApplicationName", CLAIMED_BY); // names it in pg_stat_activity, and to a refused one
    properties.setProperty("tcpKeepAlive", "true");
    Connection connection;
    try {
      connection = DriverManager.getConnection(jdbcUrl, properties);
    } catch (SQLException e) {
      throw StoreException.of("claiming the store", database, e);
    }
    try {
      // the database's own keep-alive on this session: the client's notices a dead database, not the other way round,
      // and a server whose machine died held its claim until the database's default keep-alive (about 2 hours) gave
      // up on it (a review). With these, about a minute and a half.
      try (java.sql.Statement st = connection.createStatement()) {
        st.execute("SET tcp_keepalives_idle = 60");
        st.execute("SET tcp_keepalives_interval = 10");
        st.execute("SET tcp_keepalives_count = 3");
      }
      boolean locked;
      try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        ps.setLong(1, advisoryKeyOf(connection));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          locked = rs.getBoolean(1);
        }
      }
      if (!locked) {
        connection.close();
        return Optional.empty();
      }
    } catch (SQLException e) {
      closeQuietly(connection);
      throw StoreException.of("claiming the store", database, e);
    }
    // Closing the session releases its advisory locks: no unlock statement that could fail on a dead connection.
    return Optional.of(claim(() -> closeQuietly(connection), () -> {
      try {
        return connection.isValid(5); // a round trip: false once the session (and its lock) is gone
      } catch (SQLException e) {
        return false;
      }
    }));
  }

  /** The advisory lock key of the database and schema {@code c} is connected to ({@link #advisoryKey}). */
  private static long advisoryKeyOf(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT current_database(), coalesce(current_schema(), '')");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return advisoryKey(rs.getString(1) + "." + rs.getString(2));
    }
  }

  /**
   * The advisory lock key of a database and schema ({@code "<database>.<schema>"}): the first 8 bytes of a SHA-256
   * of it with a prefix of ours, so that it is unlikely to meet another application's key (Flyway's included).
   */
  static long advisoryKey(String scope) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(("attune-serve:" + scope).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  /**
   * Tries the claim on a SQLite store: an exclusive lock on {@code <database file>.serve.lock} (created when
   * missing), not on the database file itself, whose locks belong to SQLite. The file stays when the claim ends:
   * deleting it could let two processes lock two different files of the same name.
   *
   * @param databaseFile the store's file, which exists (the store is open)
   * @param database the store's description, for messages
   * @throws StoreException if the lock file cannot be opened
   */
  static Optional<ServingLock> onSqlite(Path databaseFile, String database) {
    Path lockFile;
    try {
      lockFile = lockFileOf(databaseFile);
    } catch (IOException e) {
      throw new StoreException("claiming the store failed on " + database + ": " + e, e);
    }
    if (!HELD_FILES.add(lockFile)) {
      return Optional.empty();
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        HELD_FILES.remove(lockFile);
        return Optional.empty();
      }
      // who holds it, for a refused one to name ("process 4242 since 2026-12-07T18:00:00Z"); the lock stands without
      try {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(("process " + ProcessHandle.current().pid() + " since "
            + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\n")
            .getBytes(StandardCharsets.UTF_8)), 0);
      } catch (IOException unwritten) {
        // a refusal then names nobody
      }
      FileChannel held = channel;
      return Optional.of(claim(() -> {
        try {
          held.close(); // releases the lock
        } catch (IOException e) {
          // the descriptor is gone either way, and with it the lock
        } finally {
          HELD_FILES.remove(lockFile);
        }
      }, () -> held.isOpen() && lock.isValid()));
    } catch (IOException | OverlappingFileLockException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // failing already
        }
      }
      HELD_FILES.remove(lockFile);
      throw new StoreException("claiming the store failed on " + database + ": cannot lock " + lockFile + ": " + e,
          e);
    }
  }

  /**
   * The lock file of a SQLite database file, by its real path: two names of one database (a relative one, a link)
   * must meet on one lock file.
   */
  private static Path lockFileOf(Path databaseFile) throws IOException {
    Path real = databaseFile.toRealPath();
    return real.resolveSibling(real.getFileName() + SQLITE_LOCK_SUFFIX);
  }

  /** A claim that {@code release}s once, however often it is closed, and is held while {@code stillHeld} says so. */
  private static ServingLock claim(Runnable release, java.util.function.BooleanSupplier stillHeld) {
    AtomicBoolean closed = new AtomicBoolean();
    return new ServingLock() {
      @Override
      public boolean held() {
        return !closed.get() && stillHeld.getAsBoolean();
      }

      @Override
      public void close() {
        if (closed.compareAndSet(false, true)) {
          release.run();
        }
      }
    };
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // closing is all that was left to do
    }
  }
}
