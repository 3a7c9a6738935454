package dev.attune.bench;

import dev.attune.kernel.PanelMatrix;
import dev.attune.kernel.ScalarVectorOps;
import dev.attune.kernel.TopKSelector;
import dev.attune.kernel.VectorOps;
import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scoring kernels: a user vector against 100k × 64 item factors (row-major Vector API and scalar, and the panel
 * layout for 1, 4 and 8 users per pass; divide those by the user count for the cost per user), and top-10
 * selection over 100k scores. Run: {@code java --add-modules jdk.incubator.vector -jar
 * attune-bench/target/attune-bench.jar VectorOpsBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class VectorOpsBenchmark {
  private static final int ITEMS = 100_000;
  private static final int FACTORS = 64;
  private float[] items;
  private float[] user;
  private float[] scores;
  private PanelMatrix panels;
  private float[][] users;
  private float[][] outs;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    items = new float[ITEMS * FACTORS];
    for (int k = 0; k < items.length; k++) items[k] = (float) r.nextGaussian();
    user = new float[FACTORS];
    for (int k = 0; k < FACTORS; k++) user[k] = (float) r.nextGaussian();
    scores = new float[ITEMS];
    VectorOps.gemv(items, ITEMS, FACTORS, user, scores);
    panels = VectorOps.panels(items, ITEMS, FACTORS);
    users = new float[8][FACTORS];
    outs = new float[8][ITEMS];
    for (float[] u : users) for (int k = 0; k < FACTORS; k++) u[k] = (float) r.nextGaussian();
  }

  @Benchmark
  public float[][] scorePanelsOneUser() {
    VectorOps.scoreAll(panels, users, 1, outs);
    return outs;
  }

  @Benchmark
  public float[][] scorePanelsFourUsers() {
    VectorOps.scoreAll(panels, users, 4, outs);
    return outs;
  }

  @Benchmark
  public float[][] scorePanelsEightUsers() {
    VectorOps.scoreAll(panels, users, 8, outs);
    return outs;
  }

  @Benchmark
  public float[] scoreAllVector() {
    VectorOps.gemv(items, ITEMS, FACTORS, user, scores);
    return scores;
  }

  @Benchmark
  public float[] scoreAllScalar() {
    ScalarVectorOps.INSTANCE.gemv(items, ITEMS, FACTORS, user, scores);
    return scores;
  }

  @Benchmark
  public TopK topTen() {
    return TopKSelector.select(scores, ITEMS, 10, ItemFilter.ALL);
  }
}
