package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /**
   * QA: a MovieLens model served over a LastFM store (both number their items 1, 2, ...) passed without a word. A
   * model whose data set the store's loaded events do not come from is said to be another data set's; one of the
   * store's own data set, or over a store whose events came through the API, is not.
   */
  @Test
  void aModelOfAnotherLoadedDataSetIsSaidToBeSo() throws Exception {
    List<String> songs = List.of("1", "2", "3");
    var weights = dev.attune.infer.RandomSasRec.weights(new dev.attune.infer.RandomSasRec.Config(3, 8, 1, 1, 8, 5, 0,
        0, null, null, 1L));
    Path movies = dir.resolve("movies");
    ModelDirectory.write(movies, weights, songs, Map.of("dataset", "ml-100k"));
    Path artists = dir.resolve("artists");
    ModelDirectory.write(artists, weights, songs, Map.of("dataset", "lastfm"));
    try (Store loaded = Store.open("jdbc:sqlite:" + dir.resolve("loaded.db"));
        Store api = Store.open("jdbc:sqlite:" + dir.resolve("api.db"))) {
      loaded.appendEvents(List.of(new Store.NewEvent("lastfm:0", new Event("u", "1", "play", 1f, 1L, "music")),
          new Store.NewEvent("lastfm:1", new Event("u", "2", "play", 1f, 2L, "music"))));
      api.appendEvents(List.of(new Store.NewEvent(null, new Event("u", "1", "play", 1f, 1L, "music"))));
      ServedVersion overLoaded = new ServedVersion(null, loaded, null);
      String warning = overLoaded.otherDataSetWarning(movies);
      assertTrue(warning != null && warning.startsWith("it was trained on data set 'ml-100k', and this store's events"
          + " were loaded from 'lastfm'"), warning);
      assertNull(overLoaded.otherDataSetWarning(artists), "the store's own data set");
      assertNull(new ServedVersion(null, api, null).otherDataSetWarning(movies), "events sent through the API");
      // shop QA: a model trained on an export of this store, named 'combined', was warned of at every start
      Path combined = dir.resolve("combined");
      ModelDirectory.write(combined, weights, songs, Map.of("dataset", "combined", "exportOf", "lastfm:0"));
      assertNull(overLoaded.otherDataSetWarning(combined), "an export of this store");
      Path elsewhere = dir.resolve("elsewhere");
      ModelDirectory.write(elsewhere, weights, songs, Map.of("dataset", "combined", "exportOf", "ml-1m:0"));
      assertTrue(overLoaded.otherDataSetWarning(elsewhere) != null, "an export of another store");
      loaded.appendEvents(List.of(new Store.NewEvent("ml-100k:7", new Event("u", "3", "play", 1f, 3L, "music"))));
      assertNull(overLoaded.otherDataSetWarning(movies), "the store holds that data set's events too");
    }
  }

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
