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
