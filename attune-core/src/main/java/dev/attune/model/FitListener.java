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

  /** Reports a short live status next to the progress, such as the running loss or a validation score. */
  default void status(String message) {}

  /** Reports the end of an epoch or iteration with its training loss (NaN if not computed). */
  default void epochEnd(int epoch, double loss) {}

  /** Reports the validation score (NDCG@10 for the sequence models) measured after {@code epoch} (1-based). */
  default void validated(int epoch, double score) {}
}
