package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.events.EventWeights;
import dev.attune.infer.Bert4RecModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.synth.MusicPlatformGenerator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Holds BERT4Rec's training and inference together: the DJL forward pass ({@link SasRec.Network#scores} of the
 * bidirectional network) and the pure-Java {@link Bert4RecModel#scoreAll} agree within 1e-4 on the exported
 * weights, for random histories (empty, one step, short, longer than the window), with and without attributes.
 */
class Bert4RecParityTest {
  private static final long SEED = 5L;
  private static final double TOLERANCE = 1e-4;

  private static TrainingSet train() {
    var data = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL.withUsers(80)).dataset();
    return Splits.leaveOneOut(data, EventWeights.defaults()).testing().train();
  }

  @Test
  void djlAndJavaScoresAgree() {
    TrainingSet train = train();
    Bert4Rec.Params p = new Bert4Rec.Params(32, 2, 2, false, 0.3f, new SequenceTraining.Options(12, 0.2f, 5e-3f, 32,
        2, SequenceTraining.Loss.FULL_CE, 1, false, SEED, 2, 0, 1));
    compare(train, new Bert4Rec(p).train(train, SequenceTraining.Run.NONE, FitListener.NONE));
  }

  @Test
  void djlAndJavaScoresAgreeWithAttributes() {
    TrainingSet train = train();
    Bert4Rec.Params p = new Bert4Rec.Params(16, 1, 4, true, 0.5f, new SequenceTraining.Options(8, 0.2f, 5e-3f, 32, 1,
        SequenceTraining.Loss.SAMPLED_SOFTMAX, 5, false, SEED, 2, 0, 1));
    compare(train, new Bert4Rec(p).train(train, SequenceTraining.Run.NONE, FitListener.NONE));
  }

  private static void compare(TrainingSet train, WeightFile weights) {
    Bert4RecModel model = Bert4RecModel.fromWeights(weights, train);
    int n = train.numItems();
    SplittableRandom random = new SplittableRandom(SEED);
    float[] java = new float[n];
    double worst = 0;
    try (SasRec.Network net = SasRec.Network.fromWeights(weights)) {
      for (int c = 0; c < 12; c++) {
        int len = c == 0 ? 0 : c == 1 ? 1 : 1 + random.nextInt(c < 6 ? 6 : 30);
        int[] history = new int[len];
        for (int j = 0; j < len; j++) history[j] = random.nextInt(n);
        float[] djl = net.scores(history, null);
        model.scoreAll(history, null, java);
        assertEquals(n, djl.length);
        for (int i = 0; i < n; i++) {
          double diff = Math.abs(djl[i] - java[i]);
          worst = Math.max(worst, diff);
          assertTrue(diff <= TOLERANCE, "history " + c + " (length " + len + ") item " + i + ": DJL " + djl[i]
              + " vs Java " + java[i] + " (seed " + SEED + ")");
        }
      }
    }
    System.out.println("Bert4Rec parity: max |DJL - Java| = " + worst);
  }
}
