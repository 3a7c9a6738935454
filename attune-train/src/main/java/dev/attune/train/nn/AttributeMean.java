package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The mean attribute vector of every token: row r of the output is the mean of {@code attribute_embedding[a]}
 * over the attributes a of token r (zero for a token without attributes).
 *
 * <p>The CSR of attributes is padded to the longest row once, at construction: an index matrix [rows, maxA]
 * pointing at an extra all-zero row for padding, and a weight matrix holding 1 / count. The forward pass is a
 * gather and a weighted sum, so autograd reaches the attribute table. Memory of the forward pass: rows × maxA ×
 * d values.
 */
public final class AttributeMean {
  private final NDArray index;
  private final NDArray weights;
  private final long rows;
  private final int width;

  /**
   * Pads the CSR.
   *
   * @param manager owner of the two constant matrices (lives as long as this object is used)
   * @param dataType data type of the weights (that of the attribute table)
   * @param indptr CSR row pointers over tokens, length rows + 1
   * @param indices attribute ids in [0, numAttributes)
   * @param numAttributes attribute vocabulary size
   */
  public AttributeMean(NDManager manager, DataType dataType, int[] indptr, int[] indices, int numAttributes) {
    this.rows = indptr.length - 1;
    int w = 1;
    for (int r = 0; r < rows; r++) w = Math.max(w, indptr[r + 1] - indptr[r]);
    this.width = w;
    long[] idx = new long[(int) rows * w];
    double[] wt = new double[idx.length];
    java.util.Arrays.fill(idx, numAttributes);
    for (int r = 0; r < rows; r++) {
      int n = indptr[r + 1] - indptr[r];
      for (int j = 0; j < n; j++) {
        int a = indices[indptr[r] + j];
        if (a < 0 || a >= numAttributes) throw new IllegalArgumentException("attribute " + a + " out of range");
        idx[r * w + j] = a;
        wt[r * w + j] = 1.0 / n;
      }
    }
    this.index = manager.create(idx, new Shape(idx.length));
    this.weights = manager.create(wt, new Shape(rows, w, 1)).toType(dataType, false);
  }

  /** Mean attribute vector of every token [rows, d], given the attribute table [numAttributes, d]. */
  public NDArray forward(NDArray attributeTable) {
    long d = attributeTable.getShape().get(1);
    NDArray padded = attributeTable.concat(
        attributeTable.getManager().zeros(new Shape(1, d), attributeTable.getDataType()), 0);
    return Embedding.lookup(padded, index).reshape(rows, width, d).mul(weights).sum(new int[] {1});
  }
}
