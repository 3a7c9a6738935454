package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attune.events.Event;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.RandomSceneTransfer;
import dev.attune.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ServedVersion} without HTTP: a version fitted on the store's events when it is read (here a scene-transfer
 * model's neighbours) that a deletion passed by while it was read is read again once served (a review: an
 * activation's read of seconds kept a user deleted meanwhile in the served model until the next deletion).
 */
class ServedVersionTest {
  @TempDir Path dir;

  @Test
  void aVersionReadBeforeADeletionAndServedAfterItIsReadAgain() throws Exception {
    int n = 30;
    int[] scenes = RandomSceneTransfer.everyThirdMusic(n);
    List<String> ids = RandomSceneTransfer.ids(scenes);
    float[][] gate = {{0.3f, 0.2f, 0.1f, 0.3f, 0.1f}};
    Path version = dir.resolve("transfer");
    ModelDirectory.write(version, RandomSceneTransfer.weights(scenes, "book,music", new float[][][] {gate, gate}, 5,
        3L), ids, Map.of("model", "scene-transfer", "target", "music"));
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("attune.db"))) {
      List<Store.NewEvent> events = new ArrayList<>();
      for (int u = 0; u < 10; u++) {
        for (int t = 0; t < 3; t++) {
          int i = (u * 7 + t * 5) % n;
          events.add(new Store.NewEvent(null, new Event("u" + u, ids.get(i), "play", 1f, 1_000L + u * 10 + t,
              scenes[i] == 1 ? "music" : "book")));
        }
      }
      store.appendEvents(events);
      Catalog catalog = Catalog.load(store);
      Recommendations recommendations = new Recommendations(catalog, new ItemCounters(24), ServerConfig.DEFAULTS,
          null);
      ServedVersion served = new ServedVersion(recommendations, store, null);
      AtomicInteger readAgain = new AtomicInteger();
      served.onStaleRead(readAgain::incrementAndGet);
      store.saveModelVersion(new Store.ModelVersion("transfer", "scene-transfer", version.toString(), 1L, Map.of(),
          false));

      ServingModel quiet = served.read(version);
      served.serve("transfer", version, quiet, true);
      assertEquals(0, readAgain.get(), "nothing changed while it was read");

      ServingModel passedBy = served.read(version);
      served.storeChanged(); // a deletion after the read, before the swap
      served.serve("transfer", version, passedBy, true);
      assertEquals(1, readAgain.get(), "read again");

      ServingModel afterIt = served.read(version);
      served.serveIfStill(version, "transfer", version, afterIt);
      assertEquals(1, readAgain.get(), "a read after the deletion holds none of it");
    }
  }
}
