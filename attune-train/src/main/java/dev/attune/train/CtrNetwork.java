package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.attune.infer.WeightFile;
import dev.attune.train.nn.ParameterStore;
import java.util.Map;

/**
 * A click-through-rate network that {@link CtrTraining} can train: it maps a {@link CtrBatch} of impressions to
 * one logit each, P(positive) = σ(logit).
 *
 * <p>Implementations own a base {@link NDManager} ({@link #manager()}); the trainer attaches the parameters to a
 * per-batch sub-manager before calling {@link #logits}. Not thread-safe.
 */
public interface CtrNetwork extends AutoCloseable {

  /** The manager owning the parameters; per-batch scopes are its sub-managers. */
  NDManager manager();

  /** The trainable parameters, named as in the model's weight-file contract. */
  ParameterStore parameters();

  /** The weight-file properties that fix the network's shape. */
  Map<String, String> properties();

  /**
   * The logit of every impression [B].
   *
   * @param training whether dropout (if any) is applied
   */
  NDArray logits(NDManager scope, CtrBatch batch, boolean training);

  /** The current parameters and {@link #properties()} as a weight file the pure-Java model reads. */
  WeightFile toWeights();

  @Override
  void close();
}
