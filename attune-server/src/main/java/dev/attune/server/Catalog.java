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
  /** Every category an item has had since start. It only grows, as {@link #scenes} does. */
  private final KnownNames categories = new KnownNames();
  /** Every creator an item has had since start, for onboarding choices. It only grows, as {@link #scenes} does. */
  private final KnownNames creators = new KnownNames();

  /**
   * Names items have had (categories, creators), sorted (a message lists the first few of thousands without sorting
   * them each time), with their lower-case forms, to name the one a request meant when it differs only by case.
   * Thread-safe.
   */
  private static final class KnownNames {
    private final Set<String> names = new java.util.concurrent.ConcurrentSkipListSet<>();
    private final ConcurrentHashMap<String, Set<String>> byLowerCase = new ConcurrentHashMap<>();

    void add(String name) {
      if (names.add(name)) {
        byLowerCase.computeIfAbsent(name.toLowerCase(java.util.Locale.ROOT),
            k -> new java.util.concurrent.ConcurrentSkipListSet<>()).add(name);
      }
    }

    boolean has(String name) {
      return names.contains(name);
    }

    Set<String> like(String name) {
      return byLowerCase.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), Set.of());
    }

    /** All of them up to 20, else the first 20 (in sorted order) and how many more. */
    String describe() {
      List<String> first = names.stream().limit(20).toList();
      if (first.size() < 20) return first.toString();
      int total = names.size(); // counts every entry: only on an error path
      return total <= 20 ? first.toString() : first + " and " + (total - 20) + " more";
    }
  }

  /** Loads every stored item. */
  static Catalog load(Store store) {
    Catalog c = new Catalog();
    store.forEachItem(c::put);
    return c;
  }

  Store.StoredItem get(String itemId) {
    return items.get(itemId);
  }

  /** The catalogue's own instance of {@code itemId}, or {@code itemId} for an item it does not hold. */
  String sharedId(String itemId) {
    Store.StoredItem item = items.get(itemId);
    return item == null ? itemId : item.item().id();
  }

  /**
   * Whether {@code e} says its user wants the item (weight above 0 under {@link ModelTrainer#WEIGHTS}), its seconds
   * of a {@code play_seconds} read as a share of the item's length, as training and experiment results read them: a
   * 5-second play of a 300-second track is a skip. An item of unknown length (or none yet) takes a play as a play.
   */
  boolean likes(dev.attune.events.Event e) {
    return weight(e) > 0;
  }

  /** Whether {@code e} says its user does not want the item (weight below 0: a skip, a dislike, a short play). */
  boolean dislikes(dev.attune.events.Event e) {
    return weight(e) < 0;
  }

  private float weight(dev.attune.events.Event e) {
    Store.StoredItem item = items.get(e.itemId());
    float duration = item == null ? Float.NaN : item.item().durationSeconds();
    return ModelTrainer.WEIGHTS.weight(e.type(), e.value(), duration);
  }

  /**
   * Whether {@code stored} may be listed anywhere (recommendations, popular, trending, new, similar, onboarding
   * stand-ins): it exists (null: deleted), is not hidden, and its release has come. A release still to come is listed
   * nowhere until it comes, as a hidden item (a news site's embargoed articles were recommended and trended: QA).
   */
  static boolean listable(Store.StoredItem stored, long nowMillis) {
    return stored != null && !stored.hidden() && !upcoming(stored.item(), nowMillis);
  }

  /** Whether the item's release is still to come. */
  private static boolean upcoming(Item item, long nowMillis) {
    return item.hasReleaseTime() && item.releaseTime() > nowMillis;
  }

  void put(Store.StoredItem stored) {
    Store.StoredItem item = withSharedNames(stored);
    Store.StoredItem before = items.put(item.item().id(), item);
    if (before != null) countTags(before.item(), -1);
    countTags(item.item(), 1);
    remember(item);
  }

  /** Records a stored item unless the catalogue has it; whether it did. */
  boolean putIfAbsent(Store.StoredItem stored) {
    Store.StoredItem item = withSharedNames(stored);
    if (items.putIfAbsent(item.item().id(), item) != null) return false;
    countTags(item.item(), 1);
    remember(item);
    return true;
  }

  /**
   * One instance of each scene, creator, category and tag name items have: each item's were its own copies (3.2
   * million strings over 200,000 items of 13 names each, about as much heap as the index of new items takes: a heap
   * measurement). A tag no item has any more is let go (tags are free-form: a client re-sending an item with new tags
   * would grow it for good); scenes, creators and categories stay, as {@link #scenes} and the names for messages do.
   */
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();

  private String shared(String name) {
    if (name == null) return null;
    String known = names.putIfAbsent(name, name);
    return known == null ? name : known;
  }

  private List<String> shared(List<String> names) {
    List<String> out = new java.util.ArrayList<>(names.size());
    for (String n : names) out.add(shared(n));
    return out;
  }

  /** {@code stored} with its item's names the catalogue's own instances. */
  private Store.StoredItem withSharedNames(Store.StoredItem stored) {
    Item i = stored.item();
    Item item = new Item(i.id(), shared(i.scene()), i.title(), shared(i.creator()), i.album(),
        shared(i.categories()), shared(i.tags()), i.durationSeconds(), i.releaseTime(), i.text(), i.attributes());
    return new Store.StoredItem(item, stored.hidden(), stored.createdAtMillis());
  }

  /** Items per tag, for how much a shared tag tells ({@link #tagWeight}); a tag no item has is not kept. */
  private final ConcurrentHashMap<String, Integer> itemsPerTag = new ConcurrentHashMap<>();

  private void countTags(Item item, int change) {
    for (String t : new java.util.HashSet<>(item.tags())) {
      Integer left = itemsPerTag.compute(t, (k, n) -> n == null ? (change > 0 ? change : null)
          : n + change > 0 ? n + change : null);
      // a put beside this may take the instance let go: its item keeps it, and the next one shares another
      if (left == null) names.remove(t);
    }
  }

  /**
   * What sharing tag {@code t} tells of two items: its inverse document frequency, ln(items / items with it), 0 for
   * a tag every item has (S3Rec Beauty's top category) or none. Counted as items enter, change and leave; read
   * without a lock, so a request beside a change may read a count one off.
   */
  double tagWeight(String t) {
    Integer n = itemsPerTag.get(t);
    return n == null ? 0 : Math.max(0, Math.log(items.size() / (double) n));
  }

  /** The item's scene, categories and creator among those items have had. */
  private void remember(Store.StoredItem item) {
    scenes.add(item.item().scene());
    for (String c : item.item().categories()) categories.add(c);
    if (item.item().creator() != null) creators.add(item.item().creator());
  }

  /** Records an item first seen in an event (bare, in the event's scene), unless known. */
  void putIfAbsent(String itemId, String scene, long nowMillis) {
    items.computeIfAbsent(itemId, id -> {
      scenes.add(scene);
      return new Store.StoredItem(Item.bare(id, shared(scene)), false, nowMillis);
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

  /**
   * Why {@code scene} is refused: no item has had it; the scenes there are, and the one meant when it differs from a
   * known one by case only (a QA run: "Music" was answered with the list alone, where a category gets the hint).
   */
  String unknownScene(String scene) {
    Set<String> like = scenesLike(scene);
    return "unknown scene '" + scene + "'" + (like.isEmpty() ? "" : " (scenes match case): " + didYouMean(like))
        + "; scenes: " + describeScenes();
  }

  /** The scenes items have had that differ from {@code scene} only by case, sorted; empty for none. */
  Set<String> scenesLike(String scene) {
    Set<String> like = new TreeSet<>();
    for (String s : scenes) if (!s.equals(scene) && s.equalsIgnoreCase(scene)) like.add(s);
    return like;
  }

  /** "did you mean 'Comedy' or 'COMEDY'?", naming up to 5 of {@code like}. */
  static String didYouMean(Set<String> like) {
    return "did you mean " + String.join(" or ", like.stream().limit(5).map(c -> "'" + c + "'").toList()) + "?";
  }

  /** Whether some item has had this category (exactly: categories are matched as written). */
  boolean hasCategory(String category) {
    return categories.has(category);
  }

  /** The categories items have had that differ from {@code category} only by case, sorted; empty for none. */
  Set<String> categoriesLike(String category) {
    return categories.like(category);
  }

  /** Whether some item has had this creator (exactly, as preferences match them). */
  boolean hasCreator(String creator) {
    return creators.has(creator);
  }

  /** The creators items have had that differ from {@code creator} only by case, sorted; empty for none. */
  Set<String> creatorsLike(String creator) {
    return creators.like(creator);
  }

  /**
   * The categories for a message: all of them up to 20, else the first 20 (in sorted order) and how many more; a
   * catalogue may have thousands.
   */
  String describeCategories() {
    return categories.describe();
  }

  void remove(String itemId) {
    Store.StoredItem before = items.remove(itemId);
    if (before != null) countTags(before.item(), -1);
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
