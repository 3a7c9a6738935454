package dev.attune.data;

import java.util.Arrays;

/**
 * Sparse user × item matrix of summed preference weights in CSR form.
 *
 * <p>Row {@code u} spans {@code indptr[u] .. indptr[u+1]} of {@code indices} (item indices, ascending)
 * and {@code values} (weights). Several events on one (user, item) pair are summed into one entry, so a
 * skip after a play lowers the entry and may make it negative; models for positive feedback read
 * {@link #positive()}. Each entry also records the time of its latest event.
 *
 * <p>Immutable and thread-safe. The array accessors return the internal arrays for speed: do not modify
 * them. Memory: 4 × (numUsers + 1) + 16 bytes per entry.
 */
public final class Interactions {
  private final int numUsers;
  private final int numItems;
  private final int[] indptr;
  private final int[] indices;
  private final float[] values;
  private final long[] lastTimes;

  /**
   * Wraps CSR arrays; rows must be sorted by item with no duplicates.
   *
   * @throws IllegalArgumentException if the arrays do not form a valid CSR matrix
   */
  public Interactions(int numUsers, int numItems, int[] indptr, int[] indices, float[] values, long[] lastTimes) {
    if (indptr.length != numUsers + 1 || indptr[0] != 0 || indptr[numUsers] != indices.length
        || values.length != indices.length || lastTimes.length != indices.length) {
      throw new IllegalArgumentException("inconsistent CSR arrays");
    }
    for (int u = 0; u < numUsers; u++) {
      for (int p = indptr[u]; p < indptr[u + 1]; p++) {
        int i = indices[p];
        if (i < 0 || i >= numItems || (p > indptr[u] && indices[p - 1] >= i)) {
          throw new IllegalArgumentException("row " + u + " is not sorted, unique and in range");
        }
      }
    }
    this.numUsers = numUsers;
    this.numItems = numItems;
    this.indptr = indptr;
    this.indices = indices;
    this.values = values;
    this.lastTimes = lastTimes;
  }

  /** Builds a matrix from coordinate triples; duplicate (user, item) pairs are summed. */
  public static Interactions fromTriples(int numUsers, int numItems, int[] users, int[] items, float[] weights) {
    long[] times = new long[users.length];
    return fromTriples(numUsers, numItems, users, items, weights, times, users.length);
  }

  static Interactions fromTriples(
      int numUsers, int numItems, int[] users, int[] items, float[] weights, long[] times, int n) {
    int[] counts = new int[numUsers + 1];
    for (int k = 0; k < n; k++) {
      counts[users[k] + 1]++;
    }
    for (int u = 0; u < numUsers; u++) {
      counts[u + 1] += counts[u];
    }
    int[] fill = Arrays.copyOf(counts, numUsers);
    int[] rowItems = new int[n];
    float[] rowWeights = new float[n];
    long[] rowTimes = new long[n];
    for (int k = 0; k < n; k++) {
      int at = fill[users[k]]++;
      rowItems[at] = items[k];
      rowWeights[at] = weights[k];
      rowTimes[at] = times[k];
    }
    // Sort each row by item and merge duplicates.
    int[] indptr = new int[numUsers + 1];
    int[] outItems = new int[n];
    float[] outWeights = new float[n];
    long[] outTimes = new long[n];
    int w = 0;
    long[] keys = new long[0];
    for (int u = 0; u < numUsers; u++) {
      int start = counts[u];
      int len = counts[u + 1] - start;
      if (keys.length < len) {
        keys = new long[Math.max(len, keys.length * 2)];
      }
      for (int j = 0; j < len; j++) {
        keys[j] = ((long) rowItems[start + j] << 32) | j;
      }
      Arrays.sort(keys, 0, len);
      int last = -1;
      for (int j = 0; j < len; j++) {
        int item = (int) (keys[j] >>> 32);
        int src = start + (int) keys[j];
        if (item == last) {
          outWeights[w - 1] += rowWeights[src];
          outTimes[w - 1] = Math.max(outTimes[w - 1], rowTimes[src]);
        } else {
          outItems[w] = item;
          outWeights[w] = rowWeights[src];
          outTimes[w] = rowTimes[src];
          w++;
          last = item;
        }
      }
      indptr[u + 1] = w;
    }
    return new Interactions(numUsers, numItems, indptr, Arrays.copyOf(outItems, w),
        Arrays.copyOf(outWeights, w), Arrays.copyOf(outTimes, w));
  }

  public int numUsers() {
    return numUsers;
  }

  public int numItems() {
    return numItems;
  }

  /** Number of stored entries. */
  public int nnz() {
    return indices.length;
  }

  /** Row pointers, length numUsers + 1. Do not modify. */
  public int[] indptr() {
    return indptr;
  }

  /** Item index of each entry. Do not modify. */
  public int[] indices() {
    return indices;
  }

  /** Weight of each entry. Do not modify. */
  public float[] values() {
    return values;
  }

  /** Time of the latest event of each entry. Do not modify. */
  public long[] lastTimes() {
    return lastTimes;
  }

  /** Number of items in user {@code u}'s row. */
  public int rowLength(int u) {
    return indptr[u + 1] - indptr[u];
  }

  /** A copy of user {@code u}'s item indices, ascending. */
  public int[] row(int u) {
    return Arrays.copyOfRange(indices, indptr[u], indptr[u + 1]);
  }

  /** The weight of (u, i), or 0 when absent. O(log row length). */
  public float get(int u, int i) {
    int p = Arrays.binarySearch(indices, indptr[u], indptr[u + 1], i);
    return p >= 0 ? values[p] : 0f;
  }

  /** The item × user matrix (same entries, transposed). O(nnz). */
  public Interactions transpose() {
    int[] counts = new int[numItems + 1];
    for (int i : indices) {
      counts[i + 1]++;
    }
    for (int i = 0; i < numItems; i++) {
      counts[i + 1] += counts[i];
    }
    int[] fill = Arrays.copyOf(counts, numItems);
    int[] tIndices = new int[indices.length];
    float[] tValues = new float[indices.length];
    long[] tTimes = new long[indices.length];
    for (int u = 0; u < numUsers; u++) {
      for (int p = indptr[u]; p < indptr[u + 1]; p++) {
        int at = fill[indices[p]]++;
        tIndices[at] = u; // users visited in ascending order, so rows come out sorted
        tValues[at] = values[p];
        tTimes[at] = lastTimes[p];
      }
    }
    return new Interactions(numItems, numUsers, counts, tIndices, tValues, tTimes);
  }

  /** The entries with weight &gt; 0 (negative feedback dropped). Returns this when all are positive. */
  public Interactions positive() {
    int keep = 0;
    for (float v : values) {
      if (v > 0) keep++;
    }
    if (keep == values.length) {
      return this;
    }
    int[] p2 = new int[numUsers + 1];
    int[] i2 = new int[keep];
    float[] v2 = new float[keep];
    long[] t2 = new long[keep];
    int w = 0;
    for (int u = 0; u < numUsers; u++) {
      for (int p = indptr[u]; p < indptr[u + 1]; p++) {
        if (values[p] > 0) {
          i2[w] = indices[p];
          v2[w] = values[p];
          t2[w] = lastTimes[p];
          w++;
        }
      }
      p2[u + 1] = w;
    }
    return new Interactions(numUsers, numItems, p2, i2, v2, t2);
  }

  /** The same pattern with every weight set to 1. */
  public Interactions binary() {
    float[] ones = new float[values.length];
    Arrays.fill(ones, 1f);
    return new Interactions(numUsers, numItems, indptr, indices, ones, lastTimes);
  }

  /** Number of users per item (entries per column). */
  public int[] itemCounts() {
    int[] c = new int[numItems];
    for (int i : indices) {
      c[i]++;
    }
    return c;
  }
}
