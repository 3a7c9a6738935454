package dev.attune.infer;

import dev.attune.kernel.TopKSelector;
import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Top-k recommendation for many concurrent callers of one {@link SequentialModel}, scoring the requests that
 * arrive together in one pass over the item representations.
 *
 * <p>Why: scoring every item reads the whole item matrix (25.6 MB at 100,000 items × 64), so one request costs
 * a scan of memory; eight users scored in one scan cost little more than one (see {@code VectorOps.scoreAll}).
 * A caller whose scores are not being computed starts a pass with every request queued so far (at most {@code
 * maxBatch}), and callers that arrive during a pass join the next one. Before it starts, it waits for company
 * (at most {@link #GATHER_NANOS}) only when some is likely: while other callers are computing their user
 * representation, or when the previous pass had more than one request (the server is busy). An idle server
 * therefore never waits and answers with the latency of a lone request, while a busy one scores most requests
 * in passes of several.
 *
 * <p>Results are the same bits as {@link SequentialModel#recommend} with the same history and filter
 * (the batch does not change any score). Thread-safe; score buffers are pooled (at most {@link #POOLED} of
 * {@code 4 N} bytes each), because a request served on a new virtual thread would otherwise allocate one.
 */
public final class BatchedScoring {
  /** Score buffers kept for reuse. */
  static final int POOLED = 64;
  /**
   * Longest wait of a pass's leader for requests still computing their user representation (a SASRec forward
   * pass over 20 events takes about a tenth of a millisecond; a pass over 100,000 items about half of one).
   */
  static final long GATHER_NANOS = 200_000;

  private final SequentialModel model;
  private final int maxBatch;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition passEnded = lock.newCondition();
  /** Signalled when a request joins the queue, for a leader gathering company. */
  private final Condition joined = lock.newCondition();
  /** Callers computing their user representation, who will soon queue. */
  private final AtomicInteger encoding = new AtomicInteger();
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private boolean scoring;
  /** Requests in the last pass; more than one means callers are arriving together. */
  private int lastBatch;
  private final ConcurrentLinkedQueue<float[]> buffers = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pooled = new AtomicInteger();
  private long passes;
  private long scored;

  /** One caller's user representation and the buffer its scores go to. */
  private static final class Request {
    final float[] user;
    final float[] scores;
    boolean done;
    RuntimeException failure;

    Request(float[] user, float[] scores) {
      this.user = user;
      this.scores = scores;
    }
  }

  /**
   * @param model the model to score with
   * @param maxBatch most requests per pass, at least 1 (8 fills the widest kernel)
   * @throws IllegalArgumentException if {@code maxBatch < 1}
   */
  public BatchedScoring(SequentialModel model, int maxBatch) {
    this.model = Objects.requireNonNull(model, "model");
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1: " + maxBatch);
    }
    this.maxBatch = maxBatch;
  }

  /** The model scored with. */
  public SequentialModel model() {
    return model;
  }

  /**
   * The k best items for a history, among those the filter accepts.
   *
   * @param history item indices, oldest first (as {@link SequentialModel#userRepresentation})
   * @param types event type per step, or null
   * @param k items wanted, at least 1
   * @param excluded item indices never returned (cheaper than the filter for a list known up front), or null
   * @param filter which items may be returned (null = all)
   * @throws IllegalArgumentException as {@link SequentialModel#userRepresentation}, if {@code k < 1} or an
   *     excluded index is out of range
   */
  public TopK recommend(int[] history, int[] types, int k, int[] excluded, ItemFilter filter) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1: " + k);
    }
    if (excluded != null) {
      for (int i : excluded) {
        if (i < 0 || i >= model.numItems()) {
          throw new IllegalArgumentException("excluded item " + i + " outside [0, " + model.numItems() + ")");
        }
      }
    }
    float[] user;
    encoding.incrementAndGet();
    try {
      user = model.userRepresentation(history, types);
    } finally {
      encoding.decrementAndGet();
    }
    float[] scores = borrow();
    try {
      scoreTogether(new Request(user, scores));
      if (excluded != null) {
        for (int i : excluded) scores[i] = Float.NaN; // NaN = skipped, see TopKSelector
      }
      return TopKSelector.select(scores, scores.length, k, filter == null ? ItemFilter.ALL : filter);
    } finally {
      giveBack(scores);
    }
  }

  /** Passes over the item matrix so far and the requests they scored (mean batch = scored / passes). */
  public long[] passesAndRequests() {
    lock.lock();
    try {
      return new long[] {passes, scored};
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues the request, then either runs a pass (when none is running) or waits for one; returns when the
   * request's scores are written. A caller may run a pass that does not include its own request (when more
   * than {@code maxBatch} are queued before it) and then goes on until its own is done.
   */
  private void scoreTogether(Request mine) {
    lock.lock();
    try {
      waiting.add(mine);
      joined.signal();
      while (!mine.done) {
        if (scoring) {
          passEnded.awaitUninterruptibly();
          continue;
        }
        scoring = true;
        long gather = GATHER_NANOS;
        while (waiting.size() < maxBatch && (encoding.get() > 0 || lastBatch > 1) && gather > 0) {
          try {
            gather = joined.awaitNanos(gather);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stop gathering; the pass still runs
            break;
          }
        }
        int n = Math.min(maxBatch, waiting.size());
        Request[] batch = new Request[n];
        for (int j = 0; j < n; j++) batch[j] = waiting.poll();
        lock.unlock();
        RuntimeException failure = null;
        try {
          float[][] users = new float[n][];
          float[][] outs = new float[n][];
          for (int j = 0; j < n; j++) {
            users[j] = batch[j].user;
            outs[j] = batch[j].scores;
          }
          model.scoreAll(users, n, outs);
        } catch (RuntimeException e) {
          failure = e;
        } catch (Error e) {
          // out of memory, say: every request of the pass fails with it, the scorer's own rethrown below; marked done
          // without a failure, the others read an earlier request's scores from their pooled buffers (a review)
          failure = new IllegalStateException("scoring failed: " + e, e);
          throw e;
        } finally {
          lock.lock();
          for (Request r : batch) {
            r.failure = failure;
            r.done = true;
          }
          scoring = false;
          lastBatch = n;
          passes++;
          scored += n;
          passEnded.signalAll();
        }
      }
    } finally {
      lock.unlock();
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
  }

  private float[] borrow() {
    float[] b = buffers.poll();
    if (b == null) return new float[model.numItems()];
    pooled.decrementAndGet();
    return b;
  }

  private void giveBack(float[] b) {
    if (pooled.incrementAndGet() <= POOLED) {
      buffers.add(b);
    } else {
      pooled.decrementAndGet();
    }
  }
}
