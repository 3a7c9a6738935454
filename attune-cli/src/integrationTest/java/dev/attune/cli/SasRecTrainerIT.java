package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attune.data.Dataset;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import dev.attune.synth.MusicPlatformGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's SASRec training engine end to end (#7): a server with no model over a small generated platform
 * trains one (admin "train now", one epoch), the gate publishes it (nothing was served), and the next answers come
 * from it; the version directory is servable and measured on the time-based holdout.
 */
class SasRecTrainerIT {
  private static final String KEY = "sasrec-trainer-test-key-42";

  @TempDir Path dir;

  @Test
  void aServerWithoutAModelTrainsPublishesAndServesOne() throws Exception {
    Dataset ds = MusicPlatformGenerator.generate(new MusicPlatformGenerator.Params(80, 3, 3, 2, 6, 20, 0.7, 0.15, 7L))
        .dataset();
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("attune.db"))) {
      store.upsertUsers(ds.users());
      store.upsertItems(ds.items());
      List<Store.NewEvent> events = new ArrayList<>();
      for (int row = 0; row < ds.events().size(); row++) events.add(new Store.NewEvent(null, ds.event(ds.events(), row)));
      store.appendEvents(events);
      ServerConfig config = ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none").withAdminKey(KEY)
          .withLifecycle(dev.attune.server.LifecycleConfig.DEFAULTS.withModelRoot(dir.resolve("models")));
      AttuneServer server = AttuneServer.create(config, store, new SasRecTrainer(1, 1)).start();
      try {
        AdminCalls admin = new AdminCalls("http://127.0.0.1:" + server.port(), KEY);
        String user = ds.userIds().id(0);
        assertTrue(admin.call("GET", "/v1/users/" + user + "/recommendations?k=5", 200).get("model").isNull(),
            "no model yet");
        JsonNode job = admin.trainNowAndWait();
        assertEquals("published", job.get("state").asText(), job.toString());
        assertEquals(1, job.get("epoch").asInt(), job.toString());
        double ndcg = job.get("gate").get("candidateNdcg10").asDouble();
        assertTrue(ndcg > 0 && ndcg <= 1, "the candidate is measured on the holdout: " + job);
        String version = job.get("version").asText();
        Path versionDir = dir.resolve("models").resolve(version);
        for (String file : List.of("model.json", "weights.atw", "items.txt")) {
          assertTrue(Files.isRegularFile(versionDir.resolve(file)), file);
        }
        JsonNode recs = admin.call("GET", "/v1/users/" + user + "/recommendations?k=5", 200);
        assertEquals(version, recs.get("model").asText());
        assertEquals("sasrec", recs.get("items").get(0).get("source").asText(), recs.toString());
      } finally {
        server.stop();
      }
    }
  }

  @Test
  void serveRejectsBadRetrainingSettingsWithAMessage() {
    for (String[] bad : new String[][] {{"--train-every", "soon"}, {"--train-every", "-5m"}, {"--gate-margin", "-0.1"},
        {"--retrain-after-events", "-1"}, {"--train-epochs", "0"}}) {
      java.io.StringWriter err = new java.io.StringWriter();
      String[] args = {"serve", "--store", "jdbc:sqlite:" + dir.resolve("never.db"), bad[0], bad[1]};
      int code = AttuneCli.run(args, new java.io.PrintWriter(new java.io.StringWriter(), true),
          new java.io.PrintWriter(err, true));
      assertEquals(AttuneCli.USAGE_ERROR, code, String.join(" ", bad) + ": " + err);
      assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
      assertTrue(!Files.exists(dir.resolve("never.db")), "nothing is opened before the settings are checked");
      assertTrue(err.toString().startsWith("attune: " + bad[0] + " "), "named by its option: " + err);
    }
  }

  /**
   * A served sequential model is retrained as its kind with its settings: a SASRec that reads event types gets a
   * candidate that reads them too (one trained with the defaults would drop them when published).
   */
  @Test
  void aServedModelsSettingsCarryOverToItsRetrainedCandidates() throws Exception {
    Dataset ds = MusicPlatformGenerator.generate(new MusicPlatformGenerator.Params(60, 3, 3, 2, 6, 15, 0.7, 0.15, 7L))
        .dataset();
    var split = dev.attune.data.Splits.leaveOneOut(ds, dev.attune.events.EventWeights.defaults());
    Path served = dir.resolve("served");
    SasRecTrainer.write(served, ds, split, 3, 1, 1, false, false, dev.attune.model.FitListener.NONE, "sasrec",
        java.util.Map.of("useTypes", "true", "hidden", "16", "maxLength", "12"));
    var candidateTrainer = new SasRecTrainer(1, 1).forServed(served);
    assertEquals("sasrec", candidateTrainer.kind());
    Path candidate = dir.resolve("candidate");
    candidateTrainer.train(ds, split, candidate, 5, dev.attune.model.FitListener.NONE);
    JsonNode params = new com.fasterxml.jackson.databind.ObjectMapper().readTree(candidate.resolve("model.json").toFile())
        .get("params");
    assertTrue(params.get("useTypes").asBoolean(), params.toString());
    assertEquals(16, params.get("hidden").asInt());
    assertEquals(12, params.get("maxLength").asInt());
    assertEquals(1, params.get("epochs").asInt(), "the server's epochs, not the served run's");
    var weights = dev.attune.infer.ModelDirectory.read(candidate).weights();
    assertTrue(weights.propertyOr(dev.attune.infer.SequentialModel.TYPE_NAMES_PROPERTY, "").contains("play"),
        "the candidate names its event types");
    assertEquals("sasrec", new SasRecTrainer(1, 1).forServed(null).kind(), "nothing served: SASRec's defaults");
  }
}
