package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricTest {
  @Test
  void labelsNameKindAndCutOff() {
    assertEquals("HR@10", Metric.at(Metric.Kind.HIT_RATE, 10).label());
    assertEquals("NDCG@10", Metric.at(Metric.Kind.NDCG, 10).label());
    assertEquals("Recall@20", Metric.at(Metric.Kind.RECALL, 20).label());
    assertEquals("Precision@10", Metric.at(Metric.Kind.PRECISION, 10).label());
    assertEquals("F1@10", Metric.at(Metric.Kind.F1, 10).label());
    assertEquals("MAP@10", Metric.at(Metric.Kind.MAP, 10).label());
    assertEquals("MRR", new Metric(Metric.Kind.MRR, 20, 0).label());
    assertEquals("AUC", Metric.of(Metric.Kind.AUC).label());
    assertEquals("Coverage@10", Metric.at(Metric.Kind.COVERAGE, 10).label());
  }

  @Test
  void sampledMetricsCarryTheirProtocolInTheLabel() {
    Metric sampled = Metric.sampled(Metric.Kind.HIT_RATE, 10, 100);
    assertEquals("HR@10 (sampled, 100 negatives)", sampled.label());
    assertTrue(sampled.isSampled());
    assertFalse(Metric.at(Metric.Kind.HIT_RATE, 10).isSampled());
    assertNotEquals(Metric.at(Metric.Kind.HIT_RATE, 10).label(), sampled.label());
  }

  @Test
  void rejectsInvalidCombinations() {
    assertThrows(IllegalArgumentException.class, () -> Metric.at(Metric.Kind.NDCG, 0));
    assertThrows(IllegalArgumentException.class, () -> Metric.sampled(Metric.Kind.COVERAGE, 10, 100));
    assertThrows(IllegalArgumentException.class, () -> Metric.sampled(Metric.Kind.HIT_RATE, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> new Metric(null, 1, 0));
  }
}
