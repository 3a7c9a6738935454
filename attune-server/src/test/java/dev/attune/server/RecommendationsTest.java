package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.index.HnswIndex;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.RandomSasRec;
import dev.attune.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Recommendations} without HTTP: the approximate index path against exact scoring. (#6) */
class RecommendationsTest {
  @Test
  void theApproximateIndexGivesTheExactListWhenItSearchesEverything(@TempDir Path dir) throws Exception {
    int items = 300;
    List<String> ids = new ArrayList<>();
    Catalog catalog = new Catalog();
    for (int i = 0; i < items; i++) {
      ids.add("i" + i);
      catalog.put(new Store.StoredItem(Item.bare("i" + i, "music"), i == 7, 0L));
    }
    ModelDirectory.write(dir, RandomSasRec.weights(new RandomSasRec.Config(items, 16, 1, 2, 16, 20, 0, 0, null, null,
        3L)), ids, Map.of());
    Recommendations r = new Recommendations(catalog, new ItemCounters(24), ServerConfig.DEFAULTS, ServingModel.read(dir));
    List<Event> history = List.of(new Event("u", "i1", "play", 1f, 1L, "music"),
        new Event("u", "i2", "play", 1f, 2L, "music"));
    var options = new Recommendations.Options(20, null, Set.of("i3"), null, 0, 0, false, false);
    List<String> exact = r.recommend(history, options, 0L).stream().map(Recommendations.Recommended::itemId).toList();
    assertFalse(r.approximate());
    double recall = r.index(new HnswIndex.Params(16, 300, 300, 1)); // ef above the catalogue: it sees every item
    assertEquals(1.0, recall, 0.0);
    assertTrue(r.approximate());
    List<String> approx = r.recommend(history, options, 0L).stream().map(Recommendations.Recommended::itemId).toList();
    assertEquals(exact, approx);
    assertFalse(approx.contains("i7"), "hidden");
    assertFalse(approx.contains("i3"), "excluded");
    assertFalse(approx.contains("i1"), "seen");
  }
}
