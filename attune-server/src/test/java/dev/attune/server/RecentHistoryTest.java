package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Event;
import dev.attune.store.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache of recent events stays what the store holds when a load races with an append or a deletion: the load
 * reads the store, the other commits and updates the cache (which does not hold the user yet), then the load ends.
 */
class RecentHistoryTest {
  @TempDir Path dir;

  @Test
  void anAppendDuringALoadIsNotLost() throws Exception {
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("a.db"))) {
      store.appendEvents(List.of(event("u", "i1", 1)));
      Paused paused = new Paused(store);
      RecentHistory history = new RecentHistory(paused.proxy, 50, 100);
      CompletableFuture<RecentHistory.UserHistory> load = CompletableFuture.supplyAsync(() -> history.of("u"));
      paused.awaitRead();
      Store.NewEvent second = event("u", "i2", 2);
      store.appendEvents(List.of(second)); // committed after the load read, before it cached
      history.append(List.of(second.event()), false);
      paused.release();
      assertEquals(List.of("i1", "i2"), items(load.get(10, TimeUnit.SECONDS)));
      assertEquals(List.of("i1", "i2"), items(history.of("u")), "the cache holds the appended event");
    }
  }

  /**
   * Cached events name their user, item, type and scene by one instance each (the catalogue's for an item), loaded
   * or appended: their own copies took about 250 bytes of heap per cached event (attune-bench's HistoryCacheMemory).
   */
  @Test
  void cachedEventsShareTheirNames() throws Exception {
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("shared.db"))) {
      store.appendEvents(List.of(event("u", "i1", 1), event("u", "i2", 2)));
      String catalogued = new String("i2".toCharArray());
      RecentHistory history = new RecentHistory(store, 50, 100, e -> true,
          id -> id.equals("i2") ? catalogued : id);
      history.of(new String("u".toCharArray()));
      // appended with copies of their own, as parsed from a request
      Event appended = new Event(new String("u".toCharArray()), new String("i2".toCharArray()),
          new String("play".toCharArray()), 1, 3, new String("music".toCharArray()));
      history.append(List.of(appended), false);
      List<Event> recent = history.of("u").recent();
      assertEquals(3, recent.size());
      for (Event e : recent) {
        assertTrue(e.userId() == recent.get(0).userId() && e.type() == recent.get(0).type()
            && e.scene() == recent.get(0).scene(), "one instance of each name: " + e);
      }
      assertTrue(recent.get(1).itemId() == catalogued && recent.get(2).itemId() == catalogued,
          "an item the catalogue holds is named by its instance, loaded or appended");
      assertEquals(appended, recent.get(2), "the same event all the same");
    }
  }

  @Test
  void aDeletionDuringALoadLeavesNothingCached() throws Exception {
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("b.db"))) {
      store.appendEvents(List.of(event("u", "i1", 1), event("u", "i2", 2)));
      Paused paused = new Paused(store);
      RecentHistory history = new RecentHistory(paused.proxy, 50, 100);
      CompletableFuture<RecentHistory.UserHistory> load = CompletableFuture.supplyAsync(() -> history.of("u"));
      paused.awaitRead();
      assertTrue(store.deleteUser("u"));
      history.forget("u");
      paused.release();
      load.get(10, TimeUnit.SECONDS);
      assertEquals(List.of(), items(history.of("u")), "a deleted user's events do not come back from the cache");
    }
  }

  /**
   * The window counts liked events: skips and short plays among them take no slot, so a model reading 4 steps gets
   * 4 liked events whatever was skipped between them, loaded or appended; a model with a wider window widens it.
   */
  @Test
  void theWindowHoldsItsNumberOfLikedEventsWhateverIsSkippedAmongThem() throws Exception {
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("c.db"))) {
      List<Store.NewEvent> events = new java.util.ArrayList<>();
      for (int t = 0; t < 10; t++) {
        events.add(event("u", "liked" + t, 10L * t));
        events.add(new Store.NewEvent("u:skip" + t, new Event("u", "skip" + t, "skip", 1, 10L * t + 5, "music")));
      }
      store.appendEvents(events);
      RecentHistory history = new RecentHistory(store, 4, 100);
      RecentHistory.UserHistory h = history.of("u");
      assertEquals(List.of("liked6", "skip6", "liked7", "skip7", "liked8", "skip8", "liked9", "skip9"), items(h),
          "four liked events and the skips among them");
      assertTrue(h.earlierItems().contains("liked5") && h.earlierItems().contains("skip5"), "older ones are earlier");
      Store.NewEvent next = event("u", "liked10", 200);
      Store.NewEvent skip = new Store.NewEvent("u:skip10", new Event("u", "skip10", "play", 0.05f, 201, "music"));
      store.appendEvents(List.of(next, skip));
      history.append(List.of(next.event(), skip.event()), false);
      assertEquals(List.of("liked7", "skip7", "liked8", "skip8", "liked9", "skip9", "liked10", "skip10"),
          items(history.of("u")), "an appended like pushes the oldest like (and what came with it) out");
      history.ensureLiked(6);
      assertEquals(6, items(history.of("u")).stream().filter(i -> i.startsWith("liked")).count(), "widened");
      history.ensureLiked(2);
      assertEquals(6, history.liked(), "never narrowed");
    }
  }

  /**
   * A long run of skips after the likes keeps the likes in the window: the skips are capped on their own (the newest
   * of them), where a cap on all events once left such a user an empty window; appended one by one, the window comes
   * out as a load of the same events does.
   */
  @Test
  void aLongRunOfSkipsKeepsTheLikesInTheWindow() throws Exception {
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("d.db"))) {
      List<Store.NewEvent> likes = new java.util.ArrayList<>();
      for (int t = 0; t < 6; t++) likes.add(event("u", "liked" + t, t));
      store.appendEvents(likes);
      RecentHistory appendedTo = new RecentHistory(store, 4, 100);
      assertEquals(List.of("liked2", "liked3", "liked4", "liked5"), items(appendedTo.of("u")));
      for (int t = 0; t < 40; t++) {
        Store.NewEvent skip = new Store.NewEvent("u:skip" + t, new Event("u", "skip" + t, "skip", 1, 100 + t, "music"));
        store.appendEvents(List.of(skip));
        appendedTo.append(List.of(skip.event()), false);
      }
      List<String> expected = new java.util.ArrayList<>(List.of("liked2", "liked3", "liked4", "liked5"));
      for (int t = 28; t < 40; t++) expected.add("skip" + t); // the newest 3 per liked event
      RecentHistory.UserHistory loaded = new RecentHistory(store, 4, 100).of("u");
      assertEquals(expected, items(loaded), "the liked events stay, with the newest skips");
      assertTrue(loaded.earlierItems().containsAll(List.of("liked0", "liked1", "skip0", "skip27")), "older ones");
      assertEquals(expected, items(appendedTo.of("u")), "appended one by one, as loaded");
      assertEquals(loaded.earlierItems(), appendedTo.of("u").earlierItems());
      Store.NewEvent like = event("u", "liked6", 200);
      store.appendEvents(List.of(like));
      appendedTo.append(List.of(like.event()), false);
      assertEquals(items(new RecentHistory(store, 4, 100).of("u")), items(appendedTo.of("u")),
          "a like after the skips pushes the oldest like out, as a load leaves it");
    }
  }

  private static Store.NewEvent event(String user, String item, long timestamp) {
    return new Store.NewEvent(user + ":" + item, new Event(user, item, "play", 1, timestamp, "music"));
  }

  private static List<String> items(RecentHistory.UserHistory h) {
    return h.recent().stream().map(Event::itemId).toList();
  }

  /** A store whose first read of recent events waits, after reading, until released. */
  private static final class Paused {
    final Store proxy;
    private final CountDownLatch read = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicBoolean first = new AtomicBoolean(true);

    Paused(Store store) {
      proxy = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
          (p, method, args) -> {
            Object result;
            try {
              result = method.invoke(store, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
            if (method.getName().equals("recentEvents") && first.compareAndSet(true, false)) {
              read.countDown();
              released.await(10, TimeUnit.SECONDS);
            }
            return result;
          });
    }

    void awaitRead() throws InterruptedException {
      assertTrue(read.await(10, TimeUnit.SECONDS), "the load read the store");
    }

    void release() {
      released.countDown();
    }
  }
}
