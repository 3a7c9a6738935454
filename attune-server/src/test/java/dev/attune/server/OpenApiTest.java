package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
  /** An error code where the server's sources make an error answer. */
  private static final Pattern ERROR_CODE = Pattern.compile(
      "new ApiException\\(\\s*\\d+,\\s*\"([a-z_]+)\"|error\\(ctx, \\d+, \"([a-z_]+)\"|case \\d+ -> \"([a-z_]+)\"");

  // QA: the document listed six codes as examples, where the server answers twenty-odd; a client generator could
  // not tell which to expect
  @Test
  void everyErrorCodeTheServerAnswersIsListed() throws IOException {
    Set<String> codes = new TreeSet<>();
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
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
