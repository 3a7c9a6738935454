package dev.attune.cli;

import dev.attune.data.DatasetIo;
import dev.attune.synth.MusicPlatformGenerator;
import dev.attune.synth.TwoSceneGenerator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code attune generate}: writes a synthetic data set directory with planted structure: the music platform, or
 * two scenes whose tastes are a known function of each other (for {@code --model scene-transfer}).
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
        "Generate a synthetic data set directory with planted structure.",
        "--kind music: a music platform (planted tastes, album order, skips); two-scenes: books and music, where a"
            + " user's music genres are their book genres shifted by one (8 genres of 25 items per scene, 15 book and"
            + " 12 music ratings per user)."})
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, description = "Data set directory to write (created, or a data set"
      + " there replaced; a folder holding a model is refused).")
  Path out;

  @Option(names = "--users", defaultValue = "3000", description = "Number of users (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--seed", defaultValue = "7", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--kind", defaultValue = "music", description = "music or two-scenes (default: ${DEFAULT-VALUE}).")
  String kind;

  @Option(names = "--name", description = "Data set name (default: synthetic-music or two-scene-synthetic); a store"
      + " holds one data set per name ('attune load').")
  String name;

  @Override
  public Integer call() throws Exception {
    if (users <= 0) throw new IllegalArgumentException("--users must be > 0: " + users);
    boolean replacing = AttuneCli.requireDatasetOut(out, null);
    // a folder that cannot be made (--out /proc/x) was said as "no such file or folder" after the generation
    AttuneCli.requireWritableFolder(out, "--out");
    // measured: 100,000 music listeners (87 events each) ran out of a 512 MB heap and fitted in 1 GB; two-scenes
    // users have 27 events each
    long bytesPerUser = kind.equals("two-scenes") ? 3_000 : 8_000;
    long heap = Runtime.getRuntime().maxMemory();
    if (users * bytesPerUser > heap) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "--users %,d needs about %.1f GB of heap"
          + " and this JVM may use %.1f GB: give it more (ATTUNE_JAVA_OPTS=-Xmx...) or generate fewer users", users,
          users * bytesPerUser / 1e9, heap / 1e9));
    }
    var dataset = switch (kind) {
      case "music" -> MusicPlatformGenerator.generate(
          MusicPlatformGenerator.Params.DEMO.withUsers(users).withSeed(seed)).dataset();
      case "two-scenes" -> TwoSceneGenerator.generate(
          TwoSceneGenerator.Params.SMALL.withUsers(users).withSeed(seed)).dataset();
      default -> throw new IllegalArgumentException("unknown --kind '" + kind + "'; use music or two-scenes");
    };
    if (name != null && name.isBlank()) throw new IllegalArgumentException("--name must not be blank");
    DatasetIo.write(dataset, out, name != null ? name.strip() : dataset.name());
    AttuneCli.removeExportFiles(out);
    spec.commandLine().getOut().println("wrote " + dataset + (name != null ? " as " + name.strip() : "") + " to " + out
        + (replacing ? ", replacing the data set that was there" : ""));
    return 0;
  }
}
