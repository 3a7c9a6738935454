package dev.attune.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on SQLite, one file per test in a temporary folder, plus SQLite's own settings. */
final class SqliteStoreIT extends StoreContract {

  @TempDir
  Path folder;

  @Override
  String createDatabase() {
    // A folder that does not exist yet: opening the store creates it.
    return "jdbc:sqlite:" + folder.resolve("nested/deeper/attune.db");
  }

  @Override
  String anotherDatabase(String name) throws java.io.IOException {
    // made, so that a test may make its schema with Flyway itself, which does not create folders
    return "jdbc:sqlite:" + Files.createDirectories(folder.resolve(name)).resolve("attune.db");
  }

  @Override
  void dropAnotherDatabase(String url) {
    // the temporary folder goes with the test
  }

  @Override
  void rejectEventId(String eventId) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("CREATE TRIGGER reject_event BEFORE INSERT ON events WHEN NEW.event_id = '" + eventId + "' "
          + "BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END");
    }
  }

  @Override
  Connection holdEventWriteLock() throws Exception {
    Connection c = DriverManager.getConnection(url);
    try (Statement st = c.createStatement()) {
      st.execute("BEGIN EXCLUSIVE");
    }
    return c;
  }

  @Test
  void aUserDeletedByAnotherProcessIsCreatedAgainByTheNextAppend() throws Exception {
    store.appendEvents(List.of(withId("e1", play("u1", "i1", 1))));
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("DELETE FROM events WHERE user_id = 'u1'");
      st.execute("DELETE FROM users WHERE id = 'u1'");
    }
    assertEquals(StoreContract.appended(1), store.appendEvents(List.of(withId("e2", play("u1", "i1", 2)))));
    assertTrue(store.user("u1").isPresent(), "the store forgot what it remembered and inserted the user");
  }

  @Test
  void aSchemaANewerBuildMigratedIsRefusedAtOpen() throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
          + " installed_by, execution_time, success) VALUES (99, '99', 'from the future', 'SQL', 'V99__future.sql', 0,"
          + " 'test', 0, 1)");
    }
    StoreException e = assertThrows(StoreException.class, () -> Store.open(url).close());
    assertTrue(e.whileOpening(), "a setting to fix: one line from the command line");
    assertTrue(e.getMessage().contains("migrated by a newer Attune"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), "one line, without Flyway's advice to repair: " + e.getMessage());
  }

  /**
   * QA: after a full disk (here SQLite's page cap on the writer's connection, which fails the same way) every later
   * write answered 500, stored all the same, until a restart: the failed connection was reused. Now the failure is a
   * retryable storage refusal, {@link Store#writeRefusal} says why, and the next write, on a fresh connection, works.
   */
  @Test
  void aWriteRefusedForWantOfStorageIsRetryableAndTheNextWriteWorks() throws Exception {
    store.appendEvents(List.of(withId("before", play("u1", "i1", 1))));
    JdbcStore jdbc = (JdbcStore) store;
    jdbc.writeTransaction("cap", c -> {
      try (Statement st = c.createStatement(); ResultSet pages = st.executeQuery("PRAGMA page_count")) {
        pages.next();
        st.execute("PRAGMA max_page_count = " + pages.getLong(1)); // this connection's file can grow no more
      }
      return null;
    });
    List<Store.NewEvent> many = new java.util.ArrayList<>();
    for (int k = 0; k < 2_000; k++) many.add(withId("full" + k, play("full-user" + k, "item" + k, 10 + k)));
    StoreException full = assertThrows(StoreException.class, () -> store.appendEvents(many));
    assertTrue(full.retryable() && full.storageRefused(), full.getMessage());
    assertEquals("the disk is full", store.writeRefusal());
    assertTrue(store.healthy(), "reads still work");
    assertEquals(StoreContract.appended(1), store.appendEvents(List.of(withId("after", play("u2", "i1", 2)))));
    assertEquals(null, store.writeRefusal(), "a write succeeded since");
    assertEquals(2, store.counts().events(), "nothing of the refused batch was stored");
  }

  /** The store's location is the file's, however the URL spells it: it keys a server's job record (QA). */
  @Test
  void theLocationIsTheFilesAbsolutePath() throws Exception {
    assertEquals("sqlite:" + folder.resolve("nested/deeper/attune.db").toAbsolutePath().normalize(), store.location());
    try (Store again = Store.open("jdbc:sqlite:" + folder.resolve("nested/../nested/deeper/attune.db"))) {
      assertEquals(store.location(), again.location());
    }
  }

  @Test
  void createsTheFileAndItsFolders() {
    assertTrue(Files.isRegularFile(folder.resolve("nested/deeper/attune.db")));
  }

  /** A pragma's value as a fresh connection to the file reads it. */
  private static String pragma(String jdbcUrl, String name) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void usesTheWriteAheadLog() throws Exception {
    // journal_mode=wal is stored in the file, so a fresh connection sees it.
    assertEquals("wal", pragma(url, "journal_mode"));
  }

  @Test
  void newFilesHaveSmallPagesAndExistingFilesKeepTheirs() throws Exception {
    assertEquals(Integer.toString(Dialect.PAGE_SIZE), pragma(url, "page_size"));
    // an empty file made elsewhere with SQLite's default pages (an older store's) opens and works as it is
    Path other = folder.resolve("made-elsewhere.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other); Statement st = c.createStatement()) {
      st.execute("PRAGMA page_size = 4096");
      st.execute("VACUUM"); // writes the header, so the file exists with its page size
    }
    try (Store elsewhere = Store.open("jdbc:sqlite:" + other)) {
      assertEquals(StoreContract.appended(1), elsewhere.appendEvents(List.of(withId("e1", play("u1", "i1", 1)))));
    }
    assertEquals("4096", pragma("jdbc:sqlite:" + other, "page_size"));
  }

  @Test
  void connectionsSyncEveryCommitAndEnforceForeignKeys() {
    // synchronous and foreign_keys are per connection: check what every pooled connection is opened with.
    JdbcStore.Options options = JdbcStore.Options.DEFAULTS;
    for (Properties properties : List.of(Dialect.SQLITE.readPoolConfig(url, options).getDataSourceProperties(),
        Dialect.SQLITE.writePoolConfig(url, options).getDataSourceProperties())) {
      assertEquals("WAL", properties.getProperty("journal_mode"));
      assertEquals("FULL", properties.getProperty("synchronous"));
      assertEquals("true", properties.getProperty("foreign_keys"));
      assertEquals("10000", properties.getProperty("busy_timeout"));
    }
    assertEquals(1, Dialect.SQLITE.writePoolConfig(url, options).getMaximumPoolSize(), "one writer");
  }

  @Test
  void theWriterLeavesCheckpointsToTheStoresThread() throws Exception {
    Properties writer = Dialect.SQLITE.writePoolConfig(url, JdbcStore.Options.DEFAULTS).getDataSourceProperties();
    assertEquals("0", writer.getProperty("wal_autocheckpoint"), "no checkpoint inside a commit");
    assertEquals(String.valueOf(Dialect.WAL_FILE_LIMIT_BYTES), writer.getProperty("journal_size_limit"));

    // The pages appended reach the database file without anyone asking: only the checkpoint thread copies them
    // there (nothing else writes to the file while the store is open).
    Path file = folder.resolve("nested/deeper/attune.db");
    long before = Files.size(file);
    List<Store.NewEvent> batch = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      batch.add(withId("e" + i, play("u" + i, "i" + (i % 50), i)));
    }
    store.appendEvents(batch);
    long waitedMillis = 0;
    while (Files.size(file) <= before) {
      // A liveness bound, not a speed check: the thread runs every 200 ms.
      assertTrue(waitedMillis < 60_000, "the log was not checkpointed within a minute");
      Thread.sleep(20);
      waitedMillis += 20;
    }
    assertTrue(checkpointThreadRunning(), "the checkpoint thread runs while the store is open");
    store.close();
    assertFalse(checkpointThreadRunning(), "close() stops the checkpoint thread");
  }

  private static boolean checkpointThreadRunning() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("attune-sqlite-checkpoint") && t.isAlive());
  }

  @Test
  void theServingClaimLocksAFileBesideTheDatabaseThatOtherNamesOfItMeet() throws Exception {
    Path lockFile = folder.resolve("nested/deeper/attune.db" + ServingLocks.SQLITE_LOCK_SUFFIX);
    try (Store.ServingLock claim = store.tryLockForServing().orElseThrow()) {
      assertTrue(Files.isRegularFile(lockFile));
      // another spelling of the same file: through a relative path with ".." in it
      Path relative = Path.of("").toAbsolutePath().relativize(folder.resolve("nested/../nested/deeper/attune.db"));
      try (Store sameFile = Store.open("jdbc:sqlite:" + relative)) {
        assertTrue(sameFile.tryLockForServing().isEmpty());
      }
    }
    assertTrue(Files.isRegularFile(lockFile), "the lock file stays: deleting it could split the claim in two");
    store.tryLockForServing().orElseThrow().close();
  }

  @Test
  void inMemoryDatabasesAreRejected() {
    // Every pooled connection would get its own empty database.
    assertThrows(IllegalArgumentException.class, () -> Store.open("jdbc:sqlite::memory:"));
    assertThrows(IllegalArgumentException.class, () -> Store.open("jdbc:sqlite:"));
    assertThrows(IllegalArgumentException.class, () -> Store.open("jdbc:sqlite:file:x?mode=memory"));
  }
}
