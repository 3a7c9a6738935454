package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.EventWeights;
import dev.attune.store.Store;
import dev.attune.synth.MusicPlatformGenerator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's service data: a model trained under a key is reused by the next run with that key, and only then. */
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void aModelTrainedUnderTheSameKeyIsReusedAndAnotherKeyTrainsAgain() throws Exception {
    var params = new MusicPlatformGenerator.Params(60, 3, 3, 2, 6, 15, 0.7, 0.15, 7L);
    Dataset ds = MusicPlatformGenerator.generate(params).dataset();
    Split split = Splits.leaveOneOut(ds, EventWeights.defaults());
    PrintWriter log = new PrintWriter(new StringWriter());
    String key = DemoCommand.modelKey(params, 7, 1);
    Path model = dir.resolve("sasrec/model.json");

    DemoCommand.Service first = DemoCommand.prepareService(dir, ds, split, 7, 1, true, log, key);
    assertFalse(first.reused(), "nothing to reuse in an empty folder");
    String trained = Files.readString(model);
    Double ndcg = registeredNdcg(first);
    assertTrue(ndcg != null && ndcg > 0, "the trained model's test NDCG@10 is registered: " + ndcg);

    DemoCommand.Service second = DemoCommand.prepareService(dir, ds, split, 7, 1, true, log, key);
    assertTrue(second.reused());
    assertEquals(trained, Files.readString(model), "the model was not written again");
    assertEquals(ndcg, registeredNdcg(second), "the fresh store registers the reused model with its metrics");

    // another number of epochs is another key: trained again ("created" in model.json moves)
    String otherKey = DemoCommand.modelKey(params, 7, 2);
    assertNotEquals(key, otherKey);
    assertFalse(DemoCommand.prepareService(dir, ds, split, 7, 2, true, log, otherKey).reused());
    assertNotEquals(trained, Files.readString(model));

    // a model directory gone from under its key is trained again, as is every call without a key
    String retrained = Files.readString(model);
    TrainCommand.deleteTree(dir.resolve("sasrec"));
    assertFalse(DemoCommand.prepareService(dir, ds, split, 7, 2, true, log, otherKey).reused());
    assertTrue(Files.isRegularFile(model));
    assertFalse(DemoCommand.prepareService(dir, ds, split, 7, 2, true, log, null).reused());
    assertNotEquals(retrained, Files.readString(model));
  }

  private static Double registeredNdcg(DemoCommand.Service service) throws Exception {
    try (Store store = Store.open(service.storeUrl())) {
      return store.modelVersions().stream().filter(v -> v.id().equals("sasrec")).findFirst().orElseThrow()
          .metrics().get("NDCG@10");
    }
  }
}
