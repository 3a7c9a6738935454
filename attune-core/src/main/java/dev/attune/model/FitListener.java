package dev.attune.model;

/** Receives progress from a long training run. Called from the training thread; must be quick. */
public interface FitListener {
  /** Ignores everything. */
  FitListener NONE = new FitListener() {};

  /**
   * Reports progress of a stage ("iteration 3/10", "item neighbours").
   *
   * @param stage what is running
   * @param done units finished so far
   * @param total units in the stage (&gt;= done)
   */
  default void progress(String stage, long done, long total) {}

  /**
   * Reports a status worth keeping, such as a validation score, a skipped batch or an early stop: a terminal shows it
   * on its own line, a log as a line.
   */
  default void status(String message) {}

  /**
   * Reports a figure that changes with every step of the current stage, such as the running loss: shown beside a
   * progress bar while the stage runs, never written as a line (one per batch would flood a log).
   */
  default void stepStatus(String figure) {}

  /** Reports the end of an epoch or iteration with its training loss (NaN if not computed). */
  default void epochEnd(int epoch, double loss) {}

  /** Reports the validation score (NDCG@10 for the sequence models) measured after {@code epoch} (1-based). */
  default void validated(int epoch, double score) {}

  /**
   * Reports that training continues from a checkpoint written after {@code epochsDone} epochs, which took {@code
   * secondsBefore} seconds of training (NaN when the checkpoint does not say); called before those epochs are
   * reported again through {@link #epochEnd} and {@link #validated}.
   */
  default void resumed(int epochsDone, double secondsBefore) {}

  /**
   * A listener that passes progress and status on to {@code next} with {@code prefix} before the stage and the
   * message, and drops epochs and validation scores: for a run inside a larger one whose epochs are not the
   * caller's (a tuning run before the final training).
   */
  static FitListener progressOnly(FitListener next, String prefix) {
    return new FitListener() {
      @Override
      public void progress(String stage, long done, long total) {
        next.progress(prefix + stage, done, total);
      }

      @Override
      public void status(String message) {
        next.status(prefix + message);
      }

      @Override
      public void stepStatus(String figure) {
        next.stepStatus(figure);
      }
    };
  }
}
