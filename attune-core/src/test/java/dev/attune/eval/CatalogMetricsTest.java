package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.ItemFeatures;
import dev.attune.events.Item;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogMetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void giniIsZeroForUniformCounts() {
    assertEquals(0, CatalogMetrics.gini(new int[] {5, 5, 5, 5}), EPS);
  }

  @Test
  void giniIsNearOneWhenOneItemTakesEverySlot() {
    // Sorted counts 0, 0, 0, 12: only i = 4 contributes (2*4 - 4 - 1) * 12 = 36; 36 / (4 * 12) = 3/4 = (n-1)/n.
    assertEquals(0.75, CatalogMetrics.gini(new int[] {0, 12, 0, 0}), EPS);
    int[] big = new int[1000];
    big[17] = 50;
    assertEquals(0.999, CatalogMetrics.gini(big), EPS);
    assertTrue(Double.isNaN(CatalogMetrics.gini(new int[3])));
  }

  @Test
  void giniMatchesHandComputedValue() {
    // Sorted 0, 0, 1, 1, 3, 3 (total 8) with weights -5, -3, -1, 1, 3, 5: -1 + 1 + 9 + 15 = 24; 24 / (6 * 8) = 0.5.
    assertEquals(0.5, CatalogMetrics.gini(new int[] {3, 0, 1, 3, 0, 1}), EPS);
  }

  @Test
  void coverageCountsItemsRecommendedAtLeastOnce() {
    assertEquals(0.5, CatalogMetrics.coverage(new int[] {0, 2, 1, 0}), EPS);
  }

  @Test
  void noveltyAveragesSelfInformationOverSlots() {
    // 4 training users; item 0 has 2 users (p = 1/2, 1 bit), item 1 has 1 (p = 1/4, 2 bits).
    // Item 0 recommended 3 times, item 1 once: (3 * 1 + 1 * 2) / 4 = 1.25 bits.
    assertEquals(1.25, CatalogMetrics.novelty(new int[] {3, 1, 0}, new int[] {2, 1, 4}, 4), EPS);
    // An item no training user touched counts as one user: -log2(1/4) = 2.
    assertEquals(2, CatalogMetrics.selfInformation(0, 4), EPS);
  }

  @Test
  void intraListDiversityAveragesOneMinusCosineOverPairs() {
    ItemFeatures features = ItemFeatures.of(List.of(
        item("a", "rock"), item("b", "rock"), item("c", "jazz"), bare("d")));
    // Pairs of [a, b, c]: (a, b) cosine 1 -> 0; (a, c) -> 1; (b, c) -> 1. Mean 2/3.
    assertEquals(2.0 / 3, CatalogMetrics.intraListDiversity(new int[] {0, 1, 2}, 3, features), 1e-6);
    // An item without features is maximally different from everything.
    assertEquals(1, CatalogMetrics.intraListDiversity(new int[] {0, 3}, 2, features), 1e-6);
    assertTrue(Double.isNaN(CatalogMetrics.intraListDiversity(new int[] {0}, 1, features)));
  }

  private static Item item(String id, String category) {
    return new Item(id, "s", null, null, null, List.of(category), List.of(), Float.NaN, Item.UNKNOWN_TIME, null,
        Map.of());
  }

  private static Item bare(String id) {
    return Item.bare(id, "s");
  }
}
