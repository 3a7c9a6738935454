package dev.attune.train;

/**
 * Left-padded input windows of a batch, row-major [size, length]: token = item index + 1 (0 = padding), the
 * event type of each step and a 1/0 mask of real steps. The newest step of every row is at position
 * {@code length − 1}.
 */
public final class SequenceBatch {
  /** Rows B. */
  public final int size;
  /** Window T. */
  public final int length;
  /** Tokens [B·T]. */
  public final long[] tokens;
  /** Event types [B·T] (0 when types are not used). */
  public final long[] types;
  /** 1 at real steps, 0 at padding [B·T]. */
  public final float[] mask;

  /** An all-padding batch of {@code size} rows of {@code length} steps. */
  public SequenceBatch(int size, int length) {
    if (size <= 0 || length <= 0) throw new IllegalArgumentException("size and length must be > 0");
    this.size = size;
    this.length = length;
    this.tokens = new long[size * length];
    this.types = new long[size * length];
    this.mask = new float[size * length];
  }

  /**
   * Fills row {@code r} with the last {@code length} of {@code items[0 .. end)}, right-aligned.
   *
   * @param stepTypes event type per step, or null (then 0)
   */
  public void fill(int r, int[] items, int[] stepTypes, int end) {
    int len = Math.min(length, end);
    for (int j = 0; j < len; j++) {
      int at = r * length + length - len + j;
      tokens[at] = items[end - len + j] + 1L;
      types[at] = stepTypes == null ? 0 : stepTypes[end - len + j];
      mask[at] = 1f;
    }
  }
}
