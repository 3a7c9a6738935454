package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
