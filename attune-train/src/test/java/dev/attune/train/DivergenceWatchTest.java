package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.CtrDataset;
import dev.attune.data.Split;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The two signs by which {@link DivergenceWatch} stops a run, the epochs it lets through, and what the training loops
 * keep when a run diverges after a validated epoch.
 */
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

  /** A negative mean loss, which a cross-entropy cannot be, stops the run (a gru-attn run at 1e10 had -9.4e14). */
  @Test
  void aNegativeLossStopsTheRun() {
    DivergenceWatch watch = new DivergenceWatch("learningRate (1.0E10)");
    DivergenceWatch.Diverged e = assertThrows(DivergenceWatch.Diverged.class, () -> epoch(watch, 0, 0, 4.2, -9.4e14));
    assertEquals("training diverged: the mean loss of epoch 1 (-4.700e+14) is negative, which its loss cannot be"
        + " unless its numbers overflowed; lower learningRate (1.0E10)", e.getMessage());
  }

  /** A run's reference is its first batch, not the first of each epoch. */
  @Test
  void theReferenceIsTheRunsFirstBatch() {
    DivergenceWatch watch = new DivergenceWatch("learningRate (1.0)");
    epoch(watch, 0, 0, 0.5, 40);
    assertThrows(DivergenceWatch.Diverged.class, () -> epoch(watch, 1, 0, 60, 60));
  }

  /**
   * Records the epochs a loop finished and its status lines, and diverges during epoch {@code at} (from 1) as a watch
   * would: the loops read a divergence through the same exception wherever in the epoch it arises.
   */
  private static final class DivergesAt implements FitListener {
    final String stage;
    final List<Integer> epochs = new ArrayList<>();
    final List<String> statuses = new ArrayList<>();

    DivergesAt(int at) {
      stage = "epoch " + at + "/";
    }

    @Override
    public void progress(String stageName, long done, long total) {
      if (stageName.startsWith(stage)) throw new DivergenceWatch.Diverged("training diverged: planted");
    }

    @Override
    public void status(String message) {
      statuses.add(message);
    }

    @Override
    public void epochEnd(int epoch, double loss) {
      epochs.add(epoch);
    }
  }

  /** The sequence loop stops at a divergence after validated epochs and returns the best of them, saying so. */
  @Test
  void theSequenceLoopKeepsTheBestValidatedEpoch() {
    Split split = PlantedSequences.split();
    SequenceTraining.Options o = new SequenceTraining.Options(30, 0.2f, 5e-3f, 64, 6, SequenceTraining.Loss.BCE, 1,
        false, 11L, 2, 0, 1);
    DivergesAt listener = new DivergesAt(3);
    WeightFile kept = new SasRec(new SasRec.Params(32, 1, 2, false, o)).train(split.tuning().train(),
        new SequenceTraining.Run(split.tuning(), null, false), listener);
    assertEquals(List.of(1, 2), listener.epochs, "stopped in epoch 3");
    String epoch = kept.property("epoch");
    assertTrue(epoch.equals("1") || epoch.equals("2"), epoch);
    assertTrue(listener.statuses.contains("training diverged: planted; stopped, keeping epoch " + epoch
        + ", the best validated"), listener.statuses.toString());
    // before any validated epoch there is nothing to keep: the run fails
    assertThrows(DivergenceWatch.Diverged.class, () -> new SasRec(new SasRec.Params(32, 1, 2, false, o)).train(
        split.tuning().train(), new SequenceTraining.Run(split.tuning(), null, false), new DivergesAt(1)));
  }

  /** The click-model loop does the same with its epochs validated by GAUC. */
  @Test
  void theClickLoopKeepsTheBestValidatedEpoch() {
    CtrDataset data = PlantedCtr.generate(400, 40, 3, 6, 14, 0.05, 11L);
    CtrTraining.Options options = new CtrTraining.Options(12, 5e-3f, 0f, 256, 6, 0, 11L, 1);
    DivergesAt listener = new DivergesAt(4);
    CtrTraining.Result r = new Fm(new Fm.Params(8, options)).train(data, listener);
    assertEquals(List.of(1, 2, 3), listener.epochs, "stopped in epoch 4");
    assertEquals(3, r.epochsRun());
    assertTrue(r.bestEpoch() >= 1 && r.bestEpoch() <= 3 && r.validation() != null, r.toString());
    assertEquals(Integer.toString(r.bestEpoch()), r.weights().property("epoch"));
    assertTrue(listener.statuses.contains("training diverged: planted; stopped, keeping epoch " + r.bestEpoch()
        + ", the best validated"), listener.statuses.toString());
    assertThrows(DivergenceWatch.Diverged.class, () -> new Fm(new Fm.Params(8, options)).train(data,
        new DivergesAt(1)));
  }
}
