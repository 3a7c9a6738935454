package dev.attune.server;

import dev.attune.store.Store;
import java.nio.file.Path;

/** The model lifecycle suite on the embedded SQLite store. */
class SqliteLifecycleIT extends ModelLifecycleContract {
  @Override
  Store openStore(Path dir) {
    return Store.open("jdbc:sqlite:" + dir.resolve("attune.db"));
  }

  @Override
  void acceptModelVersions(Path dir) throws Exception {
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("attune.db"));
        var st = c.createStatement()) {
      st.execute("DROP TRIGGER reject_version");
    }
  }

  @Override
  void rejectModelVersions(Path dir) throws Exception {
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("attune.db"));
        var st = c.createStatement()) {
      st.execute("CREATE TRIGGER reject_version BEFORE INSERT ON model_versions BEGIN SELECT RAISE(ABORT,"
          + " 'rejected by the test'); END");
    }
  }
}
