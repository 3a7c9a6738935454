package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.events.EventWeights;
import dev.attune.infer.GruAttentionModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.synth.MusicPlatformGenerator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Holds training and inference together: the DJL forward pass ({@link GruAttention.Network#scores}) and the
 * pure-Java {@link GruAttentionModel#scoreAll} agree within 1e-4 on the exported weights, for random histories
 * (empty, one step, short, longer than the window), with and without event types.
 */
class GruAttentionParityTest {
  private static final long SEED = 5L;
  private static final double TOLERANCE = 1e-4;

  private static TrainingSet train() {
    var data = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL.withUsers(80)).dataset();
    return Splits.leaveOneOut(data, EventWeights.defaults()).testing().train();
  }

  private static GruAttention.Params params(int d, int h, int t, boolean types, SequenceTraining.Loss loss) {
    return new GruAttention.Params(d, h, new SequenceTraining.Options(t, 0.2f, 5e-3f, 32, 1, loss, 5, types, SEED, 2,
        0, 1));
  }

  @Test
  void djlAndJavaScoresAgree() {
    TrainingSet train = train();
    WeightFile w = new GruAttention(params(32, 24, 12, false, SequenceTraining.Loss.FULL_CE))
        .train(train, SequenceTraining.Run.NONE, FitListener.NONE);
    compare(train, w, false);
  }

  @Test
  void djlAndJavaScoresAgreeWithTypes() {
    TrainingSet train = train();
    WeightFile w = new GruAttention(params(16, 20, 8, true, SequenceTraining.Loss.SAMPLED_SOFTMAX))
        .train(train, SequenceTraining.Run.NONE, FitListener.NONE);
    compare(train, w, true);
  }

  @Test
  void djlAndJavaScoresAgreeOnLargeWeights() {
    // One epoch leaves the scores close together; noise of the size of the weights themselves drives the gates
    // and the attention into saturation and spreads the scores over several units, a harder test of agreement.
    TrainingSet train = train();
    WeightFile trained = new GruAttention(params(16, 20, 10, true, SequenceTraining.Loss.FULL_CE))
        .train(train, SequenceTraining.Run.NONE, FitListener.NONE);
    WeightFile noisy = new WeightFile();
    trained.properties().forEach(noisy::property);
    SplittableRandom random = new SplittableRandom(SEED + 1);
    for (String name : trained.names()) {
      WeightFile.Tensor t = trained.tensor(name);
      float[] v = t.values().clone();
      int from = name.equals("item_embedding") ? t.dim(1) : 0; // padding row stays zero
      for (int k = from; k < v.length; k++) v[k] += (float) (random.nextGaussian() * 0.7);
      noisy.put(name, t.shape(), v);
    }
    assertTrue(compare(train, noisy, true) > 5, "large weights spread the scores");
  }

  /** Compares, asserts, and returns the largest spread (max − min) of one history's scores. */
  private static double compare(TrainingSet train, WeightFile weights, boolean types) {
    GruAttentionModel model = GruAttentionModel.fromWeights(weights, train);
    int n = train.numItems();
    int t = Integer.parseInt(weights.property("maxLength"));
    int numTypes = types ? Integer.parseInt(weights.property("numTypes")) : 0;
    SplittableRandom random = new SplittableRandom(SEED);
    float[] java = new float[n];
    double worst = 0;
    double spread = 0;
    try (GruAttention.Network net = GruAttention.Network.fromWeights(weights)) {
      int[] lengths = {0, 1, 1, 2, 5, t - 1, t, t + 1, 3 * t, 2, 7, 40};
      for (int c = 0; c < lengths.length; c++) {
        int len = lengths[c];
        int[] history = new int[len];
        // With types, every other case still passes none: both sides then leave the type term out.
        int[] stepTypes = types && c % 2 == 0 ? new int[len] : null;
        for (int j = 0; j < len; j++) {
          history[j] = random.nextInt(n);
          if (stepTypes != null) stepTypes[j] = random.nextInt(numTypes);
        }
        float[] djl = net.scores(history, stepTypes);
        model.scoreAll(history, stepTypes, java);
        assertEquals(n, djl.length);
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
          double diff = Math.abs(djl[i] - java[i]);
          worst = Math.max(worst, diff);
          min = Math.min(min, java[i]);
          max = Math.max(max, java[i]);
          assertTrue(diff <= TOLERANCE, "history " + c + " (length " + len + ") item " + i + ": DJL " + djl[i]
              + " vs Java " + java[i] + " (seed " + SEED + ")");
        }
        spread = Math.max(spread, max - min);
      }
    }
    // Scores that are all equal would make agreement meaningless.
    assertTrue(spread > 0.01, "scores vary across items: spread " + spread);
    System.out.println("GruAttention parity" + (types ? " with types" : "") + ": max |DJL - Java| = " + worst
        + ", largest score spread " + spread);
    return spread;
  }
}
