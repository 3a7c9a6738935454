package dev.attune.train;

import dev.attune.data.TrainingSet;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;

/**
 * A trainer whose product is a {@link WeightFile} that {@code attune-infer} serves without DJL. The file's
 * {@code model} property names the pure-Java model that reads it.
 */
public interface WeightTrainer {
  /** Short name of the model family, such as {@code SasRec}. */
  String name();

  /**
   * Trains and exports the weights: the best validated ones when {@code run} has a validation stage, else the
   * last epoch's.
   *
   * @throws IllegalArgumentException if the training set cannot feed this model (no attributes when attributes
   *     are asked for; a checkpoint written with other settings)
   * @throws java.io.UncheckedIOException if a checkpoint cannot be written or read
   */
  WeightFile train(TrainingSet train, SequenceTraining.Run run, FitListener listener);

  /** The options of the shared training loop, for reports. */
  SequenceTraining.Options options();

  /** The hyper-parameters, for reports. */
  Record params();
}
