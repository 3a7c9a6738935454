package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL driver logs through java.util.logging; the command line sends that to the log the settings shape, so
 * its lines follow {@code ATTUNE_LOG_LEVEL} and {@code ATTUNE_LOG_FORMAT} (a CLI QA run: a malformed URL's warning
 * printed past {@code OFF}, in the JDK's two-line format). Only a process of its own shows what {@code main} sets up.
 */
class LoggingIT {
  @TempDir Path dir;

  /** A URL whose {@code loginTimeout} the driver cannot read: it warns, and goes on. */
  private static final String URL = TestPostgres.URL + "&loginTimeout=abc";

  @Test
  void theDriversWarningsFollowTheLogSettings() throws Exception {
    TestPostgres.assumeReachable();
    String json = run("json", "INFO");
    String warning = json.lines().filter(l -> l.contains("Couldn't parse loginTimeout")).findFirst().orElse(null);
    assertTrue(warning != null, "the driver's warning is logged: " + json);
    var line = new ObjectMapper().readTree(warning);
    assertEquals("WARN", line.get("level").asText(), warning);
    assertEquals("org.postgresql.Driver", line.get("loggerName").asText(), warning);
    String off = run("text", "OFF");
    assertFalse(off.contains("Couldn't parse"), "nothing past OFF: " + off);
  }

  private String run(String format, String level) throws Exception {
    Path work = Files.createDirectories(dir.resolve(format + "-" + level));
    Process p = ChildJvm.start(work, List.of("keys", "list", "--store", URL),
        Map.of("ATTUNE_LOG_FORMAT", format, "ATTUNE_LOG_LEVEL", level));
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ended");
    return ChildJvm.output(work);
  }
}
