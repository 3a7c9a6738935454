package dev.attune.cli;

import dev.attune.eval.Evaluator;
import java.io.PrintWriter;
import dev.attune.model.FitListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on standard error for training stages and evaluation: bars (count, rate, ETA) on a terminal; on a file or
 * pipe, plain lines (one per epoch and status, and a stage's count every {@link #LINE_EVERY_NANOS}, or a line that it
 * is still running when it reports no steps that long, as EASE's inverse of 17,632 items did for 52 s), for a bar's
 * carriage returns make a log unreadable. Quiet mode shows no bars and no counts, and writes its lines to the log it
 * is given, if any. One instance per task; its listener methods are called from one thread.
 */
final class Progress implements FitListener, Evaluator.Progress, AutoCloseable {
  /** How often a stage's count is written as a line when standard error is not a terminal. */
  static final long LINE_EVERY_NANOS = 30_000_000_000L;
  private final String task;
  /** Bars on the terminal (not quiet, standard error a terminal). */
  private final boolean bars;
  /** Counts as lines now and then (not quiet, standard error a file or pipe). */
  private final boolean countLines;
  /** Where epoch ends and statuses go as plain lines; null for nowhere (bars show them, or quiet without a log). */
  private final PrintWriter lines;
  /** Where the lines of a terminal with bars go, under the bars (standard error); with {@link #lines} otherwise. */
  private final PrintWriter written;
  private ProgressBar bar;
  /** Where {@link #bar} draws. */
  private BarLine console;
  private volatile String stage;
  /**
   * The stage whose bar a status closed mid-way, with its count and time then: its next step draws the bar on, from
   * there (a bar opened afresh took its count as done at once, and showed a rate of thousands a second and an ETA of
   * seconds after a status such as a skipped batch's).
   */
  private String interruptedStage;
  private long interruptedAt;
  private java.time.Duration interruptedElapsed;
  private long epochStart = System.nanoTime();
  private long lastCountLine = System.nanoTime();
  /** When the current stage of a count-lines run began, and when any line was written last (the watch reads them). */
  private volatile long stageStart = System.nanoTime();
  private volatile long lastLine = System.nanoTime();
  /** Writes the still-running lines of count-lines mode; null otherwise. */
  private final java.util.concurrent.ScheduledExecutorService watch;
  private final long lineEveryNanos;
  /** An epoch's line held until the next message, which may be that epoch's fuller status line. */
  private String pendingEpoch;
  private int pendingEpochNumber;

  Progress(String task, boolean quiet) {
    this(task, quiet, null);
  }

  /** With {@code log} non-null, quiet mode writes epoch ends and statuses there as plain lines. */
  Progress(String task, boolean quiet, PrintWriter log) {
    this(task, quiet, log, stderrIsTerminal());
  }

  /** As above, with whether standard error is a terminal given (tests). */
  Progress(String task, boolean quiet, PrintWriter log, boolean terminal) {
    this(task, quiet, log, terminal, LINE_EVERY_NANOS);
  }

  /** As above, with the interval of count and still-running lines given (tests). */
  Progress(String task, boolean quiet, PrintWriter log, boolean terminal, long lineEveryNanos) {
    this.task = task;
    this.bars = !quiet && terminal;
    this.countLines = !quiet && !terminal;
    this.lines = quiet ? log : terminal ? null : log != null ? log : new PrintWriter(System.err, true);
    this.written = lines != null ? lines : new PrintWriter(System.err, true);
    this.lineEveryNanos = lineEveryNanos;
    if (countLines) {
      watch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("attune-progress").unstarted(r));
      long checkMillis = Math.max(1, lineEveryNanos / 6_000_000);
      watch.scheduleWithFixedDelay(this::stillRunning, checkMillis, checkMillis,
          java.util.concurrent.TimeUnit.MILLISECONDS);
    } else {
      watch = null;
    }
  }

  /** A line for a stage that has written none for the interval: a long step without counts is not a hang. */
  private void stillRunning() {
    String current = stage;
    long now = System.nanoTime();
    if (current == null || now - lastLine < lineEveryNanos || now - stageStart < lineEveryNanos) return;
    // not through line(): an epoch's line held for its status is the main thread's to write
    synchronized (this) {
      // the stage may have ended since it was read: its end is written under this lock, so this line comes before
      // that end returns or not at all (CI saw one after it)
      if (stage != current) return;
      lines.println(String.format("%s: %s: still running (%d s)", task, current, (now - stageStart) / 1_000_000_000L));
      lines.flush();
      lastLine = System.nanoTime();
    }
  }

  private ProgressBar open(String name, long done, long total) {
    if (bar != null && name.equals(stage)) {
      bar.maxHint(total);
      return bar;
    }
    closeBar();
    boolean resumed = name.equals(interruptedStage) && done >= interruptedAt;
    interruptedStage = null;
    stage = name;
    Integer columns = Integer.getInteger("attune.stderr.columns");
    ProgressBarBuilder builder = new ProgressBarBuilder();
    // its elapsed time goes on, and its rate and ETA count only the steps drawn since
    if (resumed) builder.startsFrom(interruptedAt, interruptedElapsed);
    bar = builder
        .setTaskName(task + ": " + name)
        .setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .showSpeed(new java.text.DecimalFormat("0.0")) // the default's "#.0" wrote 0.3/s as ".3/s"
        // the launcher measures the terminal (the library cannot when standard output is a pipe, as in `| jq`)
        .setConsumer(console = columns != null && columns > 20 ? new BarLine(System.err, columns - 1)
            : new BarLine(System.err))
        .build();
    return bar;
  }

  /**
   * Whether standard error, where the bars go, is a terminal: as the launcher found ({@code attune.stderr.terminal},
   * from {@code [ -t 2 ]}), else as Java can tell, which is of standard input and output only.
   */
  static boolean stderrIsTerminal() {
    String said = System.getProperty("attune.stderr.terminal");
    if (said != null) return Boolean.parseBoolean(said);
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
    // a step is between the engine's native calls: where a stopped training run can end without crashing it
    if (AttuneCli.stopRequested()) throw new AttuneCli.StopRequested();
    // a step of the next stage: the last epoch's status line, if any, has come
    flushPendingEpoch();
    if (bars) {
      open(stageName, done, total).stepTo(done);
    } else if (countLines) {
      count(stageName, done, total);
    }
  }

  /** A count line when the stage changed or the last one is old enough; never for a stage's first or last step. */
  private void count(String stageName, long done, long total) {
    if (!stageName.equals(stage)) {
      stage = stageName;
      lastCountLine = System.nanoTime();
      stageStart = lastCountLine;
      return;
    }
    if (done >= total) {
      synchronized (this) {
        stage = null; // done: nothing runs on that the still-running line could speak of
      }
      return;
    }
    if (done <= 0 || System.nanoTime() - lastCountLine < lineEveryNanos) return;
    lastCountLine = System.nanoTime();
    line(String.format("%s: %s: %,d of %,d (%d%%)", task, stageName, done, total, done * 100 / Math.max(1, total)));
  }

  private void line(String text) {
    flushPendingEpoch();
    synchronized (this) {
      lines.println(text);
      lines.flush();
      lastLine = System.nanoTime();
    }
  }

  private void flushPendingEpoch() {
    if (pendingEpoch == null) return;
    String held = pendingEpoch;
    pendingEpoch = null;
    synchronized (this) {
      written.println(held);
      written.flush();
      lastLine = System.nanoTime();
    }
  }

  @Override
  public void status(String message) {
    // an epoch's own status line ("epoch 3: loss ..., validation ...") says more than its epoch line: it replaces it
    if (pendingEpoch != null && message.startsWith("epoch " + pendingEpochNumber + ":")) pendingEpoch = null;
    if (bars) {
      // its own line under the bar: beside it, the terminal's width cut a validation score or a stop's reason short
      // (QA: "validation NDCG@10 0.0020 after epoch 3 (" in 120 columns); the stage's next step draws its bar on
      if (bar != null) {
        interruptedStage = stage;
        interruptedAt = bar.getCurrent();
        interruptedElapsed = bar.getTotalElapsed();
      }
      closeBar();
      flushPendingEpoch();
      written.println(task + ": " + message);
      written.flush();
    } else if (lines != null) {
      line(task + ": " + message);
    }
  }

  @Override
  public void stepStatus(String figure) {
    if (bars && bar != null) bar.setExtraMessage(" " + figure); // the bar writes it right after the rate
  }

  @Override
  public void epochEnd(int epoch, double loss) {
    double seconds = (System.nanoTime() - epochStart) / 1e9;
    epochStart = System.nanoTime();
    // a model without a loss to report (ALS's sweeps) says its epochs without a "loss NaN"
    String text = Double.isNaN(loss) ? String.format("%s: epoch %d (%.1f s)", task, epoch, seconds)
        : String.format("%s: epoch %d loss %.4f (%.1f s)", task, epoch, loss, seconds);
    if (bars && bar != null) {
      if (!Double.isNaN(loss)) bar.setExtraMessage(String.format(" loss %.4f", loss)); // a line would break the bar
    } else if (bars || lines != null) {
      // on a file, or on a terminal for a stage that reports epochs but no steps (the fusion ranker), which has no bar
      // to show them on: a line each, held for the epoch's own status line, which replaces it (review: two lines per
      // epoch on a terminal)
      flushPendingEpoch();
      pendingEpoch = text;
      pendingEpochNumber = epoch;
    }
  }

  @Override
  public void update(int done, int total) {
    progress("evaluating users", done, total);
  }

  @Override
  public void close() {
    if (watch != null) watch.shutdownNow();
    closeBar();
    flushPendingEpoch();
  }

  /** Draws the bar a last time and ends its line; a later step of any stage opens a new one. */
  private void closeBar() {
    if (bar != null) {
      bar.close();
      console.close(); // ends the line, if the library did not
      bar = null;
      stage = null;
    }
  }

  /**
   * The library's console line, ended once and then left alone. A bar closed before its first scheduled redraw ends
   * without a line break (0.10.1 breaks it only on a later redraw), so what came next was written on the bar's line (a
   * test caught it); and a redraw already running when the bar closed drew it again after the break, so the bar showed
   * twice (seen in a 100-column terminal).
   */
  private static final class BarLine extends ConsoleProgressBarConsumer {
    private boolean drawn;
    private boolean ended;

    BarLine(java.io.PrintStream out) {
      super(out);
    }

    BarLine(java.io.PrintStream out, int width) {
      super(out, width);
    }

    @Override
    public synchronized void accept(String rendered) {
      if (ended) return;
      super.accept(rendered);
      drawn = true;
    }

    @Override
    public synchronized void close() {
      if (ended) return;
      ended = true;
      if (drawn) super.close(); // the line break
    }
  }
}
