package dev.attune.server;

import dev.attune.store.Store;
import java.nio.file.Path;

/** The API suite on the embedded SQLite store. */
class SqliteApiIT extends ApiContract {
  @Override
  Store openStore(Path dir) {
    return Store.open("jdbc:sqlite:" + dir.resolve("attune.db"));
  }
}
