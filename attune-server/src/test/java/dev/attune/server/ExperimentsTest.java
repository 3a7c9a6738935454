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
    // pinned: a change of the hash would move every running experiment's users to other arms on upgrade
    assertEquals(List.of(0, 2, 1, 1, 2), java.util.stream.IntStream.range(0, 5)
        .mapToObj(u -> Experiments.armOf(e, "user-" + u)).toList());
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
  void sharesAreScaledToSumToOneAndTypesThatNeverCountAreRefused() {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    java.util.function.Function<String, Store.Experiment> parse = body -> {
      try {
        return Experiments.parse(json.readTree(body), 0);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    String thirds = "{\"name\":\"n\",\"arms\":[{\"name\":\"a\",\"version\":\"active\",\"share\":0.3333333},"
        + "{\"name\":\"b\",\"version\":\"v\",\"share\":0.3333333},{\"name\":\"c\",\"version\":\"w\","
        + "\"share\":0.3333334}]}";
    Store.Experiment e = parse.apply(thirds);
    assertEquals(1.0, e.arms().stream().mapToDouble(Store.Arm::share).sum(), 1e-15);
    // within the sum's tolerance, but an arm of a ten-millionth: refused, not a 500 (a QA run's)
    ApiException tiny = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class, () -> parse.apply(
        "{\"name\":\"n\",\"arms\":[{\"name\":\"a\",\"version\":\"active\",\"share\":0.5},{\"name\":\"b\","
        + "\"version\":\"v\",\"share\":0.5000005},{\"name\":\"c\",\"version\":\"w\",\"share\":1e-7}]}"));
    assertEquals("arms[2].share", tiny.field());
    ApiException skip = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class, () -> parse.apply(
        "{\"name\":\"n\",\"arms\":[{\"name\":\"a\",\"version\":\"active\"},{\"name\":\"b\","
        + "\"version\":\"v\"}],\"conversionTypes\":[\"play\",\"skip\"]}"));
    assertEquals("conversionTypes[1]", skip.field());
  }

  /**
   * A user's exposures queued when their deletion starts, and those of requests that came before it ended but are
   * answered after it, are never written; a request after the deletion is a new user's.
   */
  @Test
  void noExposureOfADeletedUserOutlivesTheDeletion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    long[] now = {1_000_000};
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("store.db"))) {
      Experiments experiments = new Experiments(store, null, null, null, () -> now[0], null, id -> Double.NaN);
      Experiments.Assignment arm = new Experiments.Assignment(experiment("ab-1", 0.5, 0.5), 0, null, null);
      List<Recommendations.Recommended> shown = List.of();
      experiments.exposed(arm, "gone", "v", shown, now[0] - 10, Long.MIN_VALUE); // queued before the deletion
      experiments.exposed(arm, "kept", "v", shown, now[0] - 10, Long.MIN_VALUE);
      experiments.deletionStarts("gone");
      experiments.exposed(arm, "gone", "v", shown, now[0] + 5, Long.MIN_VALUE); // answered while it runs
      now[0] += 100;
      experiments.deletionEnded("gone");
      experiments.exposed(arm, "gone", "v", shown, now[0] - 50, Long.MIN_VALUE); // asked before the end, answered after it
      now[0] += 100;
      experiments.exposed(arm, "gone", "v", shown, now[0], Long.MIN_VALUE); // a new request: a new user of that id
      experiments.flush();
      List<String> written = new java.util.ArrayList<>();
      store.forEachExposure(null, null, x -> written.add(x.userId() + "@" + x.timestampMillis()));
      assertEquals(List.of("kept@999990", "gone@1000200"), written);
    }
  }

  @Test
  void theRequestIsReadWithDefaults() {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    Store.Experiment e = Experiments.parse(json.createObjectNode().put("name", "n").set("arms", json.createArrayNode()
        .add(json.createObjectNode().put("name", "a").put("version", "active").put("share", 0.3))
        .add(json.createObjectNode().put("name", "b").put("version", "v2").put("share", 0.7))), 1_733_480_000_000L);
    assertEquals("ab-20241206-101320-000", e.id());
    assertEquals(1.0, e.arms().get(0).share() + e.arms().get(1).share(), 0, "shares sum to exactly 1");
    assertEquals(Experiments.DEFAULT_WINDOW_MINUTES * 60_000L, e.windowMillis());
    assertEquals(Experiments.DEFAULT_CONVERSION_TYPES, e.conversionTypes());
    assertTrue(e.running());
  }
}
