package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.TrainingSet;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.RandomSasRec;
import dev.attune.infer.TwoStageModel;
import dev.attune.model.Query;
import dev.attune.model.TopK;
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
    return ServingModel.read(dir, () -> {
      throw new AssertionError("a sequential model needs no data");
    });
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

  /**
   * A two-stage directory is served as the pipeline {@link TwoStageModel#assemble} builds over the data supplied
   * at read time: the same order for a history (seen items left out), the catalogue's flags applied to it, and no
   * attention explanations (it has none).
   */
  @Test
  void aPipelineIsServedInItsOwnOrderOverTheSuppliedEvents(@TempDir Path dir) throws Exception {
    Dataset events = new Dataset("planted", Dataset.TimeKind.CLOCK);
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    for (int u = 0; u < 200; u++) {
      int genre = u % 6; // 6 genres of 50 items; each user walks through a few of their genre's items in order
      int start = random.nextInt(50);
      for (int t = 0; t < 8; t++) {
        int item = genre * 50 + (start + t * (1 + random.nextInt(3))) % 50;
        events.addEvent(new Event("u" + u, "i" + item, "play", 1f, 1_000L * (u * 10 + t), "music"));
      }
    }
    TrainingSet train = DatasetBuilder.build(events, Recommendations.WEIGHTS);
    var weights = RandomPipeline.weights(11L);
    ModelDirectory.write(dir.resolve("p"), weights, train.dataset().itemIds().ids(),
        Map.of("model", TwoStageModel.KIND));
    ServingModel served = ServingModel.read(dir.resolve("p"), () -> train);
    assertEquals(TwoStageModel.KIND, served.kind());
    assertFalse(served.explains());

    Catalog catalog = new Catalog();
    for (String id : train.dataset().itemIds().ids()) catalog.put(new Store.StoredItem(Item.bare(id, "music"), false, 0L));
    Recommendations r = new Recommendations(catalog, new ItemCounters(24), ServerConfig.DEFAULTS, served);
    List<Event> history = List.of(new Event("new", "i52", "play", 1f, 1L, "music"),
        new Event("new", "i53", "play", 1f, 2L, "music"), new Event("new", "i55", "play", 1f, 3L, "music"));
    var ten = new Recommendations.Options(10, null, Set.of(), null, 0, 0, false, true);
    List<Recommendations.Recommended> got = r.recommend(history, ten, 0L);

    var index = train.dataset().itemIds();
    int[] h = {index.indexOf("i52"), index.indexOf("i53"), index.indexOf("i55")};
    TopK expected = TwoStageModel.assemble(weights, train, 1).recommend(new Query(-1, h, 10,
        i -> i != h[0] && i != h[1] && i != h[2], false));
    List<String> expectedIds = new ArrayList<>();
    for (int k = 0; k < expected.size(); k++) expectedIds.add(index.id(expected.item(k)));
    assertEquals(expectedIds, ids(got), "the pipeline's own order");
    for (Recommendations.Recommended x : got) {
      assertEquals(TwoStageModel.KIND, x.source());
      assertEquals(null, x.explanation(), "a pipeline has no attention to explain");
    }
    String top = got.get(0).itemId();
    catalog.put(new Store.StoredItem(Item.bare(top, "music"), true, 0L));
    r.itemChanged(top);
    assertFalse(ids(r.recommend(history, ten, 0L)).contains(top), "hidden items are blocked for a pipeline too");
  }

  @Test
  void aPipelineWithoutEventsIsRefusedWithAReason(@TempDir Path dir) throws Exception {
    ModelDirectory.write(dir.resolve("p"), RandomPipeline.weights(1L), List.of("a"), Map.of("model", TwoStageModel.KIND));
    Dataset empty = new Dataset("empty", Dataset.TimeKind.CLOCK);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ServingModel.read(dir.resolve("p"), () -> DatasetBuilder.build(empty, Recommendations.WEIGHTS)));
    assertTrue(e.getMessage().contains("needs events"), e.getMessage());
  }
}
