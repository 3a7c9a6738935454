package dev.attune.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.attune.data.Dataset;
import dev.attune.data.Sequences;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.train.SasRec;
import dev.attune.train.SequenceTraining;

/**
 * The SASRec training epoch against its floating-point floor on S3Rec Beauty (leave-one-out training part, the
 * paper's shape: d 64, 2 blocks, 2 heads, T 50, full softmax over the catalogue).
 *
 * <p>Floor = FLOPs of one epoch / this machine's float32 matrix-multiply rate. FLOPs count real positions only
 * (no padding), forward + backward (3 × forward): per position the output layer N·d, per block 4·d² (Q, K, V,
 * O) + 2·d·d (feed-forward) multiply-adds, and 2·d per real (query, key) pair of the causal attention; one
 * multiply-add = 2 FLOPs. The matmul rate is DJL's best over square float32 products of 1024 and 2048 on the
 * same threads.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar
 * dev.attune.bench.SasRecTrainingSpeed [threads] [epochs] [batch size]} with DJL_CACHE_DIR set to a writable folder.
 */
public final class SasRecTrainingSpeed {
  private SasRecTrainingSpeed() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    double rate = Math.max(matmulRate(1024), matmulRate(2048));
    System.out.printf("DJL float32 matmul: %.1f GFLOP/s best (%d threads)%n", rate / 1e9, threads);

    Dataset ds = SharedData.imported("s3rec", "beauty", "s3rec-sequential/Beauty.txt");
    TrainingSet train = Splits.leaveOneOut(ds, EventWeights.defaults()).testing().train();
    SasRec.Params p = SasRec.Params.DEFAULTS.withEpochs(epochs).withLoss(SequenceTraining.Loss.FULL_CE, 1)
        .withThreads(threads);
    if (args.length > 2) { // sequences per batch (default: SASRec's); the FLOPs of an epoch do not depend on it
      SequenceTraining.Options o = p.training();
      p = p.withTraining(new SequenceTraining.Options(o.maxLength(), o.dropout(), o.learningRate(),
          Integer.parseInt(args[2]), o.epochs(), o.loss(), o.negatives(), o.useTypes(), o.seed(), o.threads(),
          o.patience(), o.validateEvery(), o.allWindows()));
    }
    double flops = epochFlops(train, p);
    double floor = flops / rate;
    System.out.printf("%s: one FULL_CE epoch = %.1f GFLOP (real positions, forward + backward) -> floor %.2f s%n",
        ds, flops / 1e9, floor);
    long[] start = {System.nanoTime()};
    new SasRec(p).train(train, SequenceTraining.Run.NONE, new FitListener() {
      @Override
      public void epochEnd(int epoch, double loss) {
        double s = (System.nanoTime() - start[0]) / 1e9;
        start[0] = System.nanoTime();
        System.out.printf("epoch %d: %.1f s, loss %.4f, %.2fx the floor, %.1f GFLOP/s achieved%n", epoch, s, loss,
            s / floor, flops / s / 1e9);
      }
    });
  }

  /** FLOPs of one epoch over the real positions, forward and backward. */
  static double epochFlops(TrainingSet train, SasRec.Params p) {
    Sequences s = train.sequences();
    long positions = 0;
    long pairs = 0;
    for (int u = 0; u < s.numUsers(); u++) {
      int n = 0;
      for (int k = s.indptr()[u]; k < s.indptr()[u + 1]; k++) {
        if (s.weights()[k] > 0) n++;
      }
      long len = Math.min(p.training().maxLength(), Math.max(0, n - 1));
      positions += len;
      pairs += len * (len + 1) / 2;
    }
    double d = p.hidden();
    double perPosition = train.numItems() * d + p.blocks() * (4 * d * d + 2 * d * d);
    double macs = positions * perPosition + p.blocks() * pairs * 2 * d;
    return 3 * 2 * macs;
  }

  private static double matmulRate(int n) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      for (int i = 0; i < 3; i++) a.matMul(b).close();
      double best = 0;
      for (int rep = 0; rep < 5; rep++) {
        long t = System.nanoTime();
        a.matMul(b).close();
        best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - t) / 1e9));
      }
      return best;
    }
  }
}
