package dev.attune.bench;

import dev.attune.data.Interactions;
import dev.attune.infer.GruAttentionModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GRU-attention serving latency in pure Java: top-10 from a 50-event history (random weights of the default
 * shape, d = 64, H = 100, T = 50) over 12,101 and 100,000 items, and the forward pass alone (the user
 * representation, independent of the catalogue size). Random weights cost the same as trained ones: the pass
 * has no data-dependent branches. SampleTime mode reports percentiles (p50, p99). Run:
 * {@code java --add-modules jdk.incubator.vector -jar attune-bench/target/attune-bench.jar GruAttentionInferenceBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GruAttentionInferenceBenchmark {
  private static final int HIDDEN = 64;
  private static final int GRU_HIDDEN = 100;
  private static final int MAX_LENGTH = 50;
  private static final int HISTORY = 50;

  @Param({"12101", "100000"})
  public int items;

  private GruAttentionModel model;
  private Query query;
  private int[] history;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    model = GruAttentionModel.fromWeights(randomWeights(r, items),
        new Interactions(1, items, new int[2], new int[0], new float[0], new long[0]));
    history = new int[HISTORY];
    for (int k = 0; k < HISTORY; k++) history[k] = r.nextInt(items);
    query = Query.forHistory(history, 10);
  }

  @Benchmark
  public TopK recommendTop10() {
    return model.recommend(query);
  }

  @Benchmark
  public float[] userRepresentation() {
    return model.userRepresentation(history, null);
  }

  private static WeightFile randomWeights(SplittableRandom r, int items) {
    int d = HIDDEN;
    int h = GRU_HIDDEN;
    WeightFile w = new WeightFile().property("model", "gru-attn").property("numItems", Integer.toString(items))
        .property("hidden", Integer.toString(d)).property("gruHidden", Integer.toString(h))
        .property("maxLength", Integer.toString(MAX_LENGTH));
    w.put("item_embedding", new int[] {items + 1, d}, gaussian(r, (items + 1) * d, 0.1));
    w.put("gru.input_weight", new int[] {d, 3 * h}, gaussian(r, d * 3 * h, 1 / Math.sqrt(d)));
    w.put("gru.input_bias", new int[] {3 * h}, new float[3 * h]);
    w.put("gru.recurrent_weight", new int[] {h, 3 * h}, gaussian(r, h * 3 * h, 1 / Math.sqrt(h)));
    w.put("gru.recurrent_bias", new int[] {3 * h}, new float[3 * h]);
    w.put("attention.a1", new int[] {h, h}, gaussian(r, h * h, 1 / Math.sqrt(h)));
    w.put("attention.a2", new int[] {h, h}, gaussian(r, h * h, 1 / Math.sqrt(h)));
    w.put("attention.v", new int[] {h}, gaussian(r, h, 1 / Math.sqrt(h)));
    w.put("decoder.weight", new int[] {2 * h, d}, gaussian(r, 2 * h * d, 1 / Math.sqrt(2 * h)));
    return w;
  }

  private static float[] gaussian(SplittableRandom r, int n, double sd) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) v[k] = (float) (r.nextGaussian() * sd);
    return v;
  }
}
