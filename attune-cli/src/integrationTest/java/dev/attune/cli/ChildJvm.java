package dev.attune.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code attune args...} in a JVM of its own, as the launcher starts it: for what only a process shows (a signal's
 * stop, what {@code main} sets up before a command runs). Both streams go to {@code output.txt} in its working folder.
 */
final class ChildJvm {
  private ChildJvm() {}

  /** Starts it in {@code work} with {@code env} added to this process's environment. */
  static Process start(Path work, List<String> args, Map<String, String> env) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
        AttuneCli.class.getName()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve("output.txt").toFile());
    String cache = System.getenv("DJL_CACHE_DIR");
    pb.environment().put("DJL_CACHE_DIR", cache != null ? Path.of(cache).toAbsolutePath().toString()
        : work.resolve("djl-cache").toString());
    pb.environment().putAll(env);
    return pb.start();
  }

  /** What the process started in {@code work} wrote so far. */
  static String output(Path work) throws Exception {
    return Files.readString(work.resolve("output.txt"), StandardCharsets.UTF_8);
  }
}
