package dev.attune.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The leader/follower queue alone, with a writer that records its groups and can be held inside a group, so
 * that later calls queue up behind it in a known order. No timing is asserted: tests wait for states.
 */
final class GroupCommitTest {

  private static final long LONG = TimeUnit.MINUTES.toNanos(2);

  /** The groups written, in order; each batch is a string and its size is its length. */
  private final List<List<String>> groups = Collections.synchronizedList(new ArrayList<>());
  /** While not null, the writer waits on it inside the group that contains the batch "hold". */
  private volatile CountDownLatch held;
  private final CountDownLatch holding = new CountDownLatch(1);
  private final ReentrantLock writer = new ReentrantLock(true);
  private final ExecutorService pool = Executors.newCachedThreadPool();

  /** The thread each group was written on. */
  private final List<Thread> writtenOn = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService writerThread =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("test-writer").factory());

  private final GroupCommit<String, String> queue = new GroupCommit<>(writer, 6, String::length, (group, waitingSince) -> {
    groups.add(List.copyOf(group));
    writtenOn.add(Thread.currentThread());
    if (group.contains("hold") && held != null) {
      holding.countDown();
      try {
        held.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    List<GroupCommit.Outcome<String>> outcomes = new ArrayList<>();
    for (String batch : group) {
      outcomes.add(batch.startsWith("bad")
          ? GroupCommit.Outcome.failed(new StoreException("bad batch " + batch, null))
          : GroupCommit.Outcome.of(batch.toUpperCase(java.util.Locale.ROOT)));
    }
    if (group.contains("boom")) {
      throw new IllegalStateException("the writer broke");
    }
    return outcomes;
  }, writerThread, (reason, cause) -> new StoreException("append failed: " + reason, cause));

  @AfterEach
  void stopThreads() {
    pool.shutdownNow();
    writerThread.shutdownNow();
  }

  @Test
  void aLeaderOnAVirtualThreadHasItsGroupWrittenOnThePlatformWriterThread() throws Exception {
    Thread caller = Thread.ofVirtual().unstarted(() -> assertEquals("V", queue.submit("v", LONG)));
    caller.start();
    caller.join();
    assertEquals("P", queue.submit("p", LONG));
    assertEquals(List.of(List.of("v"), List.of("p")), groups);
    assertEquals("test-writer", writtenOn.get(0).getName(), "the virtual leader's group");
    assertTrue(writtenOn.get(1) == Thread.currentThread(), "a platform leader writes itself");
  }

  @Test
  void aVirtualLeaderGetsTheWritersFailureAndTheNextGroupIsWritten() throws Exception {
    try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<String> boom = virtual.submit(() -> queue.submit("boom", LONG));
      ExecutionException e = assertThrows(ExecutionException.class, boom::get);
      assertTrue(e.getCause() instanceof StoreException, "failure as a StoreException: " + e.getCause());
      assertEquals("OK", virtual.submit(() -> queue.submit("ok", LONG)).get());
    }
  }

  @Test
  void aCallAloneIsWrittenAtOnceInAGroupOfItsOwn() {
    assertEquals("A", queue.submit("a", LONG));
    assertEquals("BB", queue.submit("bb", LONG));
    assertEquals(List.of(List.of("a"), List.of("bb")), groups);
  }

  @Test
  void callsQueuedBehindAGroupAreWrittenTogetherInArrivalOrderUpToTheBound() throws Exception {
    Future<String> first = holdTheWriter();
    // Bound 6: "b" + "cc" + "ddd" fill a group; "ee" goes to the next one.
    List<Future<String>> later = new ArrayList<>();
    for (String batch : List.of("b", "cc", "ddd", "ee")) {
      later.add(submitAndWaitUntilQueued(batch));
    }
    held.countDown();
    assertEquals("HOLD", first.get(2, TimeUnit.MINUTES));
    assertEquals(List.of("B", "CC", "DDD", "EE"), results(later));
    assertEquals(List.of(List.of("hold"), List.of("b", "cc", "ddd"), List.of("ee")), groups);
  }

  @Test
  void aBatchLargerThanTheBoundIsWrittenAlone() {
    assertEquals("ABCDEFGH", queue.submit("abcdefgh", LONG));
    assertEquals(List.of(List.of("abcdefgh")), groups);
  }

  @Test
  void eachCallGetsItsOwnOutcome() throws Exception {
    Future<String> first = holdTheWriter();
    Future<String> good = submitAndWaitUntilQueued("ok");
    Future<String> bad = submitAndWaitUntilQueued("bad1");
    held.countDown();
    first.get(2, TimeUnit.MINUTES);
    assertEquals("OK", good.get(2, TimeUnit.MINUTES));
    Exception e = assertThrows(Exception.class, () -> bad.get(2, TimeUnit.MINUTES));
    assertTrue(e.getCause() instanceof StoreException && e.getCause().getMessage().equals("bad batch bad1"),
        e.toString());
    assertEquals(List.of(List.of("hold"), List.of("ok", "bad1")), groups);
  }

  @Test
  void aWriterThatThrowsFailsItsGroupAndTheNextGroupIsWritten() {
    StoreException e = assertThrows(StoreException.class, () -> queue.submit("boom", LONG));
    assertTrue(e.getMessage().startsWith("append failed: the write of its group failed"), e.getMessage());
    assertEquals("X", queue.submit("x", LONG), "the queue still works");
  }

  @Test
  void aQueuedCallGivesUpAfterItsTimeoutAndIsNeverWritten() throws Exception {
    Future<String> first = holdTheWriter();
    StoreException e = assertThrows(StoreException.class, () -> queue.submit("late", TimeUnit.MILLISECONDS.toNanos(50)));
    assertTrue(e.getMessage().startsWith("append failed: waited 50 ms"), e.getMessage());
    held.countDown();
    first.get(2, TimeUnit.MINUTES);
    assertEquals("Y", queue.submit("y", LONG));
    assertEquals(List.of(List.of("hold"), List.of("y")), groups);
  }

  @Test
  void aLeaderThatCannotGetTheWriterGivesUpAndPassesTheLeadOn() throws Exception {
    // Another write (a deleteUser, say) holds the writer, from another thread: the lock is reentrant.
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<?> other = pool.submit(() -> {
      writer.lock();
      try {
        locked.countDown();
        release.await();
      } finally {
        writer.unlock();
      }
      return null;
    });
    locked.await();
    StoreException e = assertThrows(StoreException.class, () -> queue.submit("a", TimeUnit.MILLISECONDS.toNanos(50)));
    assertTrue(e.getMessage().startsWith("append failed: waited 50 ms for the other writes"), e.getMessage());
    release.countDown();
    other.get(2, TimeUnit.MINUTES);
    assertEquals("B", queue.submit("b", LONG));
    assertEquals(List.of(List.of("b")), groups);
  }

  @Test
  void anInterruptedQueuedCallGivesUpAndKeepsItsInterruptStatus() throws Exception {
    Future<String> first = holdTheWriter();
    CountDownLatch done = new CountDownLatch(1);
    Object[] seen = new Object[2];
    Thread t = Thread.ofPlatform().start(() -> {
      try {
        queue.submit("int", LONG);
      } catch (StoreException e) {
        seen[0] = e;
        seen[1] = Thread.currentThread().isInterrupted();
      }
      done.countDown();
    });
    while (queue.queued() < 1) {
      Thread.sleep(1);
    }
    t.interrupt();
    done.await();
    assertTrue(seen[0] instanceof StoreException e && e.getMessage().contains("interrupted"), String.valueOf(seen[0]));
    assertEquals(true, seen[1]);
    held.countDown();
    first.get(2, TimeUnit.MINUTES);
    assertEquals(List.of(List.of("hold")), groups, "the interrupted call was not written");
  }

  /** Starts a call whose group holds the writer until {@code held} opens; returns once it is inside. */
  private Future<String> holdTheWriter() throws InterruptedException {
    held = new CountDownLatch(1);
    Future<String> f = pool.submit(() -> queue.submit("hold", LONG));
    holding.await();
    return f;
  }

  /** Submits {@code batch} from another thread and returns once it waits in the queue. */
  private Future<String> submitAndWaitUntilQueued(String batch) throws InterruptedException {
    int before = queue.queued();
    Future<String> f = pool.submit(() -> queue.submit(batch, LONG));
    while (queue.queued() <= before) {
      Thread.sleep(1);
    }
    return f;
  }

  private static List<String> results(List<Future<String>> futures) throws Exception {
    List<String> out = new ArrayList<>();
    for (Future<String> f : futures) {
      out.add(f.get(2, TimeUnit.MINUTES));
    }
    return out;
  }
}
