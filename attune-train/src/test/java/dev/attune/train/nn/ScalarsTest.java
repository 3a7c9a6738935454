package dev.attune.train.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The constants of {@link Scalars} survive until the backward pass. Between forward and backward the test
 * collects garbage and refills freshly freed native memory with NaN, which is what made DJL's own
 * {@code mul(Number)} yield garbage gradients: a constant that was not kept alive is then read as NaN.
 */
class ScalarsTest {
  @Test
  void timesKeepsItsConstantForTheBackwardPass() {
    assertGradient((x, c) -> Scalars.times(x, c), 3.0, 3.0f);
  }

  @Test
  void dividedByKeepsItsConstantForTheBackwardPass() {
    assertGradient((x, c) -> Scalars.dividedBy(x, c), 4.0, 0.25f);
  }

  private static void assertGradient(BiFunction<NDArray, Double, NDArray> op, double c, float expected) {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      for (int round = 0; round < 20; round++) {
        NDArray x = manager.create(new float[] {1f, -2f, 0.5f});
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray y = op.apply(x, c).sum();
          poisonFreedMemory();
          collector.backward(y);
        }
        for (float g : x.getGradient().toFloatArray()) assertEquals(expected, g, 0f, "round " + round);
      }
    }
  }

  /** Frees unreachable direct buffers and hands their memory out again, filled with NaN. */
  private static void poisonFreedMemory() {
    System.gc();
    try {
      Thread.sleep(20); // lets the cleaner thread release the buffers
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<ByteBuffer> fill = new ArrayList<>();
    for (int k = 0; k < 2000; k++) {
      ByteBuffer b = ByteBuffer.allocateDirect(8);
      b.putDouble(0, Double.NaN);
      fill.add(b);
    }
    fill.clear();
  }
}
