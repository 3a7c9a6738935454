package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.RandomSasRec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model gate's measurement (#7): a model directory is measured on a data set through its own item ids, so the
 * numbers do not depend on the order in which the data set met its items, and items the model does not know (added
 * after it was trained) are simply never recommended by it.
 */
class ModelEvaluationTest {
  @TempDir Path dir;

  @Test
  void metricsDoNotDependOnTheDataSetsItemOrder() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) ids.add("song" + i);
    var weights = RandomSasRec.weights(new RandomSasRec.Config(30, 16, 1, 2, 16, 20, 0, 0, null, null, 11L));
    ModelDirectory.write(dir.resolve("m"), weights, ids, Map.of());
    // the same events; the second data set meets the items in reverse order and knows one more the model does not
    Dataset forward = dataset(false);
    Dataset reversed = dataset(true);
    assertNotEquals(forward.itemIds().id(0), reversed.itemIds().id(0), "the item indices really differ");
    long cut = 1_000_000L + 6 * 20 * 1000L; // the last two plays of every user are held out
    Split a = Splits.temporal(forward, EventWeights.defaults(), cut);
    Split b = Splits.temporal(reversed, EventWeights.defaults(), cut);
    Map<String, Double> ma = ModelEvaluation.evaluate(dir.resolve("m"), forward, a);
    Map<String, Double> mb = ModelEvaluation.evaluate(dir.resolve("m"), reversed, b);
    assertTrue(ma.get("HR@10") > 0, "a random model over 30 items hits now and then: " + ma);
    assertEquals(ma.get("NDCG@10"), mb.get("NDCG@10"), 1e-12);
    assertEquals(ma.get("HR@10"), mb.get("HR@10"), 1e-12);
  }

  /**
   * A transfer model serves each scene with its own model, so the gate measures each scene's held-out events with
   * that scene's model: held-out books are measured by the book model (measured by the default target, music, they
   * could never be hit).
   */
  @Test
  void aTransferModelIsMeasuredSceneByScene() throws Exception {
    int n = 30;
    int[] scenes = dev.attune.infer.RandomSceneTransfer.everyThirdMusic(n);
    List<String> ids = dev.attune.infer.RandomSceneTransfer.ids(scenes);
    float[][] gate = {{0.3f, 0.2f, 0.1f, 0.3f, 0.1f}};
    ModelDirectory.write(dir.resolve("transfer"), dev.attune.infer.RandomSceneTransfer.weights(scenes, "book,music",
        new float[][][] {gate, gate}, 5, 3L), ids, Map.of("model", "scene-transfer", "target", "music"));
    Dataset ds = new Dataset("two", Dataset.TimeKind.CLOCK);
    for (int i = 0; i < n; i++) ds.putItem(Item.bare(ids.get(i), scenes[i] == 1 ? "music" : "book"));
    List<Integer> books = new ArrayList<>();
    for (int i = 0; i < n; i++) if (scenes[i] == 0) books.add(i);
    // every user: 4 music plays, then 4 books; the last two books are after the cut
    for (int u = 0; u < 20; u++) {
      for (int k = 0; k < 8; k++) {
        int item = k < 4 ? 3 * ((u + k) % 10) : books.get((u * 3 + k) % books.size());
        ds.addEvent(new Event("u" + u, ids.get(item), "like", 1f, 1_000_000L + (k * 20L + u) * 1000,
            scenes[item] == 1 ? "music" : "book"));
      }
    }
    // a book liked on the music scene is held out as a book: the book model recommends it, the music one cannot
    ds.addEvent(new Event("u0", ids.get(books.get(0)), "like", 1f, 1_000_000L + 9 * 20 * 1000L, "music"));
    Split split = Splits.temporal(ds, EventWeights.defaults(), 1_000_000L + 6 * 20 * 1000L);
    Map<String, Double> m = ModelEvaluation.evaluate(dir.resolve("transfer"), ds, split);
    assertTrue(m.get("HR@10") > 0, "held-out books are ranked among books: " + m);
    // each scene's figures are kept for the gate, which compares the scenes one by one
    assertEquals(m.get("NDCG@10"), m.get(ModelEvaluation.SCENE_NDCG + "book"), 1e-12, "books are the whole holdout");
    assertEquals(20.0, m.get(ModelEvaluation.SCENE_USERS + "book"), m.toString());
    assertFalse(m.containsKey(ModelEvaluation.SCENE_NDCG + "music"), "no music item is held out: " + m);
    assertEquals(List.of("book"), List.copyOf(ModelEvaluation.byScene(m).keySet()));
  }

  /**
   * The gate compares a transfer model's scenes one by one: a scene the candidate is worse in beyond chance fails
   * it, within chance does not, one only the active version serves fails it, and one only the candidate serves is not
   * compared.
   */
  @Test
  void theGateComparesEachSceneTheActiveVersionWasMeasuredIn() {
    Map<String, Double> active = Map.of(ModelEvaluation.SCENE_NDCG + "book", 0.10, ModelEvaluation.SCENE_USERS + "book",
        400.0, ModelEvaluation.SCENE_NDCG + "music", 0.10, ModelEvaluation.SCENE_USERS + "music", 400.0,
        ModelEvaluation.SCENE_NDCG + "film", 0.10, ModelEvaluation.SCENE_USERS + "film", 400.0);
    // chance on 400 users at 0.10: sqrt(0.10 / 400) = 0.0158
    Map<String, Double> candidate = Map.of(ModelEvaluation.SCENE_NDCG + "book", 0.09,
        ModelEvaluation.SCENE_USERS + "book", 400.0, ModelEvaluation.SCENE_NDCG + "music", 0.05,
        ModelEvaluation.SCENE_USERS + "music", 400.0, ModelEvaluation.SCENE_NDCG + "podcasts", 0.01,
        ModelEvaluation.SCENE_USERS + "podcasts", 30.0);
    ModelLifecycle.SceneTolerance chance = (reference, users) -> ModelLifecycle.chanceDifference(reference, users);
    Map<String, Boolean> passed = new java.util.TreeMap<>();
    for (Map<String, Object> g : ModelLifecycle.sceneGates(candidate, active, chance)) {
      passed.put((String) g.get("scene"), (Boolean) g.get("passed"));
    }
    assertEquals(Map.of("book", true, "music", false, "film", false), passed,
        "film: only the active version serves it; podcasts: only the candidate");
    assertTrue(ModelLifecycle.sceneGates(Map.of("NDCG@10", 0.1), Map.of("NDCG@10", 0.2), chance).isEmpty(),
        "a model measured as a whole has no scene gates");
    assertEquals("film", ModelLifecycle.failedScenes(ModelLifecycle.sceneGates(candidate, active,
        (reference, users) -> 0.06)), "a margin wider than music's fall; film is not served whatever the margin");
    assertEquals(Map.of("NDCG@10", 0.1), ModelEvaluation.withoutScenes(Map.of("NDCG@10", 0.1,
        ModelEvaluation.SCENE_NDCG + "book", 0.2, ModelEvaluation.SCENE_USERS + "book", 3.0)));
  }

  /** 20 users, 8 plays each, interleaved in time; user u plays song((u * 7 + k) % 30). */
  private static Dataset dataset(boolean reverse) {
    Dataset ds = new Dataset("t", Dataset.TimeKind.CLOCK);
    if (reverse) {
      ds.putItem(Item.bare("unknown-to-the-model", "music"));
      for (int i = 29; i >= 0; i--) ds.putItem(Item.bare("song" + i, "music"));
    } else {
      for (int i = 0; i < 30; i++) ds.putItem(Item.bare("song" + i, "music"));
    }
    for (int k = 0; k < 8; k++) {
      for (int u = 0; u < 20; u++) {
        ds.addEvent(new Event("u" + u, "song" + ((u * 7 + k) % 30), "like", 1f, 1_000_000L + (k * 20L + u) * 1000, "music"));
      }
    }
    if (reverse) ds.addEvent(new Event("u0", "unknown-to-the-model", "like", 1f, 999_000L, "music"));
    return ds;
  }
}
