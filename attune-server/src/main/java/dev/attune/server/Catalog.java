package dev.attune.server;

import dev.attune.events.Item;
import dev.attune.store.Store;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every item's metadata and flags in memory, mirrored from the store: filters and re-ranking read it on every
 * request, so it must not cost a query. Writes go to the store first, then here.
 *
 * <p>Thread-safe.
 */
final class Catalog {
  private final ConcurrentHashMap<String, Store.StoredItem> items = new ConcurrentHashMap<>();
  /**
   * Every scene an item has had since start. It only grows: a scene whose items were all deleted stays valid, so
   * a request naming it gets an empty list rather than an error that would come and go with deletions.
   */
  private final Set<String> scenes = ConcurrentHashMap.newKeySet();
  /**
   * Every category an item has had since start, sorted (a message lists the first few of thousands without sorting
   * them each time). It only grows, as {@link #scenes} does.
   */
  private final Set<String> categories = new java.util.concurrent.ConcurrentSkipListSet<>();
  /** The categories by their lower-case form, to name the one a request meant when it differs only by case. */
  private final ConcurrentHashMap<String, Set<String>> categoriesByLowerCase = new ConcurrentHashMap<>();

  /** Loads every stored item. */
  static Catalog load(Store store) {
    Catalog c = new Catalog();
    store.forEachItem(c::put);
    return c;
  }

  Store.StoredItem get(String itemId) {
    return items.get(itemId);
  }

  /** Whether the item exists and is not hidden. */
  boolean recommendable(String itemId) {
    Store.StoredItem i = items.get(itemId);
    return i != null && !i.hidden();
  }

  void put(Store.StoredItem item) {
    items.put(item.item().id(), item);
    scenes.add(item.item().scene());
    for (String c : item.item().categories()) {
      if (categories.add(c)) {
        categoriesByLowerCase.computeIfAbsent(c.toLowerCase(java.util.Locale.ROOT),
            k -> new java.util.concurrent.ConcurrentSkipListSet<>()).add(c);
      }
    }
  }

  /** Records an item first seen in an event (bare, in the event's scene), unless known. */
  void putIfAbsent(String itemId, String scene, long nowMillis) {
    items.computeIfAbsent(itemId, id -> {
      scenes.add(scene);
      return new Store.StoredItem(Item.bare(id, scene), false, nowMillis);
    });
  }

  /** Whether some item has had this scene. */
  boolean hasScene(String scene) {
    return scenes.contains(scene);
  }

  /** The scenes items have had, sorted. */
  Set<String> scenes() {
    return new TreeSet<>(scenes);
  }

  /** The scenes for a message: all of them up to 20, else the first 20 and how many more (writers name scenes). */
  String describeScenes() {
    Set<String> all = scenes();
    if (all.size() <= 20) return all.toString();
    return all.stream().limit(20).toList() + " and " + (all.size() - 20) + " more";
  }

  /** Whether some item has had this category (exactly: categories are matched as written). */
  boolean hasCategory(String category) {
    return categories.contains(category);
  }

  /** The categories items have had that differ from {@code category} only by case, sorted; empty for none. */
  Set<String> categoriesLike(String category) {
    return categoriesByLowerCase.getOrDefault(category.toLowerCase(java.util.Locale.ROOT), Set.of());
  }

  /**
   * The categories for a message: all of them up to 20, else the first 20 (in sorted order) and how many more; a
   * catalogue may have thousands.
   */
  String describeCategories() {
    List<String> first = categories.stream().limit(20).toList();
    if (first.size() < 20) return first.toString();
    int total = categories.size(); // counts every entry: only on this error path
    return total <= 20 ? first.toString() : first + " and " + (total - 20) + " more";
  }

  void remove(String itemId) {
    items.remove(itemId);
  }

  Collection<Store.StoredItem> all() {
    return items.values();
  }

  /** How many of {@code ids} the catalogue holds. */
  int countKnown(dev.attune.data.IdIndex ids) {
    int known = 0;
    for (int i = 0; i < ids.size(); i++) if (items.containsKey(ids.id(i))) known++;
    return known;
  }

  int size() {
    return items.size();
  }
}
