package dev.attune.store;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on PostgreSQL, each test in a schema of its own that is dropped afterwards.
 *
 * <p>The server is {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres} unless the environment variable
 * {@code ATTUNE_TEST_POSTGRES_URL} names another. When it cannot be reached the tests are skipped, or fail
 * when {@code ATTUNE_REQUIRE_POSTGRES=1} (as on a machine that is meant to have it).
 */
final class PostgresStoreTest extends StoreContract {

  private static final String SERVER_URL = System.getenv().getOrDefault("ATTUNE_TEST_POSTGRES_URL",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  private String schema;

  @BeforeAll
  static void requireServer() {
    try (Connection c = DriverManager.getConnection(SERVER_URL + "&connectTimeout=3&loginTimeout=3")) {
      c.isValid(3);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at " + SERVER_URL + " (" + e.getMessage() + ")";
      if ("1".equals(System.getenv("ATTUNE_REQUIRE_POSTGRES"))) {
        fail(message + "; ATTUNE_REQUIRE_POSTGRES=1 makes that a failure");
      }
      Assumptions.abort(message + ": skipping the PostgreSQL store tests (set ATTUNE_REQUIRE_POSTGRES=1 to fail "
          + "instead)");
    }
  }

  @Override
  String createDatabase() throws SQLException {
    schema = "attune_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    execute("CREATE SCHEMA " + schema);
    return SERVER_URL + "&currentSchema=" + schema;
  }

  @Override
  void dropDatabase(String url) throws SQLException {
    execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(SERVER_URL); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
