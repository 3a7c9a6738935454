package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Point-wise feed-forward layer F(h) = relu(h · W1 + b1) · W2 + b2, applied to every position alike.
 * Parameters {@code <prefix>.w1} [d, inner], {@code .b1} [inner], {@code .w2} [inner, d], {@code .b2} [d];
 * weights Xavier-normal, biases zero.
 */
public final class FeedForward {
  private final NDArray w1;
  private final NDArray b1;
  private final NDArray w2;
  private final NDArray b2;

  /** Creates the parameters in {@code store}. */
  public FeedForward(ParameterStore store, String prefix, int dim, int inner) {
    this.w1 = store.xavier(prefix + ".w1", dim, inner);
    this.b1 = store.zeros(prefix + ".b1", inner);
    this.w2 = store.xavier(prefix + ".w2", inner, dim);
    this.b2 = store.zeros(prefix + ".b2", dim);
  }

  /** Applies the layer to {@code h} [..., d]. */
  public NDArray forward(NDArray h) {
    return Activation.relu(h.matMul(w1).add(b1)).matMul(w2).add(b2);
  }
}
