package dev.attune.bench;

import dev.attune.kernel.SpdInverse;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The EASE inverse: a co-occurrence-like Gram matrix plus λI inverted in place on all cores. Run:
 * {@code java --add-modules jdk.incubator.vector -jar attune-bench/target/attune-bench.jar SpdInverseBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class SpdInverseBenchmark {
  @Param({"1000", "3260"})
  int n;

  private double[] original;
  private double[] work;

  @Setup(Level.Trial)
  public void build() {
    SplittableRandom r = new SplittableRandom(1);
    int users = 2 * n;
    original = new double[n * n];
    int[] row = new int[40];
    for (int u = 0; u < users; u++) {
      for (int k = 0; k < row.length; k++) row[k] = r.nextInt(n);
      for (int a : row) {
        for (int b : row) original[a * n + b] += 1;
      }
    }
    for (int a = 0; a < n; a++) original[a * n + a] += 500;
    work = new double[n * n];
  }

  @Setup(Level.Invocation)
  public void reset() {
    System.arraycopy(original, 0, work, 0, original.length);
  }

  @Benchmark
  public double[] invert() {
    SpdInverse.invertInPlace(work, n, Runtime.getRuntime().availableProcessors());
    return work;
  }
}
