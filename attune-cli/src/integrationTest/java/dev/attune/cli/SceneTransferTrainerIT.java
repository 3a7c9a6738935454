package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attune.data.Dataset;
import dev.attune.data.Splits;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.server.AttuneServer;
import dev.attune.server.LifecycleConfig;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import dev.attune.synth.TwoSceneGenerator;
import dev.attune.train.SceneTransfer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retraining a served transfer model (#5, #7): a server serving {@code scene-transfer} on a planted two-scene
 * platform retrains scene-transfer (not SASRec) with the served model's settings when the admin asks, tunes the
 * blend's gate of every scene, and serves the new version in each scene.
 */
class SceneTransferTrainerIT {
  private static final String KEY = "scene-transfer-trainer-test-key";

  @TempDir Path dir;

  @Test
  void aServedTransferModelIsRetrainedAsOneWithEveryScenesGateTuned() throws Exception {
    Dataset planted = TwoSceneGenerator.generate(new TwoSceneGenerator.Params(300, 6, 15, 12, 10, 0.2, "books",
        "music", 7L)).dataset();
    // the generator's events have no order; the service's holdout is by time, so spread them over a day
    SplittableRandom random = new SplittableRandom(7L);
    List<Store.NewEvent> events = new ArrayList<>();
    for (int row = 0; row < planted.events().size(); row++) {
      Event e = planted.event(planted.events(), row);
      events.add(new Store.NewEvent(null, new Event(e.userId(), e.itemId(), e.type(), e.value(),
          1_700_000_000_000L + random.nextLong(86_400_000L), e.scene(), e.context())));
    }
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("attune.db"))) {
      store.upsertUsers(planted.users());
      store.upsertItems(planted.items());
      store.appendEvents(events);
      // the served model: trained by the same engine, 3 epochs, recommending music when asked for no scene
      Path served = dir.resolve("models").resolve("first");
      Dataset stored = store.toDataset("store");
      SceneTransfer.Params small = SceneTransfer.Params.DEFAULTS.with(Map.of("dim", "16", "epochs", "3"));
      new SceneTransferTrainer(small, "music", null).train(stored,
          Splits.temporalFraction(stored, EventWeights.defaults(), 0.2), served, 1L, FitListener.NONE);
      assertUntunedNowhere(ModelDirectory.read(served).weights(), "the engine tunes every scene's gate");

      // publish whatever the holdout says (this test is about what is trained), and refit it
      ServerConfig config = ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none").withAdminKey(KEY)
          .withModelDir(served).withLifecycle(LifecycleConfig.DEFAULTS.withModelRoot(dir.resolve("models"))
              .withGateMargin(1).withRefitPublished(true));
      AttuneServer server = AttuneServer.create(config, store, new SasRecTrainer(12, 1)).start();
      try {
        AdminCalls admin = new AdminCalls("http://127.0.0.1:" + server.port(), KEY);
        assertEquals("scene-transfer", admin.call("GET", "/v1/admin/training", 200).get("trainer").asText(),
            "a served transfer model is retrained as one");
        JsonNode job = admin.trainNowAndWait();
        assertEquals("published", job.get("state").asText(), job.toString());
        assertEquals(3, job.get("epoch").asInt(), "the served model's epochs, not --train-epochs: " + job);
        String version = job.get("version").asText();
        assertTrue(version.startsWith("scene-transfer-"), version);
        // the gate compared the two transfer versions scene by scene, each scene on its own holdout users
        JsonNode scenes = job.get("gate").get("scenes");
        assertEquals(2, scenes.size(), job.toString());
        for (JsonNode g : scenes) {
          assertTrue(g.get("holdoutUsers").asInt() > 0 && g.get("passed").asBoolean() && g.has("activeNdcg10"),
              g.toString());
        }
        // and its refit against the candidate, each figure under its own name
        JsonNode refitScenes = job.get("gate").get("refit").get("scenes");
        assertEquals(2, refitScenes.size(), job.toString());
        for (JsonNode g : refitScenes) {
          assertTrue(g.has("refitNdcg10") && g.has("candidateNdcg10") && !g.has("activeNdcg10"), g.toString());
        }
        ModelDirectory retrained = ModelDirectory.read(dir.resolve("models").resolve(version));
        assertEquals("scene-transfer", retrained.kind());
        assertEquals("music", retrained.info().get("target"));
        assertEquals(16, ((Map<?, ?>) retrained.info().get("params")).get("dim"), "the served model's settings");
        assertUntunedNowhere(retrained.weights(), "the retrained version");
        for (String scene : List.of("books", "music")) {
          JsonNode recs = admin.call("GET", "/v1/users/" + planted.userIds().id(0) + "/recommendations?k=5&scene="
              + scene, 200);
          assertEquals(version, recs.get("model").asText(), recs.toString());
          assertEquals(5, recs.get("items").size(), recs.toString());
          for (JsonNode item : recs.get("items")) {
            int index = planted.itemIds().indexOf(item.get("itemId").asText());
            assertEquals(scene, planted.sceneNames().id(planted.itemScenes()[index]), recs.toString());
          }
        }
      } finally {
        server.stop();
      }
    }
  }

  @Test
  void settingsItCannotReadFallBackToTheDefaultsAndOneSceneIsRefusedWithAMessage() throws Exception {
    SceneTransferTrainer fromAnOlderFile = SceneTransferTrainer.of(Map.of("model", "scene-transfer", "target", "music",
        "params", Map.of("dim", "8", "retired", "1")), 1);
    Dataset oneScene = dev.attune.synth.MusicPlatformGenerator.generate(
        new dev.attune.synth.MusicPlatformGenerator.Params(30, 2, 2, 2, 4, 10, 0.7, 0.15, 3L)).dataset();
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> fromAnOlderFile.train(oneScene, Splits.temporalFraction(oneScene, EventWeights.defaults(), 0.2),
            dir.resolve("never"), 1L, FitListener.NONE));
    assertTrue(e.getMessage().contains("one scene only"), e.getMessage());
    assertTrue(!java.nio.file.Files.exists(dir.resolve("never")), "nothing written");
    // with two scenes it trains, with the defaults, and says why
    Dataset planted = TwoSceneGenerator.generate(new TwoSceneGenerator.Params(120, 4, 10, 8, 6, 0.2, "books",
        "music", 5L)).dataset();
    SceneTransferTrainer quick = SceneTransferTrainer.of(Map.of("model", "scene-transfer", "target", "music",
        "params", Map.of("epochs", "1", "retired", "1")), 1);
    Path out = dir.resolve("defaults");
    quick.train(planted, Splits.randomRatio(planted, EventWeights.defaults(), 0.2, 5L), out, 1L, FitListener.NONE);
    Map<String, Object> info = ModelDirectory.readInfo(out);
    assertTrue(String.valueOf(info.get("note")).contains("retired"), info.toString());
    assertEquals(32, ((Map<?, ?>) info.get("params")).get("dim"), "the defaults: " + info);
  }

  /** Every scene's gate differs from the attention score alone in some bucket (it was tuned). */
  private static void assertUntunedNowhere(WeightFile weights, String what) {
    float[] gate = weights.tensor("blend_gate").values();
    int scenes = weights.property("scenes").split(",").length;
    int perScene = gate.length / scenes;
    for (int s = 0; s < scenes; s++) {
      boolean tuned = false;
      for (int b = 0; b < perScene; b += SceneTransferModel.COMPONENTS) {
        float[] row = Arrays.copyOfRange(gate, s * perScene + b, s * perScene + b + SceneTransferModel.COMPONENTS);
        float[] alone = new float[SceneTransferModel.COMPONENTS];
        alone[0] = 1;
        tuned |= !Arrays.equals(row, alone);
      }
      assertTrue(tuned, what + ": scene " + s + " has no tuned gate: " + Arrays.toString(gate));
    }
  }
}
