package dev.attune.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on PostgreSQL, each test in a schema of its own that is dropped afterwards.
 *
 * <p>The server is {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres} unless the environment variable
 * {@code ATTUNE_TEST_POSTGRES_URL} names another. When it cannot be reached the tests are skipped, or fail
 * when {@code ATTUNE_REQUIRE_POSTGRES=1} (as on a machine that is meant to have it).
 */
final class PostgresStoreIT extends StoreContract {

  private static final String SERVER_URL = System.getenv().getOrDefault("ATTUNE_TEST_POSTGRES_URL",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  /** Why the server cannot be used, or null when it can; checked once per run. */
  private static final String UNREACHABLE = checkServer();

  private String schema;

  private static String checkServer() {
    try (Connection c = DriverManager.getConnection(withParameter(SERVER_URL, "connectTimeout=3&loginTimeout=3"))) {
      return c.isValid(3) ? null : "PostgreSQL at " + SERVER_URL + " does not answer";
    } catch (SQLException e) {
      return "PostgreSQL is not reachable at " + SERVER_URL + " (" + e.getMessage() + ")";
    }
  }

  @BeforeAll
  static void requireServer() {
    if (UNREACHABLE == null) {
      return;
    }
    if ("1".equals(System.getenv("ATTUNE_REQUIRE_POSTGRES"))) {
      fail(UNREACHABLE + "; ATTUNE_REQUIRE_POSTGRES=1 makes that a failure");
    }
    // Surefire counts skipped tests but does not print why, so say it here once.
    System.err.println("PostgresStoreIT: " + UNREACHABLE + ": skipping the PostgreSQL store tests "
        + "(set ATTUNE_REQUIRE_POSTGRES=1 to fail instead)");
  }

  @Override
  String createDatabase() throws SQLException {
    Assumptions.assumeTrue(UNREACHABLE == null, () -> UNREACHABLE + ": skipped");
    schema = "attune_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    execute("CREATE SCHEMA " + schema);
    return withParameter(SERVER_URL, "currentSchema=" + schema);
  }

  @Override
  void dropDatabase(String url) throws SQLException {
    if (schema == null) {
      return; // skipped before it was made
    }
    execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  @Override
  String anotherDatabase(String name) throws SQLException {
    Assumptions.assumeTrue(UNREACHABLE == null, () -> UNREACHABLE + ": skipped");
    String other = "attune_test_" + name + "_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    execute("CREATE SCHEMA " + other);
    return withParameter(SERVER_URL, "currentSchema=" + other);
  }

  @Override
  void dropAnotherDatabase(String url) throws SQLException {
    execute("DROP SCHEMA IF EXISTS " + url.substring(url.indexOf("currentSchema=") + "currentSchema=".length())
        + " CASCADE");
  }

  @Override
  java.sql.Connection holdEventWriteLock() throws SQLException {
    java.sql.Connection c = java.sql.DriverManager.getConnection(SERVER_URL);
    c.setAutoCommit(false);
    try (java.sql.Statement st = c.createStatement()) {
      st.execute("LOCK TABLE " + schema + ".events IN SHARE MODE"); // what CREATE INDEX takes
    }
    return c;
  }

  @Override
  void rejectEventId(String eventId) throws SQLException {
    execute("CREATE FUNCTION " + schema + ".reject_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + "IF NEW.event_id = '" + eventId + "' THEN RAISE EXCEPTION 'rejected by the test'; END IF; "
        + "RETURN NEW; END $$");
    execute("CREATE TRIGGER reject_event BEFORE INSERT ON " + schema + ".events FOR EACH ROW EXECUTE FUNCTION "
        + schema + ".reject_event()");
  }

  @Test
  void storesInOtherSchemasAreClaimedApart() throws Exception {
    String other = "attune_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    execute("CREATE SCHEMA " + other);
    try (Store.ServingLock here = store.tryLockForServing().orElseThrow();
        Store elsewhere = Store.open(withParameter(SERVER_URL, "currentSchema=" + other));
        Store.ServingLock there = elsewhere.tryLockForServing().orElseThrow()) {
      // two URLs that reach this schema meet on one claim: the key comes from the session, not the URL's text
      try (Store sameSchema = Store.open(withParameter(SERVER_URL.replace("127.0.0.1", "localhost"),
          "currentSchema=" + schema))) {
        assertTrue(sameSchema.tryLockForServing().isEmpty());
      }
    } finally {
      execute("DROP SCHEMA IF EXISTS " + other + " CASCADE");
    }
  }

  /**
   * The way from the embedded store to production and back: SQLite copied into PostgreSQL, that copy into a new
   * SQLite file, each holding what the first held (JSON kept as text in one and jsonb in the other, booleans as 0/1
   * and as booleans, NULLs as NULLs).
   */
  @Test
  void aStoreCopiedFromSqliteIntoPostgresqlAndBackHoldsTheSame(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws SQLException {
    try (Store sqlite = Store.open("jdbc:sqlite:" + dir.resolve("first.db"));
        Store back = Store.open("jdbc:sqlite:" + dir.resolve("back.db"))) {
      fillWithEverything(sqlite);
      List<String> fresh = keysAndIndexes(schema);
      StoreCopy.copy(sqlite, store, dev.attune.model.FitListener.NONE);
      assertSameContents(sqlite, store);
      // the keys and indexes the copy dropped to load the events and exposures faster are all back, as they were
      org.junit.jupiter.api.Assertions.assertEquals(fresh, keysAndIndexes(schema));
      org.junit.jupiter.api.Assertions.assertTrue(fresh.stream().anyMatch(k -> k.startsWith("events_user_id_fkey: f")),
          fresh.toString());
      StoreCopy.copy(store, back, dev.attune.model.FitListener.NONE);
      assertSameContents(sqlite, back);
      for (Store s : java.util.List.of(sqlite, store, back)) {
        s.appendEvents(java.util.List.of(withId("next", play("u1", "i1", 9_000))));
      }
      assertSameContents(sqlite, store);
      assertSameContents(sqlite, back);
    }
  }

  /** A table of the operator's own that refers to the events keeps their keys in place: the copy loads beside them. */
  @Test
  void aCopyIntoASchemaWhereAnotherTableRefersToTheEventsKeepsTheirKeys(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws SQLException {
    execute("CREATE TABLE " + schema + ".audit (seq bigint REFERENCES " + schema + ".events (sequence))");
    try (Store sqlite = Store.open("jdbc:sqlite:" + dir.resolve("first.db"))) {
      fillWithEverything(sqlite);
      StoreCopy.copy(sqlite, store, dev.attune.model.FitListener.NONE);
      assertSameContents(sqlite, store);
    }
  }

  /** A schema name PostgreSQL would read in another case than given is refused before anything is made. */
  @Test
  void aSchemaNameOfCapitalsIsRefusedBeforeAnythingIsMade() throws SQLException {
    for (String name : new String[] {"QA3Up", "%22Quoted%22"}) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> Store.open(withParameter(SERVER_URL, "currentSchema=" + name)));
      assertTrue(e.getMessage().contains("must be a lower-case name"), e.getMessage());
    }
    // a schema chosen through the driver's options, behind currentSchema, which the claim and the messages read
    IllegalArgumentException behind = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Store.open(withParameter(SERVER_URL, "options=-c%20search_path%3Dqa_elsewhere")));
    assertTrue(behind.getMessage().contains("currentSchema=<schema>"), behind.getMessage());
    try (Connection c = DriverManager.getConnection(SERVER_URL); Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname IN ('QA3Up', '\"Quoted\"')")) {
      rs.next();
      org.junit.jupiter.api.Assertions.assertEquals(0, rs.getInt(1), "no schema left behind");
    }
  }

  private static String withParameter(String url, String parameter) {
    return url + (url.contains("?") ? "&" : "?") + parameter;
  }

  /** A claim whose session the database ends (a restart, an administrator) says so, and can be taken again. */
  @Test
  void aClaimWhoseSessionEndsIsNoLongerHeld() throws Exception {
    Store.ServingLock claim = store.tryLockForServing().orElseThrow();
    assertTrue(claim.held());
    // only this store's claim, found by its advisory key: ending every claim's session on the database server ended
    // the claims of servers under test beside this one, and of other people's servers (a QA run's, on its own database)
    String database;
    try (Connection c = DriverManager.getConnection(SERVER_URL); Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT current_database()")) {
      rs.next();
      database = rs.getString(1);
    }
    long key = ServingLocks.advisoryKey(database + "." + schema);
    execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        + " AND classid::bigint = " + (key >>> 32) + " AND objid::bigint = " + (key & 0xFFFFFFFFL)
        + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (claim.held() && System.nanoTime() < deadline) Thread.sleep(50);
    assertFalse(claim.held(), "the session is gone, and the lock with it");
    claim.close();
    try (Store.ServingLock again = store.tryLockForServing().orElseThrow()) {
      assertTrue(again.held());
    }
  }

  /** PostgreSQL skips VACUUM FULL of a table the role does not own with a warning only: compact must not pass. */
  @Test
  void compactAsARoleThatDoesNotOwnTheTablesFailsInsteadOfDoingNothing() throws Exception {
    String role = "attune_test_app_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    execute("CREATE ROLE " + role + " LOGIN");
    try {
      execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
      execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
      execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role);
      String url = SERVER_URL.replace("user=postgres", "user=" + role);
      Assumptions.assumeTrue(!url.equals(SERVER_URL), "a server URL that names its user: " + SERVER_URL);
      try (Store app = Store.open(withParameter(url, "currentSchema=" + schema))) {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            app::compact);
        assertTrue(e.getMessage().contains("owner") && e.getMessage().contains("events"), e.getMessage());
      }
      store.compact(); // as the owner it runs
      // a role without rights on a schema of its own: one line saying so, not Flyway's block
      execute("REVOKE ALL ON ALL TABLES IN SCHEMA " + schema + " FROM " + role);
      StoreException denied = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
          () -> Store.open(withParameter(url, "currentSchema=" + schema)).close());
      assertTrue(denied.whileOpening() && denied.getMessage().contains("permission denied")
          && denied.getMessage().lines().count() == 1, denied.getMessage());
    } finally {
      execute("DROP OWNED BY " + role);
      execute("DROP ROLE " + role);
    }
  }

  /** The keys and indexes of {@code schema}'s tables, each "name: type definition", sorted. */
  private static List<String> keysAndIndexes(String schema) throws SQLException {
    List<String> out = new java.util.ArrayList<>();
    try (Connection c = DriverManager.getConnection(SERVER_URL); Statement st = c.createStatement()) {
      try (var rs = st.executeQuery("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
          + " WHERE connamespace = CAST('" + schema + "' AS regnamespace)")) {
        while (rs.next()) out.add(rs.getString(1) + ": " + rs.getString(2) + " " + rs.getString(3));
      }
      try (var rs = st.executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '" + schema + "'")) {
        while (rs.next()) out.add(rs.getString(1) + ": i " + rs.getString(2));
      }
    }
    java.util.Collections.sort(out);
    return out;
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(SERVER_URL); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
