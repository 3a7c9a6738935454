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

  @Option(names = "--out", required = true, description = "Data set directory to write.")
  Path out;

  @Option(names = "--users", defaultValue = "3000", description = "Number of users (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--seed", defaultValue = "7", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--kind", defaultValue = "music", description = "music or two-scenes (default: ${DEFAULT-VALUE}).")
  String kind;

  @Override
  public Integer call() throws Exception {
    if (users <= 0) throw new IllegalArgumentException("--users must be > 0: " + users);
    var dataset = switch (kind) {
      case "music" -> MusicPlatformGenerator.generate(
          MusicPlatformGenerator.Params.DEMO.withUsers(users).withSeed(seed)).dataset();
      case "two-scenes" -> TwoSceneGenerator.generate(
          TwoSceneGenerator.Params.SMALL.withUsers(users).withSeed(seed)).dataset();
      default -> throw new IllegalArgumentException("unknown --kind '" + kind + "'; use music or two-scenes");
    };
    DatasetIo.write(dataset, out);
    spec.commandLine().getOut().println("wrote " + dataset + " to " + out);
    return 0;
  }
}
