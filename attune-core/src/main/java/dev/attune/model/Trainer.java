package dev.attune.model;

import dev.attune.data.TrainingSet;

/**
 * Fits a {@link Recommender} on training data. A trainer holds only hyper-parameters; the same trainer and
 * seed on the same data and machine give the same model.
 *
 * @param <R> the model type produced
 */
public interface Trainer<R extends Recommender> {
  /** Short name of the model family, such as {@code Als}. */
  String name();

  /**
   * Fits a model.
   *
   * @param train training data; the trainer must not read held-out events through {@code train.dataset()}
   * @param listener progress reports; use {@link FitListener#NONE} to ignore them
   */
  R fit(TrainingSet train, FitListener listener);
}
