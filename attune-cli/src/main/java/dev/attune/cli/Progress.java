package dev.attune.cli;

import dev.attune.eval.Evaluator;
import java.io.PrintWriter;
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
  /** Where quiet mode still writes one line per epoch and every status, for logs; null for silence. */
  private final PrintWriter log;
  private ProgressBar bar;
  private String stage;
  private long epochStart = System.nanoTime();

  Progress(String task, boolean quiet) {
    this(task, quiet, null);
  }

  /** With {@code log} non-null, quiet mode writes epoch ends and statuses there as plain lines. */
  Progress(String task, boolean quiet, PrintWriter log) {
    this.task = task;
    this.quiet = quiet;
    this.log = log;
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
        // a file or pipe (a log) keeps every update: one every 5 s there rather than four a second
        .setUpdateIntervalMillis(onTerminal() ? 250 : 5000)
        .showSpeed(new java.text.DecimalFormat("0.0")) // the default's "#.0" wrote 0.3/s as ".3/s"
        .setConsumer(onTerminal() ? new ConsoleProgressBarConsumer(System.err)
            : new ConsoleProgressBarConsumer(System.err, UNWRAPPED_WIDTH))
        .build();
    return bar;
  }

  /**
   * Width of a bar written to a file or pipe, where nothing wraps: room for the longest status line. On a terminal the
   * bar takes the terminal's width, since a wider one wraps and scrolls at every update.
   */
  private static final int UNWRAPPED_WIDTH = 160;

  private static boolean onTerminal() {
    java.io.Console console = System.console();
    if (console == null) return false;
    try {
      // JDK 22+ returns a console for redirected streams too, and says whether it is a terminal (not in --release 21)
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only on a terminal
    }
  }

  @Override
  public void progress(String stageName, long done, long total) {
    if (quiet) return;
    open(stageName, total).stepTo(done);
  }

  @Override
  public void status(String message) {
    if (!quiet && bar != null) {
      bar.setExtraMessage(" " + message); // the bar writes it right after the rate
    } else if (quiet && log != null && !message.startsWith("loss ")) {
      log.println(task + ": " + message);
    }
  }

  @Override
  public void epochEnd(int epoch, double loss) {
    double seconds = (System.nanoTime() - epochStart) / 1e9;
    epochStart = System.nanoTime();
    if (!quiet && bar != null && !Double.isNaN(loss)) {
      bar.setExtraMessage(String.format(" loss %.4f", loss));
    } else if (quiet && log != null || !quiet && bar == null) {
      // a stage that reports epochs but no steps (the fusion ranker) has no bar to show them on: a line each
      PrintWriter to = log != null ? log : new PrintWriter(System.err, true);
      to.printf("%s: epoch %d loss %.4f (%.1f s)%n", task, epoch, loss, seconds);
      to.flush();
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
