package dev.attune.bench;

import dev.attune.data.Interactions;
import dev.attune.infer.SasRecModel;
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
 * SASRec serving latency in pure Java: top-10 from a 50-event history (random weights, d = 64, L = 2,
 * H = 2, T = 50, ffnHidden = 64) over 12,101 and 100,000 items, and the forward pass alone (the user
 * representation, independent of the catalogue size). SampleTime mode reports percentiles. Run:
 * {@code java --add-modules jdk.incubator.vector -jar attune-bench/target/attune-bench.jar SasRecInferenceBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SasRecInferenceBenchmark {
  private static final int HIDDEN = 64;
  private static final int BLOCKS = 2;
  private static final int HEADS = 2;
  private static final int MAX_LENGTH = 50;
  private static final int HISTORY = 50;

  @Param({"12101", "100000"})
  public int items;

  private SasRecModel model;
  private Query query;
  private int[] history;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    model = SasRecModel.fromWeights(randomWeights(r, items),
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

  /** Random SASRec weights over {@code items} items, shaped as above; also served by {@link ServiceBenchmark}. */
  static WeightFile randomWeights(SplittableRandom r, int items) {
    int d = HIDDEN;
    WeightFile w = new WeightFile().property("model", "sasrec").property("numItems", Integer.toString(items))
        .property("hidden", Integer.toString(d)).property("blocks", Integer.toString(BLOCKS))
        .property("heads", Integer.toString(HEADS)).property("ffnHidden", Integer.toString(d))
        .property("maxLength", Integer.toString(MAX_LENGTH));
    w.put("item_embedding", new int[] {items + 1, d}, gaussian(r, (items + 1) * d, 0.1));
    w.put("position_embedding", new int[] {MAX_LENGTH, d}, gaussian(r, MAX_LENGTH * d, 0.1));
    for (int l = 0; l < BLOCKS; l++) {
      String b = "block" + l + ".";
      for (String norm : new String[] {"attention_norm", "ffn_norm"}) {
        w.put(b + norm + ".gamma", new int[] {d}, ones(d));
        w.put(b + norm + ".beta", new int[] {d}, new float[d]);
      }
      for (String p : new String[] {"query", "key", "value", "output"}) {
        w.put(b + "attention." + p + ".weight", new int[] {d, d}, gaussian(r, d * d, 1 / Math.sqrt(d)));
        w.put(b + "attention." + p + ".bias", new int[] {d}, new float[d]);
      }
      w.put(b + "ffn.w1", new int[] {d, d}, gaussian(r, d * d, 1 / Math.sqrt(d)));
      w.put(b + "ffn.b1", new int[] {d}, new float[d]);
      w.put(b + "ffn.w2", new int[] {d, d}, gaussian(r, d * d, 1 / Math.sqrt(d)));
      w.put(b + "ffn.b2", new int[] {d}, new float[d]);
    }
    w.put("final_norm.gamma", new int[] {d}, ones(d));
    w.put("final_norm.beta", new int[] {d}, new float[d]);
    return w;
  }

  private static float[] ones(int n) {
    float[] v = new float[n];
    java.util.Arrays.fill(v, 1f);
    return v;
  }

  private static float[] gaussian(SplittableRandom r, int n, double sd) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) v[k] = (float) (r.nextGaussian() * sd);
    return v;
  }
}
