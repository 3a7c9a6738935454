package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The OpenAPI document's parts that are kept by hand beside the code they describe. */
class OpenApiTest {
  /**
   * An error code where the server's sources make an error answer: an ApiException, an error(ctx, status, code, ...)
   * or rejected(...) call, whatever the status expression, an error handler's switch case, or an "error" entry of a
   * body built by hand.
   */
  private static final Pattern ERROR_CODE = Pattern.compile("new ApiException\\(\\s*[^,()]+,\\s*\"([a-z_]+)\""
      + "|(?:error|rejected)\\(\\s*ctx,\\s*[^,]+,\\s*\"([a-z_]+)\"|case \\d+ -> \"([a-z_]+)\""
      + "|\"error\",\\s*\"([a-z_]+)\"");

  // QA: the document listed six codes as examples, where the server answers twenty-odd; a client generator could
  // not tell which to expect
  @Test
  void everyErrorCodeTheServerAnswersIsListed() throws Exception {
    Set<String> codes = new TreeSet<>();
    // the module's sources beside its target/test-classes, wherever the test is started from (an IDE, Maven)
    Path sourcesRoot = Path.of(OpenApiTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("../../src/main/java").normalize();
    try (Stream<Path> sources = Files.walk(sourcesRoot)) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = ERROR_CODE.matcher(Files.readString(source));
        while (m.find()) {
          for (int g = 1; g <= m.groupCount(); g++) if (m.group(g) != null) codes.add(m.group(g));
        }
      }
    }
    assertTrue(codes.size() >= 20, "the pattern still finds the codes: " + codes);
    for (String code : codes) {
      assertTrue(OpenApi.ERROR_CODES.matches("(.*[ ,;])?" + code + "([ ,;(].*)?"), code + " is not listed: "
          + OpenApi.ERROR_CODES);
    }
  }
}
