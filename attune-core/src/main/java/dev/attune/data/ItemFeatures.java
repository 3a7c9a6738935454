package dev.attune.data;

import dev.attune.events.Item;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sparse item × feature matrix of binary features drawn from item metadata.
 *
 * <p>Feature names are prefixed by their source: {@code category:rock}, {@code tag:chill},
 * {@code creator:Miles Davis}, {@code album:Kind of Blue}, {@code attr:<name>=<value>}. Rows are sorted by
 * feature index; features are numbered in item order, an item's attributes by name (a map's own order differs from
 * one run to the next, and so did the numbering, and a seeded training's attribute embeddings with it). Immutable and
 * thread-safe.
 */
public final class ItemFeatures {
  private final IdIndex featureNames;
  private final int[] indptr;
  private final int[] indices;
  /** Per feature, whether two or more items have it: one item's alone (its url) says nothing of similarity. */
  private final boolean[] shared;

  private ItemFeatures(IdIndex featureNames, int[] indptr, int[] indices) {
    this.featureNames = featureNames;
    this.indptr = indptr;
    this.indices = indices;
    int[] holders = new int[featureNames.size()];
    for (int f : indices) holders[f]++;
    this.shared = new boolean[holders.length];
    for (int f = 0; f < holders.length; f++) shared[f] = holders[f] >= 2;
  }

  /** Builds the feature matrix of {@code items} (index order). */
  public static ItemFeatures of(List<Item> items) {
    IdIndex names = new IdIndex();
    int[] indptr = new int[items.size() + 1];
    int[] buffer = new int[Math.max(16, items.size() * 4)];
    int w = 0;
    List<String> row = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      row.clear();
      for (String c : item.categories()) row.add("category:" + c);
      for (String t : item.tags()) row.add("tag:" + t);
      if (item.creator() != null) row.add("creator:" + item.creator());
      if (item.album() != null) row.add("album:" + item.album());
      new java.util.TreeMap<>(item.attributes()).forEach((k, v) -> row.add("attr:" + k + "=" + v));
      int start = w;
      for (String f : row) {
        if (w == buffer.length) buffer = Arrays.copyOf(buffer, buffer.length * 2);
        buffer[w++] = names.add(f);
      }
      Arrays.sort(buffer, start, w);
      int unique = start;
      for (int k = start; k < w; k++) {
        if (k == start || buffer[k] != buffer[unique - 1]) buffer[unique++] = buffer[k];
      }
      w = unique;
      indptr[i + 1] = w;
    }
    return new ItemFeatures(names, indptr, Arrays.copyOf(buffer, w));
  }

  public int numItems() {
    return indptr.length - 1;
  }

  public int numFeatures() {
    return featureNames.size();
  }

  public IdIndex featureNames() {
    return featureNames;
  }

  public int[] indptr() {
    return indptr;
  }

  public int[] indices() {
    return indices;
  }

  /** A copy of item {@code i}'s feature indices, ascending. */
  public int[] featuresOf(int i) {
    return Arrays.copyOfRange(indices, indptr[i], indptr[i + 1]);
  }

  /**
   * Cosine similarity of two items' binary feature sets, over the features two or more items share (a feature of one
   * item alone, such as its url, picture or an artist's own name as creator, makes two items with equal genres
   * cosine 0.5 rather than 1: a review measured Diversity@10 on MovieLens-100K 0.815 with them, 0.743 without); 0
   * when either has none.
   */
  public float cosine(int a, int b) {
    int pa = indptr[a], ea = indptr[a + 1], pb = indptr[b], eb = indptr[b + 1];
    int na = 0, nb = 0;
    for (int p = pa; p < ea; p++) if (shared[indices[p]]) na++;
    for (int p = pb; p < eb; p++) if (shared[indices[p]]) nb++;
    if (na == 0 || nb == 0) return 0f;
    int common = 0;
    while (pa < ea && pb < eb) {
      int c = Integer.compare(indices[pa], indices[pb]);
      if (c == 0) {
        if (shared[indices[pa]]) common++;
        pa++;
        pb++;
      } else if (c < 0) {
        pa++;
      } else {
        pb++;
      }
    }
    return (float) (common / Math.sqrt((double) na * nb));
  }
}
