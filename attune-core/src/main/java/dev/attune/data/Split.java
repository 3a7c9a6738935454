package dev.attune.data;

/**
 * A data set divided for offline evaluation.
 *
 * <p>Two views are offered so tuning and testing never mix: {@link #tuning()} trains on the training part
 * and is scored on the validation part; {@link #testing()} trains on training + validation and is scored
 * on the test part. Models without early stopping use only the second.
 *
 * @param protocol short description such as {@code leave-one-out} or {@code temporal(cutoff=...)}
 * @param dataset the source data set
 * @param roles role of each event of {@code dataset.events()}: one of {@link #TRAIN}, {@link #VALIDATION},
 *     {@link #TEST}, {@link #DROPPED}
 * @param trainOnly training events only (for tuning)
 * @param trainAndValidation training and validation events (for the final test)
 * @param validation held out for tuning
 * @param test held out for the final score
 */
public record Split(
    String protocol, Dataset dataset, byte[] roles, TrainingSet trainOnly, TrainingSet trainAndValidation,
    Holdout validation, Holdout test) {

  /** Role of an event the models learn from. */
  public static final byte TRAIN = 0;
  /** Role of a validation event. */
  public static final byte VALIDATION = 1;
  /** Role of a test event. */
  public static final byte TEST = 2;
  /** Role of an event nobody sees (happened after the user's test event). */
  public static final byte DROPPED = 3;

  /** Train on training events; score on validation. */
  public Stage tuning() {
    return new Stage(trainOnly, validation);
  }

  /** Train on training + validation events; score on test. */
  public Stage testing() {
    return new Stage(trainAndValidation, test);
  }

  /**
   * A data set with the same users, items (in the same order, so the same indices) and scenes as {@link #dataset}
   * holding only the events of roles {@link #TRAIN} and {@link #VALIDATION}: what a model tested on this split may
   * learn from, for splitting again (the service tunes a candidate on a split of the events before its holdout).
   * The given test part is not copied.
   */
  public Dataset trainingDataset() {
    Dataset out = new Dataset(dataset.name(), dataset.timeKind());
    for (String scene : dataset.repeatScenes()) out.allowRepeats(scene);
    for (String scene : dataset.sceneNames().ids()) out.registerScene(scene);
    for (int u = 0; u < dataset.numUsers(); u++) out.putUser(dataset.user(u));
    for (int i = 0; i < dataset.numItems(); i++) out.putItem(dataset.item(i));
    EventLog log = dataset.events();
    for (int r = 0; r < log.size(); r++) {
      if (roles[r] == TRAIN || roles[r] == VALIDATION) out.addEvent(dataset.event(log, r));
    }
    return out;
  }

  /** A training set and the holdout scored against it. */
  public record Stage(TrainingSet train, Holdout holdout) {}
}
