package dev.attune.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * A store operation failed in the database: it could not be reached, a statement failed, or stored data could
 * not be read back. The message names the operation and the database (without URL parameters, which may
 * hold credentials) and gives the driver's reason; the cause keeps the full driver exception.
 *
 * <p>A write that throws this has not been committed (the transaction was rolled back), except in the rare
 * case that the connection broke during the commit itself; appending the same events again is always safe.
 */
public final class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Whether it happened while opening the store. */
  private final boolean opening;

  /**
   * A failure with a complete message.
   *
   * @param message what failed and why, readable on its own
   * @param cause the underlying exception, or null
   */
  public StoreException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private StoreException(String message, Throwable cause, boolean opening) {
    super(message, cause);
    this.opening = opening;
  }

  /** The store could not be opened (unreachable, refused, no such database, a folder that cannot be made). */
  static StoreException cannotOpen(String database, String reason, Throwable cause) {
    return new StoreException("open failed on " + database + ": " + reason, cause, true);
  }

  /**
   * Whether the database could not be reached (a lost or refused connection, a database shutting down, no pooled
   * connection in time): a failure that retrying later may cure, unlike a statement that failed.
   */
  public boolean unreachable() {
    for (Throwable c = getCause(); c != null; c = c.getCause()) {
      if (c instanceof SQLTransientConnectionException || c instanceof SQLNonTransientConnectionException) return true;
      // SQLState class 08: connection exception; 57P01-57P03: the server is shutting down or not accepting (not
      // 57P04, a dropped database: no retry cures that)
      if (c instanceof SQLException e && e.getSQLState() != null && (e.getSQLState().startsWith("08")
          || java.util.Set.of("57P01", "57P02", "57P03").contains(e.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether retrying later may succeed: {@link #unreachable}, {@link #storageRefused}, or the store too busy for now
   * (a write that waited its whole timeout for its turn, a lock another process held past the busy timeout, a
   * PostgreSQL deadlock or serialization failure that outlasted the store's own retries). A server answers these 503
   * with Retry-After, not 500.
   */
  public boolean retryable() {
    if (unreachable() || storageRefused()) return true;
    for (Throwable c = getCause(); c != null; c = c.getCause()) {
      if (c instanceof java.sql.SQLTransientException) return true;
      // serialization failure, deadlock, and a lock another session held past lock_timeout
      if (c instanceof SQLException e && ("40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState())
          || "55P03".equals(e.getSQLState()))) {
        return true;
      }
      // SQLITE_BUSY (5) and SQLITE_LOCKED (6), also extended (low byte); the driver sets no SQLState
      if (c instanceof org.sqlite.SQLiteException e && ((e.getErrorCode() & 0xff) == 5 || (e.getErrorCode() & 0xff) == 6)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the store refused the write for want of storage ({@link #storageRefusal}): its disk full, an I/O error, a
   * database or file made read-only (a failover to a standby). Retrying later may cure it once the operator has.
   */
  public boolean storageRefused() {
    for (Throwable c = getCause(); c != null; c = c.getCause()) {
      if (c instanceof SQLException e && storageRefusal(e) != null) return true;
    }
    return false;
  }

  /**
   * What kind of storage refusal {@code e} is ("the disk is full", ...), or null when it is none: SQLite's FULL (13),
   * IOERR (10) and READONLY (8) with their extended codes; PostgreSQL's read-only transaction (25006), disk full
   * (53100) and out of memory (53200).
   */
  static String storageRefusal(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.sqlite.SQLiteException s) {
        switch (s.getErrorCode() & 0xff) {
          case 13: return "the disk is full";
          case 10: return "the disk failed a read or write (I/O error)";
          case 8: return "the database file is read-only";
          default: break;
        }
      }
      if (t instanceof SQLException q && q.getSQLState() != null) {
        switch (q.getSQLState()) {
          case "25006": return "the database is read-only (a standby?)";
          case "53100": return "the database server's disk is full";
          case "53200": return "the database server is out of memory";
          default: break;
        }
      }
    }
    return null;
  }

  /** Whether this failure happened while opening the store: a setting to fix, not a failure of running work. */
  public boolean whileOpening() {
    return opening;
  }

  /**
   * Wraps a driver exception: {@code "<operation> failed on <database>: <reason> (SQLState <state>)"}.
   *
   * @param operation the store method or step, such as {@code appendEvents}
   * @param database where, as {@link Dialect#describe} prints it
   * @param cause the driver's exception
   */
  static StoreException of(String operation, String database, SQLException cause) {
    String state = cause.getSQLState() == null ? "" : " (SQLState " + cause.getSQLState() + ")";
    return new StoreException(operation + " failed on " + database + ": " + reason(cause) + state, cause);
  }

  /**
   * What went wrong, without the data it went wrong on: messages reach the server's log. PostgreSQL's batch error
   * quotes the whole statement with its values ("Batch entry 0 INSERT INTO users (id, attributes) VALUES (('5'),
   * ...)" put a user's id and profile in a QA run's log), and its other errors add lines such as "Detail: Key
   * (user_id)=(u1) ..."; so the error the batch ended on, and its first line only.
   */
  static String reason(SQLException cause) {
    SQLException e = cause;
    if (cause instanceof java.sql.BatchUpdateException && cause.getNextException() != null) e = cause.getNextException();
    String message = String.valueOf(e.getMessage());
    if (message.startsWith("Batch entry ")) {
      int aborted = message.indexOf(" was aborted: ");
      message = aborted < 0 ? "a batched statement failed" : message.substring(aborted + " was aborted: ".length());
      int call = message.indexOf("  Call getNextException");
      if (call >= 0) message = message.substring(0, call);
    }
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).strip();
  }
}
