package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Item;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutsideItemsTest {
  private static Item item(String id, long releaseTime, String creator, String... categories) {
    return new Item(id, "news", null, creator, null, List.of(categories), List.of(), Float.NaN, releaseTime, null,
        Map.of());
  }

  private static List<String> all(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void readsNewestReleaseFirstThenItemsWithoutOneById() {
    OutsideItems index = new OutsideItems();
    index.put(item("b-none", Item.UNKNOWN_TIME, null, "sport"));
    index.put(item("old", 1_000L, null, "sport"));
    index.put(item("a-none", Item.UNKNOWN_TIME, null, "arts"));
    index.put(item("new", 5_000L, null, "arts"));
    index.put(item("negative", -7L, null, "arts")); // before 1970: still a time, older than every other
    assertEquals(List.of("new", "old", "negative", "a-none", "b-none"), all(index.newestFirst()));
    assertEquals(List.of("old", "b-none"), all(index.newestFirstIn("sport")));
    assertEquals(List.of(), all(index.newestFirstIn("weather")));
  }

  @Test
  void mergesCategoriesAndCreatorsEachItemOnce() {
    OutsideItems index = new OutsideItems();
    index.put(item("both", 3_000L, "ann", "sport", "arts"));
    index.put(item("sport", 2_000L, null, "sport"));
    index.put(item("by-ann", 4_000L, "ann"));
    index.put(item("other", 9_000L, "bob", "science"));
    assertEquals(List.of("by-ann", "both", "sport"),
        all(index.newestFirstOf(List.of("sport", "arts"), List.of("ann"), List.of())));
    assertEquals(List.of(), all(index.newestFirstOf(List.of(), List.of(), List.of())));
  }

  @Test
  void aChangedOrRemovedItemLeavesItsFormerSets() {
    OutsideItems index = new OutsideItems();
    index.put(item("x", 1_000L, "ann", "sport"));
    index.put(item("x", 2_000L, "bob", "arts")); // recategorised and re-released
    assertEquals(List.of(), all(index.newestFirstOf(List.of("sport"), List.of("ann"), List.of())));
    assertEquals(List.of("x"), all(index.newestFirstOf(List.of("arts"), List.of("bob"), List.of())));
    assertEquals(1, index.size());
    index.remove("x");
    index.remove("never-indexed");
    assertTrue(index.isEmpty());
    assertEquals(List.of(), all(index.newestFirst()));
    assertEquals(List.of(), all(index.newestFirstIn("arts")));
  }
}
