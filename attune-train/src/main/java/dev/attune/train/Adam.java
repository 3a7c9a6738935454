package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.attune.infer.WeightFile;
import dev.attune.train.nn.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) applied to the parameters of a
 * {@link ParameterStore}, with PyTorch's update rule: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
 * θ ← θ − α / (1 − β1ᵗ) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + ε). No weight decay.
 *
 * <p>Written here rather than using {@code ai.djl.training.optimizer.Adam} because the moments must be
 * readable for checkpoints ({@link #save}, {@link #load}); DJL keeps them private. The bias corrections are
 * computed in double with {@link StrictMath}.
 *
 * <p>Not thread-safe. Closing frees the moment arrays.
 */
public final class Adam implements AutoCloseable {
  private final float learningRate;
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final NDManager manager;
  private final Map<String, NDArray> first = new LinkedHashMap<>();
  private final Map<String, NDArray> second = new LinkedHashMap<>();
  private long step;

  /**
   * Creates zero moments for every parameter of {@code store}.
   *
   * @param learningRate α, &gt; 0
   * @param beta1 β1 in [0, 1)
   * @param beta2 β2 in [0, 1)
   * @param eps ε, &gt; 0
   */
  public Adam(ParameterStore store, float learningRate, float beta1, float beta2, float eps) {
    if (!(learningRate > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new IllegalArgumentException("bad Adam settings: " + learningRate + ", " + beta1 + ", " + beta2 + ", " + eps);
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.manager = store.manager().newSubManager();
    for (String name : store.names()) {
      NDArray p = store.get(name);
      first.put(name, manager.zeros(p.getShape(), p.getDataType()));
      second.put(name, manager.zeros(p.getShape(), p.getDataType()));
    }
  }

  /** Number of updates applied so far (t). */
  public long step() {
    return step;
  }

  /**
   * Applies one update from the gradients held by the parameters. Temporaries are attached to {@code scope},
   * which the caller closes (a per-batch manager); the parameters must already be
   * {@linkplain ParameterStore#attachTo temporarily attached} to it. The moments are attached here.
   */
  public void update(ParameterStore store, NDManager scope) {
    scope.tempAttachAll(first.values().toArray(new NDArray[0]));
    scope.tempAttachAll(second.values().toArray(new NDArray[0]));
    step++;
    double correction1 = 1 - StrictMath.pow(beta1, step);
    double correction2 = StrictMath.sqrt(1 - StrictMath.pow(beta2, step));
    for (String name : store.names()) {
      NDArray p = store.get(name);
      NDArray g = p.getGradient();
      g.attach(scope);
      NDArray m = first.get(name);
      NDArray v = second.get(name);
      m.muli(beta1).addi(g.mul(1 - beta1));
      v.muli(beta2).addi(g.square().muli(1 - beta2));
      NDArray denominator = v.sqrt().divi(correction2).addi(eps);
      p.subi(m.div(denominator).muli(learningRate / correction1));
    }
  }

  /** Writes the step count and both moments of every parameter ({@code m/<name>}, {@code v/<name>}). */
  public void save(Path file) throws IOException {
    WeightFile w = new WeightFile().property("optimizer", "adam").property("step", Long.toString(step));
    for (String name : first.keySet()) {
      int[] shape = shape(first.get(name));
      w.put("m/" + name, shape, first.get(name).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
      w.put("v/" + name, shape, second.get(name).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
    }
    w.write(file);
  }

  /**
   * Restores the state written by {@link #save}.
   *
   * @throws IOException if the file cannot be read or does not match the parameters
   */
  public void load(Path file) throws IOException {
    WeightFile w = WeightFile.read(file);
    try {
      step = Long.parseLong(w.property("step"));
      for (String name : first.keySet()) {
        replace(first, name, w.tensor("m/" + name, shape(first.get(name))).values());
        replace(second, name, w.tensor("v/" + name, shape(second.get(name))).values());
      }
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": optimizer state does not match the network: " + e.getMessage(), e);
    }
  }

  private void replace(Map<String, NDArray> moments, String name, float[] values) {
    NDArray old = moments.get(name);
    NDArray fresh = ParameterStore.engineOwned(manager.create(values, old.getShape()).toType(old.getDataType(), true));
    moments.put(name, fresh);
    old.close();
  }

  private static int[] shape(NDArray a) {
    long[] s = a.getShape().getShape();
    int[] out = new int[s.length];
    for (int k = 0; k < s.length; k++) out[k] = Math.toIntExact(s[k]);
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
