package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The named, trainable parameters of a network, each an {@link NDArray} owned by the store's own manager.
 *
 * <p>Layers create their parameters here under the names of the weight-file contract, so export is a walk over
 * {@link #names()}. Initial values come from a seeded {@link SplittableRandom} (never from the engine), or from
 * a {@link #preset preset} source such as a loaded weight file, so initialisation is reproducible on any
 * machine.
 *
 * <p>Not thread-safe. Closing the store frees every parameter.
 */
public final class ParameterStore implements AutoCloseable {
  private final NDManager manager;
  private final DataType dataType;
  private final SplittableRandom random;
  private final Map<String, NDArray> parameters = new LinkedHashMap<>();
  private Function<String, float[]> preset = name -> null;

  /**
   * Creates an empty store.
   *
   * @param parent manager the store's own sub-manager is created under
   * @param dataType {@link DataType#FLOAT32} or {@link DataType#FLOAT64}
   * @param seed seed of the initial values
   * @throws IllegalArgumentException if the data type is neither
   */
  public ParameterStore(NDManager parent, DataType dataType, long seed) {
    if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT64) {
      throw new IllegalArgumentException("parameters must be float32 or float64: " + dataType);
    }
    this.manager = parent.newSubManager();
    this.dataType = dataType;
    this.random = new SplittableRandom(seed);
  }

  /**
   * Makes later {@code create} calls take their values from {@code source} (name to row-major values, or null
   * to initialise as usual). Used to rebuild a network from a weight file or checkpoint.
   */
  public void preset(Function<String, float[]> source) {
    this.preset = source == null ? name -> null : source;
  }

  /** The manager owning the parameters; arrays created on it live as long as the store. */
  public NDManager manager() {
    return manager;
  }

  /** The data type of every parameter. */
  public DataType dataType() {
    return dataType;
  }

  /** Creates a parameter filled with zeros (unless preset). */
  public NDArray zeros(String name, long... shape) {
    return create(name, shape, new double[(int) new Shape(shape).size()]);
  }

  /** Creates a parameter filled with ones (unless preset). */
  public NDArray ones(String name, long... shape) {
    double[] v = new double[(int) new Shape(shape).size()];
    java.util.Arrays.fill(v, 1.0);
    return create(name, shape, v);
  }

  /** Creates a parameter drawn from N(0, std²) with the store's random stream (unless preset). */
  public NDArray normal(String name, double std, long... shape) {
    double[] v = new double[(int) new Shape(shape).size()];
    for (int k = 0; k < v.length; k++) v[k] = random.nextGaussian() * std;
    return create(name, shape, v);
  }

  /**
   * Creates a parameter drawn from the Xavier (Glorot) normal distribution, std = sqrt(2 / (fanIn + fanOut))
   * with the first two dimensions as fan-in and fan-out (unless preset).
   */
  public NDArray xavier(String name, long rows, long cols) {
    return normal(name, Math.sqrt(2.0 / (rows + cols)), rows, cols);
  }

  private NDArray create(String name, long[] shape, double[] init) {
    if (parameters.containsKey(name)) throw new IllegalArgumentException("parameter exists: " + name);
    Shape s = new Shape(shape);
    float[] given = preset.apply(name);
    NDArray fromJava;
    if (given != null) {
      if (given.length != s.size()) {
        throw new IllegalArgumentException("preset for " + name + " has " + given.length + " values, shape " + s);
      }
      fromJava = manager.create(given, s).toType(dataType, true);
    } else if (dataType == DataType.FLOAT64) {
      fromJava = manager.create(init, s);
    } else {
      float[] f = new float[init.length];
      for (int k = 0; k < f.length; k++) f[k] = (float) init[k];
      fromJava = manager.create(f, s);
    }
    NDArray p = engineOwned(fromJava);
    p.setName(name);
    parameters.put(name, p);
    return p;
  }

  /**
   * A copy of {@code fromJava} in memory the engine allocated, closing the original. Why: an array created
   * from Java values wraps a direct buffer the JVM allocated, with whatever alignment it got, so matrix
   * products over it may take different code paths from run to run (same seed, different losses), and its
   * memory belongs to the JVM rather than to the tensors that alias it.
   */
  public static NDArray engineOwned(NDArray fromJava) {
    NDArray copy = fromJava.duplicate();
    fromJava.close();
    return copy;
  }

  /**
   * The parameter {@code name}.
   *
   * @throws IllegalArgumentException if absent
   */
  public NDArray get(String name) {
    NDArray p = parameters.get(name);
    if (p == null) throw new IllegalArgumentException("no parameter " + name);
    return p;
  }

  /** Parameter names in creation order (unmodifiable). */
  public Set<String> names() {
    return Collections.unmodifiableSet(parameters.keySet());
  }

  /** A row-major float copy of parameter {@code name}. */
  public float[] values(String name) {
    NDArray p = get(name);
    return p.getDataType() == DataType.FLOAT32 ? p.toFloatArray() : toFloats(p.toDoubleArray());
  }

  /** The shape of parameter {@code name} as ints. */
  public int[] shape(String name) {
    long[] s = get(name).getShape().getShape();
    int[] out = new int[s.length];
    for (int k = 0; k < s.length; k++) out[k] = Math.toIntExact(s[k]);
    return out;
  }

  /** Overwrites parameter {@code name} with {@code values} (row-major, same size); outside autograd only. */
  public void setValues(String name, double[] values) {
    NDArray p = get(name);
    if (dataType == DataType.FLOAT64) {
      p.set(values);
    } else {
      p.set(toFloats(values));
    }
  }

  /**
   * Temporarily attaches every parameter to {@code scope} (a per-batch manager): results of operations whose
   * first operand is a parameter then belong to the scope and are freed with it, and the parameters return to
   * the store when the scope closes. Call once per scope.
   */
  public void attachTo(NDManager scope) {
    scope.tempAttachAll(parameters.values().toArray(new NDArray[0]));
  }

  /** Marks every parameter as requiring a gradient. */
  public void requireGradients() {
    for (NDArray p : parameters.values()) p.setRequiresGradient(true);
  }

  /** Zeroes the accumulated gradient of every parameter (PyTorch accumulates across backward calls). */
  public void zeroGradients() {
    for (NDArray p : parameters.values()) {
      if (p.hasGradient()) JniUtils.zeroGrad((PtNDArray) p);
    }
  }

  /** Number of scalar parameters. */
  public long size() {
    long n = 0;
    for (NDArray p : parameters.values()) n += p.size();
    return n;
  }

  private static float[] toFloats(double[] d) {
    float[] f = new float[d.length];
    for (int k = 0; k < d.length; k++) f[k] = (float) d[k];
    return f;
  }

  @Override
  public void close() {
    manager.close();
  }
}
