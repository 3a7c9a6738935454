package dev.attune.data;

import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Imported events together with the users, items, event types and scenes they refer to.
 *
 * <p>Users and items get dense indices in order of first appearance (metadata or event). An event for an
 * item without metadata creates a bare item in the event's scene. Optionally a data set carries a
 * {@linkplain #givenTest() given test part} when its source ships a fixed train/test division.
 *
 * <p>Filled by one importer thread, then read-only; reading is thread-safe once filling is done.
 */
public final class Dataset {

  /** What event timestamps mean. */
  public enum TimeKind {
    /** Milliseconds since the epoch. */
    CLOCK,
    /** Position in the source's per-user order (0, 1, 2...): order is known, clock time is not. */
    ORDINAL,
    /** No order at all: every timestamp is 0 and input order is arbitrary. */
    NONE
  }

  /**
   * Times before 10^9 ms (12 days into 1970) are not clock times: a sequence data set imported without times
   * ({@code s3rec}) holds positions (0, 1, 2, ...), which a store keeps as milliseconds. Real logs, even
   * MovieLens-100K's from 1997, are far past it.
   */
  public static final long FIRST_CLOCK_TIME = 1_000_000_000L;

  private final String name;
  private final TimeKind timeKind;
  private final IdIndex userIds = new IdIndex();
  private final IdIndex itemIds = new IdIndex();
  private final IdIndex typeNames = new IdIndex();
  private final IdIndex sceneNames = new IdIndex();
  private final List<User> users = new ArrayList<>();
  private final List<Item> items = new ArrayList<>();
  private final EventLog events;
  private EventLog givenTest;
  private final Set<String> repeatScenes = new LinkedHashSet<>();

  /** An empty data set. */
  public Dataset(String name, TimeKind timeKind) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("dataset name must not be blank");
    }
    this.name = name;
    this.timeKind = timeKind;
    this.events = new EventLog();
  }

  public String name() {
    return name;
  }

  public TimeKind timeKind() {
    return timeKind;
  }

  /** Adds or replaces a user's profile; returns its index. */
  public int putUser(User user) {
    int index = userIds.add(user.id());
    if (index == users.size()) {
      users.add(user);
    } else {
      users.set(index, user);
    }
    return index;
  }

  /** Adds or replaces an item's metadata; returns its index. */
  public int putItem(Item item) {
    int index = itemIds.add(item.id());
    sceneNames.add(item.scene());
    if (index == items.size()) {
      items.add(item);
    } else {
      items.set(index, item);
    }
    return index;
  }

  private int userIndexFor(String id) {
    int index = userIds.indexOf(id);
    return index >= 0 ? index : putUser(new User(id, null));
  }

  private int itemIndexFor(String id, String scene) {
    int index = itemIds.indexOf(id);
    return index >= 0 ? index : putItem(Item.bare(id, scene));
  }

  /** Appends an event to the main log; returns its row. */
  public int addEvent(Event e) {
    return append(events, e);
  }

  /** Appends an event to the given test part, creating it on first use; returns its row. */
  public int addGivenTestEvent(Event e) {
    if (givenTest == null) {
      givenTest = new EventLog();
    }
    return append(givenTest, e);
  }

  private int append(EventLog log, Event e) {
    int user = userIndexFor(e.userId());
    int item = itemIndexFor(e.itemId(), e.scene());
    int type = typeNames.add(e.type().toLowerCase(java.util.Locale.ROOT));
    int scene = sceneNames.add(e.scene());
    return log.add(user, item, type, e.value(), e.timestamp(), scene);
  }

  /** Registers a scene name (idempotent) and returns its index. */
  public int registerScene(String scene) {
    return sceneNames.add(scene);
  }

  /** Registers an event type name (idempotent, lower-cased) and returns its index. */
  public int registerType(String type) {
    return typeNames.add(type.toLowerCase(java.util.Locale.ROOT));
  }

  /** Sets the given test part (used when reading a stored data set). */
  void setGivenTest(EventLog log) {
    this.givenTest = log;
  }

  /** Marks a scene as one where consuming an item again is normal (music), so evaluation keeps seen items. */
  public void allowRepeats(String scene) {
    repeatScenes.add(scene);
  }

  /** Scenes where repeats are normal. */
  public Set<String> repeatScenes() {
    return Collections.unmodifiableSet(repeatScenes);
  }

  /** Whether every scene with events allows repeats (then evaluation keeps seen items by default). */
  public boolean allScenesAllowRepeats() {
    return !sceneNames.ids().isEmpty() && repeatScenes.containsAll(sceneNames.ids());
  }

  public IdIndex userIds() {
    return userIds;
  }

  public IdIndex itemIds() {
    return itemIds;
  }

  public IdIndex typeNames() {
    return typeNames;
  }

  public IdIndex sceneNames() {
    return sceneNames;
  }

  public int numUsers() {
    return userIds.size();
  }

  public int numItems() {
    return itemIds.size();
  }

  public User user(int index) {
    return users.get(index);
  }

  public Item item(int index) {
    return items.get(index);
  }

  /** Users by index (unmodifiable). */
  public List<User> users() {
    return Collections.unmodifiableList(users);
  }

  /** Items by index (unmodifiable). */
  public List<Item> items() {
    return Collections.unmodifiableList(items);
  }

  /** The main event log. */
  public EventLog events() {
    return events;
  }

  /** The test part shipped with the source, or null. */
  public EventLog givenTest() {
    return givenTest;
  }

  /** Scene index of each item, by item index. */
  public int[] itemScenes() {
    int[] s = new int[items.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = sceneNames.indexOf(items.get(i).scene());
    }
    return s;
  }

  /** Item durations in seconds by index (NaN when unknown). */
  public float[] itemDurations() {
    float[] d = new float[items.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = items.get(i).durationSeconds();
    }
    return d;
  }

  /** The event at {@code row} of {@code log} as an {@link Event} with external ids. */
  public Event event(EventLog log, int row) {
    return new Event(userIds.id(log.user(row)), itemIds.id(log.item(row)), typeNames.id(log.type(row)),
        log.value(row), log.time(row), sceneNames.id(log.scene(row)));
  }

  @Override
  public String toString() {
    return name + " (" + count(numUsers(), "user") + ", " + count(numItems(), "item") + ", " + count(events.size(),
        "event") + (givenTest == null ? "" : " + " + count(givenTest.size(), "given test event")) + ")";
  }

  /** {@code n} and the noun, singular for 1 ("1 user"). */
  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
