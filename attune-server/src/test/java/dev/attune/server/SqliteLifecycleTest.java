package dev.attune.server;

import dev.attune.store.Store;
import java.nio.file.Path;

/** The model lifecycle suite on the embedded SQLite store. */
class SqliteLifecycleTest extends ModelLifecycleContract {
  @Override
  Store openStore(Path dir) {
    return Store.open("jdbc:sqlite:" + dir.resolve("attune.db"));
  }
}
