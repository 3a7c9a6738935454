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
}
