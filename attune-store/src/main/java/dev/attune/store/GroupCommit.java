package dev.attune.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;

/**
 * Group commit: concurrent calls that wait for the writer are written in one transaction, so they share one
 * commit (on SQLite, one sync of the log) instead of paying one each. {@link JdbcStore#appendEvents} runs on it.
 *
 * <p>Leader and followers: a caller puts its batch at the tail of a queue. If no call is leading, it becomes the
 * leader: it takes the writer ({@code writer}, SQLite's write lock; none on PostgreSQL, where the leadership
 * alone keeps one group in flight), then takes the batches queued by then from the head, up to {@code
 * maxGroupSize} in all (always at least its own), hands them to the {@link GroupWriter}, gives every caller of
 * the group its own outcome, makes the next queued caller the leader and lets the writer go. Every other caller
 * waits. A caller alone therefore writes at once, as without the queue; nobody waits for company.
 *
 * <p>Queue order is the order in which callers entered {@link #submit}, and a group hands its batches to the
 * writer in that order, so an event id present in two calls of one group is inserted by the earlier call.
 *
 * <p>Waiting: a caller still in the queue gives up after its timeout, or when interrupted, and leaves the queue
 * with a {@link StoreException}; so does a leader that cannot get the writer in time. Once its batch is part of
 * a group, a caller waits for the group's transaction to end whatever happens (its outcome is then known), and
 * keeps its interrupt status for later.
 *
 * <p>Where the write runs: a leader on a virtual thread hands its group to {@code writerThread} (a platform
 * thread) and waits, when one is given. SQLite works in native code, which pins a virtual thread to its carrier
 * for the whole transaction; with two carriers on two cores, that left one carrier for every HTTP request while
 * the writer was busy (most of the time under load), and idle while the writer waited for the disk.
 *
 * <p>Thread-safe.
 *
 * @param <B> a call's batch
 * @param <R> a call's result
 */
final class GroupCommit<B, R> {

  /** Writes a group of batches in one transaction; called by the leader while it holds the writer. */
  @FunctionalInterface
  interface GroupWriter<B, R> {
    /**
     * Writes {@code group} (in order) and returns one outcome per batch, in the same order. Expected not to
     * throw: a failure belongs in the outcomes (an exception that escapes fails the whole group).
     *
     * @param waitingSinceNanos when ({@link System#nanoTime}) the group's first call began to wait: the one that
     *     waited longest, so the writer can keep that call's whole wait within its promise
     */
    List<Outcome<R>> write(List<B> group, long waitingSinceNanos);
  }

  /**
   * What one call of a group gets: its result, or the exception its caller sees.
   *
   * @param result the result, when failure is null
   * @param failure why the call failed, or null
   * @param <R> the result type
   */
  record Outcome<R>(R result, RuntimeException failure) {
    static <R> Outcome<R> of(R result) {
      return new Outcome<>(result, null);
    }

    static <R> Outcome<R> failed(RuntimeException failure) {
      return new Outcome<>(null, failure);
    }
  }

  // A waiter's states; changed only under `lock`.
  private static final int QUEUED = 0;
  private static final int LEADING = 1;
  private static final int TAKEN = 2;
  private static final int DONE = 3;

  /** One call in the queue. */
  private static final class Waiter<B, R> {
    final B batch;
    final Condition wakeup;
    int state = QUEUED;
    Outcome<R> outcome;

    Waiter(B batch, Condition wakeup) {
      this.batch = batch;
      this.wakeup = wakeup;
    }
  }

  private final Lock writer;
  private final int maxGroupSize;
  private final ToIntFunction<B> size;
  private final GroupWriter<B, R> groupWriter;
  /** Runs the writes of leaders on virtual threads, or null to write on the leader's own thread. */
  private final Executor writerThread;
  /** Makes the exception for a call that did not get written, from the reason and its cause (or null). */
  private final BiFunction<String, Throwable, StoreException> failure;

  /** Guards the queue, {@link #leading} and every waiter's state and outcome. */
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Waiter<B, R>> queue = new ArrayDeque<>();
  /** Whether some caller is leading; whenever the queue is not empty, one is. */
  private boolean leading;

  /**
   * A queue in front of {@code writer}.
   *
   * @param writer the lock a leader holds while its group is written, or null when there is none
   * @param maxGroupSize how much a group takes (summed {@code size}) unless its first batch is larger alone, > 0
   * @param size the size of a batch, such as its number of events
   * @param groupWriter writes a group
   * @param writerThread a platform thread that runs the writes of leaders on virtual threads, or null
   * @param failure the exception for a call that gave up waiting or whose group failed as a whole, given the
   *     reason ({@code "waited 30000 ms ..."}) and its cause or null
   */
  GroupCommit(Lock writer, int maxGroupSize, ToIntFunction<B> size, GroupWriter<B, R> groupWriter,
      Executor writerThread, BiFunction<String, Throwable, StoreException> failure) {
    if (maxGroupSize <= 0) {
      throw new IllegalArgumentException("maxGroupSize must be > 0: " + maxGroupSize);
    }
    this.writer = writer;
    this.maxGroupSize = maxGroupSize;
    this.size = size;
    this.groupWriter = groupWriter;
    this.writerThread = writerThread;
    this.failure = failure;
  }

  /**
   * Writes {@code batch}, alone or with others, and returns its result once its group's transaction has ended.
   *
   * @param timeoutNanos how long the call may wait for its turn before it gives up
   * @throws StoreException if the write failed, or the call gave up waiting or was interrupted while queued
   *     (then its batch was not written)
   */
  R submit(B batch, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    Waiter<B, R> w;
    int state;
    boolean interrupted = false;
    lock.lock();
    try {
      w = new Waiter<>(batch, lock.newCondition());
      queue.addLast(w);
      if (!leading) {
        leading = true;
        w.state = LEADING;
      }
      while (w.state == QUEUED) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          queue.remove(w);
          throw failure.apply("waited " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
              + " ms for the writes queued before it", null);
        }
        try {
          w.wakeup.awaitNanos(left);
        } catch (InterruptedException e) {
          if (w.state == QUEUED) {
            queue.remove(w);
            Thread.currentThread().interrupt();
            throw failure.apply("interrupted while waiting to write", e);
          }
          interrupted = true; // leading or taken already: finish, and keep the status for later
        }
      }
      state = w.state;
    } finally {
      lock.unlock();
    }
    try {
      if (state == LEADING) {
        lead(w, deadline, timeoutNanos);
      }
      lock.lock();
      try {
        while (w.state != DONE) {
          w.wakeup.awaitUninterruptibly();
        }
        if (w.outcome.failure() != null) {
          throw w.outcome.failure();
        }
        return w.outcome.result();
      } finally {
        lock.unlock();
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * As the leader: takes the writer, then a group headed by {@code leader}'s own batch, writes it and hands out
   * the outcomes. Returns with {@code leader} done, or throws (having left the queue) when the writer cannot be
   * had; either way the next queued caller leads.
   */
  private void lead(Waiter<B, R> leader, long deadline, long timeoutNanos) {
    if (writer != null) {
      boolean locked;
      try {
        locked = writer.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        abdicate(leader);
        Thread.currentThread().interrupt();
        throw failure.apply("interrupted while waiting to write", e);
      }
      if (!locked) {
        abdicate(leader);
        throw failure.apply("waited " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
            + " ms for the other writes to finish", null);
      }
    }
    try {
      List<Waiter<B, R>> group;
      try {
        group = take(leader);
      } catch (RuntimeException | Error e) {
        abdicate(leader); // a bug in the size function: pass the lead on rather than leave the queue stuck
        throw e;
      }
      List<B> batches = new ArrayList<>(group.size());
      for (Waiter<B, R> w : group) {
        batches.add(w.batch);
      }
      List<Outcome<R>> outcomes = null;
      Throwable thrown = null;
      try {
        outcomes = write(batches, deadline - timeoutNanos);
        assert outcomes.size() == group.size() : outcomes.size() + " outcomes for " + group.size() + " calls";
      } catch (RuntimeException | Error e) {
        thrown = e; // a bug in the writer: every call of the group gets the failure rather than waiting forever
      }
      finish(group, outcomes, thrown);
      if (thrown instanceof Error error) {
        throw error;
      }
    } finally {
      if (writer != null) {
        writer.unlock(); // after the next leader was named, so that it is already on its way to the writer
      }
    }
  }

  /**
   * Writes a group, on {@link #writerThread} when the caller is a virtual thread and one is set. Waits for it
   * whatever happens (the outcome must be known) and keeps an interrupt for later; an exception of the writer
   * is rethrown as it is.
   */
  private List<Outcome<R>> write(List<B> batches, long waitingSinceNanos) {
    if (writerThread == null || !Thread.currentThread().isVirtual()) {
      return groupWriter.write(batches, waitingSinceNanos);
    }
    FutureTask<List<Outcome<R>>> task = new FutureTask<>(() -> groupWriter.write(batches, waitingSinceNanos));
    writerThread.execute(task);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException r) throw r;
          if (e.getCause() instanceof Error err) throw err;
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Takes the group from the head of the queue, which is {@code leader} (nobody else takes from it). */
  private List<Waiter<B, R>> take(Waiter<B, R> leader) {
    lock.lock();
    try {
      assert queue.peekFirst() == leader : "the leader heads the queue";
      List<Waiter<B, R>> group = new ArrayList<>();
      long taken = 0;
      for (Waiter<B, R> next = queue.peekFirst(); next != null; next = queue.peekFirst()) {
        int n = size.applyAsInt(next.batch);
        if (!group.isEmpty() && taken + n > maxGroupSize) {
          break;
        }
        queue.pollFirst();
        next.state = TAKEN;
        group.add(next);
        taken += n;
      }
      return group;
    } finally {
      lock.unlock();
    }
  }

  /** Gives each call of the group its outcome, wakes it, and names the next leader. */
  private void finish(List<Waiter<B, R>> group, List<Outcome<R>> outcomes, Throwable thrown) {
    lock.lock();
    try {
      for (int i = 0; i < group.size(); i++) {
        Waiter<B, R> w = group.get(i);
        Outcome<R> outcome = outcomes != null && i < outcomes.size() ? outcomes.get(i) : null;
        if (outcome == null) {
          Throwable reason = thrown != null ? thrown : new IllegalStateException("the group writer gave no outcome");
          outcome = Outcome.failed(failure.apply("the write of its group failed: " + reason, reason));
        }
        w.outcome = outcome;
        w.state = DONE;
        w.wakeup.signal();
      }
      promoteNext();
    } finally {
      lock.unlock();
    }
  }

  /** A leader that could not get the writer leaves the queue (it is its head) and passes the lead on. */
  private void abdicate(Waiter<B, R> leader) {
    lock.lock();
    try {
      queue.remove(leader);
      leader.state = DONE;
      promoteNext();
    } finally {
      lock.unlock();
    }
  }

  /** How many calls wait in the queue, not yet taken into a group (for tests). */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Names the head of the queue leader, or notes that nobody leads; holds {@link #lock}. */
  private void promoteNext() {
    Waiter<B, R> next = queue.peekFirst();
    if (next == null) {
      leading = false;
    } else {
      next.state = LEADING;
      next.wakeup.signal();
    }
  }
}
