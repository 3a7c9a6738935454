package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.attune.data.Interactions;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * #5 holds training and serving together: the DJL forward pass ({@link SceneTransfer.Network#score}) and the
 * pure-Java {@link SceneTransferModel} agree within 1e-4 on scores and attention weights, for empty, one-item and
 * long histories mixing both scenes, for either scene as the target, on a randomly initialised network with
 * random biases (trained weights might leave some terms near zero).
 */
class SceneTransferParityTest {
  private static final long SEED = 5L;
  private static final double TOLERANCE = 1e-4;

  @Test
  void djlAndJavaScoresAndAttentionAgreeForEitherTargetScene() {
    int numItems = 30;
    int[] itemScenes = new int[numItems];
    for (int i = 0; i < numItems; i++) itemScenes[i] = i % 3 == 0 ? 1 : 0;
    try (SceneTransfer.Network net = new SceneTransfer.Network(numItems, 2, 8, 3, DataType.FLOAT32, SEED, null)) {
      WeightFile w = net.toWeights(List.of("books", "music"), itemScenes);
      SplittableRandom r = new SplittableRandom(SEED);
      for (String name : w.names()) {
        if (name.equals("item_scenes")) continue;
        float[] v = w.tensor(name).values();
        for (int k = 0; k < v.length; k++) v[k] += (float) (0.3 * r.nextGaussian());
      }
      int[][] histories = {{}, {4}, {1, 2, 3, 5, 6, 7, 9, 10, 12, 20, 29}, {0, 3, 6}};
      Interactions empty = Interactions.fromTriples(1, numItems, new int[0], new int[0], new float[0]);
      try (SceneTransfer.Network djl = SceneTransfer.Network.fromWeights(w)) {
        for (String scene : List.of("books", "music")) {
          SceneTransferModel served = SceneTransferModel.fromWeights(w, empty, scene);
          int s = scene.equals("books") ? 0 : 1;
          int[] candidates = java.util.stream.IntStream.range(0, numItems).filter(i -> itemScenes[i] == s).toArray();
          float[] expected = djl.score(histories, itemScenes, s, candidates);
          float[] attention = djl.lastAttentionWeights(); // [B, M, L]
          int longest = histories[2].length;
          for (int b = 0; b < histories.length; b++) {
            float[] actual = served.transferScore(histories[b], candidates);
            for (int c = 0; c < candidates.length; c++) {
              assertEquals(expected[b * candidates.length + c], actual[c], TOLERANCE,
                  scene + " history " + b + " item " + candidates[c]);
              SceneTransferModel.Attention a = served.attend(histories[b], candidates[c]);
              float sum = a.bias();
              for (int j = 0; j < histories[b].length; j++) {
                assertEquals(attention[(b * candidates.length + c) * longest + j], a.weights()[j], TOLERANCE);
                sum += a.contributions()[j];
              }
              assertEquals(a.score(), sum, 1e-4, "contributions add up to the score");
            }
          }
          assertTrue(Math.abs(expected[candidates.length] - expected[0]) > 1e-3, "history changes the scores");
        }
      }
    }
  }
}
