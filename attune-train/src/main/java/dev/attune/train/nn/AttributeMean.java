package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The mean attribute vector of every token: row r of the output is the mean of {@code attribute_embedding[a]}
 * over the attributes a of token r (zero for a token without attributes).
 *
 * <p>Two forms, chosen at construction from the vocabulary and the longest row (both give the same rows):
 * <ul>
 *   <li>gather: the CSR padded to the longest row, an index matrix [rows, maxA] pointing at an extra all-zero row
 *       for padding and a weight matrix holding 1 / count; the forward pass is a gather and a weighted sum.
 *       Memory of the forward pass: rows × maxA × d values.</li>
 *   <li>dense: the [rows, numAttributes] matrix of the weights 1 / count, and the forward pass one matrix product.
 *       Why: on LastFM (S3-Rec's tags) an artist has up to 625 tags from a vocabulary of 388, so the padded gather
 *       held 3,646 × 625 × d values per pass and a training epoch took minutes instead of seconds; the dense matrix
 *       is 3,646 × 388.</li>
 * </ul>
 * Either way autograd reaches the attribute table.
 */
public final class AttributeMean {
  /**
   * The most values one of the constant arrays may hold: the engine copies each into a direct buffer whose size in
   * bytes (8 per double or long) must fit an int, so 2^31 / 8 (a review: 3e8 values passed a Java array's limit and
   * failed there, "capacity &lt; 0").
   */
  static final long MAX_VALUES = Integer.MAX_VALUE / Long.BYTES;

  private final NDArray index;
  private final NDArray weights;
  private final long rows;
  private final int width;

  /**
   * Builds the form that suits the attributes: the dense one when the vocabulary is under 16 times the longest row
   * and its matrix fits one array, else the gather.
   *
   * @throws IllegalArgumentException when neither form's constants fit one array
   *
   * @param manager owner of the constant matrices (lives as long as this object is used)
   * @param dataType data type of the weights (that of the attribute table)
   * @param indptr CSR row pointers over tokens, length rows + 1
   * @param indices attribute ids in [0, numAttributes)
   * @param numAttributes attribute vocabulary size
   */
  public AttributeMean(NDManager manager, DataType dataType, int[] indptr, int[] indices, int numAttributes) {
    this(manager, dataType, indptr, indices, numAttributes, null);
  }

  /**
   * As {@link #AttributeMean(NDManager, DataType, int[], int[], int)} with the form chosen by the caller (tests
   * compare the two).
   *
   * @param dense true for the dense form, false for the gather, null to pick the one with fewer values
   */
  AttributeMean(NDManager manager, DataType dataType, int[] indptr, int[] indices, int numAttributes,
      Boolean dense) {
    this.rows = indptr.length - 1;
    int w = 1;
    for (int r = 0; r < rows; r++) w = Math.max(w, indptr[r + 1] - indptr[r]);
    for (int a : indices) {
      if (a < 0 || a >= numAttributes) throw new IllegalArgumentException("attribute " + a + " out of range");
    }
    // The product does rows × numAttributes × d multiply-adds where the gather moves rows × w × d values and an
    // index of rows × w × d longs; multiply-adds run many times faster than such scattered reads, hence 16. Beauty,
    // Toys and Yelp (637-1,027 attributes, rows of at most 6-31) keep the gather, LastFM (388, 625) takes the product.
    long denseValues = rows * numAttributes;
    long gatherValues = rows * w;
    // the product's matrix must also fit one array: one item with many attributes in a large catalogue asked for
    // rows x numAttributes values past 2^31 and training ended in an integer overflow (a review)
    boolean useDense = dense != null ? dense
        : (long) numAttributes < (long) w * 16 && denseValues <= MAX_VALUES || gatherValues > MAX_VALUES;
    if ((useDense ? denseValues : gatherValues) > MAX_VALUES) {
      throw new IllegalArgumentException("useAttributes: " + rows + " items with up to " + w + " of " + numAttributes
          + " attributes need " + Math.min(denseValues, gatherValues) + " values per pass, more than the "
          + MAX_VALUES + " one array holds; cap the attributes per item, or train without them"
          + " (--param <model>.useAttributes=false)");
    }
    if (useDense) {
      this.width = 0;
      double[] m = new double[Math.toIntExact(rows * numAttributes)];
      for (int r = 0; r < rows; r++) {
        int n = indptr[r + 1] - indptr[r];
        for (int j = indptr[r]; j < indptr[r + 1]; j++) m[r * numAttributes + indices[j]] += 1.0 / n;
      }
      this.index = null;
      this.weights = manager.create(m, new Shape(rows, numAttributes)).toType(dataType, false);
      return;
    }
    this.width = w;
    long[] idx = new long[Math.toIntExact(gatherValues)];
    double[] wt = new double[idx.length];
    java.util.Arrays.fill(idx, numAttributes);
    for (int r = 0; r < rows; r++) {
      int n = indptr[r + 1] - indptr[r];
      for (int j = 0; j < n; j++) {
        idx[r * w + j] = indices[indptr[r] + j];
        wt[r * w + j] = 1.0 / n;
      }
    }
    this.index = manager.create(idx, new Shape(idx.length));
    this.weights = manager.create(wt, new Shape(rows, w, 1)).toType(dataType, false);
  }

  /** Mean attribute vector of every token [rows, d], given the attribute table [numAttributes, d]. */
  public NDArray forward(NDArray attributeTable) {
    // An op's result belongs to its first operand's manager: the constants are lent to the table's manager (a
    // training batch's scope) so that what a pass makes from them is freed with the batch. Without it every pass
    // left its results with the long-lived constants, and LastFM runs grew to 14-22 GB and were killed.
    NDManager scope = attributeTable.getManager();
    if (weights.getManager() != scope) {
      scope.tempAttachAll(index == null ? new NDArray[] {weights} : new NDArray[] {index, weights});
    }
    if (index == null) return weights.matMul(attributeTable);
    long d = attributeTable.getShape().get(1);
    NDArray padded = attributeTable.concat(scope.zeros(new Shape(1, d), attributeTable.getDataType()), 0);
    return Embedding.lookup(padded, index).reshape(rows, width, d).mul(weights).sum(new int[] {1});
  }
}
