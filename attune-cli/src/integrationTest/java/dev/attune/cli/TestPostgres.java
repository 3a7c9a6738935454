package dev.attune.cli;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL server the command tests use when one answers ({@code ATTUNE_TEST_POSTGRES_URL}, else the local one
 * of {@code .ci/run}); a test skips when none does. Each test takes a schema of its own and drops it.
 */
final class TestPostgres {
  static final String URL = System.getenv().getOrDefault("ATTUNE_TEST_POSTGRES_URL",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  private TestPostgres() {}

  /** Skips the calling test when the server does not answer. */
  static void assumeReachable() {
    try (Connection c = DriverManager.getConnection(URL + "&connectTimeout=3&loginTimeout=3")) {
      Assumptions.assumeTrue(c.isValid(3), "PostgreSQL does not answer at " + URL);
    } catch (SQLException e) {
      Assumptions.abort("PostgreSQL is not reachable at " + URL + ": " + e.getMessage());
    }
  }

  /** A name for a schema of the test's own, not made yet (a store opened on it makes it). */
  static String newSchemaName() {
    return "attune_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  /** Drops {@code schema} and what it holds, if it exists. */
  static void dropSchema(String schema) throws SQLException {
    try (Connection c = DriverManager.getConnection(URL); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
