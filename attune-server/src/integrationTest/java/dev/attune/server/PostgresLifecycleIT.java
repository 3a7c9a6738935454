package dev.attune.server;

import dev.attune.store.Store;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The model lifecycle suite on PostgreSQL ({@link PostgresSchemas}), each test in a schema of its own that is
 * dropped afterwards. Skips when PostgreSQL cannot be reached, unless {@code ATTUNE_REQUIRE_POSTGRES=1} (as in
 * CI), where that is a failure.
 */
class PostgresLifecycleIT extends ModelLifecycleContract {
  private String schema;

  @Override
  Store openStore(Path dir) {
    schema = PostgresSchemas.create("attune_lifecycle_");
    return Store.open(PostgresSchemas.url(schema));
  }

  @Override
  void acceptModelVersions(Path dir) throws Exception {
    try (var c = java.sql.DriverManager.getConnection(PostgresSchemas.SERVER); var st = c.createStatement()) {
      st.execute("DROP TRIGGER reject_version ON " + schema + ".model_versions");
      st.execute("DROP FUNCTION " + schema + ".reject_version()");
    }
  }

  @Override
  void rejectModelVersions(Path dir) throws Exception {
    try (var c = java.sql.DriverManager.getConnection(PostgresSchemas.SERVER); var st = c.createStatement()) {
      st.execute("CREATE FUNCTION " + schema + ".reject_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
          + " RAISE EXCEPTION 'rejected by the test'; END $$");
      st.execute("CREATE TRIGGER reject_version BEFORE INSERT ON " + schema + ".model_versions FOR EACH ROW EXECUTE"
          + " FUNCTION " + schema + ".reject_version()");
    }
  }

  @Override
  void cleanUp() throws SQLException {
    PostgresSchemas.drop(schema);
  }
}
