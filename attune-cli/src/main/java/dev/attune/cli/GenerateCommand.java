package dev.attune.cli;

import dev.attune.data.DatasetIo;
import dev.attune.synth.MusicPlatformGenerator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attune generate}: writes the synthetic music platform as a data set directory. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate a synthetic music platform (planted tastes, album order, skips) as a data set directory.")
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, description = "Data set directory to write.")
  Path out;

  @Option(names = "--users", defaultValue = "3000", description = "Number of users (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--seed", defaultValue = "7", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    MusicPlatformGenerator.Params params = MusicPlatformGenerator.Params.DEMO.withUsers(users).withSeed(seed);
    var generated = MusicPlatformGenerator.generate(params);
    DatasetIo.write(generated.dataset(), out);
    spec.commandLine().getOut().println("wrote " + generated.dataset() + " to " + out);
    return 0;
  }
}
