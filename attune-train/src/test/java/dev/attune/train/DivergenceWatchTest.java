package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The two signs by which {@link DivergenceWatch} stops a run, and the epochs it lets through. */
class DivergenceWatchTest {
  private static void epoch(DivergenceWatch watch, int epoch, int skipped, double... losses) {
    for (double loss : losses) watch.trained(loss, 10);
    for (int k = 0; k < skipped; k++) watch.skipped();
    watch.endEpoch(epoch);
  }

  /** An epoch most of whose batches overflowed stops the run, saying what to lower; a few such batches do not. */
  @Test
  void anEpochMostlySkippedStopsTheRun() {
    DivergenceWatch watch = new DivergenceWatch("learningRate (1.0E20)");
    epoch(watch, 0, 0, 1.4, 1.3, 1.2);
    epoch(watch, 1, 4, 1.1, 1.1, 1.0, 1.0); // half: a rough patch, not a divergence
    DivergenceWatch.Diverged e = assertThrows(DivergenceWatch.Diverged.class, () -> epoch(watch, 2, 7, 0.9));
    assertEquals("training diverged: 7 of 8 batches of epoch 3 had a non-finite loss or gradient; lower"
        + " learningRate (1.0E20)", e.getMessage());
  }

  /**
   * An epoch whose losses stayed finite but grew past 100 times the first batch's stops the run; a loss that rises
   * for a while (a learning rate on the high side) does not.
   */
  @Test
  void aLossFarAboveTheFirstBatchStopsTheRun() {
    DivergenceWatch watch = new DivergenceWatch("learningRate (1.0E8)");
    epoch(watch, 0, 0, 1.39, 30, 60); // mean 30.5: rising, still under 139
    epoch(watch, 1, 0, 100, 130);
    DivergenceWatch.Diverged e = assertThrows(DivergenceWatch.Diverged.class, () -> epoch(watch, 2, 0, 1e3, 1e17));
    assertEquals("training diverged: the mean loss of epoch 3 (5.000e+16) is more than 100 times the run's first"
        + " batch's (1.390); lower learningRate (1.0E8)", e.getMessage());
    // each epoch is judged on its own batches: one that recovers passes
    epoch(watch, 3, 0, 1.2, 1.1);
  }

  /** A run's reference is its first batch, not the first of each epoch. */
  @Test
  void theReferenceIsTheRunsFirstBatch() {
    DivergenceWatch watch = new DivergenceWatch("learningRate (1.0)");
    epoch(watch, 0, 0, 0.5, 40);
    assertThrows(DivergenceWatch.Diverged.class, () -> epoch(watch, 1, 0, 60, 60));
  }
}
