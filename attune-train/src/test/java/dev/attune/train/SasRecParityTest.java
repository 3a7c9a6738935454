package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.events.EventWeights;
import dev.attune.infer.Bert4RecModel;
import dev.attune.infer.SasRecModel;
import dev.attune.infer.SequentialModel;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.synth.MusicPlatformGenerator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Holds training and inference together: the DJL forward pass ({@link SasRec.Network#scores}) and the
 * pure-Java {@link SasRecModel#scoreAll} agree within 1e-4 on the exported weights, for random histories
 * (empty, one step, short, longer than the window), with and without types and attributes; and the same for the
 * bidirectional network that {@link Bert4Rec} trains and {@link Bert4RecModel} serves.
 */
class SasRecParityTest {
  private static final long SEED = 5L;
  private static final double TOLERANCE = 1e-4;

  private static TrainingSet train() {
    var data = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL.withUsers(80)).dataset();
    return Splits.leaveOneOut(data, EventWeights.defaults()).testing().train();
  }

  @Test
  void djlAndJavaScoresAgree() {
    TrainingSet train = train();
    SasRec.Params p = new SasRec.Params(32, 2, 2, false, new SequenceTraining.Options(12, 0.2f, 5e-3f, 32, 1,
        SequenceTraining.Loss.BCE, 1, false, SEED, 2, 0, 1));
    compare(train, new SasRec(p).train(train, SequenceTraining.Run.NONE, FitListener.NONE), false);
  }

  @Test
  void djlAndJavaScoresAgreeWithTypesAndAttributes() {
    TrainingSet train = train();
    SasRec.Params p = new SasRec.Params(16, 1, 4, true, new SequenceTraining.Options(8, 0.2f, 5e-3f, 32, 1,
        SequenceTraining.Loss.SAMPLED_SOFTMAX, 5, true, SEED, 2, 0, 1));
    compare(train, new SasRec(p).train(train, SequenceTraining.Run.NONE, FitListener.NONE), true);
  }

  @Test
  void bert4RecDjlAndJavaScoresAgree() {
    TrainingSet train = train();
    Bert4Rec.Params p = new Bert4Rec.Params(32, 2, 2, false, 0.3f, 0.1f, new SequenceTraining.Options(12, 0.2f, 5e-3f, 32,
        2, SequenceTraining.Loss.FULL_CE, 1, false, SEED, 2, 0, 1));
    compare(train, new Bert4Rec(p).train(train, SequenceTraining.Run.NONE, FitListener.NONE), false);
  }

  @Test
  void bert4RecDjlAndJavaScoresAgreeWithAttributes() {
    TrainingSet train = train();
    Bert4Rec.Params p = new Bert4Rec.Params(16, 1, 4, true, 0.5f, 0f, new SequenceTraining.Options(8, 0.2f, 5e-3f, 32, 1,
        SequenceTraining.Loss.SAMPLED_SOFTMAX, 5, false, SEED, 2, 0, 1));
    compare(train, new Bert4Rec(p).train(train, SequenceTraining.Run.NONE, FitListener.NONE), false);
  }

  private static void compare(TrainingSet train, WeightFile weights, boolean types) {
    SequentialModel model = SequentialModels.fromWeights(weights, train);
    int n = train.numItems();
    int numTypes = types ? Integer.parseInt(weights.property("numTypes")) : 0;
    SplittableRandom random = new SplittableRandom(SEED);
    float[] java = new float[n];
    double worst = 0;
    try (SasRec.Network net = SasRec.Network.fromWeights(weights)) {
      for (int c = 0; c < 12; c++) {
        int len = c == 0 ? 0 : c == 1 ? 1 : 1 + random.nextInt(c < 6 ? 6 : 30);
        int[] history = new int[len];
        int[] stepTypes = types ? new int[len] : null;
        for (int j = 0; j < len; j++) {
          history[j] = random.nextInt(n);
          if (types) stepTypes[j] = random.nextInt(numTypes);
        }
        float[] djl = net.scores(history, stepTypes);
        model.scoreAll(history, stepTypes, java);
        assertEquals(n, djl.length);
        for (int i = 0; i < n; i++) {
          double diff = Math.abs(djl[i] - java[i]);
          worst = Math.max(worst, diff);
          assertTrue(diff <= TOLERANCE, "history " + c + " item " + i + ": DJL " + djl[i] + " vs Java " + java[i]
              + " (seed " + SEED + ")");
        }
      }
    }
    System.out.println(model.name() + " parity: max |DJL - Java| = " + worst);
  }
}
