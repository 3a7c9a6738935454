package dev.attune.train.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Memory ownership of {@link AttributeMean} (its gradients are checked in {@link GradientCheckTest}). */
class AttributeMeanTest {

  @ParameterizedTest(name = "dense {0}")
  @ValueSource(booleans = {false, true})
  void leavesItsResultsWithTheTablesScope(boolean dense) {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        NDManager constants = m.newSubManager();
        ParameterStore store = new ParameterStore(m, DataType.FLOAT32, 7L)) {
      new Embedding(store, "attribute_embedding", 4, 3, false);
      AttributeMean mean = new AttributeMean(constants, DataType.FLOAT32, new int[] {0, 2, 2, 3},
          new int[] {0, 2, 3}, 4, dense);
      int before = ((BaseNDManager) constants).getManagedArrays().size();
      for (int pass = 0; pass < 3; pass++) {
        try (NDManager scope = m.newSubManager()) {
          store.attachTo(scope);
          assertEquals(3, mean.forward(store.get("attribute_embedding")).getShape().get(0));
        }
      }
      // a training run calls forward once per batch: anything left with the constants' manager grows without bound
      assertEquals(before, ((BaseNDManager) constants).getManagedArrays().size());
    }
  }

  /**
   * Attributes whose constants fit no array in either form are refused with the way out, where a large catalogue with
   * one long row ended training in an integer overflow (a review).
   */
  @org.junit.jupiter.api.Test
  void attributesTooManyForEitherFormAreRefusedByName() {
    int rows = 2_200_000;
    int[] indptr = new int[rows + 1];
    int[] indices = new int[1_000];
    for (int a = 0; a < indices.length; a++) indices[a] = a;
    java.util.Arrays.fill(indptr, 1, rows + 1, indices.length); // the first item has all 1,000, the others none
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> new AttributeMean(m, DataType.FLOAT32, indptr, indices, 1_000));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("useAttributes=false"), e.getMessage());
    }
  }

  /** Between the engine's limit (2^31 bytes) and a Java array's, the dense form is refused too, not failed in DJL. */
  @org.junit.jupiter.api.Test
  void aDenseFormPastTheEnginesBufferIsRefused() {
    int rows = 300_000;
    int[] indptr = new int[rows + 1];
    int[] indices = new int[1_000];
    for (int a = 0; a < indices.length; a++) indices[a] = a;
    java.util.Arrays.fill(indptr, 1, rows + 1, indices.length); // 3e8 dense values, 3e8 gathered: both past 2^28
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> new AttributeMean(m, DataType.FLOAT32, indptr, indices, 1_000));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("useAttributes=false"), e.getMessage());
    }
  }
}
