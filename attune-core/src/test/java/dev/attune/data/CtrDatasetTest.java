package dev.attune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** #4 the CTR task: labels, time split per user, history strictly before each impression, bucketed fields. */
class CtrDatasetTest {

  @Test
  void labelsSplitsAndHistoriesFollowTheProtocol() {
    Dataset d = new Dataset("tiny", Dataset.TimeKind.CLOCK);
    d.putUser(new User("u", Map.of("age", "23", "gender", "F")));
    d.putItem(new Item("a", "movies", null, null, null, List.of("Drama", "War"), List.of(), Float.NaN,
        Item.UNKNOWN_TIME, null, Map.of()));
    // ten events of user u at times 1..9 (two at time 5), ratings alternate 5, 2
    String[] items = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    long[] times = {1, 2, 3, 4, 5, 5, 6, 7, 8, 9};
    for (int k = 0; k < 10; k++) {
      d.addEvent(new Event("u", items[k], "rating", k % 2 == 0 ? 5 : 2, times[k], "movies"));
    }
    CtrDataset ctr = CtrDataset.build(d, new CtrDataset.Params(4f, 0.2, 0.25, List.of("age", "gender", "occupation"),
        Map.of("age", new int[] {1, 18, 25})));
    // test = round(0.2·10) = 2 events, validation = round(0.25·8) = 2, train = 6
    assertEquals(6, ctr.train().size());
    assertEquals(2, ctr.validation().size());
    assertEquals(2, ctr.test().size());
    assertArrayEquals(new int[] {0, 2, 4, 6, 8}, ctr.positivesOf(0)); // a c e g i (even positions rated 5)
    // history ends: positives strictly earlier. Events 4 (e, t5) and 5 (f, t5) share a time: f must not see e.
    assertArrayEquals(new int[] {0, 1, 1, 2, 2, 2}, ctr.train().historyEnd());
    assertArrayEquals(new boolean[] {true, false, true, false, true, false}, ctr.train().label());
    assertArrayEquals(new int[] {3, 4}, ctr.validation().historyEnd()); // g at t6 sees a c e; h at t7 also g
    assertArrayEquals(new int[] {8, 9}, ctr.test().item());
    assertArrayEquals(new int[] {4, 6}, ctr.history(0, 4, 2)); // last 2 of a c e g, oldest first
    assertEquals(List.of("age=18+", "gender=F", "occupation=?"), ctr.attributeNames());
    assertEquals(List.of("category:Drama", "category:War"), ctr.categoryNames());
    assertArrayEquals(new int[] {0, 1}, ctr.itemCategories(0));
    assertArrayEquals(new int[0], ctr.itemCategories(1));
  }

  /** QA: a skip of value 1 was labelled positive under a minimum of 0.5 (play shares); it counts against the item. */
  @Test
  void skipsAndDislikesAreNegativesWhateverTheirValue() {
    Dataset d = new Dataset("plays", Dataset.TimeKind.ORDINAL);
    String[] types = {"play", "skip", "play", "dislike", "play"};
    for (int k = 0; k < types.length; k++) d.addEvent(new Event("u", "i" + k, types[k], 1f, k, "music"));
    CtrDataset ctr = CtrDataset.build(d, new CtrDataset.Params(0.5f, 0.0, 0.0, List.of(), Map.of()));
    assertArrayEquals(new boolean[] {true, false, true, false, true}, ctr.train().label());
  }

  /** Review: a type the default table does not name (taken everywhere else at a positive weight) threw here. */
  @Test
  void aTypeTheTableDoesNotNameIsNotAgainstTheItem() {
    Dataset d = new Dataset("wishes", Dataset.TimeKind.ORDINAL);
    String[] types = {"play", "add_to_wishlist", "skip", "onboard"};
    for (int k = 0; k < types.length; k++) d.addEvent(new Event("u", "i" + k, types[k], 1f, k, "music"));
    CtrDataset ctr = CtrDataset.build(d, new CtrDataset.Params(0.5f, 0.0, 0.0, List.of(), Map.of()));
    assertArrayEquals(new boolean[] {true, true, false, true}, ctr.train().label());
  }

  @Test
  void rankingTaskPairsEveryTrainingStepWithPopularNegativesTheUserNeverHad() {
    Dataset d = new Dataset("implicit", Dataset.TimeKind.ORDINAL);
    String[][] sequences = {{"a", "b", "c", "d"}, {"a", "e", "f"}, {"b", "c", "e", "a"}};
    for (int u = 0; u < sequences.length; u++) {
      for (int t = 0; t < sequences[u].length; t++) {
        d.addEvent(new Event("u" + u, sequences[u][t], "view", 1, t, "shop"));
      }
    }
    TrainingSet train = Splits.leaveOneOut(d, dev.attune.events.EventWeights.defaults()).testing().train();
    CtrDataset ctr = CtrDataset.forRanking(train, new CtrDataset.Params(4f, 0.2, 0.0, List.of(), Map.of()), 3, 5L);
    CtrDataset.Part part = ctr.train();
    int positives = 0;
    for (int k = 0; k < part.size(); k++) {
      int u = part.user()[k];
      int item = part.item()[k];
      boolean own = java.util.Arrays.stream(train.sequences().positiveItemsOf(u)).anyMatch(i -> i == item);
      if (part.label()[k]) {
        positives++;
        assertEquals(true, own, "a positive is one of the user's training steps");
      } else {
        assertEquals(false, own, "a negative is never one of the user's own items (impression " + k + ")");
      }
    }
    int steps = 0;
    for (int u = 0; u < train.numUsers(); u++) steps += train.sequences().positiveItemsOf(u).length;
    assertEquals(steps, positives);
    assertEquals(4 * steps, part.size()); // 1 positive + 3 negatives per step
    assertEquals(0, ctr.test().size());
    // histories are the earlier positives only: the k-th step of a user sees k items
    assertArrayEquals(java.util.Arrays.copyOf(train.sequences().positiveItemsOf(0), 1),
        ctr.history(0, part.historyEnd()[4], 10));
  }

  /** A user who had every item has no negative to draw: none is made, rather than one of their own labelled 0. */
  @Test
  void aUserWhoHadEveryItemGetsNoNegatives() {
    Dataset d = new Dataset("implicit", Dataset.TimeKind.ORDINAL);
    String[] all = {"a", "b", "c", "d", "e"};
    for (int t = 0; t < all.length; t++) d.addEvent(new Event("everything", all[t], "view", 1, t, "shop"));
    for (int t = 0; t < 3; t++) d.addEvent(new Event("some", all[t], "view", 1, t, "shop"));
    TrainingSet train = Splits.leaveOneOut(d, dev.attune.events.EventWeights.defaults()).testing().train();
    CtrDataset.Part part = CtrDataset.forRanking(train, new CtrDataset.Params(4f, 0.2, 0.0, List.of(), Map.of()), 2,
        5L).train();
    for (int k = 0; k < part.size(); k++) {
      int u = part.user()[k];
      int item = part.item()[k];
      boolean own = java.util.Arrays.stream(train.sequences().positiveItemsOf(u)).anyMatch(i -> i == item);
      assertEquals(part.label()[k], own, "impression " + k + " of user " + u);
    }
  }
}
