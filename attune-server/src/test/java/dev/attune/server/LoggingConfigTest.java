package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The shipped logback.xml: text by default, one JSON object per line with ATTUNE_LOG_FORMAT=json. */
class LoggingConfigTest {
  /** Configures logging from logback.xml with the given format, logs two lines and returns what reached stderr. */
  private static List<String> logWith(String format, String level) throws Exception {
    return logged(format, level, context -> {
      org.slf4j.Logger log = context.getLogger("dev.attune.test");
      log.info("model gate: {} \"{}\"", "accepted", "v2");
      log.debug("debug detail");
    });
  }

  /** Configures logging from logback.xml with the given format, runs {@code logging}, returns what reached stderr. */
  private static List<String> logged(String format, String level,
      java.util.function.Consumer<LoggerContext> logging) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      configure(context, format, level);
      logging.accept(context);
      context.stop();
    } finally {
      System.setErr(original);
      configure(context, null, null); // back to the defaults for the other tests in this JVM
    }
    return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
  }

  private static void configure(LoggerContext context, String format, String level) throws Exception {
    setOrClear("ATTUNE_LOG_FORMAT", format);
    setOrClear("ATTUNE_LOG_LEVEL", level);
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LoggingConfigTest.class.getResource("/logback.xml"));
  }

  private static void setOrClear(String name, String value) {
    if (value == null) System.clearProperty(name);
    else System.setProperty(name, value);
  }

  @Test
  void jsonFormatWritesOneParsableObjectPerLine() throws Exception {
    List<String> lines = logWith("json", null);
    assertEquals(1, lines.size(), "INFO by default, so the debug line is dropped: " + lines);
    JsonNode event = new ObjectMapper().readTree(lines.get(0));
    assertEquals("INFO", event.get("level").asText());
    assertEquals("dev.attune.test", event.get("loggerName").asText());
    assertEquals("model gate: accepted \"v2\"", event.get("formattedMessage").asText(), "quotes are escaped, not broken");
    assertTrue(event.get("timestamp").asLong() > 0, lines.get(0));
  }

  @Test
  void jettyWarningsAboutAClientsMalformedRequestAreNotLogged() throws Exception {
    List<String> lines = logged(null, null, context -> {
      context.getLogger("org.eclipse.jetty.util.HostPort").warn("Bad Authority: [aaaa]");
      context.getLogger("org.eclipse.jetty.http.HttpParser").warn("Duplicate Host header");
      context.getLogger("org.eclipse.jetty.server.Server").warn("a warning of the server's own");
    });
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).endsWith("a warning of the server's own"), lines.get(0));
  }

  @Test
  void textIsTheDefaultAndTheLevelIsConfigurable() throws Exception {
    List<String> lines = logWith(null, "DEBUG");
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains(" INFO ") && lines.get(0).endsWith("model gate: accepted \"v2\""), lines.get(0));
    assertFalse(lines.get(0).startsWith("{"), "text, not JSON: " + lines.get(0));
    assertTrue(lines.get(1).contains("DEBUG") && lines.get(1).endsWith("debug detail"), lines.get(1));
  }

  /** A connection the pool found broken is one line in text (the store's own error says what it meant). */
  @Test
  void thePoolsBrokenConnectionWarningIsOneLineInText() throws Exception {
    for (String format : new String[] {null, "json"}) {
      List<String> lines = logged(format, null, context -> context.getLogger("com.zaxxer.hikari.pool.ProxyConnection")
          .warn("connection marked as broken", new java.sql.SQLException("I/O error", "08006")));
      assertEquals(1, lines.size(), format + ": " + lines);
      assertTrue(lines.get(0).contains("connection marked as broken"), lines.get(0));
      if (format != null) assertTrue(lines.get(0).contains("java.sql.SQLException"), "JSON keeps the throwable");
    }
  }

  /**
   * java.util.logging (the PostgreSQL driver's), bridged as the command line does, follows the settings: its own
   * console lines ignored ATTUNE_LOG_LEVEL=OFF and the JSON format (a CLI QA run).
   */
  @Test
  void javaUtilLoggingFollowsTheLevelAndTheFormat() throws Exception {
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    try {
      java.util.function.Consumer<LoggerContext> driverWarning = context ->
          java.util.logging.Logger.getLogger("org.postgresql.Driver").warning("Couldn't parse loginTimeout value: abc");
      List<String> json = logged("json", null, driverWarning);
      assertEquals(1, json.size(), json.toString());
      JsonNode event = new ObjectMapper().readTree(json.get(0));
      assertEquals("WARN", event.get("level").asText());
      assertEquals("org.postgresql.Driver", event.get("loggerName").asText());
      assertEquals(List.of(), logged(null, "OFF", driverWarning));
    } finally {
      org.slf4j.bridge.SLF4JBridgeHandler.uninstall();
      java.util.logging.LogManager.getLogManager().readConfiguration(); // the JDK's console handler back
    }
  }

  /** ATTUNE_LOG_LEVEL=ERROR (or OFF) silences the libraries' warnings too, which their own loggers set to WARN. */
  @Test
  void theLevelAppliesToTheLibrariesWarnings() throws Exception {
    java.util.function.Consumer<LoggerContext> warnings = context -> {
      context.getLogger("org.flywaydb.core").warn("migration warning");
      context.getLogger("com.zaxxer.hikari.pool.ProxyConnection").warn("connection marked as broken");
      context.getLogger("dev.attune.test").error("attune's error");
    };
    assertEquals(3, logged(null, null, warnings).size(), "INFO shows the warnings");
    List<String> errors = logged(null, "ERROR", warnings);
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).endsWith("attune's error"), errors.get(0));
    assertEquals(List.of(), logged("json", "OFF", warnings));
  }
}
