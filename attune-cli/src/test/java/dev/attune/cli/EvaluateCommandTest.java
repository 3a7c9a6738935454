package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.model.cf.ClassicModels;
import dev.attune.train.AttentionModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code attune evaluate --help} and docs/commands.md name every model {@code --models} takes: their lists are
 * written by hand, and a contributor's new classic model was taken by {@code --models} and named in its error message
 * but missing from both (a contributor QA run).
 */
class EvaluateCommandTest {
  private static List<String> modelNames() {
    return Stream.concat(ClassicModels.NAMES.stream(), AttentionModels.NAMES.stream()).toList();
  }

  @Test
  void theHelpNamesEveryModel() {
    String help = new CommandLine(new EvaluateCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF)
        .replaceAll("\\s+", " ");
    List<String> missing = new ArrayList<>();
    for (String name : modelNames()) {
      if (!Pattern.compile("[ ,]" + Pattern.quote(name) + "[,. )]").matcher(help).find()) missing.add(name);
    }
    assertTrue(missing.isEmpty(), "--models help leaves out " + missing);
  }

  @Test
  void theCommandsDocumentNamesEveryModel() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "commands.md"));
    int from = doc.indexOf("## `attune evaluate`");
    int to = doc.indexOf("\n## ", from + 1);
    assertTrue(from >= 0 && to > from, "docs/commands.md has an 'attune evaluate' section");
    String section = doc.substring(from, to);
    List<String> missing = new ArrayList<>();
    for (String name : ClassicModels.NAMES) {
      if (!section.contains("`" + name + "`")) missing.add(name);
    }
    assertTrue(missing.isEmpty(), "the evaluate section leaves out " + missing);
    assertTrue(section.contains("the attention models of `attune train`"), "it refers to train's list for the rest");
  }
}
