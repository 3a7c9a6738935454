package dev.attune.cli;

import static dev.attune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code attune serve} refuses at start, with one line and exit code 2. A refusal that is missing would start a
 * server that blocks, so each run is bounded by a timeout.
 */
class ServeCommandIT {

  /** Far above a refusal (well under a second), far below a hung test run. */
  private static final Duration REFUSAL_BOUND = Duration.ofSeconds(30);

  /** The PostgreSQL server of the store tests; the PostgreSQL case is skipped when it cannot be reached. */

  @TempDir Path dir;

  /** {@code attune serve args...} on any free port, which must not start. */
  private static CliRun refusedServe(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "serve";
    all[1] = "--port";
    all[2] = "0";
    System.arraycopy(args, 0, all, 3, args.length);
    CliRun r = assertTimeoutPreemptively(REFUSAL_BOUND, () -> run(all), "serve started instead of refusing");
    assertEquals(2, r.code(), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    return r;
  }

  /** Refuses while another server (a claim, as a running server holds it) has the store; keys keep working. */
  private static void refusesASecondServer(String url, String urlInMessage) {
    try (Store running = Store.open(url); Store.ServingLock claim = running.tryLockForServing().orElseThrow()) {
      CliRun r = refusedServe("--store", url);
      assertTrue(r.err().contains("attune: another attune server is serving this store, or an 'attune load',"
          + " 'compact' or 'copy' is running on it (" + urlInMessage + "); one at a time per store"), r.err());
      // and which process holds it (operator QA: the refusal named nobody), here this one
      assertTrue(r.err().contains("(the claim is held by process " + ProcessHandle.current().pid() + " "), r.err());

      CliRun created = run("keys", "create", "--store", url, "--scopes", "read", "--name", "app");
      assertEquals(0, created.code(), "keys work beside a running server: " + created.err());
      CliRun listed = run("keys", "list", "--store", url);
      assertEquals(0, listed.code(), listed.err());
      assertTrue(listed.out().contains("app"), listed.out());
    }
  }

  @Test
  void aSecondServerOnTheSameSqliteFileIsRefused() {
    String url = "jdbc:sqlite:" + dir.resolve("attune.db");
    refusesASecondServer(url, url);
  }

  @Test
  void aSecondServerOnTheSamePostgresqlSchemaIsRefused() throws SQLException {
    TestPostgres.assumeReachable();
    String schema = TestPostgres.newSchemaName();
    try {
      // the message leaves out the URL's parameters, which may hold a password, but for the schema: which store it is
      refusesASecondServer(TestPostgres.URL + "&password=secret&currentSchema=" + schema,
          TestPostgres.URL.substring(0, TestPostgres.URL.indexOf('?')) + "?currentSchema=" + schema);
    } finally {
      TestPostgres.dropSchema(schema);
    }
  }

  @Test
  void aModelRootThatIsAFileIsRefusedBeforeTheStoreOpens() throws Exception {
    Path file = Files.writeString(dir.resolve("notadir"), "x");
    Path store = dir.resolve("store/attune.db");
    CliRun r = refusedServe("--store", "jdbc:sqlite:" + store, "--model-root", file.toString());
    assertTrue(r.err().contains("--model-root (ATTUNE_MODEL_ROOT, file key modelRoot) " + file
        + " is a file, not a folder"), r.err());
    assertFalse(Files.exists(store), "refused before the store was made");

    // a root to be created under a file cannot be
    CliRun under = refusedServe("--store", "jdbc:sqlite:" + store, "--model-root", file.resolve("v").toString());
    assertTrue(under.err().contains(file.resolve("v") + " cannot be created: " + file + " is a file, not a folder"),
        under.err());
  }

  /**
   * What {@code call} prints in bash with the launcher's ({@code attune} at the repository's root) functions {@code
   * memory_mib} and {@code memory_options} defined: only those are taken from it, so nothing is built or started.
   */
  private static String launcherFunction(String call) throws Exception {
    Path launcher = Path.of("..", "attune").toAbsolutePath().normalize();
    Assumptions.assumeTrue(Files.isRegularFile(launcher), "no launcher at " + launcher);
    String script = Files.readString(launcher);
    StringBuilder functions = new StringBuilder();
    for (String name : new String[] {"memory_mib", "memory_options"}) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?ms)^" + name + "\\(\\) \\{\n.*?^\\}\n")
          .matcher(script);
      assertTrue(m.find(), "the launcher defines " + name);
      functions.append(m.group());
    }
    Process bash = new ProcessBuilder("bash", "-c", functions + call).redirectErrorStream(true).start();
    String out = new String(bash.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    assertEquals(0, bash.waitFor(), out);
    return out;
  }

  @Test
  void theLauncherSizesTheHeapFromMemoryAndLetsAServerGiveItBack() throws Exception {
    // a server (ZGC): half the memory up to 8 GB, a soft limit of a quarter of that, unused memory back after 60 s
    assertEquals("-Xmx8192m -XX:SoftMaxHeapSize=2048m -XX:ZUncommitDelay=60",
        launcherFunction("memory_options -XX:+UseZGC 65536"));
    assertEquals("-Xmx2048m -XX:SoftMaxHeapSize=512m -XX:ZUncommitDelay=60",
        launcherFunction("memory_options -XX:+UseZGC 4096"));
    assertEquals("-Xmx512m -XX:SoftMaxHeapSize=256m -XX:ZUncommitDelay=60",
        launcherFunction("memory_options -XX:+UseZGC 1024"));
    assertEquals("-Xmx150m -XX:SoftMaxHeapSize=150m -XX:ZUncommitDelay=60",
        launcherFunction("memory_options -XX:+UseZGC 300"), "never a soft limit above the heap");
    // batch commands: the same heap, no ZGC options
    assertEquals("-Xmx8192m", launcherFunction("memory_options -XX:+UseParallelGC 65536"));
    assertEquals("-Xmx2048m", launcherFunction("memory_options -XX:+UseParallelGC 4096"));
    assertTrue(Long.parseLong(launcherFunction("memory_mib")) > 0, "this machine's memory is read");
  }

  /** A lost claim is taken again; when another server took the store meanwhile, the lost one is kept, to retry. */
  @Test
  void aLostClaimIsTakenAgainUnlessAnotherServerHoldsTheStore() {
    String url = "jdbc:sqlite:" + dir.resolve("claim.db");
    try (Store store = Store.open(url); Store other = Store.open(url)) {
      Store.ServingLock claim = store.tryLockForServing().orElseThrow();
      assertTrue(ServeCommand.keepClaim(store, url, claim) == claim, "a claim that holds is kept as it is");
      claim.close(); // as a PostgreSQL session that ended
      Store.ServingLock again = ServeCommand.keepClaim(store, url, claim);
      assertTrue(again.held(), "taken again");
      again.close();
      try (Store.ServingLock theirs = other.tryLockForServing().orElseThrow()) {
        ServeCommand.ClaimCheck check = ServeCommand.checkClaim(store, url, again, false);
        assertFalse(check.held() || check.claim().held(), "another server holds the store: nothing to take");
        assertTrue(check.takenByAnother(), "and says so (for /health)");
        assertTrue(theirs.held());
      }
    }
  }

  @Test
  void aMissingModelRootThatCanBeCreatedIsAccepted() {
    ServeCommand.requireWritableModelRoot(dir.resolve("models/not/yet"));
    ServeCommand.requireWritableModelRoot(dir);
    ServeCommand.requireWritableModelRoot(null); // the default, chosen beside the served model
    assertFalse(Files.exists(dir.resolve("models")), "the check made no folder it leaves behind");
    if (Files.isDirectory(Path.of("/proc/self"))) { // writable by its permissions as root, yet no folder can be made
      IllegalArgumentException proc = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> ServeCommand.requireWritableModelRoot(Path.of("/proc/attune-models")));
      assertTrue(proc.getMessage().contains("--model-root"), proc.getMessage());
    }
  }
}
