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
 * feature index. Immutable and thread-safe.
 */
public final class ItemFeatures {
  private final IdIndex featureNames;
  private final int[] indptr;
  private final int[] indices;

  private ItemFeatures(IdIndex featureNames, int[] indptr, int[] indices) {
    this.featureNames = featureNames;
    this.indptr = indptr;
    this.indices = indices;
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
      item.attributes().forEach((k, v) -> row.add("attr:" + k + "=" + v));
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

  /** Cosine similarity of two items' binary feature sets; 0 when either has none. */
  public float cosine(int a, int b) {
    int pa = indptr[a], ea = indptr[a + 1], pb = indptr[b], eb = indptr[b + 1];
    int na = ea - pa, nb = eb - pb;
    if (na == 0 || nb == 0) return 0f;
    int common = 0;
    while (pa < ea && pb < eb) {
      int c = Integer.compare(indices[pa], indices[pb]);
      if (c == 0) {
        common++;
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
