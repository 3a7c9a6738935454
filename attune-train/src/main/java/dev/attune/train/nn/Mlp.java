package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * A multi-layer perceptron: affine layers x · W_k + b_k of the given widths with ReLU between them and none after
 * the last, so the output is a linear read-out (a logit or an attention score) of the last hidden layer.
 * Parameters {@code <prefix>.<k>.weight} [w_k, w_{k+1}] (Xavier normal) and {@code <prefix>.<k>.bias}
 * [w_{k+1}] (zero) for k = 0 .. layers − 1; the pure-Java twin is {@code dev.attune.infer.nn.Mlp}.
 */
public final class Mlp {
  private final NDArray[] weights;
  private final NDArray[] biases;

  /**
   * Creates the parameters in {@code store}.
   *
   * @param widths input width, hidden widths, output width: at least two values, each &gt; 0
   */
  public Mlp(ParameterStore store, String prefix, int... widths) {
    if (widths.length < 2) throw new IllegalArgumentException("an MLP needs an input and an output width");
    for (int w : widths) if (w <= 0) throw new IllegalArgumentException("widths must be > 0");
    int layers = widths.length - 1;
    this.weights = new NDArray[layers];
    this.biases = new NDArray[layers];
    for (int k = 0; k < layers; k++) {
      weights[k] = store.xavier(prefix + "." + k + ".weight", widths[k], widths[k + 1]);
      biases[k] = store.zeros(prefix + "." + k + ".bias", widths[k + 1]);
    }
  }

  /** Applies the layers to {@code x} [..., w_0]; returns [..., w_last]. */
  public NDArray forward(NDArray x) {
    NDArray h = x;
    for (int k = 0; k < weights.length; k++) {
      h = h.matMul(weights[k]).add(biases[k]);
      if (k + 1 < weights.length) h = Activation.relu(h);
    }
    return h;
  }
}
