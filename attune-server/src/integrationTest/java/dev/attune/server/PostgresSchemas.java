package dev.attune.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A schema of its own on the test PostgreSQL (127.0.0.1:5432, database {@code test}) for each test of the
 * PostgreSQL suites. When the server cannot be reached the test is skipped, unless {@code
 * ATTUNE_REQUIRE_POSTGRES=1} (as in CI), where that is a failure.
 */
final class PostgresSchemas {
  static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private PostgresSchemas() {}

  /** Creates a new schema named {@code prefix} + random letters and returns its name. */
  static String create(String prefix) {
    String schema = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      boolean required = "1".equals(System.getenv("ATTUNE_REQUIRE_POSTGRES"));
      if (required) throw new IllegalStateException("PostgreSQL is required (ATTUNE_REQUIRE_POSTGRES=1) but " + SERVER
          + " cannot be reached: " + e.getMessage(), e);
      assumeTrue(false, "PostgreSQL at " + SERVER + " cannot be reached (" + e.getMessage() + "); skipping");
    }
    return schema;
  }

  /** The JDBC URL of a store in {@code schema}. */
  static String url(String schema) {
    return SERVER + "&currentSchema=" + schema;
  }

  /** Drops {@code schema} (null: nothing was created) and all it holds. */
  static void drop(String schema) throws SQLException {
    if (schema == null) return;
    try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
