package dev.attune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.EventWeights;
import dev.attune.synth.TwoSceneGenerator;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** #5 the cold- and warm-in-scene protocols and per-scene training sets. */
class SceneSplitsTest {
  private static final EventWeights WEIGHTS = EventWeights.defaults();
  private static final Dataset DATA = TwoSceneGenerator.generate(
      new TwoSceneGenerator.Params(200, 4, 10, 8, 6, 0.2, "books", "music", 3L)).dataset();

  @Test
  void coldUsersKeepExactlyKeepTargetItemsAndTheSameUsersAreTestedForEveryKeep() {
    int music = DATA.sceneNames().indexOf("music");
    Set<Integer> previousKept = null;
    int[] testedUsers = null;
    for (int keep : new int[] {0, 1, 3}) {
      Split split = Splits.coldInScene(DATA, WEIGHTS, "music", keep, 0.3, 11L);
      EventLog log = DATA.events();
      int[] trainMusic = new int[DATA.numUsers()];
      int[] testMusic = new int[DATA.numUsers()];
      Set<Integer> kept = new HashSet<>();
      for (int r = 0; r < log.size(); r++) {
        if (split.roles()[r] == Split.TEST) {
          assertEquals(music, log.scene(r), "only target-scene events are held out");
          testMusic[log.user(r)]++;
        } else if (split.roles()[r] == Split.TRAIN && log.scene(r) == music) {
          trainMusic[log.user(r)]++;
          kept.add(r);
        }
      }
      int n = 0;
      for (int u = 0; u < DATA.numUsers(); u++) {
        if (testMusic[u] > 0) {
          n++;
          assertEquals(keep, trainMusic[u], "user " + u + " keeps " + keep + " music events");
        }
      }
      assertTrue(n > 30 && n < 90, "about 30% of 200 users tested: " + n);
      int[] users = split.test().numUsersWithItems() == n ? usersWithTest(split) : null;
      if (testedUsers != null) assertArrayEquals(testedUsers, users, "same users at every keep");
      testedUsers = users;
      if (previousKept != null) {
        // Training grows with keep: what a smaller keep trains on, a larger one trains on too.
        assertTrue(kept.containsAll(previousKept), "kept events are nested");
      }
      previousKept = kept;
    }
    Split warm = Splits.warmInScene(DATA, WEIGHTS, "music", 0.2, 0.3, 11L);
    assertArrayEquals(testedUsers, usersWithTest(warm), "warm tests the same users");
  }

  @Test
  void sceneTrainingSetHoldsOnlyThatScenesEvents() {
    Split split = Splits.coldInScene(DATA, WEIGHTS, "music", 1, 0.3, 11L);
    TrainingSet musicOnly = DatasetBuilder.buildScene(DATA, split.roles(), WEIGHTS, "music", Split.TRAIN);
    int music = DATA.sceneNames().indexOf("music");
    int[] scenes = musicOnly.itemScenes();
    for (int i : musicOnly.interactions().indices()) assertEquals(music, scenes[i]);
    assertEquals(DATA.numItems(), musicOnly.numItems(), "the catalogue is unchanged");
    assertThrows(IllegalArgumentException.class,
        () -> DatasetBuilder.buildScene(DATA, split.roles(), WEIGHTS, "podcasts", Split.TRAIN));
    assertThrows(IllegalArgumentException.class, () -> Splits.coldInScene(DATA, WEIGHTS, "podcasts", 0, 0.3, 1L));
  }

  private static int[] usersWithTest(Split split) {
    return java.util.stream.IntStream.range(0, split.test().numUsers())
        .filter(u -> split.test().itemsOf(u).length > 0).toArray();
  }
}
