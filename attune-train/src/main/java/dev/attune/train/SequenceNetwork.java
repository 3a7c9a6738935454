package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.attune.infer.WeightFile;
import dev.attune.train.nn.ParameterStore;
import java.util.Map;

/**
 * A next-item network that {@link SequenceTraining} can train: it turns a batch of left-padded item windows into
 * one state per position, and items into output representations, so that score(t, i) = state_t · table[i + 1].
 *
 * <p>Implementations own a base {@link NDManager} ({@link #manager()}); the trainer attaches the parameters to a
 * per-batch sub-manager before calling {@link #itemTable()} and {@link #encode}. Not thread-safe.
 */
public interface SequenceNetwork extends AutoCloseable {

  /** The manager owning the parameters; per-batch scopes are its sub-managers. */
  NDManager manager();

  /** The trainable parameters, named as in the model's weight-file contract. */
  ParameterStore parameters();

  /**
   * The weight-file properties that fix the network's shape. A checkpoint is only resumed when all of them
   * match.
   */
  Map<String, String> properties();

  /** Every token's output representation [N + 1, d]; row 0 is padding and is never scored. */
  NDArray itemTable();

  /**
   * The state at every position of the batch [B, T, d] (T = {@link SequenceBatch#length}). For next-item
   * training the state at position t may depend on steps at positions &lt;= t only (causal), so it predicts the
   * step after t; a network trained with {@link SequenceTraining.Cloze} sees every step and predicts the item
   * behind the [MASK] at t.
   *
   * @param table the result of {@link #itemTable()} in this scope (inputs and outputs share it)
   * @param training whether dropout is applied
   */
  NDArray encode(NDManager scope, NDArray table, SequenceBatch batch, boolean training, float dropout);

  /** The current parameters and {@link #properties()} as a weight file the pure-Java model reads. */
  WeightFile toWeights();

  @Override
  void close();
}
