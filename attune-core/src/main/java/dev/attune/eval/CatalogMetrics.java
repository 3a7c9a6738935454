package dev.attune.eval;

import dev.attune.data.ItemFeatures;

/**
 * Beyond-accuracy metrics: how a model's top-k lists spread over the catalogue, how varied each list is and
 * how unfamiliar its items are. They describe a set of lists (one per user), not one list against a truth.
 *
 * <p>Stateless and thread-safe. Costs are given per method; nothing but {@link #gini} allocates.
 */
public final class CatalogMetrics {
  private static final double LN2 = Math.log(2);

  private CatalogMetrics() {}

  /**
   * Catalogue coverage: items recommended at least once (count &gt; 0) over the catalogue size
   * {@code counts.length}. In [0, 1]; NaN for an empty catalogue.
   *
   * @param counts times each item was recommended, indexed by item
   * @implNote O(numItems).
   */
  public static double coverage(int[] counts) {
    if (counts.length == 0) return Double.NaN;
    int covered = 0;
    for (int c : counts) {
      if (c > 0) covered++;
    }
    return (double) covered / counts.length;
  }

  /**
   * Gini index of recommendation counts over the whole catalogue (items never recommended included):
   * G = Σ_i (2i - n - 1) · c_(i) / (n · Σ c) with counts sorted ascending and i = 1..n. 0 when every item is
   * recommended equally often; (n - 1) / n, close to 1, when one item takes every slot. NaN when nothing was
   * recommended.
   *
   * @param counts times each item was recommended, indexed by item, each &gt;= 0
   * @throws IllegalArgumentException if a count is negative
   * @implNote O(n log n), sorts a copy.
   */
  public static double gini(int[] counts) {
    int[] sorted = counts.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    if (n > 0 && sorted[0] < 0) {
      throw new IllegalArgumentException("counts must be >= 0");
    }
    double total = 0;
    double weighted = 0;
    for (int i = 0; i < n; i++) {
      total += sorted[i];
      weighted += (2.0 * (i + 1) - n - 1) * sorted[i];
    }
    if (total == 0) return Double.NaN;
    return weighted / (n * total);
  }

  /**
   * Intra-list diversity of one list: the mean over pairs of distinct positions of 1 - cosine similarity of
   * the two items' binary feature sets ({@link ItemFeatures#cosine}: over the features two or more items share). An
   * item without such features has cosine 0 with everything and so counts as maximally different. NaN for lists of
   * fewer than two items.
   *
   * @param list item indices, the first {@code length} are read
   * @param length number of items to read, &lt;= {@code list.length}
   * @param features item features, not null
   * @implNote O(length² · features per item).
   */
  public static double intraListDiversity(int[] list, int length, ItemFeatures features) {
    if (length < 2) return Double.NaN;
    double sum = 0;
    for (int a = 0; a < length; a++) {
      for (int b = a + 1; b < length; b++) {
        sum += 1 - features.cosine(list[a], list[b]);
      }
    }
    return sum / ((double) length * (length - 1) / 2);
  }

  /**
   * Self-information of an item in bits: -log2(p) with p = usersOfItem / numUsers, the share of training users
   * who interacted with it. Items no training user touched are counted as if one had (p = 1 / numUsers) so the
   * value stays finite.
   *
   * @param usersOfItem training users of the item, &gt;= 0
   * @param numUsers training users in total, &gt; 0
   */
  public static double selfInformation(int usersOfItem, int numUsers) {
    if (numUsers <= 0) {
      throw new IllegalArgumentException("numUsers must be > 0: " + numUsers);
    }
    double p = (double) Math.max(1, usersOfItem) / numUsers;
    return -Math.log(p) / LN2;
  }

  /**
   * Novelty: the mean {@linkplain #selfInformation self-information} over every recommended slot, i.e. over
   * items weighted by how often they were recommended. NaN when nothing was recommended.
   *
   * @param recommendedCounts times each item was recommended, indexed by item
   * @param itemUsers training users of each item, same length
   * @param numUsers training users in total, &gt; 0
   * @implNote O(numItems).
   */
  public static double novelty(int[] recommendedCounts, int[] itemUsers, int numUsers) {
    if (recommendedCounts.length != itemUsers.length) {
      throw new IllegalArgumentException("recommendedCounts and itemUsers differ in length");
    }
    double sum = 0;
    long slots = 0;
    for (int i = 0; i < recommendedCounts.length; i++) {
      int c = recommendedCounts[i];
      if (c > 0) {
        sum += c * selfInformation(itemUsers[i], numUsers);
        slots += c;
      }
    }
    return slots == 0 ? Double.NaN : sum / slots;
  }
}
