package dev.attune.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code ../shared/data} from the repository root or a module directory. */
final class SharedData {
  private SharedData() {}

  /**
   * The shared data folder.
   *
   * @throws IllegalStateException with a clear message when it cannot be found
   */
  static Path root() {
    String configured = System.getProperty("attune.data", System.getenv("ATTUNE_DATA"));
    Path[] candidates = configured != null
        ? new Path[] {Path.of(configured)}
        : new Path[] {Path.of("../shared/data"), Path.of("../../shared/data")};
    for (Path p : candidates) {
      if (Files.isDirectory(p)) return p.toAbsolutePath().normalize();
    }
    throw new IllegalStateException("shared data not found (looked at ../shared/data; set -Dattune.data=<dir>)");
  }

  /**
   * The data set {@code format}'s importer reads from {@code path} under {@link #root}, named {@code name}, with the
   * default import options.
   */
  static dev.attune.data.Dataset imported(String format, String name, String path) throws java.io.IOException {
    dev.attune.data.importers.Importer importer = dev.attune.data.importers.Importer.forFormat(format);
    dev.attune.data.Dataset ds = importer.newDataset(name);
    importer.importInto(ds, root().resolve(path), dev.attune.data.importers.ImportOptions.DEFAULTS);
    return ds;
  }

  /**
   * A benchmark's {@code name=value} arguments over its {@code defaults} (in their order).
   *
   * @throws IllegalArgumentException for an argument without '=' or of a name the defaults do not have
   */
  static java.util.Map<String, String> arguments(java.util.Map<String, String> defaults, String[] args) {
    java.util.Map<String, String> a = new java.util.LinkedHashMap<>(defaults);
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 0 || !a.containsKey(arg.substring(0, eq))) {
        throw new IllegalArgumentException("unknown argument " + arg + "; takes " + String.join(", ", a.keySet()));
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    return a;
  }
}
