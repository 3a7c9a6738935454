package dev.attune.train;

import java.util.Locale;

/**
 * Tells, at the end of each epoch, a training run that has diverged from one that is learning. One watch follows one
 * run: its loop reports every batch's loss ({@link #trained}) or a batch it skipped for a non-finite loss or gradient
 * ({@link #skipped}), then calls {@link #endEpoch}. Three signs stop a run:
 *
 * <ul>
 *   <li>more than half of an epoch's batches were skipped: the few that passed moved the weights by steps too large,
 *       so the scores are noise (a QA run with learningRate 1e20 skipped 7 of 8 batches, then wrote a model of HR@10 0
 *       and exited as if it had trained), and the epochs after only skip more;
 *   <li>the epoch's mean loss is more than {@value #LOSS_CEILING} times the loss of the run's first batch. That batch
 *       was scored before any step (or, on a resumed run, by the checkpoint's weights), so it is at most what a model
 *       that knows nothing scores; a run that learns only lowers it. Steps large enough to blow the weights up can keep
 *       every loss finite: SASRec at learningRate 1e8 had an epoch's loss of 1.5e17 against 1.39 at the start, and
 *       without this sign it went on to write a model that ranked like chance;
 *   <li>the epoch's mean loss is negative, which no loss of these loops (cross-entropies) can be unless its numbers
 *       overflowed.
 * </ul>
 *
 * A loop that keeps the best validated weights stops on {@link Diverged} and keeps those; before any validated epoch
 * there is nothing to keep, and the run fails with it.
 */
final class DivergenceWatch {
  /** How many times the first batch's loss an epoch's mean loss may reach before the run counts as diverged. */
  static final double LOSS_CEILING = 100;
  /** Below this an epoch's mean loss is negative beyond rounding: the losses here (cross-entropies) cannot be. */
  static final double NEGATIVE_LOSS = -1e-3;

  private final String lower;
  private double firstLoss = Double.NaN;
  private double lossSum;
  private double weightSum;
  private int trained;
  private int skipped;

  /** @param lower the settings to lower, for the message ("learningRate (0.001)") */
  DivergenceWatch(String lower) {
    this.lower = lower;
  }

  /** A batch that was stepped on: its (finite) mean loss and its weight in the epoch's mean (rows, positions). */
  void trained(double loss, double weight) {
    if (Double.isNaN(firstLoss)) firstLoss = loss;
    lossSum += loss * weight;
    weightSum += weight;
    trained++;
  }

  /** A batch skipped for a non-finite loss or gradient; returns how many this epoch skipped so far, it included. */
  int skipped() {
    return ++skipped;
  }

  /**
   * Ends epoch {@code epoch} (from 0) and starts counting the next.
   *
   * @throws Diverged when the epoch shows either sign of divergence (the class comment)
   */
  void endEpoch(int epoch) {
    int batches = trained + skipped;
    int skippedThisEpoch = skipped;
    double mean = weightSum == 0 ? Double.NaN : lossSum / weightSum;
    trained = 0;
    skipped = 0;
    lossSum = 0;
    weightSum = 0;
    if (skippedThisEpoch > 0 && 2L * skippedThisEpoch > batches) {
      throw new Diverged("training diverged: " + skippedThisEpoch + " of " + batches + " batches of epoch "
          + (epoch + 1) + " had a non-finite loss or gradient; lower " + lower);
    }
    if (mean < NEGATIVE_LOSS) {
      // cross-entropy is never negative: a log-softmax that overflowed (a QA run's gru-attn at learningRate 1e10 had
      // -9.4e14, passed, was validated and written)
      throw new Diverged(String.format(Locale.ROOT, "training diverged: the mean loss of epoch %d (%.4g) is negative,"
          + " which its loss cannot be unless its numbers overflowed; lower %s", epoch + 1, mean, lower));
    }
    if (firstLoss > 0 && mean > LOSS_CEILING * firstLoss) {
      throw new Diverged(String.format(Locale.ROOT, "training diverged: the mean loss of epoch %d (%.4g) is more than"
          + " %.0f times the run's first batch's (%.4g); lower %s", epoch + 1, mean, LOSS_CEILING, firstLoss, lower));
    }
  }

  /** A run that diverged: a setting to change, so a command ends with its one-line message. */
  static final class Diverged extends IllegalArgumentException {
    Diverged(String message) {
      super(message);
    }
  }
}
