package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's service data: a model trained under a key is reused by the next run with that key, and only then. */
class DemoCommandTest {
  /** A small platform, its split, and a log nothing reads. */
  private static final MusicPlatformGenerator.Params PARAMS =
      new MusicPlatformGenerator.Params(60, 3, 3, 2, 6, 15, 0.7, 0.15, 7L);
  private static final Dataset DS = MusicPlatformGenerator.generate(PARAMS).dataset();
  private static final Split SPLIT = Splits.leaveOneOut(DS, EventWeights.defaults());

  @TempDir Path dir;
  private final PrintWriter log = new PrintWriter(new StringWriter());

  @Test
  void aModelTrainedUnderTheSameKeyIsReusedAndAnotherKeyTrainsAgain() throws Exception {
    String key = DemoCommand.modelKey(PARAMS, 7, 1);
    Path model = dir.resolve("sasrec/model.json");

    DemoCommand.Service first = DemoCommand.prepareService(dir, DS, SPLIT, 7, 1, true, log, key);
    assertFalse(first.reused(), "nothing to reuse in an empty folder");
    String trained = Files.readString(model);
    Double ndcg = registeredNdcg(first);
    assertTrue(ndcg != null && ndcg > 0, "the trained model's test NDCG@10 is registered: " + ndcg);

    DemoCommand.Service second = DemoCommand.prepareService(dir, DS, SPLIT, 7, 1, true, log, key);
    assertTrue(second.reused());
    assertEquals(trained, Files.readString(model), "the model was not written again");
    assertEquals(ndcg, registeredNdcg(second), "the fresh store registers the reused model with its metrics");

    // another number of epochs is another key: trained again ("created" in model.json moves)
    String otherKey = DemoCommand.modelKey(PARAMS, 7, 2);
    assertNotEquals(key, otherKey);
    assertFalse(DemoCommand.prepareService(dir, DS, SPLIT, 7, 2, true, log, otherKey).reused());
    assertNotEquals(trained, Files.readString(model));

    // a model directory gone from under its key is trained again, as is every call without a key
    String retrained = Files.readString(model);
    TrainCommand.deleteTree(dir.resolve("sasrec"));
    assertFalse(DemoCommand.prepareService(dir, DS, SPLIT, 7, 2, true, log, otherKey).reused());
    assertTrue(Files.isRegularFile(model));
    assertFalse(DemoCommand.prepareService(dir, DS, SPLIT, 7, 2, true, log, null).reused());
    assertNotEquals(retrained, Files.readString(model));
  }

  /**
   * Review: a second demo on a folder whose store a first still served deleted it under that server, and a --dir
   * holding another store (serve's default attune-data) lost it. Both are refused, the store left as it was.
   */
  // QA: --dir "" was the current folder, where the demo wrote its store
  @Test
  void anEmptyDirIsRefusedBeforeAnyWork() {
    CliRun r = CliRun.run("demo", "--dir", "", "--no-serve");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--dir is empty"), r.err());
  }

  @Test
  void aStoreInUseOrNotTheDemosIsNeverReplaced() throws Exception {
    Path other = dir.resolve("attune-data");
    String otherUrl = "jdbc:sqlite:" + other.resolve("attune.db");
    try (dev.attune.store.Store store = dev.attune.store.Store.open(otherUrl)) {
      store.upsertUsers(List.of(new dev.attune.events.User("kept", Map.of())));
    }
    IllegalArgumentException notTheDemos = assertThrows(IllegalArgumentException.class,
        () -> DemoCommand.prepareService(other, DS, SPLIT, 7, 1, true, log, null));
    assertTrue(notTheDemos.getMessage().contains("the demo cannot tell it made"), notTheDemos.getMessage());
    // QA: nor a folder holding a model 'attune train --out <dir>/sasrec' wrote, which the demo overwrote
    Path trained = dir.resolve("models");
    Files.createDirectories(trained.resolve("sasrec"));
    Files.writeString(trained.resolve("sasrec/model.json"), "{\"model\":\"sasrec\"}");
    assertThrows(IllegalArgumentException.class, () -> DemoCommand.prepareService(trained, DS, SPLIT, 7, 1, true, log,
        null));
    assertEquals("{\"model\":\"sasrec\"}", Files.readString(trained.resolve("sasrec/model.json")), "left as it was");
    try (dev.attune.store.Store store = dev.attune.store.Store.open(otherUrl)) {
      assertTrue(store.user("kept").isPresent(), "left as it was");
    }

    Path demo = dir.resolve("demo");
    DemoCommand.Service first = DemoCommand.prepareService(demo, DS, SPLIT, 7, 1, true, log, null);
    try (dev.attune.store.Store served = dev.attune.store.Store.open(first.storeUrl());
        dev.attune.store.Store.ServingLock claim = served.tryLockForServing().orElseThrow()) {
      long inode = (long) Files.getAttribute(demo.resolve("attune.db"), "unix:ino");
      IllegalArgumentException inUse = assertThrows(IllegalArgumentException.class,
          () -> DemoCommand.prepareService(demo, DS, SPLIT, 7, 1, true, log, null));
      assertTrue(inUse.getMessage().contains("another attune demo or server is using"), inUse.getMessage());
      assertEquals(inode, (long) Files.getAttribute(demo.resolve("attune.db"), "unix:ino"), "the same file, not replaced");
    }
    assertFalse(DemoCommand.prepareService(demo, DS, SPLIT, 7, 1, true, log, null).reused(), "once free, replaced");
  }

  private static Double registeredNdcg(DemoCommand.Service service) throws Exception {
    try (Store store = Store.open(service.storeUrl())) {
      return store.modelVersions().stream().filter(v -> v.id().equals("sasrec")).findFirst().orElseThrow()
          .metrics().get("NDCG@10");
    }
  }
}
