package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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

  /** Two items' equal names are one instance in the catalogue (each held its own copies: a heap measurement). */
  @Test
  void itemsShareTheirNames() {
    Catalog catalog = new Catalog();
    catalog.put(new Store.StoredItem(new Item("a", new String("music"), null, new String("band"), null,
        List.of(new String("rock")), List.of(new String("loud")), Float.NaN, Item.UNKNOWN_TIME, null, Map.of()), false,
        0L));
    catalog.putIfAbsent(new Store.StoredItem(new Item("b", new String("music"), null, new String("band"), null,
        List.of(new String("rock")), List.of(new String("loud")), Float.NaN, Item.UNKNOWN_TIME, null, Map.of()), false,
        0L));
    catalog.putIfAbsent("c", new String("music"), 0L);
    Item a = catalog.get("a").item();
    Item b = catalog.get("b").item();
    assertSame(a.scene(), b.scene());
    assertSame(a.scene(), catalog.get("c").item().scene());
    assertSame(a.creator(), b.creator());
    assertSame(a.categories().get(0), b.categories().get(0));
    assertSame(a.tags().get(0), b.tags().get(0));
    assertEquals(List.of("rock"), b.categories(), "the same names");
    // a tag no item has any more is let go: free-form tags sent anew must not pile up
    catalog.remove("a");
    catalog.remove("b");
    catalog.put(new Store.StoredItem(new Item("d", "music", null, null, null, List.of(), List.of(new String("loud")),
        Float.NaN, Item.UNKNOWN_TIME, null, Map.of()), false, 0L));
    org.junit.jupiter.api.Assertions.assertNotSame(a.tags().get(0), catalog.get("d").item().tags().get(0));
  }
}
