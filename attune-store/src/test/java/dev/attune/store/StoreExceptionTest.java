package dev.attune.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Which store failures a server answers 503 (retry later) rather than 500 (a bug to report). */
class StoreExceptionTest {
  @Test
  void busyAndUnreachableStoresAreRetryableBrokenStatementsAreNot() {
    assertTrue(failure(new SQLTransientConnectionException("no connection in time")).retryable());
    assertTrue(failure(new SQLException("terminating connection", "57P01")).retryable());
    assertTrue(failure(new SQLTimeoutException("waited 250 ms for the writes queued before it")).retryable());
    assertTrue(failure(new SQLException("deadlock detected", "40P01")).retryable());
    assertTrue(failure(new SQLException("could not serialize access", "40001")).retryable());
    assertTrue(failure(new SQLException("canceling statement due to lock timeout", "55P03")).retryable());
    assertTrue(failure(new SQLiteException("database is locked", SQLiteErrorCode.SQLITE_BUSY)).retryable());
    assertTrue(failure(new SQLiteException("locked", SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT)).retryable());
    assertFalse(failure(new SQLException("syntax error", "42601")).retryable());
    assertFalse(failure(new SQLiteException("constraint", SQLiteErrorCode.SQLITE_CONSTRAINT)).retryable());
    assertFalse(new StoreException("a bug", null).retryable());
    assertFalse(failure(new SQLTimeoutException("busy")).unreachable(), "busy is not unreachable");
  }

  private static StoreException failure(Throwable cause) {
    return new StoreException("appendEvents failed on test", cause);
  }
}
