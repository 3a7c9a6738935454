package dev.attune.kernel;

import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;

/**
 * Selects the k best entries of a score array with a bounded min-heap.
 *
 * <p>Entries whose score is NaN are skipped: callers mark excluded items that way so exclusion costs one
 * store per item. Ties are broken by ascending index. O(n log k).
 */
public final class TopKSelector {
  private TopKSelector() {}

  /**
   * The best {@code k} of {@code scores[0..n)} accepted by {@code filter}, best first.
   *
   * @throws IllegalArgumentException if k &lt;= 0
   */
  public static TopK select(float[] scores, int n, int k, ItemFilter filter) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be > 0: " + k);
    }
    int cap = Math.min(k, n);
    int[] heapItems = new int[cap];
    float[] heapScores = new float[cap];
    int size = 0;
    boolean acceptAll = filter == ItemFilter.ALL;
    for (int i = 0; i < n; i++) {
      if (size == cap) {
        // Full: only a strictly better entry (higher score, or equal score with lower index) gets in.
        // Indices arrive ascending, so an equal score is never better than the root; NaN never is. The
        // vectorised scan skips the many entries below the root, which otherwise cost as much as scoring them.
        i = VectorOps.firstAbove(scores, i, n, heapScores[0]);
        if (i == n) break;
        if (!acceptAll && !filter.accepts(i)) continue;
        heapItems[0] = i;
        heapScores[0] = scores[i];
        siftDown(heapItems, heapScores, 0, size);
      } else {
        float s = scores[i];
        if (Float.isNaN(s)) continue;
        if (!acceptAll && !filter.accepts(i)) continue;
        heapItems[size] = i;
        heapScores[size] = s;
        siftUp(heapItems, heapScores, size);
        size++;
      }
    }
    // Pop worst-first into the tail to get best-first order.
    int[] items = new int[size];
    float[] out = new float[size];
    for (int r = size - 1; r >= 0; r--) {
      items[r] = heapItems[0];
      out[r] = heapScores[0];
      int last = r;
      heapItems[0] = heapItems[last];
      heapScores[0] = heapScores[last];
      siftDown(heapItems, heapScores, 0, last);
    }
    return new TopK(items, out);
  }

  /** Whether entry a ranks below entry b. */
  private static boolean worse(float sa, int ia, float sb, int ib) {
    return sa < sb || (sa == sb && ia > ib);
  }

  private static void siftUp(int[] items, float[] scores, int at) {
    while (at > 0) {
      int parent = (at - 1) >>> 1;
      if (!worse(scores[at], items[at], scores[parent], items[parent])) break;
      swap(items, scores, at, parent);
      at = parent;
    }
  }

  private static void siftDown(int[] items, float[] scores, int at, int size) {
    while (true) {
      int l = 2 * at + 1;
      if (l >= size) return;
      int r = l + 1;
      int worst = r < size && worse(scores[r], items[r], scores[l], items[l]) ? r : l;
      if (!worse(scores[worst], items[worst], scores[at], items[at])) return;
      swap(items, scores, at, worst);
      at = worst;
    }
  }

  private static void swap(int[] items, float[] scores, int a, int b) {
    int ti = items[a];
    items[a] = items[b];
    items[b] = ti;
    float ts = scores[a];
    scores[a] = scores[b];
    scores[b] = ts;
  }
}
