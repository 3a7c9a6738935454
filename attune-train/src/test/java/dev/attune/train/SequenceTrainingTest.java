package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.attune.data.TrainingSet;
import dev.attune.train.nn.ParameterStore;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The windows, the batching and the non-finite-gradient guard of {@link SequenceTraining}. */
class SequenceTrainingTest {

  @Test
  void batchesCoverEveryUserOnceAndGroupSimilarLengths() {
    int users = 5000;
    int[] ids = new int[users];
    int[] length = new int[users];
    SplittableRandom r = new SplittableRandom(1);
    for (int u = 0; u < users; u++) {
      ids[u] = u;
      length[u] = 1 + r.nextInt(50);
    }
    int[][] batches = SequenceTraining.batches(ids, length, 32, new SplittableRandom(7));
    int[] seen = new int[users];
    long padded = 0;
    long real = 0;
    for (int[] b : batches) {
      assertTrue(b.length <= 32 && b.length > 0);
      int longest = Arrays.stream(b).map(u -> length[u]).max().orElseThrow();
      for (int u : b) {
        seen[u]++;
        real += length[u];
        padded += longest;
      }
    }
    for (int u = 0; u < users; u++) assertEquals(1, seen[u], "user " + u);
    // unsorted batches of uniform lengths 1..50 would pad to about 2x the real steps
    assertTrue(padded < 1.2 * real, "padding " + padded + " for " + real + " real steps");
    int[][] again = SequenceTraining.batches(ids, length, 32, new SplittableRandom(7));
    for (int b = 0; b < batches.length; b++) assertArrayEquals(batches[b], again[b], "same seed, same batches");
  }

  /** QA: negatives=5000 over 3,600 items took all the machine's memory before the kernel killed the training. */
  @Test
  void asManyNegativesAsItemsAreRefusedBeforeTraining() {
    TrainingSet train = PlantedSequences.split().tuning().train();
    SequenceTraining.Options o = SasRec.Params.DEFAULTS.training()
        .withLoss(SequenceTraining.Loss.SAMPLED_SOFTMAX, train.numItems()).withSeed(1L);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> SequenceTraining.train(train, o, w -> {
          throw new AssertionError("refused before a network is built");
        }, null, null, null));
    assertTrue(e.getMessage().startsWith("negatives (" + train.numItems() + ") must be fewer than the items"),
        e.getMessage());
  }

  /**
   * Users of one liked event each give no window: the run is refused, where every epoch had no batch (loss NaN) and
   * the untrained initial weights came out as a model (a review).
   */
  @Test
  void nothingToTrainOnIsRefusedRatherThanExportedUntrained() {
    var d = new dev.attune.data.Dataset("one-each", dev.attune.data.Dataset.TimeKind.CLOCK);
    for (int u = 0; u < 3; u++) d.addEvent(new dev.attune.events.Event("u" + u, "i" + u, "play", 1, u, "music"));
    TrainingSet train = dev.attune.data.DatasetBuilder.build(d, dev.attune.events.EventWeights.defaults());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new SasRec(SasRec.Params.DEFAULTS.withEpochs(2)).train(train, SequenceTraining.Run.NONE, null));
    assertTrue(e.getMessage().startsWith("nothing to train on: no user of the 3 has 2 liked events"), e.getMessage());
  }

  /**
   * A negative is uniform over the user's unseen items and never their target: a user who had seen every item but a
   * few got one of those few or, once redraws ran out, a seen item, the target among them (a review).
   */
  @Test
  void negativesAreTheUsersUnseenItemsAndNeverTheTarget() {
    int[] seen = {0, 1, 3, 4, 8};
    int[] unseen = {2, 5, 6, 7, 9};
    for (int r = 0; r < unseen.length; r++) assertEquals(unseen[r], SequenceTraining.nthUnseen(seen, r), "r " + r);
    assertEquals(0, SequenceTraining.nthUnseen(new int[0], 0));
    assertEquals(5, SequenceTraining.nthUnseen(new int[] {0, 1, 2, 3, 4}, 0));

    // two items, each user has seen both: the negative is always the other one
    var d = new dev.attune.data.Dataset("all-seen", dev.attune.data.Dataset.TimeKind.CLOCK);
    for (int u = 0; u < 4; u++) {
      for (int t = 0; t < 4; t++) {
        d.addEvent(new dev.attune.events.Event("u" + u, "i" + ((u + t) % 2), "play", 1, t, "music"));
      }
    }
    TrainingSet train = dev.attune.data.DatasetBuilder.build(d, dev.attune.events.EventWeights.defaults());
    SequenceTraining.Options o = SasRec.Params.DEFAULTS.training().withLoss(SequenceTraining.Loss.BCE, 1)
        .withSeed(3L);
    SequenceTraining.Examples ex = SequenceTraining.Examples.of(train, o);
    int[] rowUser = new int[ex.user().length * 3];
    int[] targets = new int[rowUser.length];
    for (int v = 0; v < rowUser.length; v++) {
      rowUser[v] = ex.user()[v % ex.user().length];
      targets[v] = v % 2;
    }
    int[][] negatives = SequenceTraining.sampleNegatives(ex, o, rowUser, targets, rowUser.length, 2,
        new SplittableRandom(5));
    for (int v = 0; v < rowUser.length; v++) assertEquals(1 - targets[v], negatives[v][0], "position " + v);
  }

  @Test
  void allWindowsMakeEveryStepButTheFirstATargetOnce() {
    TrainingSet train = PlantedSequences.split().tuning().train();
    int t = 3; // far shorter than the planted sequences, so most have several windows
    SequenceTraining.Options last = SasRec.Params.DEFAULTS.training().withLoss(SequenceTraining.Loss.FULL_CE, 1)
        .withSeed(1L);
    last = new SequenceTraining.Options(t, last.dropout(), last.learningRate(), last.batchSize(), last.epochs(),
        last.loss(), last.negatives(), false, 1L, 1, last.patience(), last.validateEvery());
    SequenceTraining.Examples one = SequenceTraining.Examples.of(train, last);
    SequenceTraining.Examples all = SequenceTraining.Examples.of(train, last.withAllWindows(true));
    int trainable = 0;
    int longer = 0;
    for (int u = 0; u < one.items().length; u++) {
      if (one.items()[u].length >= 2) trainable++;
      if (one.items()[u].length > t + 1) longer++;
    }
    assertTrue(longer > 0, "the planted data must have sequences longer than T + 1");
    // last window only: one per trainable user, ending at the newest step, T or fewer targets
    assertEquals(trainable, one.user().length);
    for (int x = 0; x < one.user().length; x++) {
      int n = one.items()[one.user()[x]].length;
      assertEquals(n - 1, one.end()[x]);
      assertEquals(Math.min(t, n - 1), one.windowLength()[x]);
    }
    // every window: targets end − len + 1 .. end of its user, covering 1 .. n − 1 exactly once, each window <= T
    int[][] hits = new int[all.items().length][];
    for (int u = 0; u < hits.length; u++) hits[u] = new int[all.items()[u].length];
    for (int x = 0; x < all.user().length; x++) {
      int len = all.windowLength()[x];
      assertTrue(len >= 1 && len <= t && all.end()[x] - len >= 0, "window " + x);
      for (int j = 0; j < len; j++) {
        int k = all.targetStep(x, j);
        assertTrue(k > all.end()[x] - len + j && k <= all.end()[x], "the target follows its input step");
        hits[all.user()[x]][k]++;
      }
      assertEquals(all.end()[x], all.targetStep(x, len - 1), "the newest input predicts the step at end");
    }
    for (int u = 0; u < hits.length; u++) {
      if (hits[u].length < 2) continue;
      assertEquals(0, hits[u][0], "the first step has no history, user " + u);
      for (int k = 1; k < hits[u].length; k++) assertEquals(1, hits[u][k], "user " + u + ", step " + k);
    }
    assertTrue(all.user().length > one.user().length);
  }

  @Test
  void guardRejectsNonFiniteGradients() {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        ParameterStore store = new ParameterStore(m, DataType.FLOAT32, 3L)) {
      NDArray w = store.normal("w", 1.0, 3, 2);
      store.requireGradients();
      assertTrue(gradientOf(store, m, w, 1f), "finite");
      store.zeroGradients();
      assertFalse(gradientOf(store, m, w, Float.NaN), "NaN");
      store.zeroGradients();
      assertFalse(gradientOf(store, m, w, Float.POSITIVE_INFINITY), "infinite");
    }
  }

  /** Backpropagates sum(w × scale) and asks the guard. */
  private static boolean gradientOf(ParameterStore store, NDManager m, NDArray w, float scale) {
    try (NDManager scope = m.newSubManager()) {
      store.attachTo(scope);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(w.mul(scale).sum());
      }
      return SequenceTraining.gradientsFinite(store, scope);
    }
  }
}
