package dev.attune.server;

import dev.attune.events.Item;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Catalogue items outside what the served model learnt, newest first, and the same by category, creator, tag and
 * scene: where {@link Recommendations} finds content candidates (items sharing a category, the creator or a tag with a
 * history) and the unused items that fill a short list.
 *
 * <p>Why an index: a request read these items from an unordered set and stopped after 10,000 of them, matching or
 * not, so on a news site that had added 12,000 articles since its model, a reader's fresh sport articles were no
 * candidates at all, and which ones were depended on hashing (QA). Read from the sets of what a history has, a
 * request examines only items that match, the newest first, so a bound on the work drops the oldest.
 *
 * <p>Order: newest first, by release time, or for an item without one by when it entered the catalogue (a shop sends
 * no release times: ordered by id, a new item whose id sorted after 10,000 others of its category was never read, a
 * review found). Thread-safe: readers iterate concurrent sets (weakly consistent: an item added, moved or removed
 * during a request may be seen once, twice or not at all; readers drop repeated ids); writers are serialised.
 */
final class OutsideItems {
  /** An indexed item: its time (release, else entry into the catalogue) and id. */
  private record Entry(long time, String id) {}

  private static final Comparator<Entry> NEWEST_FIRST =
      Comparator.comparingLong((Entry e) -> -negatable(e.time())).thenComparing(Entry::id);

  /** Long.MIN_VALUE (which negates to itself) one above, so it sorts after every other time. */
  private static long negatable(long time) {
    return time == Long.MIN_VALUE ? Long.MIN_VALUE + 1 : time;
  }

  /** Most tags of one item indexed: tags are free-form, and an item's thousand tags would cost a thousand entries. */
  static final int MAX_TAGS = 20;

  private final boolean byTags;

  /** An empty index; {@code byTags}: whether it is read by tag (the content rule's is, the unused fill's is not). */
  OutsideItems(boolean byTags) {
    this.byTags = byTags;
  }

  private final ConcurrentSkipListSet<Entry> all = new ConcurrentSkipListSet<>(NEWEST_FIRST);
  private final ConcurrentHashMap<String, ConcurrentSkipListSet<Entry>> byCategory = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentSkipListSet<Entry>> byCreator = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentSkipListSet<Entry>> byTag = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentSkipListSet<Entry>> byScene = new ConcurrentHashMap<>();
  /** Each indexed item as it was indexed, with its entry, so that a change or removal finds every set it is in. */
  private final ConcurrentHashMap<String, Indexed> indexed = new ConcurrentHashMap<>();

  private record Indexed(Item item, Entry entry) {}

  /**
   * Indexes every item of {@code stored}, oldest first: each then enters each of its sets at the head, where a skip
   * list finds its place at once (put in the catalogue's order, 200,000 items of 15 sets each took seconds of a
   * server's start, under the lock that item writes wait for: a heap measurement's stack samples).
   */
  synchronized void putAll(java.util.Collection<Store.StoredItem> stored) {
    List<Store.StoredItem> oldestFirst = new ArrayList<>(stored);
    oldestFirst.sort(Comparator.comparing((Store.StoredItem s) -> entryOf(s), NEWEST_FIRST.reversed()));
    for (Store.StoredItem s : oldestFirst) put(s);
  }

  private static Entry entryOf(Store.StoredItem stored) {
    Item item = stored.item();
    return new Entry(item.hasReleaseTime() ? item.releaseTime() : stored.createdAtMillis(), item.id());
  }

  /** Indexes {@code stored}'s item, replacing what was indexed under its id. */
  synchronized void put(Store.StoredItem stored) {
    Item item = stored.item();
    remove(item.id());
    Entry e = entryOf(stored);
    indexed.put(item.id(), new Indexed(item, e));
    all.add(e);
    setOf(byScene, item.scene()).add(e);
    for (String c : item.categories()) setOf(byCategory, c).add(e);
    if (item.creator() != null) setOf(byCreator, item.creator()).add(e);
    if (byTags) for (String t : indexedTags(item)) setOf(byTag, t).add(e);
  }

  private static List<String> indexedTags(Item item) {
    return item.tags().size() <= MAX_TAGS ? item.tags() : item.tags().subList(0, MAX_TAGS);
  }

  /** Removes the item indexed under {@code id}, if any. */
  synchronized void remove(String id) {
    Indexed gone = indexed.remove(id);
    if (gone == null) return;
    Item item = gone.item();
    Entry e = gone.entry();
    all.remove(e);
    removeFrom(byScene, item.scene(), e);
    for (String c : item.categories()) removeFrom(byCategory, c, e);
    if (item.creator() != null) removeFrom(byCreator, item.creator(), e);
    if (byTags) for (String t : indexedTags(item)) removeFrom(byTag, t, e);
  }

  private static ConcurrentSkipListSet<Entry> setOf(ConcurrentHashMap<String, ConcurrentSkipListSet<Entry>> index,
      String key) {
    return index.computeIfAbsent(key, k -> new ConcurrentSkipListSet<>(NEWEST_FIRST));
  }

  private static void removeFrom(ConcurrentHashMap<String, ConcurrentSkipListSet<Entry>> index, String key, Entry e) {
    ConcurrentSkipListSet<Entry> set = index.get(key);
    if (set == null) return;
    set.remove(e);
    if (set.isEmpty()) index.remove(key); // writers are serialised, so no add can slip in between
  }

  boolean isEmpty() {
    return indexed.isEmpty();
  }

  int size() {
    return indexed.size();
  }

  /** Every indexed id, newest first. */
  Iterator<String> newestFirst() {
    Iterator<Entry> it = all.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public String next() {
        return it.next().id();
      }
    };
  }

  /** The ids in {@code category}, newest first. */
  Iterator<String> newestFirstIn(String category) {
    return newestFirstOf(List.of(category), List.of(), List.of());
  }

  /** The ids of {@code scene}, newest first. */
  Iterator<String> newestFirstInScene(String scene) {
    List<Iterator<Entry>> sources = new ArrayList<>();
    addSources(sources, byScene, List.of(scene));
    return new Merged(sources);
  }

  /**
   * The ids that have one of {@code categories}, one of {@code creators} or one of {@code tags} (of its first {@link
   * #MAX_TAGS}; none for an index not read by tag), newest first, each once: a merge of those sets, so a reader that
   * stops early has read the newest.
   */
  Iterator<String> newestFirstOf(Collection<String> categories, Collection<String> creators,
      Collection<String> tags) {
    List<Iterator<Entry>> sources = new ArrayList<>();
    addSources(sources, byCategory, categories);
    addSources(sources, byCreator, creators);
    addSources(sources, byTag, tags);
    return new Merged(sources);
  }

  private static void addSources(List<Iterator<Entry>> sources,
      ConcurrentHashMap<String, ConcurrentSkipListSet<Entry>> index, Collection<String> keys) {
    for (String k : keys) {
      ConcurrentSkipListSet<Entry> set = index.get(k);
      if (set != null) sources.add(set.iterator());
    }
  }

  /** A k-way merge of iterators in {@link #NEWEST_FIRST} order, each entry once. */
  private static final class Merged implements Iterator<String> {
    private record Head(Entry entry, Iterator<Entry> rest) {}

    private final PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> NEWEST_FIRST.compare(a.entry, b.entry));
    private Entry last;

    Merged(List<Iterator<Entry>> sources) {
      for (Iterator<Entry> it : sources) advance(it);
    }

    private void advance(Iterator<Entry> it) {
      if (it.hasNext()) heads.add(new Head(it.next(), it));
    }

    @Override
    public boolean hasNext() {
      // an item in two of the sets comes out of each: equal entries are adjacent in the merged order
      while (!heads.isEmpty() && last != null && heads.peek().entry.equals(last)) advance(heads.poll().rest);
      return !heads.isEmpty();
    }

    @Override
    public String next() {
      if (!hasNext()) throw new NoSuchElementException();
      Head h = heads.poll();
      last = h.entry;
      advance(h.rest);
      return h.entry.id();
    }
  }
}
