package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.synth.MusicPlatformGenerator;
import java.util.ArrayList;
import java.util.List;

/** What the sequential-model tests share: the planted music platform split leave-one-out, and a loss recorder. */
final class PlantedSequences {
  private PlantedSequences() {}

  /** The small planted music platform (album-order sequences), split leave-one-out. */
  static Split split() {
    var data = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL).dataset();
    return Splits.leaveOneOut(data, EventWeights.defaults());
  }

  /** HR/NDCG@10, full ranking, two threads. */
  static EvalOptions options() {
    return EvalOptions.DEFAULTS.withKs(10).withComputeAuc(false).withThreads(2);
  }

  /** Records epoch losses in order and counts training batches reported, checking the reports are well formed. */
  static final class Losses implements FitListener {
    final List<Double> values = new ArrayList<>();
    long batches;

    @Override
    public void progress(String stage, long done, long total) {
      assertTrue(done <= total && done >= 0, stage);
      if (stage.startsWith("validation")) return; // its own stage, from 0 users done
      assertTrue(done > 0, stage);
      batches++;
    }

    @Override
    public void epochEnd(int epoch, double loss) {
      assertEquals(values.size() + 1, epoch);
      values.add(loss);
    }
  }
}
