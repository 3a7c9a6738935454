package dev.attune.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attune.store.Store;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The model lifecycle suite on PostgreSQL (127.0.0.1:5432, database {@code test}), each test in a schema of its own that is
 * dropped afterwards. Skips when PostgreSQL cannot be reached, unless {@code ATTUNE_REQUIRE_POSTGRES=1} (as in
 * CI), where that is a failure.
 */
class PostgresLifecycleTest extends ModelLifecycleContract {
  static final String SERVER = PostgresApiTest.SERVER;
  private String schema;

  @Override
  Store openStore(Path dir) {
    schema = "attune_lifecycle_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      boolean required = "1".equals(System.getenv("ATTUNE_REQUIRE_POSTGRES"));
      if (required) throw new IllegalStateException("PostgreSQL is required (ATTUNE_REQUIRE_POSTGRES=1) but " + SERVER
          + " cannot be reached: " + e.getMessage(), e);
      assumeTrue(false, "PostgreSQL at " + SERVER + " cannot be reached (" + e.getMessage() + "); skipping");
    }
    return Store.open(SERVER + "&currentSchema=" + schema);
  }

  @Override
  void cleanUp() throws SQLException {
    if (schema == null) return;
    try (Connection c = DriverManager.getConnection(SERVER); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
