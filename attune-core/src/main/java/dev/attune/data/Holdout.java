package dev.attune.data;

import java.util.Arrays;

/**
 * Held-out events per user: the items a user went on to consume, which an evaluation asks models to
 * predict. Row {@code u} lists user {@code u}'s held-out items in time order, with their raw event values
 * (ratings, for error metrics) and types. Users with nothing held out have empty rows.
 *
 * <p>Immutable and thread-safe; array accessors return internal arrays: do not modify.
 */
public final class Holdout {
  private final int[] indptr;
  private final int[] items;
  private final float[] values;
  private final short[] types;

  Holdout(int[] indptr, int[] items, float[] values, short[] types) {
    this.indptr = indptr;
    this.items = items;
    this.values = values;
    this.types = types;
  }

  /** An empty holdout for {@code numUsers} users. */
  public static Holdout empty(int numUsers) {
    return new Holdout(new int[numUsers + 1], new int[0], new float[0], new short[0]);
  }

  public int numUsers() {
    return indptr.length - 1;
  }

  /** Total held-out events. */
  public int size() {
    return items.length;
  }

  /** Number of users with at least one held-out item. */
  public int numUsersWithItems() {
    int n = 0;
    for (int u = 0; u < numUsers(); u++) {
      if (indptr[u + 1] > indptr[u]) n++;
    }
    return n;
  }

  public int[] indptr() {
    return indptr;
  }

  public int[] items() {
    return items;
  }

  public float[] values() {
    return values;
  }

  /** Each held-out event's type, an index into the data set's {@code typeNames()}. */
  public short[] types() {
    return types;
  }

  /** A copy of user {@code u}'s held-out items (time order, repeats possible). */
  public int[] itemsOf(int u) {
    return Arrays.copyOfRange(items, indptr[u], indptr[u + 1]);
  }

  /** User {@code u}'s distinct held-out items, ascending. */
  public int[] distinctItemsOf(int u) {
    return Arrays.stream(items, indptr[u], indptr[u + 1]).sorted().distinct().toArray();
  }
}
