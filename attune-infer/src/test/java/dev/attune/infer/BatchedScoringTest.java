package dev.attune.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BatchedScoringTest {
  private static final int ITEMS = 300;
  private static final SequentialModel MODEL = SequentialModels.fromWeights(
      RandomSasRec.weights(new RandomSasRec.Config(ITEMS, 16, 2, 2, 16, 10, 0, 0, null, null, 7L)),
      RandomSasRec.emptyTrain(0, ITEMS));

  @Test
  void concurrentRequestsGetExactlyTheListsOfScoringAlone() throws Exception {
    BatchedScoring scoring = new BatchedScoring(MODEL, 8);
    int callers = 16;
    int perCaller = 40;
    List<int[]> histories = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(3);
    for (int q = 0; q < callers * perCaller; q++) {
      histories.add(RandomSasRec.history(r, 1 + r.nextInt(15), ITEMS));
    }
    ItemFilter evenOnly = i -> i % 2 == 0;
    List<Future<List<TopK>>> answers = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
      for (int c = 0; c < callers; c++) {
        int first = c * perCaller;
        answers.add(pool.submit(() -> {
          List<TopK> out = new ArrayList<>();
          for (int q = first; q < first + perCaller; q++) {
            int[] history = histories.get(q);
            out.add(scoring.recommend(history, null, 12, history, evenOnly)); // the history excluded
          }
          return out;
        }));
      }
      for (int c = 0; c < callers; c++) {
        List<TopK> got = answers.get(c).get();
        for (int j = 0; j < perCaller; j++) {
          TopK alone = MODEL.recommend(new Query(-1, histories.get(c * perCaller + j), 12, evenOnly, true));
          TopK batched = got.get(j);
          assertEquals(alone.size(), batched.size());
          for (int p = 0; p < alone.size(); p++) {
            assertEquals(alone.item(p), batched.item(p), "caller " + c + " request " + j + " rank " + p);
            assertEquals(alone.score(p), batched.score(p), 0f);
            assertEquals(0, batched.item(p) % 2);
            int item = batched.item(p);
            assertTrue(java.util.Arrays.stream(histories.get(c * perCaller + j)).noneMatch(h -> h == item));
          }
        }
      }
    }
    long[] stats = scoring.passesAndRequests();
    assertEquals(callers * perCaller, stats[1]);
    assertTrue(stats[0] >= 1 && stats[0] <= stats[1], "passes " + stats[0]);
  }

  @Test
  void batchedKernelScoresEqualSingleUserScores() {
    SplittableRandom r = new SplittableRandom(4);
    float[][] users = new float[5][];
    float[][] together = new float[5][ITEMS];
    for (int j = 0; j < 5; j++) users[j] = MODEL.userRepresentation(RandomSasRec.history(r, 6, ITEMS), null);
    MODEL.scoreAll(users, 5, together);
    for (int j = 0; j < 5; j++) {
      float[] alone = new float[ITEMS];
      MODEL.scoreAll(new float[][] {users[j]}, 1, new float[][] {alone});
      assertArrayEquals(alone, together[j], 0f);
      for (int i = 0; i < ITEMS; i += 37) assertEquals(MODEL.score(users[j], MODEL.itemRepresentation(i)), alone[i], 0f);
    }
  }

  @Test
  void badInputIsRejectedBeforeScoring() {
    BatchedScoring scoring = new BatchedScoring(MODEL, 4);
    assertThrows(IllegalArgumentException.class, () -> scoring.recommend(new int[] {ITEMS}, null, 5, null, null));
    assertThrows(IllegalArgumentException.class, () -> scoring.recommend(new int[] {1}, null, 0, null, null));
    assertThrows(IllegalArgumentException.class,
        () -> scoring.recommend(new int[] {1}, null, 5, new int[] {-1}, null));
    assertThrows(IllegalArgumentException.class, () -> new BatchedScoring(MODEL, 0));
    assertEquals(5, scoring.recommend(new int[] {1}, null, 5, null, null).size());
  }
}
