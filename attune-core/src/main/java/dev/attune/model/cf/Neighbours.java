package dev.attune.model.cf;

import dev.attune.data.Interactions;
import dev.attune.kernel.TopKSelector;
import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Top-k shrunk cosine neighbours between the rows of a sparse matrix, shared by {@link ItemKnn} (rows =
 * items) and {@link UserKnn} (rows = users).
 *
 * <p>sim(a, b) = Σ_c m_ac m_bc / (‖m_a‖ ‖m_b‖ + shrinkage), the shrunk cosine of Sarwar et al. (WWW 2001)
 * with the shrinkage of Koren (KDD 2008) damping similarities supported by few co-occurrences.
 *
 * @implNote O(Σ_c |column c|² + Σ_a t_a log t_a) time over all rows, t_a the rows row a co-occurs with; one dense
 *     accumulator of length rows per thread, of which each row reads, selects from and resets only the entries it
 *     touched (doing that over the whole accumulator made a fit grow with the square of the rows: 80k items took
 *     18 s of CPU where 10k took 0.9 s, for the same events, a review).
 */
final class Neighbours {
  final int[] indptr;
  final int[] indices;
  final float[] similarities;

  private Neighbours(int[] indptr, int[] indices, float[] similarities) {
    this.indptr = indptr;
    this.indices = indices;
    this.similarities = similarities;
  }

  /** Row norms ‖m_a‖. */
  static float[] norms(Interactions rows) {
    float[] norms = new float[rows.numUsers()];
    float[] values = rows.values();
    int[] indptr = rows.indptr();
    for (int a = 0; a < norms.length; a++) {
      double s = 0;
      for (int p = indptr[a]; p < indptr[a + 1]; p++) s += (double) values[p] * values[p];
      norms[a] = (float) Math.sqrt(s);
    }
    return norms;
  }

  /**
   * Similarities of row {@code a} to every row into {@code acc} (length rows.numUsers()); self set to NaN.
   * {@code acc} must be all zero on entry.
   */
  static void similarityRow(Interactions rows, Interactions columns, float[] norms, float shrinkage, int a, float[] acc) {
    accumulate(rows, columns, a, acc, null);
    for (int b = 0; b < acc.length; b++) {
      if (acc[b] != 0f) acc[b] /= norms[a] * norms[b] + shrinkage;
    }
    acc[a] = Float.NaN;
  }

  /** The rows a row's dot products touched, each listed once (in the order first touched). */
  private static final class Touched {
    final boolean[] marked;
    int[] rows = new int[16];
    int count;

    Touched(int n) {
      marked = new boolean[n];
    }

    void add(int b) {
      if (marked[b]) return;
      marked[b] = true;
      if (count == rows.length) rows = java.util.Arrays.copyOf(rows, 2 * count);
      rows[count++] = b;
    }

    /** Unmarks every listed row and empties the list. */
    void clear() {
      for (int j = 0; j < count; j++) marked[rows[j]] = false;
      count = 0;
    }
  }

  /** Adds row {@code a}'s dot product with every row into {@code acc}; lists the rows touched in {@code touched}. */
  private static void accumulate(Interactions rows, Interactions columns, int a, float[] acc, Touched touched) {
    int[] rp = rows.indptr();
    int[] ri = rows.indices();
    float[] rv = rows.values();
    int[] cp = columns.indptr();
    int[] ci = columns.indices();
    float[] cv = columns.values();
    for (int p = rp[a]; p < rp[a + 1]; p++) {
      int c = ri[p];
      float v = rv[p];
      for (int q = cp[c]; q < cp[c + 1]; q++) {
        acc[ci[q]] += v * cv[q];
        if (touched != null) touched.add(ci[q]);
      }
    }
  }

  /** Top-{@code k} neighbours of every row, computed on {@code threads} threads; deterministic. */
  static Neighbours compute(Interactions rows, Interactions columns, int k, float shrinkage, int threads,
      dev.attune.model.FitListener listener, String stage) {
    int n = rows.numUsers();
    float[] norms = norms(rows);
    int[][] nIdx = new int[n][];
    float[][] nSim = new float[n][];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "attune-knn");
      t.setDaemon(true);
      return t;
    });
    try {
      Future<?>[] futures = new Future<?>[threads];
      for (int t = 0; t < threads; t++) {
        futures[t] = pool.submit(() -> {
          float[] acc = new float[n];
          Touched touched = new Touched(n);
          float[] candidates = new float[16];
          for (int a; (a = next.getAndIncrement()) < n; ) {
            accumulate(rows, columns, a, acc, touched);
            int count = touched.count;
            int[] touchedRows = touched.rows;
            // in row order, so that ties go to the lower row as a selection over all rows gave them
            java.util.Arrays.sort(touchedRows, 0, count);
            if (candidates.length < count) candidates = new float[touchedRows.length];
            for (int j = 0; j < count; j++) {
              int b = touchedRows[j];
              float dot = acc[b];
              // no co-occurrence (or one that cancelled out) and the row itself: never a neighbour
              candidates[j] = dot == 0f || b == a ? Float.NaN : dot / (norms[a] * norms[b] + shrinkage);
              acc[b] = 0f;
            }
            if (count == 0) {
              nIdx[a] = new int[0];
              nSim[a] = new float[0];
            } else {
              TopK top = TopKSelector.select(candidates, count, k, ItemFilter.ALL);
              int[] items = top.items();
              for (int r = 0; r < items.length; r++) items[r] = touchedRows[items[r]];
              nIdx[a] = items;
              nSim[a] = top.scores();
            }
            touched.clear();
            int d = done.incrementAndGet();
            if ((d & 255) == 0 && listener != null) listener.progress(stage, d, n);
          }
        });
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("neighbour worker failed", e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    int[] indptr = new int[n + 1];
    for (int a = 0; a < n; a++) indptr[a + 1] = indptr[a] + nIdx[a].length;
    int[] indices = new int[indptr[n]];
    float[] sims = new float[indptr[n]];
    for (int a = 0; a < n; a++) {
      System.arraycopy(nIdx[a], 0, indices, indptr[a], nIdx[a].length);
      System.arraycopy(nSim[a], 0, sims, indptr[a], nSim[a].length);
    }
    if (listener != null) listener.progress(stage, n, n);
    return new Neighbours(indptr, indices, sims);
  }

  /** Similarity of row a's stored neighbour b, or 0 when b is not among a's neighbours. */
  float similarity(int a, int b) {
    for (int p = indptr[a]; p < indptr[a + 1]; p++) {
      if (indices[p] == b) return similarities[p];
    }
    return 0f;
  }

  static int threads(int requested) {
    return requested == 0 ? Runtime.getRuntime().availableProcessors() : requested;
  }
}
