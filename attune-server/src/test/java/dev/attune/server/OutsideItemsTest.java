package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Item;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutsideItemsTest {
  /** An item of {@code scene} released at {@code releaseTime} that entered the catalogue at {@code created}. */
  private static Store.StoredItem item(String id, String scene, long releaseTime, long created, String creator,
      List<String> tags, String... categories) {
    return new Store.StoredItem(new Item(id, scene, null, creator, null, List.of(categories), tags, Float.NaN,
        releaseTime, null, Map.of()), false, created);
  }

  private static Store.StoredItem item(String id, long releaseTime, String creator, String... categories) {
    return item(id, "news", releaseTime, 0L, creator, List.of(), categories);
  }

  private static List<String> all(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void readsNewestFirstByReleaseOrElseByEntryIntoTheCatalogue() {
    OutsideItems index = new OutsideItems(true);
    index.put(item("b-none", "news", Item.UNKNOWN_TIME, 3_000L, null, List.of(), "sport"));
    index.put(item("old", "news", 1_000L, 9_000L, null, List.of(), "sport"));
    index.put(item("a-none", "news", Item.UNKNOWN_TIME, 500L, null, List.of(), "arts"));
    index.put(item("new", "news", 5_000L, 0L, null, List.of(), "arts"));
    index.put(item("negative", "news", -7L, 0L, null, List.of(), "arts")); // before 1970: a time all the same
    // without a release time an item counts from when the catalogue got it (a shop sends none: by id, a new item
    // after 10,000 others of its category was never read)
    assertEquals(List.of("new", "b-none", "old", "a-none", "negative"), all(index.newestFirst()));
    assertEquals(List.of("b-none", "old"), all(index.newestFirstIn("sport")));
    assertEquals(List.of(), all(index.newestFirstIn("weather")));
  }

  @Test
  void mergesCategoriesCreatorsAndTagsEachItemOnce() {
    OutsideItems index = new OutsideItems(true);
    index.put(item("both", "news", 3_000L, 0L, "ann", List.of("red"), "sport", "arts"));
    index.put(item("sport", 2_000L, null, "sport"));
    index.put(item("by-ann", 4_000L, "ann"));
    index.put(item("other", 9_000L, "bob", "science"));
    index.put(item("tagged", "news", 1_000L, 0L, null, List.of("red", "red"), "science"));
    assertEquals(List.of("by-ann", "both", "sport", "tagged"),
        all(index.newestFirstOf(List.of("sport", "arts"), List.of("ann"), List.of("red"))));
    assertEquals(List.of(), all(index.newestFirstOf(List.of(), List.of(), List.of())));
    OutsideItems untagged = new OutsideItems(false); // the unused fill's: never read by tag
    untagged.put(item("tagged", "news", 1_000L, 0L, null, List.of("red"), "science"));
    assertEquals(List.of(), all(untagged.newestFirstOf(List.of(), List.of(), List.of("red"))));
  }

  /** Indexed all at once (oldest first, for the skip lists' sake), the index reads as when put one by one. */
  @Test
  void indexedAllAtOnceItReadsAsPutOneByOne() {
    List<Store.StoredItem> items = new ArrayList<>();
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    for (int i = 0; i < 200; i++) {
      long released = random.nextBoolean() ? random.nextLong(10_000L) : Item.UNKNOWN_TIME;
      items.add(item("i" + i, "news", released, random.nextLong(10_000L), "c" + random.nextInt(5),
          List.of("t" + random.nextInt(7)), "k" + random.nextInt(4)));
    }
    OutsideItems one = new OutsideItems(true);
    for (Store.StoredItem s : items) one.put(s);
    OutsideItems all = new OutsideItems(true);
    all.putAll(items);
    assertEquals(all(one.newestFirst()), all(all.newestFirst()));
    assertEquals(all(one.newestFirstOf(List.of("k1"), List.of("c2"), List.of("t3"))),
        all(all.newestFirstOf(List.of("k1"), List.of("c2"), List.of("t3"))));
  }

  @Test
  void readsAScenesItemsOnly() {
    OutsideItems index = new OutsideItems(true);
    index.put(item("song", "music", 9_000L, 0L, null, List.of()));
    index.put(item("pod", "podcast", 1_000L, 0L, null, List.of()));
    assertEquals(List.of("pod"), all(index.newestFirstInScene("podcast")));
    assertEquals(List.of(), all(index.newestFirstInScene("video")));
  }

  @Test
  void aChangedOrRemovedItemLeavesItsFormerSets() {
    OutsideItems index = new OutsideItems(true);
    index.put(item("x", "news", 1_000L, 0L, "ann", List.of("red"), "sport"));
    index.put(item("x", "podcast", 2_000L, 0L, "bob", List.of("blue"), "arts")); // recategorised, re-released
    assertEquals(List.of(), all(index.newestFirstOf(List.of("sport"), List.of("ann"), List.of("red"))));
    assertEquals(List.of(), all(index.newestFirstInScene("news")));
    assertEquals(List.of("x"), all(index.newestFirstOf(List.of("arts"), List.of("bob"), List.of("blue"))));
    assertEquals(1, index.size());
    index.remove("x");
    index.remove("never-indexed");
    assertTrue(index.isEmpty());
    assertEquals(List.of(), all(index.newestFirst()));
    assertEquals(List.of(), all(index.newestFirstIn("arts")));
    assertEquals(List.of(), all(index.newestFirstInScene("podcast")));
  }
}
