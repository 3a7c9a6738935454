package dev.attune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attune.events.Item;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ItemFeaturesTest {
  private static Item item(String id, List<String> categories, String creator, Map<String, String> attributes) {
    return new Item(id, "movies", null, creator, null, categories, List.of(), Float.NaN, Item.UNKNOWN_TIME, null,
        attributes);
  }

  /**
   * Review: a feature only one item has (its url, an artist as their own creator) made two movies of equal genres
   * cosine 0.5, not 1, inflating Diversity@k; similarity reads only the features two or more items share.
   */
  @Test
  void cosineReadsOnlyFeaturesTwoOrMoreItemsShare() {
    ItemFeatures f = ItemFeatures.of(List.of(
        item("a", List.of("Drama", "War"), "a", Map.of("url", "http://a")),
        item("b", List.of("Drama", "War"), "b", Map.of("url", "http://b")),
        item("c", List.of("Drama"), null, Map.of()),
        item("d", List.of(), "d", Map.of("url", "http://d"))));
    assertEquals(1f, f.cosine(0, 1), 1e-6f, "equal genres, their own urls and names aside");
    assertEquals((float) (1 / Math.sqrt(2)), f.cosine(0, 2), 1e-6f);
    assertEquals(0f, f.cosine(0, 3), "d shares nothing with anyone: no features to compare");
    assertEquals(8, f.featuresOf(0).length + f.featuresOf(1).length, "training still reads every feature");
  }

  /** Review: features were numbered in a map's order, which differs from one run to the next. */
  @Test
  void attributesAreNumberedByName() {
    Map<String, String> attributes = new HashMap<>();
    for (String k : List.of("zeta", "alpha", "mid", "beta", "omega")) attributes.put(k, "x");
    ItemFeatures f = ItemFeatures.of(List.of(item("a", List.of(), null, Map.copyOf(attributes))));
    assertEquals(List.of("attr:alpha=x", "attr:beta=x", "attr:mid=x", "attr:omega=x", "attr:zeta=x"),
        f.featureNames().ids());
  }
}
