package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.EventWeights;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import dev.attune.synth.MusicPlatformGenerator;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard end to end in headless Chromium (#8): the demo's service data on a smaller platform (SQLite store,
 * SASRec trained and registered by {@link DemoCommand#prepareService}) plus a second, validated version beside it,
 * served on a free port; then {@code src/integrationTest/browser/dashboard.test.mjs} (playwright-core) logs in, opens
 * every page and compares what it shows with what the API answers, clicks through to the heat map, tries a what-if
 * event, activates the other version, and trains a third with the page's Train button (one epoch, {@link
 * SasRecTrainer}) and checks the model gate's decision it shows.
 *
 * <p>Needs {@code node} and Chromium ({@code /usr/bin/chromium}, or {@code $CHROMIUM}); runs {@code npm ci} in
 * the test folder when its {@code node_modules} is missing. Without them the test is skipped with a message,
 * unless {@code ATTUNE_REQUIRE_BROWSER=1} (set by {@code .ci/run}) makes that a failure. With
 * {@code ATTUNE_SCREENSHOTS=<folder>} it saves a screenshot of each page there (docs/serving.md's come from
 * {@code ATTUNE_SCREENSHOTS=$PWD/docs/screenshots}); otherwise under {@code target/screenshots}.
 */
class DashboardBrowserIT {
  private static final Path BROWSER_TESTS = Path.of("src/integrationTest/browser");
  private static final String ADMIN_KEY = "browser-test-admin-key-4711";

  @TempDir Path dir;

  @Test
  void everyPageShowsTheApisNumbersAndTheWhatIfChangesTheList() throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    String missing = !Files.isExecutable(Path.of(chromium)) ? "no Chromium at " + chromium
        : !onPath("node") ? "no node on the PATH" : nodeTooOld() != null ? nodeTooOld() : npmInstalled();
    if (missing != null) {
      if ("1".equals(System.getenv("ATTUNE_REQUIRE_BROWSER"))) {
        fail(missing + "; ATTUNE_REQUIRE_BROWSER=1 makes that a failure (.ci/run installs them)");
      }
      System.err.println("DashboardBrowserIT: " + missing + ": skipping the browser test "
          + "(apt-get install chromium nodejs npm; set ATTUNE_REQUIRE_BROWSER=1 to fail instead)");
      Assumptions.abort(missing);
    }

    long t0 = System.nanoTime();
    // the demo's platform, smaller: 300 listeners, 480 tracks, about 12k plays
    var generated = MusicPlatformGenerator.generate(new MusicPlatformGenerator.Params(300, 6, 5, 2, 8, 40, 0.7, 0.15, 7L));
    Dataset ds = generated.dataset();
    Split split = Splits.leaveOneOut(ds, EventWeights.defaults());
    PrintWriter log = new PrintWriter(new StringWriter());
    DemoCommand.Service service = DemoCommand.prepareService(dir.resolve("demo"), ds, split, 7, 3, true, log, null);
    DemoCommand.trainVersion(dir.resolve("demo/sasrec-validated"), ds, split, 11, 3, true, true, log);
    System.err.printf("DashboardBrowserIT: data and two models ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);

    Path shots = System.getenv("ATTUNE_SCREENSHOTS") != null ? Path.of(System.getenv("ATTUNE_SCREENSHOTS"))
        : Path.of("target/screenshots");
    try (Store store = Store.open(service.storeUrl())) {
      ServerConfig config = ServerConfig.DEFAULTS.withPort(0).withModelDir(service.modelDir()).withAdminKey(ADMIN_KEY);
      // a training engine with one epoch: the page's Train button trains a third version through the model gate
      AttuneServer server = AttuneServer.create(config, store, new SasRecTrainer(1, 1)).start();
      try {
        assertTrue(server.awaitFallback(60, TimeUnit.SECONDS), "the fallback model is fitted");
        String base = "http://127.0.0.1:" + server.port();
        ProcessBuilder pb = new ProcessBuilder("node", "dashboard.test.mjs", base, ADMIN_KEY,
            shots.toAbsolutePath().toString()).directory(BROWSER_TESTS.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("node.log").toFile());
        pb.environment().put("CHROMIUM", chromium);
        pb.environment().put("ATTUNE_EXPECT_ACTIVATION", "1");
        pb.environment().put("ATTUNE_EXPECT_TRAINING", "1");
        Process node = pb.start();
        String output;
        if (!node.waitFor(300, TimeUnit.SECONDS)) {
          node.destroyForcibly();
          fail("the browser test did not finish in 300 s");
        }
        output = Files.readString(dir.resolve("node.log"));
        System.err.print(output);
        assertEquals(0, node.exitValue(), "the browser test failed:\n" + output);
        assertTrue(output.contains("checks passed"), output);
      } finally {
        server.stop();
      }
    }
    for (String page : List.of("overview", "models", "user-explorer", "item-explorer", "data-quality")) {
      assertTrue(Files.size(shots.resolve(page + ".png")) > 10_000, "a screenshot of " + page);
    }
    System.err.printf("DashboardBrowserIT: done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) return true;
    }
    return false;
  }

  /** Why the node on the PATH cannot run playwright-core (it needs Node.js 20; Debian 12's is 18), or null. */
  private static String nodeTooOld() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("node", "-p", "process.versions.node").redirectErrorStream(true).start();
    String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor(30, TimeUnit.SECONDS);
    int major;
    try {
      major = Integer.parseInt(version.split("\\.")[0]);
    } catch (NumberFormatException e) {
      return "node did not say its version: " + version;
    }
    return major >= 20 ? null : "node " + version + " is older than 20, which playwright-core needs (.ci/run"
        + " installs Node.js 20 from the npm registry then)";
  }

  /** Null when playwright-core is installed in the test folder (after {@code npm ci} if needed), else why not. */
  private static String npmInstalled() throws IOException, InterruptedException {
    if (Files.isDirectory(BROWSER_TESTS.resolve("node_modules/playwright-core"))) return null;
    if (!onPath("npm")) return "no npm on the PATH to install playwright-core";
    List<String> command = new ArrayList<>(List.of("npm", "ci", "--no-audit", "--no-fund"));
    Process p = new ProcessBuilder(command).directory(BROWSER_TESTS.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) return "npm ci failed in " + BROWSER_TESTS + ": " + out;
    return null;
  }
}
