package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;

/**
 * Layer normalisation over the last axis, as {@link dev.attune.infer.nn.LayerNorm}: LN(v) = (v − mean(v)) /
 * sqrt(var(v) + ε) × gamma + beta with the population variance. Parameters {@code <prefix>.gamma} (ones) and
 * {@code <prefix>.beta} (zeros), each [d].
 */
public final class LayerNorm {
  private final NDArray gamma;
  private final NDArray beta;
  private final float eps;

  /** Creates the parameters in {@code store}. */
  public LayerNorm(ParameterStore store, String prefix, int dim, float eps) {
    this.gamma = store.ones(prefix + ".gamma", dim);
    this.beta = store.zeros(prefix + ".beta", dim);
    this.eps = eps;
  }

  /** Normalises {@code x} [..., d] along its last axis. */
  public NDArray forward(NDArray x) {
    NDArray centred = x.sub(x.mean(new int[] {-1}, true));
    NDArray variance = centred.square().mean(new int[] {-1}, true);
    return centred.div(variance.add(eps).sqrt()).mul(gamma).add(beta);
  }
}
