package dev.attune.model;

import java.util.Arrays;

/**
 * A ranked answer: parallel arrays of item indices and scores, best first, ties broken by ascending item
 * index. Immutable (arrays are copied on the way in and out).
 */
public final class TopK {
  private static final TopK EMPTY = new TopK(new int[0], new float[0]);
  private final int[] items;
  private final float[] scores;

  /** Wraps ranked arrays of equal length; the caller guarantees the order. */
  public TopK(int[] items, float[] scores) {
    if (items.length != scores.length) {
      throw new IllegalArgumentException("items and scores differ in length");
    }
    this.items = items.clone();
    this.scores = scores.clone();
  }

  /** The empty answer. */
  public static TopK empty() {
    return EMPTY;
  }

  /** Number of ranked items. */
  public int size() {
    return items.length;
  }

  /** Item index at rank {@code r} (0 = best). */
  public int item(int r) {
    return items[r];
  }

  /** Score at rank {@code r}. */
  public float score(int r) {
    return scores[r];
  }

  /** A copy of the ranked item indices. */
  public int[] items() {
    return items.clone();
  }

  /** A copy of the scores. */
  public float[] scores() {
    return scores.clone();
  }

  /** Rank of {@code item} (0 = best), or -1 if absent. */
  public int rankOf(int item) {
    for (int r = 0; r < items.length; r++) {
      if (items[r] == item) return r;
    }
    return -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TopK t && Arrays.equals(items, t.items) && Arrays.equals(scores, t.scores);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(items) * 31 + Arrays.hashCode(scores);
  }

  @Override
  public String toString() {
    return "TopK" + Arrays.toString(items);
  }
}
