package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.CtrDataset;
import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import dev.attune.model.FitListener;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * #4 AFM and SHAN: AFM's pair weights sum to 1 and fall on the planted user-field × item-category interaction;
 * SHAN's two levels of weights sum to 1; both learn their planted signal, which popularity cannot.
 */
class AfmShanTest {
  private static final long SEED = 13L;

  /**
   * Users of kind "a" like items of categories 0-2, users of kind "b" categories 3-5; each user sees 16 random
   * items (one per time step); labels flipped with probability 0.05. Every item is liked by half the users, so
   * popularity carries no signal; the cause is the pair (kind, category).
   */
  private static CtrDataset kindByCategory() {
    SplittableRandom r = new SplittableRandom(SEED);
    Dataset d = new Dataset("planted-pairs", Dataset.TimeKind.CLOCK);
    int items = 60;
    for (int i = 0; i < items; i++) {
      d.putItem(new Item("i" + i, "shop", null, null, null, List.of("c" + (i % 6)), List.of(), Float.NaN,
          Item.UNKNOWN_TIME, null, Map.of()));
    }
    for (int u = 0; u < 400; u++) {
      boolean a = r.nextBoolean();
      d.putUser(new User("u" + u, Map.of("kind", a ? "a" : "b", "noise", "n" + r.nextInt(4))));
      for (int t = 0; t < 16; t++) {
        int i = r.nextInt(items);
        boolean like = (i % 6 < 3) == a;
        boolean label = like ^ (r.nextDouble() < 0.05);
        d.addEvent(new Event("u" + u, "i" + i, "rating", label ? 5 : 1, t, "shop"));
      }
    }
    return CtrDataset.build(d, new CtrDataset.Params(4f, 0.2, 0.1, List.of("kind", "noise"), Map.of()));
  }

  @Test
  void afmWeightsSumToOneAndFallOnThePlantedPair() {
    CtrDataset data = kindByCategory();
    CtrTraining.Options o = new CtrTraining.Options(8, 1e-2f, 0f, 256, 15, 3, SEED, 1);
    CtrTraining.Result result = new Afm(new Afm.Params(8, 8, o)).train(data, FitListener.NONE);
    int slots = CtrBatch.slotsFor(data);
    List<String> names = Afm.pairNames(List.of("kind", "noise"));
    CtrDataset.Part test = data.test();
    int[] rows = new int[test.size()];
    for (int k = 0; k < rows.length; k++) rows[k] = k;
    CtrBatch batch = CtrBatch.of(data, test, rows, o.maxHistory(), slots);
    try (Afm.Network net = new Afm.Network(result.weights().properties(), ai.djl.ndarray.types.DataType.FLOAT32, 0L,
        name -> result.weights().tensor(name).values())) {
      CtrTraining.Scores s = CtrTraining.score(CtrTraining.predict(net, data, test, o.maxHistory(), slots), test);
      float[] w = net.pairWeights(batch);
      int p = names.size();
      double[] mean = new double[p];
      for (int r = 0; r < rows.length; r++) {
        double sum = 0;
        for (int j = 0; j < p; j++) {
          sum += w[r * p + j];
          mean[j] += w[r * p + j] / rows.length;
        }
        assertEquals(1.0, sum, 1e-5, "pair weights of impression " + r + " sum to 1");
      }
      int best = 0;
      for (int j = 1; j < p; j++) if (mean[j] > mean[best]) best = j;
      System.out.println("AFM planted pairs (seed " + SEED + "): test " + s + "; mean weight of "
          + names.get(best) + " " + String.format("%.3f", mean[best]) + " (uniform " + String.format("%.3f", 1.0 / p)
          + ")");
      assertTrue(s.groupAuc() > 0.85, "AFM learns the planted pair: " + s);
      String top = names.get(best);
      assertTrue(top.equals("kind × categories") || top.equals("kind × item"), "top pair " + top);
      assertTrue(mean[best] > 2.0 / p, "top pair weight " + mean[best]);
    }
  }

  @Test
  void shanLearnsHistoryRelevanceAndBothLevelsOfWeightsSumToOne() {
    // One item per group: SHAN reads item ids only (no categories), so the groups must be learnable from ids.
    CtrDataset data = PlantedCtr.generate(500, 40, 1, 6, 14, 0.05, SEED);
    CtrTraining.Options o = new CtrTraining.Options(10, 1e-2f, 0f, 256, 15, 3, SEED, 1);
    CtrTraining.Result result = new Shan(new Shan.Params(8, 3, o)).train(data, FitListener.NONE);
    int slots = CtrBatch.slotsFor(data);
    CtrDataset.Part test = data.test();
    int[] rows = new int[test.size()];
    for (int k = 0; k < rows.length; k++) rows[k] = k;
    CtrBatch batch = CtrBatch.of(data, test, rows, o.maxHistory(), slots);
    try (Shan.Network net = new Shan.Network(result.weights().properties(), ai.djl.ndarray.types.DataType.FLOAT32,
        0L, name -> result.weights().tensor(name).values())) {
      CtrTraining.Scores s = CtrTraining.score(CtrTraining.predict(net, data, test, o.maxHistory(), slots), test);
      System.out.println("SHAN planted history (seed " + SEED + "): test " + s);
      assertTrue(s.groupAuc() > 0.65, "SHAN reads the history: " + s);
      Shan.Network.Weights w = net.weights(batch);
      int longLength = o.maxHistory() - 3;
      for (int r = 0; r < rows.length; r++) {
        int n = data.history(test.user()[r], test.historyEnd()[r], o.maxHistory()).length;
        double sumLong = 0;
        for (int j = 0; j < longLength; j++) sumLong += w.longTerm()[r * longLength + j];
        double sumShort = 0;
        for (int j = 0; j < 4; j++) sumShort += w.shortTerm()[r * 4 + j];
        if (n > 3) assertEquals(1.0, sumLong, 1e-5, "long-term weights of impression " + r);
        if (n > 0) assertEquals(1.0, sumShort, 1e-5, "short-term weights of impression " + r);
        if (n > 0 && n <= 3) assertEquals(0.0, w.shortTerm()[r * 4], 1e-6, "no long-term vector without long items");
      }
    }
  }
}
