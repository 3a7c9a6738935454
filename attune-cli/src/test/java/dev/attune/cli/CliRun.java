package dev.attune.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the {@code attune} command line, as the CLI tests see it: exit code and both streams. */
record CliRun(int code, String out, String err) {

  /** Runs {@code attune args...} in this JVM. */
  static CliRun run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AttuneCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(code, out.toString(), err.toString());
  }
}
