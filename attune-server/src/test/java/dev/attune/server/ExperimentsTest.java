package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.store.Store;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExperimentsTest {

  private static Store.Experiment experiment(String id, double... shares) {
    List<Store.Arm> arms = new java.util.ArrayList<>();
    for (int k = 0; k < shares.length; k++) arms.add(new Store.Arm("arm" + k, "active", shares[k]));
    return new Store.Experiment(id, "", arms, 60_000, Set.of("play"), 1, 0, null);
  }

  @Test
  void usersAreSplitByTheSharesAndKeepTheirArm() {
    Store.Experiment e = experiment("ab-1", 0.2, 0.3, 0.5);
    int[] counts = new int[3];
    int users = 30_000;
    for (int u = 0; u < users; u++) counts[Experiments.armOf(e, "user-" + u)]++;
    // within 4 standard deviations of each share's binomial count
    double[] shares = {0.2, 0.3, 0.5};
    for (int k = 0; k < 3; k++) {
      double sd = Math.sqrt(users * shares[k] * (1 - shares[k]));
      assertEquals(users * shares[k], counts[k], 4 * sd, "arm " + k + ": " + counts[k]);
    }
    assertEquals(Experiments.armOf(e, "user-7"), Experiments.armOf(e, "user-7"), "the same arm every time");
  }

  @Test
  void anotherExperimentShufflesTheUsersAnew() {
    Store.Experiment first = experiment("ab-1", 0.5, 0.5);
    Store.Experiment second = experiment("ab-2", 0.5, 0.5);
    int users = 20_000;
    int same = 0;
    for (int u = 0; u < users; u++) {
      if (Experiments.armOf(first, "user-" + u) == Experiments.armOf(second, "user-" + u)) same++;
    }
    // independent splits agree for half of the users (a reused split would carry one test's effect into the next)
    assertEquals(users / 2.0, same, 4 * Math.sqrt(users * 0.25), "users in the same arm of both: " + same);
  }

  @Test
  void theRequestIsReadWithDefaults() {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    Store.Experiment e = Experiments.parse(json.createObjectNode().put("name", "n").set("arms", json.createArrayNode()
        .add(json.createObjectNode().put("name", "a").put("version", "active").put("share", 0.3))
        .add(json.createObjectNode().put("name", "b").put("version", "v2").put("share", 0.7))), 1_733_480_000_000L);
    assertEquals("ab-20241206-101320", e.id());
    assertEquals(1.0, e.arms().get(0).share() + e.arms().get(1).share(), 0, "shares sum to exactly 1");
    assertEquals(Experiments.DEFAULT_WINDOW_MINUTES * 60_000L, e.windowMillis());
    assertEquals(Experiments.DEFAULT_CONVERSION_TYPES, e.conversionTypes());
    assertTrue(e.running());
  }
}
