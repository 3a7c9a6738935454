package dev.attune.train;

import dev.attune.data.CtrDataset;
import dev.attune.model.FitListener;

/** A click-through-rate model trained by {@link CtrTraining}: {@link Fm}, {@link Ncf}, {@link Din}. */
public interface CtrTrainer {
  /** The model kind, the {@code model} property of its weight files ({@code fm}, {@code ncf}, {@code din}). */
  String name();

  /**
   * Trains on {@code data}'s training part with early stopping on its validation part and exports the best
   * weights, with the tensor {@code item_categories} when the model reads categories.
   */
  CtrTraining.Result train(CtrDataset data, FitListener listener);

  /** The options of the shared loop. */
  CtrTraining.Options options();

  /** Every hyper-parameter of the run, the training options included (written into {@code model.json}). */
  Record params();
}
