package dev.attune.cli;

import static dev.attune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.events.Event;
import dev.attune.store.Store;
import dev.attune.store.StoreCopy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attune copy}: a whole store into a new one, and its refusals (exit code 2, one line). */
final class CopyCommandIT {

  @TempDir Path dir;

  private String source;
  private Path servedModel;

  /** A store as a server leaves it: events, a key made by 'attune keys', two model versions (one served), an experiment. */
  @BeforeEach
  void fillSource() throws Exception {
    source = "jdbc:sqlite:" + dir.resolve("source/attune.db");
    servedModel = Files.createDirectories(dir.resolve("models/sasrec-1"));
    try (Store s = Store.open(source)) {
      s.appendEvents(List.of(new Store.NewEvent("e1", new Event("u1", "i1", "play", 1f, 1_000, "music")),
          new Store.NewEvent(null, new Event("u2", "i1", "like", 1f, 2_000, "music"))));
      s.saveModelVersion(new Store.ModelVersion("sasrec-1", "sasrec", servedModel.toString(), 10, Map.of(), false));
      s.saveModelVersion(new Store.ModelVersion("sasrec-0", "sasrec", dir.resolve("gone").toString(), 5, Map.of(),
          false));
      s.activateModel("sasrec-1");
      s.saveExperiment(new Store.Experiment("ab", "test", List.of(new Store.Arm("control", "active", 0.5),
          new Store.Arm("old", "sasrec-0", 0.5)), 60_000, Set.of("play"), 10, 100, null));
    }
    CliRun key = run("keys", "create", "--store", source, "--scopes", "read,write", "--name", "app");
    assertEquals(0, key.code(), key.err());
  }

  @Test
  void copiesAStoreIntoANewSqliteFileWithItsKeysModelsAndExperiments() throws Exception {
    String target = "jdbc:sqlite:" + dir.resolve("target/attune.db");
    CliRun copied = run("copy", "--from", source, "--to", target, "--quiet");
    assertEquals(0, copied.code(), copied.err());
    assertTrue(copied.out().startsWith("copied " + source + " into " + target + " in "), copied.out());
    assertTrue(copied.out().contains(": 2 users, 1 item, 2 events, 2 model versions, 1 API key, 1 experiment,"
        + " 2 experiment arms"), copied.out());
    // the registry holds paths: the one missing here is named, and the one present as listed by both stores
    assertTrue(copied.err().contains("note: 1 of 2 model versions have no directory here: sasrec-0 ("
        + dir.resolve("gone") + ")"), copied.err());
    assertTrue(copied.err().contains("note: both stores now list the same model version directory (sasrec-1): a"
        + " version removed through either store's server"), copied.err());
    try (Store from = Store.open(source); Store to = Store.open(target)) {
      assertEquals(StoreCopy.rowCounts(from), StoreCopy.rowCounts(to));
      assertEquals("sasrec-1", to.activeModel().orElseThrow().id(), "the served version stays the served one");
      assertEquals(from.apiKeys(), to.apiKeys(), "the clients' keys work on the new store");
      assertEquals(from.experiments(), to.experiments(), "the experiment runs on");
    }
    assertEquals(run("keys", "list", "--store", source).out(), run("keys", "list", "--store", target).out());

    // a second copy into it is refused: it is not empty any more
    CliRun again = run("copy", "--from", source, "--to", target);
    assertEquals(AttuneCli.USAGE_ERROR, again.code());
    assertTrue(again.err().startsWith("attune: the store at --to is not empty: it holds 2 users, 1 item, 2 events,"),
        again.err());
    assertEquals(1, again.err().lines().count(), again.err());
  }

  @Test
  void refusesWhatCannotBeCopiedWithOneLine() throws Exception {
    String target = "jdbc:sqlite:" + dir.resolve("target/attune.db");
    CliRun missing = run("copy", "--from", "jdbc:sqlite:" + dir.resolve("nowhere.db"), "--to", target);
    assertEquals(AttuneCli.USAGE_ERROR, missing.code());
    assertEquals("attune: no store at " + dir.resolve("nowhere.db") + " (--from)", missing.err().strip());
    assertFalse(Files.exists(dir.resolve("nowhere.db")), "a mistyped source is not created");
    CliRun noFile = run("copy", "--from", "jdbc:sqlite:", "--to", target);
    assertEquals("attune: --from jdbc:sqlite: names no file: jdbc:sqlite:<file>", noFile.err().strip());

    CliRun same = run("copy", "--from", source, "--to", "jdbc:sqlite:" + dir.resolve("source/../source/attune.db"));
    assertEquals(AttuneCli.USAGE_ERROR, same.code());
    assertTrue(same.err().contains("--from and --to name the same store"), same.err());

    CliRun bad = run("copy", "--from", source, "--to", "jdbc:mysql://x/y");
    assertEquals(AttuneCli.USAGE_ERROR, bad.code(), bad.err());

    Path notAStore = dir.resolve("other.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + notAStore); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE notes (x TEXT)");
    }
    CliRun foreign = run("copy", "--from", "jdbc:sqlite:" + notAStore, "--to", target);
    assertEquals(AttuneCli.USAGE_ERROR, foreign.code());
    assertTrue(foreign.err().contains("no Attune store"), foreign.err());

    // a server on either store: the source would take events after the copy's snapshot, the target mix them in
    try (Store s = Store.open(source); Store.ServingLock served = s.tryLockForServing().orElseThrow()) {
      CliRun busy = run("copy", "--from", source, "--to", target);
      assertEquals(AttuneCli.USAGE_ERROR, busy.code());
      assertTrue(busy.err().contains("another attune server is serving this store") && busy.err().contains(
          "stop it, copy, then start the server on the new store (or, for a backup, copy the store as it is now with"
              + " --snapshot)"), busy.err());
      // a backup of the served store as it is now
      String backup = "jdbc:sqlite:" + dir.resolve("backup/attune.db");
      CliRun snapshot = run("copy", "--from", source, "--to", backup, "--snapshot", "-q");
      assertEquals(0, snapshot.code(), snapshot.err());
      assertTrue(snapshot.err().contains("note: --from is being served: the copy holds the store as it was when the"
          + " copy began"), snapshot.err());
      try (Store copy = Store.open(backup)) {
        assertEquals(StoreCopy.rowCounts(s), StoreCopy.rowCounts(copy));
        assertEquals(s.apiKeys(), copy.apiKeys());
      }
      CliRun sameAsServed = run("copy", "--from", source, "--to", source.replace("source/", "source/./"),
          "--snapshot");
      assertEquals(AttuneCli.USAGE_ERROR, sameAsServed.code(), sameAsServed.err());
    }
    try (Store t = Store.open(target); Store.ServingLock served = t.tryLockForServing().orElseThrow()) {
      CliRun busy = run("copy", "--from", source, "--to", target);
      assertEquals(AttuneCli.USAGE_ERROR, busy.code());
      assertTrue(busy.err().contains("another attune server is serving this store") && busy.err().contains("(--to)"),
          busy.err());
    }
    assertEquals(0, run("copy", "--from", source, "--to", target, "-q").code(), "free again");
  }

  /**
   * A command that writes to a store another process holds for writing (a copy into it, here a transaction of the
   * test's own) waits its turn, then says the store is busy in one line (a QA run got a stack trace from 'keys create').
   */
  @Test
  void aStoreBusyWithAnotherWriterIsSaidInOneLine() throws Exception {
    try (Connection c = DriverManager.getConnection(source); Statement st = c.createStatement()) {
      st.execute("BEGIN IMMEDIATE"); // SQLite's write lock, held as a copy's transaction holds it
      CliRun busy = run("keys", "create", "--store", source, "--scopes", "read", "--name", "late");
      assertEquals(AttuneCli.INTERNAL_ERROR, busy.code(), busy.err());
      assertTrue(busy.err().contains("the store is busy or unreachable for now: run the command again"), busy.err());
      assertEquals(1, busy.err().strip().lines().count(), "no stack trace: " + busy.err());
      st.execute("ROLLBACK");
    }
  }

  /** SQLite into PostgreSQL, the move to production; the same schema reached under another URL is one store. */
  @Test
  void copiesASqliteStoreIntoPostgresqlAndKnowsTheSameSchemaUnderAnotherUrl() throws Exception {
    TestPostgres.assumeReachable();
    String schema = TestPostgres.newSchemaName();
    String target = TestPostgres.URL + "&currentSchema=" + schema;
    try {
      CliRun copied = run("copy", "--from", source, "--to", target, "-q");
      assertEquals(0, copied.code(), copied.err());
      try (Store from = Store.open(source); Store to = Store.open(target)) {
        assertEquals(StoreCopy.rowCounts(from), StoreCopy.rowCounts(to));
        assertEquals(from.apiKeys(), to.apiKeys());
      }
      // a row PostgreSQL refuses (a NUL in a JSON text, which only a store written around the API holds) fails the
      // copy in one line, and the target keeps none of it
      try (Store s = Store.open(source)) {
        s.recordExposures(List.of(new Store.Exposure("ab", "u1", "control", null, 1, 0, List.of("bad\u0000id"))));
      }
      String other = TestPostgres.newSchemaName();
      try {
        CliRun failed = run("copy", "--from", source, "--to", TestPostgres.URL + "&currentSchema=" + other, "-q");
        assertEquals(AttuneCli.USAGE_ERROR, failed.code(), failed.err());
        assertTrue(failed.err().startsWith("attune: the copy failed, and the store at --to holds none of it: "),
            failed.err());
        assertEquals(1, failed.err().strip().lines().count(), failed.err());
        try (Store to = Store.open(TestPostgres.URL + "&currentSchema=" + other)) {
          assertEquals(0L, StoreCopy.rowCounts(to).values().stream().mapToLong(Long::longValue).sum());
        }
      } finally {
        TestPostgres.dropSchema(other);
      }
      String sameSchema = TestPostgres.URL.replace("127.0.0.1", "localhost") + "&currentSchema=" + schema;
      CliRun back = run("copy", "--from", target, "--to", sameSchema);
      assertEquals(AttuneCli.USAGE_ERROR, back.code());
      assertTrue(back.err().contains("--from and --to name the same store"), back.err());
    } finally {
      TestPostgres.dropSchema(schema);
    }
  }
}
