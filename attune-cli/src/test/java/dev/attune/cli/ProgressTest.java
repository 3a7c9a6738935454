package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress written to a file or pipe: plain lines, each epoch once. */
class ProgressTest {

  private static List<String> lines(StringWriter w) {
    return w.toString().lines().map(l -> l.replaceAll("\\(\\d+\\.\\d s\\)", "(s)")).toList();
  }

  @Test
  void onAFileEpochsAreLinesAndAnEpochsOwnStatusReplacesItsLine() {
    for (boolean quiet : new boolean[] {false, true}) {
      StringWriter w = new StringWriter();
      try (Progress p = new Progress("din", quiet, new PrintWriter(w), false)) {
        p.progress("epoch 1/3", 1, 2);
        p.progress("epoch 1/3", 2, 2);
        p.epochEnd(1, 0.5);
        p.status("epoch 1: loss 0.5000, validation AUC 0.7");
        p.progress("epoch 2/3", 1, 2); // a trainer without such a status: the epoch line comes when the next starts
        p.epochEnd(2, 0.25);
        p.progress("epoch 3/3", 1, 2);
        p.epochEnd(3, 0.125);
        p.status("validation NDCG@10 0.1 after epoch 3");
        p.epochEnd(4, 0.0625); // the last one: written on close
      }
      assertEquals(List.of("din: epoch 1: loss 0.5000, validation AUC 0.7", "din: epoch 2 loss 0.2500 (s)",
          "din: epoch 3 loss 0.1250 (s)", "din: validation NDCG@10 0.1 after epoch 3", "din: epoch 4 loss 0.0625 (s)"),
          lines(w), "quiet " + quiet);
      assertFalse(w.toString().contains("\r"), "no carriage returns in a log");
    }
  }

  /**
   * On a terminal, a status is a whole line under its bar (beside the bar the terminal's width cut it short) and the
   * running loss stays in the bar; on a file the running loss is no line at all.
   */
  @Test
  void onATerminalAStatusIsItsOwnLineAndTheRunningLossStaysInTheBar() {
    String status = "validation NDCG@10 0.1234 after epoch 3 (best 0.1234), a status longer than a bar leaves room for";
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    try (Progress p = new Progress("sasrec", false, null, true)) {
      p.progress("epoch 3/3", 1, 2);
      p.stepStatus("loss 0.7321");
      p.progress("epoch 3/3", 2, 2);
      p.status(status);
      p.progress("epoch 4/4", 1, 2);
    } finally {
      System.setErr(stderr);
    }
    List<String> drawn = List.of(captured.toString().split("[\r\n]+"));
    assertTrue(drawn.contains("sasrec: " + status), "a line of its own: " + drawn);
    assertTrue(drawn.stream().anyMatch(l -> l.contains("epoch 3/3") && l.contains("[") && l.endsWith("loss 0.7321")),
        "the loss beside its bar: " + drawn);
    assertTrue(drawn.stream().anyMatch(l -> l.contains("epoch 4/4")), "the next step opens a bar: " + drawn);

    // epochs without steps (the fusion ranker's): one line each on a terminal too, the epoch's status replacing it
    captured.reset();
    System.setErr(new java.io.PrintStream(captured, true));
    try (Progress p = new Progress("fusion", false, null, true)) {
      p.epochEnd(1, 0.5);
      p.status("epoch 1: training loss 0.5000, validation loss 0.4000");
      p.epochEnd(2, 0.25);
    } finally {
      System.setErr(stderr);
    }
    assertEquals(List.of("fusion: epoch 1: training loss 0.5000, validation loss 0.4000", "fusion: epoch 2 loss 0.2500 (s)"),
        lines(new StringWriter().append(captured.toString())));

    StringWriter w = new StringWriter();
    try (Progress p = new Progress("sasrec", false, new PrintWriter(w), false)) {
      p.progress("epoch 1/1", 1, 2);
      p.stepStatus("loss 0.7321");
      p.status("gate of music (1/2): skipped a batch");
    }
    assertEquals(List.of("sasrec: gate of music (1/2): skipped a batch"), lines(w), "no line per batch in a log");
  }

  /**
   * A status in the middle of a stage (a skipped batch) breaks its bar for a line; the stage's next step draws the
   * bar on from its count, at no rate yet, not as a new bar that took half the stage at once (10,000/s and more).
   */
  @Test
  void onATerminalABarInterruptedByAStatusGoesOnFromItsCount() throws Exception {
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    try (Progress p = new Progress("sasrec", false, null, true)) {
      p.progress("epoch 1/2", 5_000, 10_000);
      Thread.sleep(1_100); // the library says a rate and times in whole seconds
      p.status("skipped a batch of 128 sequences");
      p.progress("epoch 1/2", 5_000, 10_000);
    } finally {
      System.setErr(stderr);
    }
    List<String> drawn = List.of(captured.toString().split("[\r\n]+"));
    int status = drawn.indexOf("sasrec: skipped a batch of 128 sequences");
    assertTrue(status > 0, "the status on its own line: " + drawn);
    List<String> after = drawn.subList(status + 1, drawn.size()).stream().filter(l -> l.contains("epoch 1/2")).toList();
    assertFalse(after.isEmpty(), "the bar drawn on: " + drawn);
    for (String line : after) {
      java.util.regex.Matcher rate = java.util.regex.Pattern.compile("([0-9.]+)/s").matcher(line);
      assertTrue(!rate.find() || Double.parseDouble(rate.group(1)) < 1_000, "no rate from the count taken at once: "
          + line);
      assertTrue(line.contains("5000/10000"), "its count goes on: " + line);
      assertFalse(line.contains("(0:00:00 /"), "its elapsed time goes on: " + line);
    }
  }

  /** On a file, a stage that reports no step for the interval (EASE's inverse) says it is still running. */
  @Test
  void onAFileAStageWithoutStepsForLongSaysItIsStillRunning() throws Exception {
    StringWriter w = new StringWriter();
    try (Progress p = new Progress("ease", false, new PrintWriter(w), false, 200_000_000L)) {
      p.progress("EASE inverse", 0, 1);
      Thread.sleep(700);
      p.progress("EASE inverse", 1, 1);
      String before = w.toString();
      Thread.sleep(500); // done: nothing more is said of it
      assertEquals(before, w.toString());
    }
    List<String> said = w.toString().lines().toList();
    assertTrue(!said.isEmpty()
        && said.stream().allMatch(l -> l.matches("ease: EASE inverse: still running \\(\\d+ s\\)")), said.toString());
  }

  @Test
  void anEpochWithoutALossSaysNoNaN() {
    StringWriter w = new StringWriter();
    try (Progress p = new Progress("als", false, new PrintWriter(w), false)) {
      p.epochEnd(1, Double.NaN);
    }
    assertEquals(List.of("als: epoch 1 (s)"), lines(w));
  }

  @Test
  void quietWithoutALogWritesNothingAndAStagesCountIsNotALineAtItsEnds() {
    StringWriter w = new StringWriter();
    try (Progress p = new Progress("pop", false, new PrintWriter(w), false)) {
      p.update(0, 943);
      p.update(943, 943); // a fast stage: no count line at all
    }
    assertEquals("", w.toString());
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    try (Progress p = new Progress("pop", true, null, false)) {
      p.progress("epoch 1/2", 1, 2);
      p.epochEnd(1, 0.5);
      p.status("loaded");
    } finally {
      System.setErr(stderr);
    }
    assertEquals("", captured.toString(), "quiet without a log writes nothing anywhere");
  }
}
