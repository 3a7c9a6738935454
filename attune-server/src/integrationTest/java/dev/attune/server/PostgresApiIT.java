package dev.attune.server;

import dev.attune.store.Store;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The API suite on PostgreSQL ({@link PostgresSchemas}), each test in a schema of its own that is
 * dropped afterwards. Skips when PostgreSQL cannot be reached, unless {@code ATTUNE_REQUIRE_POSTGRES=1} (as in
 * CI), where that is a failure.
 */
class PostgresApiIT extends ApiContract {
  private String schema;

  @Override
  Store openStore(Path dir) {
    schema = PostgresSchemas.create("attune_api_");
    return Store.open(PostgresSchemas.url(schema));
  }

  @Override
  void cleanUp() throws SQLException {
    PostgresSchemas.drop(schema);
  }
}
