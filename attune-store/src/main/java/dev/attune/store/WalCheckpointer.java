package dev.attune.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite only: moves the write-ahead log back into the database file from a thread and connection of its own,
 * so that no commit pays for it. The write connection runs with {@code wal_autocheckpoint=0}; with SQLite's
 * automatic checkpoint, the commit that crossed the limit copied the whole log (tens of MB of random pages) and
 * synced the database file before it returned, which made the slowest appends take up to a second.
 *
 * <p>Every {@value Dialect#CHECKPOINT_INTERVAL_MILLIS} ms the thread runs {@code PRAGMA wal_checkpoint(PASSIVE)},
 * which copies what is committed without blocking the writer or readers. That alone does not bound the log:
 * SQLite starts the log over only when a write begins after a checkpoint copied all of it, and a writer that is
 * never idle appends while each checkpoint runs. So when the log holds more than {@value
 * Dialect#WAL_RESTART_BYTES} bytes, the thread repeats the passive checkpoint until few pages were appended
 * during the last one, then takes the store's write lock (queueing like any write) and copies those last pages
 * with the writer excluded; the next write then starts the log over. Appends wait for that last step only, a
 * few milliseconds (10-20 ms for about 1,500 pages when measured), where the automatic checkpoint made one of
 * them wait for a whole checkpoint.
 *
 * <p>What it cannot do: readers that keep an old snapshot for a long time (a {@code toDataset} of a large store)
 * pin the log's end, which then grows until they finish, as with SQLite's own checkpoints.
 *
 * <p>Durability is unchanged: a checkpoint only copies committed pages, and the write connection still syncs
 * the log on every commit ({@code synchronous=FULL}).
 */
final class WalCheckpointer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);

  /** Bytes appended during one checkpoint that are few enough to copy while the writer waits. */
  private static final long CATCH_UP_BYTES = 4L * 1024 * 1024;
  /** Longest wait for the write lock before the last catch-up step; past it, the next round tries again. */
  private static final long CATCH_UP_LOCK_WAIT_MILLIS = 200;
  /** Passive rounds at most before the writer is excluded, when the log is over its limit. */
  private static final int CATCH_UP_ROUNDS = 4;

  private final Connection connection;
  private final Lock writeLock;
  private final String database;
  /** {@link Dialect#WAL_RESTART_BYTES} and {@link #CATCH_UP_BYTES} in pages of this database. */
  private final long restartPages;
  private final long catchUpPages;
  private final Thread thread;
  private volatile boolean stopped;
  /** Whether the last round failed, so that a run of failures is logged once. */
  private boolean failing;
  /** Whether the log is to be emptied (a deletion's old pages are in it): see {@link #requestTruncate}. */
  private volatile boolean truncateRequested;

  /**
   * Starts the thread.
   *
   * @param connection a connection of its own to the database, closed by {@link #close}
   * @param writeLock the store's write lock, held while the last pages are copied
   * @param database the database as messages show it
   */
  WalCheckpointer(Connection connection, Lock writeLock, String database) {
    this.connection = connection;
    this.writeLock = writeLock;
    this.database = database;
    long pageSize = pageSize(connection);
    this.restartPages = Dialect.WAL_RESTART_BYTES / pageSize;
    this.catchUpPages = CATCH_UP_BYTES / pageSize;
    this.thread = Thread.ofPlatform().daemon().name("attune-sqlite-checkpoint").unstarted(this::run);
    thread.start();
  }

  private void run() {
    while (!stopped) {
      try {
        Thread.sleep(Dialect.CHECKPOINT_INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        break; // close()
      }
      try {
        checkpoint();
        if (truncateRequested) truncate();
        if (failing) {
          LOG.info("WAL checkpoints on {} work again", database);
          failing = false;
        }
      } catch (InterruptedException e) {
        break; // close() while waiting for the write lock
      } catch (SQLException | RuntimeException e) {
        if (!failing && !stopped) {
          LOG.warn("WAL checkpoint failed on {} (retrying every {} ms): {}", database,
              Dialect.CHECKPOINT_INTERVAL_MILLIS, e.toString());
        }
        failing = true;
      }
    }
  }

  /** One round: a passive checkpoint, and the catch-up described in the class comment when the log is long. */
  private void checkpoint() throws SQLException, InterruptedException {
    long[] state = passive();
    if (state[0] <= restartPages) {
      return;
    }
    // A checkpoint copies the log as it was when it began, so what the writer appended meanwhile is left for
    // the next one: repeat while that was much, so that what is left for the writer to wait on is little.
    for (int round = 0; round < CATCH_UP_ROUNDS && !stopped; round++) {
      long copiedBefore = state[1];
      state = passive();
      if (state[0] - copiedBefore <= catchUpPages) {
        break;
      }
    }
    if (stopped || !writeLock.tryLock(CATCH_UP_LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
      return; // the writer is busy with a long write: try again next round
    }
    try {
      passive();
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Asks for the log to be copied into the database and cut to zero bytes within a round or a few: the log still
   * holds the pages as they were before a deletion (the rows themselves, in the frames that wrote them), which
   * {@code secure_delete} does not reach. A reader holding an old snapshot postpones it to a later round.
   */
  void requestTruncate() {
    truncateRequested = true;
  }

  /** Empties the log with the writer excluded; leaves the request standing when a reader is in the way. */
  private void truncate() throws SQLException, InterruptedException {
    if (stopped || !writeLock.tryLock(CATCH_UP_LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS)) return;
    try (Statement st = connection.createStatement()) {
      if (truncateLog(st)) truncateRequested = false;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Copies the log into the database and cuts it to zero bytes on {@code st}'s connection; returns whether it did
   * (false: a reader holding an old snapshot was in the way).
   */
  static boolean truncateLog(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
      return rs.next() && rs.getInt(1) == 0; // busy = 0: all copied and the log cut
    }
  }

  /** The database's page size (files created before {@link Dialect#PAGE_SIZE} keep 4,096). */
  private static long pageSize(Connection connection) {
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("PRAGMA page_size")) {
      return rs.next() && rs.getLong(1) > 0 ? rs.getLong(1) : 4096;
    } catch (SQLException e) {
      return 4096; // the first checkpoint reports what is wrong with the connection
    }
  }

  /**
   * Runs a passive checkpoint; returns the pages in the log when it began and how many of the log's pages are
   * in the database file when it ended.
   */
  private long[] passive() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      rs.next();
      // Columns: busy (another checkpoint ran), pages in the log, pages copied; -1, -1 when not in WAL mode.
      return new long[] {rs.getLong(2), rs.getLong(3)};
    }
  }

  /** Stops the thread, waiting for a checkpoint in progress, and closes its connection. Idempotent. */
  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true; // the connection must not close under a running checkpoint: keep waiting
      }
    }
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("closing the checkpoint connection failed on {}: {}", database, e.toString());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
