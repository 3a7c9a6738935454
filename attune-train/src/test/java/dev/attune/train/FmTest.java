package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.attune.data.CtrDataset;
import dev.attune.infer.WeightFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * #4 the FM's O(k·m) pairwise term equals the definition w0 + Σ_i w_i x_i + Σ_{i&lt;j} ⟨v_i, v_j⟩ x_i x_j summed
 * pair by pair over the active features of each impression.
 */
class FmTest {
  private static final long SEED = 9L;

  @Test
  void logitsEqualTheFactorisationMachineDefinition() {
    CtrDataset data = PlantedCtr.generate(20, 5, 2, 3, 8, 0.1, SEED);
    int slots = CtrBatch.slotsFor(data);
    Map<String, String> properties = Map.of("model", Fm.MODEL_KIND, "numUsers", "" + data.numUsers(),
        "numAttributeValues", "" + data.numAttributeValues(), "numFields", "" + data.numUserFields(), "numItems",
        "" + data.numItems(), "numCategories", "" + data.numCategories(), "dim", "3", "maxHistory", "4");
    java.util.SplittableRandom r = new java.util.SplittableRandom(SEED);
    try (Fm.Network base = new Fm.Network(properties, DataType.FLOAT64, SEED, null)) {
      WeightFile w = base.toWeights();
      for (String name : w.names()) {
        float[] v = w.tensor(name).values();
        for (int k = 0; k < v.length; k++) v[k] += (float) (0.5 * r.nextGaussian()); // biases too
      }
      try (Fm.Network net = new Fm.Network(properties, DataType.FLOAT64, 0L, name -> w.tensor(name).values())) {
        CtrDataset.Part part = data.train();
        int[] rows = new int[part.size()];
        for (int k = 0; k < rows.length; k++) rows[k] = k;
        CtrBatch b = CtrBatch.of(data, part, rows, 4, slots);
        double[] logits;
        try (NDManager scope = net.manager().newSubManager()) {
          net.parameters().attachTo(scope);
          logits = net.logits(scope, b, false).toDoubleArray();
        }
        for (int k = 0; k < rows.length; k++) {
          List<float[]> v = new ArrayList<>();
          List<Float> bias = new ArrayList<>();
          List<Double> x = new ArrayList<>();
          add(w, "user", (int) b.user[k], 1, v, bias, x);
          for (int f = 0; f < b.fields; f++) add(w, "attribute", (int) b.userFields[k * b.fields + f], 1, v, bias, x);
          add(w, "item", (int) b.item[k], 1, v, bias, x);
          for (int s = 0; s < slots; s++) {
            add(w, "category", (int) b.itemCategories[k * slots + s], b.itemCategoryWeights[k * slots + s], v, bias, x);
          }
          for (int j = 0; j < b.length; j++) {
            add(w, "item", (int) b.history[k * b.length + j], b.historyMeanWeights[k * b.length + j], v, bias, x);
          }
          double expected = w.tensor("bias").values()[0];
          for (int i = 0; i < v.size(); i++) {
            expected += bias.get(i) * x.get(i);
            for (int j = i + 1; j < v.size(); j++) {
              double dot = 0;
              for (int f = 0; f < 3; f++) dot += v.get(i)[f] * v.get(j)[f];
              expected += dot * x.get(i) * x.get(j);
            }
          }
          assertEquals(expected, logits[k], 1e-5, "impression " + k + " (seed " + SEED + ")");
        }
      }
    }
  }

  /** The weight file lists the properties in the order given, not Map.copyOf's per-JVM one: same seed, same bytes. */
  @Test
  void theWeightFileKeepsThePropertiesInTheirOrder() {
    CtrDataset data = PlantedCtr.generate(20, 5, 2, 3, 8, 0.1, SEED);
    Map<String, String> properties = new java.util.LinkedHashMap<>();
    properties.put("model", Fm.MODEL_KIND);
    properties.put("numUsers", "" + data.numUsers());
    properties.put("numAttributeValues", "" + data.numAttributeValues());
    properties.put("numFields", "" + data.numUserFields());
    properties.put("numItems", "" + data.numItems());
    properties.put("numCategories", "" + data.numCategories());
    properties.put("dim", "3");
    properties.put("maxHistory", "4");
    try (Fm.Network net = new Fm.Network(properties, DataType.FLOAT32, SEED, null)) {
      assertEquals(List.copyOf(properties.keySet()), List.copyOf(net.toWeights().properties().keySet()));
    }
  }

  private static void add(WeightFile w, String table, int row, double value, List<float[]> v, List<Float> bias,
      List<Double> x) {
    float[] e = w.tensor(table + "_embedding").values();
    v.add(java.util.Arrays.copyOfRange(e, row * 3, row * 3 + 3));
    bias.add(w.tensor(table + "_bias").values()[row]);
    x.add(value);
  }

  /**
   * QA: with no validation user holding both labels, GAUC is NaN every epoch, and early stopping compared NaN: it
   * stopped after `patience` epochs, keeping the last. It falls back to AUC, then to log-loss.
   */
  @Test
  void earlyStoppingFallsBackWhenGaucOrAucIsUndefined() {
    assertEquals(0.7, CtrTraining.stoppingScore(new CtrTraining.Scores(0.6, 0.7, 0.5)));
    assertEquals(0.6, CtrTraining.stoppingScore(new CtrTraining.Scores(0.6, Double.NaN, 0.5)));
    assertEquals(-0.5, CtrTraining.stoppingScore(new CtrTraining.Scores(Double.NaN, Double.NaN, 0.5)));
  }
}
