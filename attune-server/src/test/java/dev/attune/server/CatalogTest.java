package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attune.events.Item;
import dev.attune.store.Store;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogTest {
  private static Store.StoredItem tagged(String id, String... tags) {
    return new Store.StoredItem(new Item(id, "shop", null, null, null, List.of(), List.of(tags), Float.NaN,
        Item.UNKNOWN_TIME, null, Map.of()), false, 0L);
  }

  /** A tag's weight follows the items that have it as they enter, change and leave. */
  @Test
  void aTagsWeightIsItsInverseDocumentFrequencyAsItemsComeAndGo() {
    Catalog catalog = new Catalog();
    catalog.put(tagged("a", "common", "rare"));
    catalog.put(tagged("b", "common"));
    catalog.put(tagged("c", "common", "common")); // a tag twice on one item counts once
    catalog.put(tagged("d"));
    assertEquals(Math.log(4 / 3.0), catalog.tagWeight("common"), 1e-12);
    assertEquals(Math.log(4), catalog.tagWeight("rare"), 1e-12);
    assertEquals(0, catalog.tagWeight("unknown"));
    catalog.put(tagged("a", "common")); // re-tagged: "rare" is on no item now
    assertEquals(0, catalog.tagWeight("rare"));
    catalog.remove("d");
    assertEquals(0, catalog.tagWeight("common"), 1e-12, "on every item: tells nothing");
    catalog.remove("c");
    catalog.remove("missing");
    assertEquals(Math.log(1), catalog.tagWeight("common"), 1e-12);
  }
}
