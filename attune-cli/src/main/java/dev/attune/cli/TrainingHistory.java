package dev.attune.cli;

import dev.attune.model.FitListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Records each epoch's mean training loss and validation score while passing every report on to another
 * listener; written into {@code model.json} as {@code history} (the dashboard's training curves).
 *
 * <p>Not thread-safe: training reports from one thread.
 */
final class TrainingHistory implements FitListener {
  private final FitListener next;
  private final TreeMap<Integer, Map<String, Object>> epochs = new TreeMap<>();
  private int resumedAfter = -1;
  private double secondsBefore;

  TrainingHistory(FitListener next) {
    this.next = next == null ? FitListener.NONE : next;
  }

  @Override
  public void progress(String stage, long done, long total) {
    next.progress(stage, done, total);
  }

  @Override
  public void status(String message) {
    next.status(message);
  }

  @Override
  public void stepStatus(String figure) {
    next.stepStatus(figure);
  }

  /**
   * Records the epoch; passes it on unless it is one a resumed run replays from its checkpoint (passed on, they
   * printed as "epoch 1 ... (0.0 s)", as if trained again in no time).
   */
  @Override
  public void epochEnd(int epoch, double loss) {
    epoch(epoch).put("loss", Double.isFinite(loss) ? loss : null);
    if (epoch > resumedAfter) next.epochEnd(epoch, loss);
  }

  @Override
  public void validated(int epoch, double score) {
    epoch(epoch).put("validationNdcg10", Double.isFinite(score) ? score : null);
    if (epoch > resumedAfter) next.validated(epoch, score);
  }

  @Override
  public void resumed(int epochsDone, double secondsBefore) {
    resumedAfter = epochsDone;
    this.secondsBefore = Double.isFinite(secondsBefore) ? secondsBefore : 0;
    next.resumed(epochsDone, secondsBefore);
    next.status("epochs 1 to " + epochsDone + " are the checkpoint's, not trained again");
  }

  /** The epochs a resumed run found done in its checkpoint; -1 when the run started afresh. */
  int resumedAfter() {
    return resumedAfter;
  }

  /** The seconds of training before a resumed run (0 for a fresh one, or when the checkpoint does not say). */
  double secondsBefore() {
    return secondsBefore;
  }

  private Map<String, Object> epoch(int epoch) {
    return epochs.computeIfAbsent(epoch, e -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("epoch", e);
      return m;
    });
  }

  /** One entry per epoch in order: {@code {epoch, loss, validationNdcg10?}}. */
  List<Map<String, Object>> toList() {
    return new ArrayList<>(epochs.values());
  }
}
