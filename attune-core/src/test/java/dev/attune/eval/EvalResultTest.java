package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvalResultTest {
  private static EvalResult sample() {
    Map<Metric, double[]> perUser = new LinkedHashMap<>();
    perUser.put(Metric.at(Metric.Kind.NDCG, 10), new double[] {1, 0, 0.5});
    perUser.put(Metric.of(Metric.Kind.AUC), new double[] {0.5, Double.NaN, 1});
    Map<Metric, Double> aggregates = new LinkedHashMap<>();
    aggregates.put(Metric.at(Metric.Kind.COVERAGE, 10), 0.25);
    aggregates.put(Metric.at(Metric.Kind.DIVERSITY, 10), Double.NaN);
    return new EvalResult("Model", "leave-one-out", new int[] {2, 5, 9}, perUser, aggregates, 1.5, Double.NaN);
  }

  @Test
  void meansSkipNaNUsers() {
    EvalResult r = sample();
    assertEquals(0.5, r.mean("NDCG@10"), 1e-12); // (1 + 0 + 0.5) / 3
    assertEquals(0.75, r.mean("AUC"), 1e-12); // (0.5 + 1) / 2, the NaN user skipped
    assertEquals(0.25, r.mean("Coverage@10"));
    assertArrayEquals(new int[] {2, 5, 9}, r.evaluatedUsers());
    assertArrayEquals(new double[] {1, 0, 0.5}, r.perUser("NDCG@10"));
    assertEquals(List.of("NDCG@10", "AUC", "Coverage@10", "Diversity@10"),
        r.metrics().stream().map(Metric::label).toList());
  }

  @Test
  void aggregatesHaveNoPerUserValuesAndUnknownLabelsThrow() {
    EvalResult r = sample();
    assertThrows(IllegalArgumentException.class, () -> r.perUser("Coverage@10"));
    assertThrows(IllegalArgumentException.class, () -> r.mean("HR@10"));
  }

  @Test
  void toMapIsPlainAndHasNoNaN() {
    Map<String, Object> m = sample().withTrainSeconds(3.0).toMap();
    assertEquals("Model", m.get("model"));
    assertEquals(3, m.get("users"));
    assertEquals(3.0, m.get("trainSeconds"));
    assertTrue(m instanceof LinkedHashMap);
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics = (Map<String, Object>) m.get("metrics");
    assertEquals(0.5, (Double) metrics.get("NDCG@10"), 1e-12);
    assertTrue(metrics.containsKey("Diversity@10"));
    assertNull(metrics.get("Diversity@10"));
    assertNull(sample().toMap().get("trainSeconds"));
  }

  @Test
  void toMapSerialisesToJson() throws Exception {
    String json = new ObjectMapper().writeValueAsString(sample().toMap());
    assertTrue(json.startsWith("{\"model\":\"Model\",\"protocol\":\"leave-one-out\",\"users\":3,"), json);
    assertTrue(json.contains("\"NDCG@10\":0.5"), json);
    assertTrue(json.contains("\"Diversity@10\":null"), json);
  }

  @Test
  void rejectsMisalignedArrays() {
    Map<Metric, double[]> perUser = Map.of(Metric.at(Metric.Kind.NDCG, 10), new double[] {1});
    assertThrows(IllegalArgumentException.class,
        () -> new EvalResult("M", "p", new int[] {1, 2}, perUser, Map.of(), 0, Double.NaN));
    assertThrows(IllegalArgumentException.class,
        () -> new EvalResult("M", "p", new int[] {2, 1}, Map.of(), Map.of(), 0, Double.NaN));
  }
}
