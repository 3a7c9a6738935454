package dev.attune.cli;

import dev.attune.eval.Evaluator;
import dev.attune.model.FitListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on standard error (count, rate, ETA) for training stages and evaluation. Quiet mode shows
 * nothing, for scripts and logs. One instance per task; not thread-safe (listeners are called from one thread).
 */
final class Progress implements FitListener, Evaluator.Progress, AutoCloseable {
  private final String task;
  private final boolean quiet;
  private ProgressBar bar;
  private String stage;

  Progress(String task, boolean quiet) {
    this.task = task;
    this.quiet = quiet;
  }

  private ProgressBar open(String name, long total) {
    if (bar != null && name.equals(stage)) {
      bar.maxHint(total);
      return bar;
    }
    close();
    stage = name;
    bar = new ProgressBarBuilder()
        .setTaskName(task + ": " + name)
        .setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .showSpeed()
        .setConsumer(new ConsoleProgressBarConsumer(System.err, 110))
        .build();
    return bar;
  }

  @Override
  public void progress(String stageName, long done, long total) {
    if (quiet) return;
    open(stageName, total).stepTo(done);
  }

  @Override
  public void epochEnd(int epoch, double loss) {
    if (!quiet && bar != null && !Double.isNaN(loss)) {
      bar.setExtraMessage(String.format("loss %.4f", loss));
    }
  }

  @Override
  public void update(int done, int total) {
    if (quiet) return;
    open("evaluating users", total).stepTo(done);
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
      stage = null;
    }
  }
}
