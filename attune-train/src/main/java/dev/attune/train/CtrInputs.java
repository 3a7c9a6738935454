package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.attune.train.nn.Embedding;

/** Turns the Java arrays of a {@link CtrBatch} into embedded inputs; shared by the CTR networks. */
final class CtrInputs {
  private CtrInputs() {}

  /** Rows of {@code table} for {@code tokens}, shaped {@code shape} + [d]. */
  static NDArray lookup(NDManager scope, NDArray table, long[] tokens, Shape shape) {
    return Embedding.lookup(table, scope.create(tokens, shape));
  }

  /**
   * The weighted sum over the last axis of {@code shape} of the rows of {@code table} for {@code tokens}:
   * {@code shape} = S + [C] gives S + [d].
   */
  static NDArray weightedSum(NDManager scope, NDArray table, long[] tokens, float[] weights, Shape shape) {
    NDArray rows = lookup(scope, table, tokens, shape); // S + [C, d]
    NDArray w = constant(scope, weights, shape.addAll(new Shape(1)), table.getDataType());
    return rows.mul(w).sum(new int[] {shape.dimension() - 1});
  }

  /** A data array (not a parameter) of {@code values}, in the networks' data type. */
  static NDArray constant(NDManager scope, float[] values, Shape shape, DataType dataType) {
    return scope.create(values, shape).toType(dataType, false);
  }

  /**
   * An item's representation [item_embedding[token] ; mean of category_embedding over its categories] for the
   * candidates [B, 2d].
   */
  static NDArray candidate(NDManager scope, CtrBatch b, NDArray items, NDArray categories) {
    NDArray id = lookup(scope, items, b.item, new Shape(b.size));
    NDArray cats = weightedSum(scope, categories, b.itemCategories, b.itemCategoryWeights, new Shape(b.size, b.slots));
    return id.concat(cats, 1);
  }

  /** The same representation for every history position [B, L, 2d] (zero at padding). */
  static NDArray history(NDManager scope, CtrBatch b, NDArray items, NDArray categories) {
    NDArray id = lookup(scope, items, b.history, new Shape(b.size, b.length));
    NDArray cats = weightedSum(scope, categories, b.historyCategories, b.historyCategoryWeights,
        new Shape(b.size, b.length, b.slots));
    return id.concat(cats, 2);
  }

  /**
   * Adds the tensor {@code item_categories} [N, slots] to {@code w}: category token (index + 1) of each item's
   * slots, 0 at padding. The pure-Java models read the catalogue's categories from it.
   */
  static void putItemCategories(dev.attune.infer.WeightFile w, dev.attune.data.CtrDataset data, int slots) {
    float[] v = new float[data.numItems() * slots];
    for (int i = 0; i < data.numItems(); i++) {
      int[] cats = data.itemCategories(i);
      for (int s = 0; s < Math.min(slots, cats.length); s++) v[i * slots + s] = cats[s] + 1f;
    }
    w.put("item_categories", new int[] {data.numItems(), slots}, v);
  }
}
