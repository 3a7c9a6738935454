package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A lookup table {@code <name>} [rows, d]: row r is the vector of token r. Xavier-normal initialised; with
 * {@code zeroRow0} the first row (padding) starts at zero, and the caller keeps it there (its gradient is zero
 * as long as padding positions are masked out).
 */
public final class Embedding {
  private final NDArray weight;

  /** Creates the table in {@code store}. */
  public Embedding(ParameterStore store, String name, int rows, int dim, boolean zeroRow0) {
    this.weight = store.xavier(name, rows, dim);
    if (zeroRow0) weight.set(new ai.djl.ndarray.index.NDIndex("0"), 0);
  }

  /** Wraps an existing parameter {@code table} [rows, d] (for tables initialised otherwise, such as zero biases). */
  public Embedding(NDArray table) {
    this.weight = table;
  }

  /** The table itself [rows, d]. */
  public NDArray weight() {
    return weight;
  }

  /**
   * Rows of {@code table} picked by {@code indices} (int64, any shape S): shape S + [d].
   *
   * <p>Implemented as a gather along axis 0 rather than advanced indexing: the backward pass of indexing is
   * {@code index_put_(accumulate)}, whose multi-threaded CPU kernel sums repeated rows in no fixed order, while
   * gather's backward (scatter-add) is reproducible for a fixed thread count.
   */
  public static NDArray lookup(NDArray table, NDArray indices) {
    Shape s = indices.getShape();
    long d = table.getShape().get(1);
    NDArray index = indices.flatten().expandDims(1).repeat(1, d);
    return table.gather(index, 0).reshape(s.addAll(new Shape(d)));
  }

  /** Rows of this table picked by {@code indices}. */
  public NDArray forward(NDArray indices) {
    return lookup(weight, indices);
  }
}
