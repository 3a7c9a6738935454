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

  /** QA: a full disk and a failover to a read-only standby answered 500; retrying once the operator acts cures them. */
  @Test
  void storageRefusalsAreRetryableAndSayWhy() {
    assertTrue(failure(new SQLiteException("full", SQLiteErrorCode.SQLITE_FULL)).storageRefused());
    assertTrue(failure(new SQLiteException("write", SQLiteErrorCode.SQLITE_IOERR_WRITE)).retryable());
    assertTrue(failure(new SQLiteException("read-only", SQLiteErrorCode.SQLITE_READONLY)).retryable());
    assertTrue(failure(new SQLException("cannot execute INSERT in a read-only transaction", "25006")).retryable());
    assertTrue(failure(new SQLException("could not extend file", "53100")).retryable());
    org.junit.jupiter.api.Assertions.assertEquals("the disk is full",
        StoreException.storageRefusal(new SQLiteException("full", SQLiteErrorCode.SQLITE_FULL)));
    assertFalse(failure(new SQLiteException("constraint", SQLiteErrorCode.SQLITE_CONSTRAINT)).storageRefused());
  }

  /** A failure's message names what went wrong, not the data: it reaches the server's log. */
  @Test
  void aMessageQuotesNoStatementValuesNorDetails() {
    java.sql.BatchUpdateException batch = new java.sql.BatchUpdateException("Batch entry 0 INSERT INTO users (id,"
        + " attributes) VALUES (('5'), CAST(('{\"a\":\"b\"}') AS jsonb)) was aborted: ERROR: canceling statement due"
        + " to lock timeout  Call getNextException to see other errors in the batch.", "55P03", new int[0]);
    StoreException e = StoreException.of("upsertUsers", "jdbc:postgresql://h/db", batch);
    org.junit.jupiter.api.Assertions.assertEquals("upsertUsers failed on jdbc:postgresql://h/db: ERROR: canceling"
        + " statement due to lock timeout (SQLState 55P03)", e.getMessage());
    batch.setNextException(new SQLException("ERROR: duplicate key value violates unique constraint \"users_pkey\"\n"
        + "  Detail: Key (id)=(u1) already exists.", "23505"));
    String next = StoreException.of("upsertUsers", "db", batch).getMessage();
    assertTrue(next.contains("duplicate key value") && !next.contains("u1") && !next.contains("INSERT"), next);
  }

  private static StoreException failure(Throwable cause) {
    return new StoreException("appendEvents failed on test", cause);
  }
}
