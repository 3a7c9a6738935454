package dev.attune.data;

import java.util.Arrays;

/**
 * Each user's events in time order (ties in input order), as one flat array with row pointers.
 *
 * <p>Unlike {@link Interactions} nothing is merged: a track played three times appears three times, and a
 * skip stays a separate (negative-weight) step. Sequential models read these.
 *
 * <p>Immutable and thread-safe; array accessors return internal arrays: do not modify.
 */
public final class Sequences {
  private final int[] indptr;
  private final int[] items;
  private final short[] types;
  private final float[] weights;
  private final long[] times;
  private final float[] values;

  Sequences(int[] indptr, int[] items, short[] types, float[] weights, long[] times, float[] values) {
    this.indptr = indptr;
    this.items = items;
    this.types = types;
    this.weights = weights;
    this.times = times;
    this.values = values;
  }

  /** Number of users (rows), including users with empty sequences. */
  public int numUsers() {
    return indptr.length - 1;
  }

  /** Total number of steps. */
  public int size() {
    return items.length;
  }

  public int[] indptr() {
    return indptr;
  }

  public int[] items() {
    return items;
  }

  /** Event type index of each step (see {@link Dataset#typeNames()}). */
  public short[] types() {
    return types;
  }

  /** Signed preference weight of each step. */
  public float[] weights() {
    return weights;
  }

  public long[] times() {
    return times;
  }

  /** Raw event value of each step (a rating, a completion ratio, a play count). */
  public float[] values() {
    return values;
  }

  /** Length of user {@code u}'s sequence. */
  public int length(int u) {
    return indptr[u + 1] - indptr[u];
  }

  /** A copy of user {@code u}'s items, oldest first. */
  public int[] itemsOf(int u) {
    return Arrays.copyOfRange(items, indptr[u], indptr[u + 1]);
  }

  /** A copy of user {@code u}'s items with positive weight, oldest first. */
  public int[] positiveItemsOf(int u) {
    int n = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (weights[p] > 0) n++;
    }
    int[] out = new int[n];
    int w = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (weights[p] > 0) out[w++] = items[p];
    }
    return out;
  }

  /** The event types of user {@code u}'s steps with positive weight, oldest first (aligned with {@link #positiveItemsOf}). */
  public int[] positiveTypesOf(int u) {
    int n = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (weights[p] > 0) n++;
    }
    int[] out = new int[n];
    int w = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (weights[p] > 0) out[w++] = types[p];
    }
    return out;
  }
}
