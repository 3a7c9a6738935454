package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.CtrDataset;
import dev.attune.infer.DinModel;
import dev.attune.model.FitListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * #4 DIN on planted data where the label depends on the candidate's relevance to one past event: it beats the
 * FM, NCF and popularity, and its attention weights sum to 1 and fall on the planted cause.
 */
class DinTest {
  private static final long SEED = 11L;
  private static CtrDataset data;
  private static CtrTraining.Options options;
  private static CtrTraining.Result din;

  @BeforeAll
  static void generateAndTrain() {
    data = PlantedCtr.generate(400, 40, 3, 6, 14, 0.05, SEED);
    options = new CtrTraining.Options(12, 5e-3f, 0f, 256, 10, 2, SEED, 1);
    din = new Din(new Din.Params(8, 16, new int[] {32, 16}, options)).train(data, FitListener.NONE);
  }

  @Test
  void beatsFactorisationCollaborativeAndPopularityBaselinesWhereHistoryRelevanceDecides() {
    CtrTraining.Scores dinTest = testScores(DinModel.fromWeights(din.weights()));
    CtrTraining.Result fm = new Fm(new Fm.Params(8, options)).train(data, FitListener.NONE);
    CtrTraining.Scores fmTest;
    try (Fm.Network net = new Fm.Network(fm.weights().properties(), ai.djl.ndarray.types.DataType.FLOAT32, 0L,
        name -> fm.weights().tensor(name).values())) {
      fmTest = CtrTraining.score(CtrTraining.predict(net, data, data.test(), options.maxHistory(),
          CtrBatch.slotsFor(data)), data.test());
    }
    CtrTraining.Result ncf = new Ncf(new Ncf.Params(8, new int[] {16, 8}, options)).train(data, FitListener.NONE);
    CtrTraining.Scores popularity = CtrTraining.score(popularity(), data.test());
    System.out.println("planted CTR test (seed " + SEED + "): DIN " + dinTest + "; FM " + fmTest + "; NCF validation "
        + ncf.validation() + "; popularity " + popularity);
    // The labels are 95% determined by the match; a model reading the history that way reaches GAUC ≈ 0.9.
    assertTrue(dinTest.groupAuc() > 0.85, "DIN GAUC " + dinTest.groupAuc() + " (seed " + SEED + ")");
    assertTrue(dinTest.groupAuc() > fmTest.groupAuc() + 0.02, "DIN " + dinTest + " vs FM " + fmTest);
    assertTrue(dinTest.groupAuc() > ncf.validation().groupAuc() + 0.1, "DIN vs NCF " + ncf.validation());
    assertTrue(popularity.groupAuc() < 0.6, "popularity carries no signal here: " + popularity);
  }

  @Test
  void attentionWeightsSumToOneAndPointAtThePlantedCause() {
    DinModel model = DinModel.fromWeights(din.weights());
    CtrDataset.Part test = data.test();
    double massOnCause = 0;
    double uniformOnCause = 0;
    int argmaxOnCause = 0;
    int counted = 0;
    for (int k = 0; k < test.size(); k++) {
      int u = test.user()[k];
      int item = test.item()[k];
      int[] history = data.history(u, test.historyEnd()[k], options.maxHistory());
      int causes = 0;
      for (int h : history) if (PlantedCtr.sameGroup(data, item, h)) causes++;
      float[] a = model.score(u, data.userFields(u), new int[] {item}, history, true).attention()[0];
      assertEquals(history.length, a.length);
      double sum = 0;
      for (float w : a) sum += w;
      assertEquals(1.0, sum, 1e-5, "weights sum to 1");
      if (causes == 0 || causes == history.length) continue;
      counted++;
      int best = 0;
      double mass = 0;
      for (int j = 0; j < a.length; j++) {
        if (a[j] > a[best]) best = j;
        if (PlantedCtr.sameGroup(data, item, history[j])) mass += a[j];
      }
      if (PlantedCtr.sameGroup(data, item, history[best])) argmaxOnCause++;
      massOnCause += mass;
      uniformOnCause += (double) causes / history.length;
    }
    double share = (double) argmaxOnCause / counted;
    System.out.printf("attention on the cause: argmax %.3f, mass %.3f (uniform %.3f) over %d impressions%n", share,
        massOnCause / counted, uniformOnCause / counted, counted);
    assertTrue(counted > 50);
    assertTrue(share > 0.8, "the largest weight is on a history item of the candidate's group in " + share);
    assertTrue(massOnCause / counted > 2 * uniformOnCause / counted, "mass on the cause vs uniform");
  }

  /**
   * Training on a thread other than the one that loaded the engine (a server's job) works: grad mode is per thread,
   * and Adam's in-place updates failed there ("a leaf Variable that requires grad ...", a review).
   */
  @Test
  void trainsOnAnotherThreadThanTheEnginesLoader() throws Exception {
    ai.djl.engine.Engine.getEngine("PyTorch"); // loaded here (or earlier, elsewhere): the worker below is another
    CtrDataset small = PlantedCtr.generate(60, 10, 2, 3, 8, 0.1, SEED);
    CtrTraining.Options o = new CtrTraining.Options(1, 5e-3f, 1e-5f, 64, 2, 0, SEED, 1);
    Din.Params p = new Din.Params(4, 6, new int[] {8}, o);
    java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      var weights = worker.submit(() -> new Din(p).train(small, FitListener.NONE).weights()).get();
      assertTrue(weights.names().size() > 0);
    } finally {
      worker.shutdownNow();
    }
  }

  @Test
  void sameSeedGivesTheSameWeights() {
    CtrDataset small = PlantedCtr.generate(60, 10, 2, 3, 8, 0.1, SEED);
    CtrTraining.Options o = new CtrTraining.Options(6, 5e-3f, 1e-5f, 64, 2, 0, SEED, 1);
    Din.Params p = new Din.Params(4, 6, new int[] {8}, o);
    var first = new Din(p).train(small, FitListener.NONE).weights();
    var second = new Din(p).train(small, FitListener.NONE).weights();
    for (String name : first.names()) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(first.tensor(name).values(), second.tensor(name).values(),
          name + " (seed " + SEED + ")");
    }
  }

  /** Each test impression scored by its item's positive rate in training (add-one smoothed). */
  private static float[] popularity() {
    int[] pos = new int[data.numItems()];
    int[] all = new int[data.numItems()];
    CtrDataset.Part train = data.train();
    for (int k = 0; k < train.size(); k++) {
      all[train.item()[k]]++;
      if (train.label()[k]) pos[train.item()[k]]++;
    }
    float[] s = new float[data.test().size()];
    for (int k = 0; k < s.length; k++) {
      int i = data.test().item()[k];
      s[k] = (pos[i] + 1f) / (all[i] + 2f);
    }
    return s;
  }

  private static CtrTraining.Scores testScores(DinModel model) {
    CtrDataset.Part test = data.test();
    float[] p = new float[test.size()];
    for (int k = 0; k < p.length; k++) {
      int u = test.user()[k];
      p[k] = model.probability(u, data.userFields(u), test.item()[k],
          data.history(u, test.historyEnd()[k], options.maxHistory()));
    }
    return CtrTraining.score(p, test);
  }
}
