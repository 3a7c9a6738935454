package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.train.SequenceTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop (SIGTERM, as a service manager or Ctrl-C sends) of a long command in a process of its own. {@code attune
 * train}, mid-epoch: the run ends at its next step and says where its checkpoint is, the process exits as a stopped
 * one (143), and the engine does not crash (no {@code hs_err_pid*.log}; before the stop waited for the step, one stop
 * in five ended in a SIGSEGV inside a backward pass); {@code --resume} then continues from the checkpoint. {@code
 * attune load}, mid-load: it ends after its batch and closes the store, so SQLite's write-ahead log is folded back (a
 * stop used to leave it, 145 MB on a CLI QA run's set); the same command then stores the rest. {@code attune copy},
 * mid-copy: rolled back, and no log left beside the new store either.
 */
class CommandStopIT {
  @TempDir Path dir;

  @Test
  void aStopMidEpochEndsTheRunAtItsNextStepWithoutCrashingTheEngine() throws Exception {
    Path data = dir.resolve("music");
    assertEquals(0, CliRun.run("generate", "--out", data.toString(), "--users", "800", "--seed", "5").code());
    Path out = dir.resolve("model");
    Path work = Files.createDirectories(dir.resolve("work")); // where the JVM would write an hs_err file
    List<String> train = List.of("train", "--model", "gru-attn", "--data", data.toString(), "--out", out.toString(),
        "--threads", "1", "--param", "gru-attn.epochs=200", "--param", "gru-attn.patience=200", "--seed", "3");
    Process run = ChildJvm.start(work, train, Map.of());
    Path checkpoint = SequenceTraining.checkpointFile(out.resolve("checkpoints"));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(checkpoint) && run.isAlive() && System.nanoTime() < until) Thread.sleep(50);
    assertTrue(Files.exists(checkpoint) && run.isAlive(), "a first epoch ended and the run goes on: "
        + (run.isAlive() ? "" : output()));
    Thread.sleep(300); // into the next epoch's steps
    run.destroy(); // SIGTERM
    assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the stop ended the run");
    String said = output();
    assertEquals(143, run.exitValue(), said);
    assertTrue(said.contains("attune: stopped; the checkpoint of the last finished epoch is in"), said);
    assertFalse(said.contains("SIGSEGV") || said.contains("A fatal error"), said);
    try (var files = Files.list(work)) {
      assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("hs_err"))
          .toList(), "no crash report");
    }
    assertTrue(lockFree(out), "the claim on --out is released");

    // and the run continues from its checkpoint, to the end this time
    CliRun resumed = CliRun.run("train", "--model", "gru-attn", "--data", data.toString(), "--out", out.toString(),
        "--threads", "1", "--param", "gru-attn.epochs=2", "--param", "gru-attn.patience=200", "--seed", "3",
        "--resume", "-q");
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(Files.isRegularFile(out.resolve("model.json")), resumed.err());
  }

  @Test
  void aStopMidLoadOrMidCopyLeavesNoWriteAheadLog() throws Exception {
    Path data = dir.resolve("many");
    assertEquals(0, CliRun.run("generate", "--out", data.toString(), "--users", "20000", "--seed", "5").code());
    Path db = dir.resolve("store/attune.db");
    String url = "jdbc:sqlite:" + db;
    Path work = Files.createDirectories(dir.resolve("work"));
    Process run = ChildJvm.start(work, List.of("load", "--data", data.toString(), "--store", url), Map.of());
    Path wal = Path.of(db + "-wal");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (sizeOf(wal) < 16 << 20 && run.isAlive() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertTrue(run.isAlive(), "still loading when stopped: " + output());
    run.destroy(); // SIGTERM
    assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the stop ended the load");
    String said = output();
    assertEquals(143, run.exitValue(), said);
    assertTrue(said.contains("the load stopped before it finished; what it stored is kept"), said);
    assertEquals(0, sizeOf(wal), "the log folded back into the store");
    long stored;
    try (dev.attune.store.Store store = dev.attune.store.Store.open(url)) {
      stored = store.counts().events();
    }
    int events = dev.attune.data.DatasetIo.read(data).events().size();
    assertTrue(stored > 0 && stored < events, stored + " of " + events);
    CliRun rest = CliRun.run("load", "--data", data.toString(), "--store", url, "-q");
    assertEquals(0, rest.code(), rest.err());
    assertTrue(rest.out().contains(String.format(java.util.Locale.ROOT, "(%,d already there)", stored)), rest.out());
    try (dev.attune.store.Store store = dev.attune.store.Store.open(url)) {
      assertEquals(events, store.counts().events(), "the rest stored, nothing twice");
    }

    // a copy of that store, stopped mid-copy: rolled back, and no log left beside the new store either
    Path copyDb = dir.resolve("copy/attune.db");
    Files.delete(work.resolve("output.txt"));
    Process copy = ChildJvm.start(work, List.of("copy", "--from", url, "--to", "jdbc:sqlite:" + copyDb), Map.of());
    Path copyWal = Path.of(copyDb + "-wal");
    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (sizeOf(copyWal) < 16 << 20 && copy.isAlive() && System.nanoTime() < until) Thread.sleep(20);
    assertTrue(copy.isAlive(), "still copying when stopped: " + output());
    copy.destroy();
    assertTrue(copy.waitFor(60, TimeUnit.SECONDS), "the stop ended the copy");
    String copySaid = output();
    assertEquals(143, copy.exitValue(), copySaid);
    assertTrue(copySaid.contains("the copy stopped before it finished; the store at --to holds none of it"), copySaid);
    assertEquals(0, sizeOf(copyWal), "the log folded back into the new store");
    try (dev.attune.store.Store store = dev.attune.store.Store.open("jdbc:sqlite:" + copyDb)) {
      assertEquals(0, store.counts().events(), "rolled back");
    }
  }

  /** The size of {@code file}, 0 when there is none (the store's checks open and close it before the load). */
  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException gone) {
      return 0;
    }
  }



  private String output() throws Exception {
    return ChildJvm.output(dir.resolve("work"));
  }

  /** Whether no process holds the lock on {@code out}'s {@code .train.lock} (a killed run leaves the file, unlocked). */
  private static boolean lockFree(Path out) throws Exception {
    try (var hold = dev.attune.infer.FileLockHold.tryTake(out.resolve(".train.lock"))) {
      return hold != null;
    }
  }
}
