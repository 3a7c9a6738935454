package dev.attune.train;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.attune.data.Dataset;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.Importer;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Opt-in timings (not assertions, see DEVELOPERS.md): run with {@code ATTUNE_BENCH=1} in the environment. Prints
 * DJL's float32 matmul rate and the time of one SASRec epoch on Amazon Beauty (shared data, skipped when absent).
 */
class SasRecSpeedTest {
  private static final Path BEAUTY = Path.of("../../shared/data/s3rec-sequential/Beauty.txt");

  private static boolean enabled() {
    return System.getenv("ATTUNE_BENCH") != null;
  }

  @Test
  void matmulRate() {
    assumeTrue(enabled(), "set ATTUNE_BENCH=1 to run");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ai.djl.pytorch.jni.JniUtils.setNumThreads(2);
      NDArray a = m.randomNormal(new Shape(1024, 1024));
      NDArray b = m.randomNormal(new Shape(1024, 1024));
      for (int i = 0; i < 5; i++) a.matMul(b).close();
      int reps = 40;
      long start = System.nanoTime();
      for (int i = 0; i < reps; i++) a.matMul(b).close();
      double s = (System.nanoTime() - start) / 1e9;
      System.out.printf("DJL float32 matmul 1024x1024: %.2f ms each, %.1f GFLOP/s (2 threads)%n", s / reps * 1e3,
          2.0 * 1024 * 1024 * 1024 * reps / s / 1e9);
    }
  }

  @Test
  void beautyEpoch() throws Exception {
    assumeTrue(enabled(), "set ATTUNE_BENCH=1 to run");
    Path file = BEAUTY.toAbsolutePath().normalize();
    if (!Files.exists(file)) file = Path.of("/work/shared/data/s3rec-sequential/Beauty.txt");
    assumeTrue(Files.exists(file), "Beauty.txt absent: skipped");
    Importer importer = Importer.forFormat("s3rec");
    Dataset ds = importer.newDataset("beauty");
    importer.importInto(ds, file, ImportOptions.DEFAULTS);
    TrainingSet train = Splits.leaveOneOut(ds, EventWeights.defaults()).testing().train();
    SasRec.Params p = SasRec.Params.DEFAULTS.withEpochs(1);
    long start = System.nanoTime();
    double[] epochSeconds = new double[1];
    new SasRec(p).train(train, SequenceTraining.Run.NONE, new FitListener() {
      @Override
      public void epochEnd(int epoch, double loss) {
        epochSeconds[0] = (System.nanoTime() - start) / 1e9;
        System.out.printf("Beauty epoch %d: loss %.4f, %.1f s (%d users, %d items, d %d, %d blocks, T %d, batch %d, "
            + "%s, %d threads)%n", epoch, loss, epochSeconds[0], train.numUsers(), train.numItems(), p.hidden(),
            p.blocks(), p.maxLength(), p.batchSize(), p.loss(), p.threads());
      }
    });
  }
}
