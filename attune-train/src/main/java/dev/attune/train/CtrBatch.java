package dev.attune.train;

import dev.attune.data.CtrDataset;

/**
 * The inputs of a batch of CTR impressions as flat row-major Java arrays, the same for every {@link CtrNetwork}.
 * Token conventions as in the weight files: item token = item index + 1 and category token = category index + 1,
 * 0 = padding. An item's categories are averaged, so each real category slot carries weight 1 / (number of the
 * item's categories); the history is left-padded, newest event at position L − 1.
 */
public final class CtrBatch {
  /** Rows B. */
  public final int size;
  /** User fields F. */
  public final int fields;
  /** History window L. */
  public final int length;
  /** Category slots per item C. */
  public final int slots;
  /** User index [B]. */
  public final long[] user;
  /** User field values, attribute indices [B·F]. */
  public final long[] userFields;
  /** Candidate item token [B]. */
  public final long[] item;
  /** Candidate's category tokens [B·C] and their averaging weights [B·C]. */
  public final long[] itemCategories;
  /** Averaging weight of each candidate category slot [B·C] (0 at padding). */
  public final float[] itemCategoryWeights;
  /** History item tokens [B·L]. */
  public final long[] history;
  /** History items' category tokens [B·L·C]. */
  public final long[] historyCategories;
  /** Averaging weight of each history category slot [B·L·C]. */
  public final float[] historyCategoryWeights;
  /** 1 / (history length) at real history positions, 0 at padding [B·L] (mean pooling). */
  public final float[] historyMeanWeights;
  /** 0 at real history positions, {@link dev.attune.train.nn.CausalSelfAttention#MASKED} at padding [B·L]. */
  public final float[] historyAdditiveMask;
  /** 1 when the row has history, else 0 [B]. */
  public final float[] hasHistory;
  /** ln(1 + history length) / ln(1 + L) [B], the intensity of the user's activity in [0, 1]. */
  public final float[] historyLength;
  /** 1 for a positive, 0 for a negative [B]. */
  public final float[] labels;

  /** An all-padding batch. */
  public CtrBatch(int size, int fields, int length, int slots) {
    if (size <= 0 || fields < 0 || length <= 0 || slots <= 0) {
      throw new IllegalArgumentException("bad batch shape: " + size + ", " + fields + ", " + length + ", " + slots);
    }
    this.size = size;
    this.fields = fields;
    this.length = length;
    this.slots = slots;
    user = new long[size];
    userFields = new long[size * fields];
    item = new long[size];
    itemCategories = new long[size * slots];
    itemCategoryWeights = new float[size * slots];
    history = new long[size * length];
    historyCategories = new long[size * length * slots];
    historyCategoryWeights = new float[size * length * slots];
    historyMeanWeights = new float[size * length];
    historyAdditiveMask = new float[size * length];
    java.util.Arrays.fill(historyAdditiveMask, (float) dev.attune.train.nn.CausalSelfAttention.MASKED);
    hasHistory = new float[size];
    historyLength = new float[size];
    labels = new float[size];
  }

  /** Number of category slots needed for {@code data}'s items (at least 1). */
  public static int slotsFor(CtrDataset data) {
    int c = 1;
    for (int i = 0; i < data.numItems(); i++) c = Math.max(c, data.itemCategories(i).length);
    return c;
  }

  /** A batch of impressions {@code rows} of {@code part}. */
  public static CtrBatch of(CtrDataset data, CtrDataset.Part part, int[] rows, int length, int slots) {
    CtrBatch b = new CtrBatch(rows.length, data.numUserFields(), length, slots);
    for (int r = 0; r < rows.length; r++) {
      int k = rows[r];
      int u = part.user()[k];
      b.fill(r, u, data.userFields(u), part.item()[k], data.history(u, part.historyEnd()[k], length),
          data::itemCategories);
      b.labels[r] = part.label()[k] ? 1f : 0f;
    }
    return b;
  }

  /**
   * Fills row {@code r}.
   *
   * @param history item indices, oldest first, at most L
   * @param categories item index to its category indices
   */
  public void fill(int r, int userIndex, int[] fieldValues, int itemIndex, int[] history,
      java.util.function.IntFunction<int[]> categories) {
    if (history.length > length) throw new IllegalArgumentException("history longer than " + length);
    user[r] = userIndex;
    for (int f = 0; f < fields; f++) userFields[r * fields + f] = fieldValues[f];
    item[r] = itemIndex + 1L;
    putCategories(categories.apply(itemIndex), itemCategories, itemCategoryWeights, r * slots);
    int n = history.length;
    for (int j = 0; j < n; j++) {
      int at = r * length + length - n + j;
      this.history[at] = history[j] + 1L;
      historyMeanWeights[at] = 1f / n;
      historyAdditiveMask[at] = 0f;
      putCategories(categories.apply(history[j]), historyCategories, historyCategoryWeights, at * slots);
    }
    hasHistory[r] = n > 0 ? 1f : 0f;
    historyLength[r] = (float) (Math.log1p(n) / Math.log1p(length));
  }

  private void putCategories(int[] cats, long[] tokens, float[] weights, int offset) {
    int n = Math.min(cats.length, slots);
    for (int c = 0; c < n; c++) {
      tokens[offset + c] = cats[c] + 1L;
      weights[offset + c] = 1f / n;
    }
  }
}
