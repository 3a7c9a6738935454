package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;

/**
 * Multiplying an array by a number inside a recorded graph.
 *
 * <p>Why not DJL's {@code mul(Number)} or {@code div(Number)}: they wrap the number in a tensor over a JVM direct
 * buffer and close that tensor as soon as the operation returns, while autograd keeps it for the backward pass
 * (the gradient of x·c is c). Once the collector frees the buffer, the backward pass reads released memory, and
 * the gradients hold garbage or NaN in some runs and not in others. That was the cause of SASRec's same-seed
 * drift and of its occasional non-finite batches. The constant made here lives in memory the engine owns, so the
 * graph keeps it alive for as long as it needs it.
 */
public final class Scalars {
  private Scalars() {}

  /** x · c, differentiable in x. */
  public static NDArray times(NDArray x, double c) {
    return x.mul(constant(x, c));
  }

  /** x / c, differentiable in x. */
  public static NDArray dividedBy(NDArray x, double c) {
    return x.div(constant(x, c));
  }

  /** A scalar c of x's data type in engine-owned memory, attached to x's manager. */
  static NDArray constant(NDArray x, double c) {
    return ParameterStore.engineOwned(x.getManager().create(c).toType(x.getDataType(), false));
  }
}
