package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.attune.data.CtrDataset;
import dev.attune.infer.DinModel;
import dev.attune.infer.WeightFile;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * #4 holds training and inference together: the DJL forward pass ({@link Din.Network#predict}) and the pure-Java
 * {@link DinModel#score} agree within 1e-4 on probabilities and attention weights, for impressions with empty,
 * short and full histories, on a randomly initialised network (random weights exercise every term; trained ones
 * might leave some near zero).
 */
class DinParityTest {
  private static final long SEED = 3L;
  private static final double TOLERANCE = 1e-4;

  @Test
  void djlAndJavaProbabilitiesAndWeightsAgree() {
    CtrDataset data = PlantedCtr.generate(30, 6, 2, 3, 10, 0.1, SEED);
    int slots = CtrBatch.slotsFor(data);
    Din.Network.Config config = new Din.Network.Config(data.numUsers(), data.numAttributeValues(),
        data.numUserFields(), data.numItems(), data.numCategories(), slots, 4, 6, new int[] {10, 5}, 5);
    try (Din.Network net = new Din.Network(config, DataType.FLOAT32, SEED, null)) {
      // Random biases and a non-zero padding row, so no term is trivially zero.
      WeightFile w = net.toWeights();
      SplittableRandom r = new SplittableRandom(SEED);
      for (String name : w.names()) {
        float[] v = w.tensor(name).values();
        for (int k = 0; k < v.length; k++) v[k] += (float) (0.3 * r.nextGaussian());
      }
      CtrInputs.putItemCategories(w, data, slots);
      try (Din.Network djl = Din.Network.fromWeights(w)) {
        DinModel java = DinModel.fromWeights(w);
        CtrDataset.Part part = data.train();
        int[] rows = new int[part.size()];
        for (int k = 0; k < rows.length; k++) rows[k] = k;
        CtrBatch batch = CtrBatch.of(data, part, rows, config.maxHistory(), slots);
        float[] p = djl.predict(batch);
        float[] a = djl.lastAttentionWeights();
        double worst = 0;
        int withHistory = 0;
        int full = 0;
        for (int k = 0; k < rows.length; k++) {
          int u = part.user()[k];
          int[] history = data.history(u, part.historyEnd()[k], config.maxHistory());
          DinModel.Scored s = java.score(u, data.userFields(u), new int[] {part.item()[k]}, history, true);
          double diff = Math.abs(s.probabilities()[0] - p[k]);
          worst = Math.max(worst, diff);
          assertTrue(diff <= TOLERANCE, "impression " + k + ": DJL " + p[k] + " vs Java " + s.probabilities()[0]);
          float[] weights = s.attention()[0];
          assertEquals(history.length, weights.length);
          for (int j = 0; j < weights.length; j++) {
            float djlWeight = a[k * config.maxHistory() + config.maxHistory() - weights.length + j];
            assertEquals(djlWeight, weights[j], TOLERANCE, "attention of impression " + k + " at " + j);
          }
          if (history.length > 0) withHistory++;
          if (history.length == config.maxHistory()) full++;
        }
        assertTrue(withHistory > 0 && withHistory < rows.length && full > 0, "empty, short and full histories");
        System.out.println("DIN parity: max |DJL - Java| probability = " + worst);
      }
    }
  }
}
