package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Event;
import dev.attune.events.Item;
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

/**
 * {@link Recommendations} without HTTP: the per-model-index flags (hidden, deleted, scene) follow catalogue
 * changes, and a model swap starts from the new model's own flags. (#6)
 */
class RecommendationsTest {
  private static final int ITEMS = 300;

  private static ServingModel model(Path dir, long seed) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) ids.add("i" + i);
    ModelDirectory.write(dir, RandomSasRec.weights(new RandomSasRec.Config(ITEMS, 16, 1, 2, 16, 20, 0, 0, null, null,
        seed)), ids, Map.of());
    return ServingModel.read(dir);
  }

  private static List<String> ids(List<Recommendations.Recommended> list) {
    return list.stream().map(Recommendations.Recommended::itemId).toList();
  }

  @Test
  void itemFlagsFollowTheCatalogueAndSurviveASwap(@TempDir Path dir) throws Exception {
    Catalog catalog = new Catalog();
    for (int i = 0; i < ITEMS; i++) {
      catalog.put(new Store.StoredItem(Item.bare("i" + i, i % 3 == 0 ? "podcast" : "music"), false, 0L));
    }
    Recommendations r = new Recommendations(catalog, new ItemCounters(24), ServerConfig.DEFAULTS,
        model(dir.resolve("a"), 3L));
    List<Event> history = List.of(new Event("u", "i1", "play", 1f, 1L, "music"),
        new Event("u", "i2", "play", 1f, 2L, "music"));
    var all = new Recommendations.Options(ITEMS, null, Set.of("i4"), null, 0, 0, false, false);
    List<String> before = ids(r.recommend(history, all, 0L));
    assertFalse(before.contains("i1") || before.contains("i2"), "seen");
    assertFalse(before.contains("i4"), "excluded");
    String top = before.get(0);

    catalog.put(new Store.StoredItem(Item.bare(top, "music"), true, 0L));
    r.itemChanged(top);
    assertFalse(ids(r.recommend(history, all, 0L)).contains(top), "hidden at once");
    catalog.put(new Store.StoredItem(Item.bare(top, "music"), false, 0L));
    r.itemChanged(top);
    assertEquals(top, ids(r.recommend(history, all, 0L)).get(0), "shown again");
    catalog.remove(top);
    r.itemChanged(top);
    assertFalse(ids(r.recommend(history, all, 0L)).contains(top), "deleted items are blocked");

    var podcasts = new Recommendations.Options(20, "podcast", Set.of(), null, 0, 0, false, false);
    for (String id : ids(r.recommend(history, podcasts, 0L))) {
      assertEquals(0, Integer.parseInt(id.substring(1)) % 3, "scene filter by index: " + id);
    }
    var nowhere = new Recommendations.Options(5, "no-such-scene", Set.of(), null, 0, 0, false, false);
    assertTrue(r.recommend(history, nowhere, 0L).isEmpty());

    r.swap(model(dir.resolve("b"), 9L));
    List<String> swapped = ids(r.recommend(history, all, 0L));
    assertFalse(swapped.contains(top), "the new model's flags come from the catalogue too");
    assertFalse(swapped.contains("i4"));
  }
}
