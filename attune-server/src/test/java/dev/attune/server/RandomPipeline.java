package dev.attune.server;

import dev.attune.infer.FusionRanker;
import dev.attune.infer.TwoStageModel;
import dev.attune.infer.WeightFile;
import java.util.SplittableRandom;

/**
 * A two-stage model's weight file with seeded random fusion-ranker weights, for tests of serving a pipeline without
 * a training engine: the four default retrievers, the transitions as base ranker, 20 candidates each, 4 hidden units.
 */
final class RandomPipeline {
  private RandomPipeline() {}

  static WeightFile weights(long seed) {
    int retrievers = TwoStageModel.DEFAULT_RETRIEVERS.size();
    int hidden = 4;
    int d = FusionRanker.numFeatures(retrievers, 1);
    SplittableRandom random = new SplittableRandom(seed);
    float[] hiddenWeight = new float[hidden * d];
    float[] hiddenBias = new float[hidden];
    float[] outputWeight = new float[hidden];
    float[] linearWeight = new float[d];
    for (float[] a : new float[][] {hiddenWeight, hiddenBias, outputWeight, linearWeight}) {
      for (int i = 0; i < a.length; i++) a[i] = (float) random.nextGaussian() * 0.5f;
    }
    return TwoStageModel.describe(FusionRanker.weights(retrievers, 1, 20, hidden, hiddenWeight, hiddenBias,
        outputWeight, linearWeight), TwoStageModel.DEFAULT_RETRIEVERS, seed);
  }
}
