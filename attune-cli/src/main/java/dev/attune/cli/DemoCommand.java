package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.cf.ClassicModels;
import dev.attune.model.TopK;
import dev.attune.synth.MusicPlatformGenerator;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune demo}: generates the synthetic music platform, trains the classic models, prints the
 * leaderboard and a few users' recommendations with explanations.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
        "Generate a synthetic music platform, train the classic models (leave-one-out), print the leaderboard",
        "and a few listeners' recommendations with the reasons behind them."})
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--users", defaultValue = "2000", description = "Listeners to generate (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--seed", defaultValue = "7", description = "Seed for data and training (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--show", defaultValue = "3", description = "How many listeners' recommendations to print (default: ${DEFAULT-VALUE}).")
  int show;

  @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
  boolean quiet;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    MusicPlatformGenerator.Params params = MusicPlatformGenerator.Params.DEMO.withUsers(users).withSeed(seed);
    var generated = MusicPlatformGenerator.generate(params);
    Dataset ds = generated.dataset();
    out.println("Generated " + ds + ": " + params.genres() + " genres, " + params.genres() * params.artistsPerGenre()
        + " artists; each listener loves one or two genres, plays albums in order and skips what they dislike.");
    Split split = Splits.leaveOneOut(ds, EventWeights.defaults());
    EvalOptions options = EvalOptions.DEFAULTS.withSeed(seed).withComputeAuc(false);
    LeaderboardRun run = LeaderboardRun.run(split, ClassicModels.DEFAULT_LEADERBOARD,
        Map.of(), seed, 0, options, quiet, err);
    out.println();
    out.println("Leaderboard: leave-one-out, full ranking over " + ds.numItems() + " tracks, seen tracks excluded");
    out.print(run.leaderboard.render());
    String bestName = run.leaderboard.best("NDCG@10").modelName();
    Recommender best = run.models.values().stream().filter(m -> m.name().equals(bestName)).findFirst().orElseThrow();
    out.println();
    out.println("Recommendations from " + bestName + " (best NDCG@10):");
    int shown = 0;
    for (int u = 0; u < ds.numUsers() && shown < show; u += Math.max(1, ds.numUsers() / Math.max(1, show))) {
      printUser(out, generated, split, best, u);
      shown++;
    }
    out.println("A brand-new listener who just played three jazz tracks (no retraining):");
    int[] genres = generated.truth().itemGenre();
    int jazz = generated.truth().genreNames().indexOf("jazz");
    int[] history = java.util.stream.IntStream.range(0, genres.length).filter(i -> genres[i] == jazz).limit(3).toArray();
    TopK top = best.recommend(Query.forHistory(history, 5));
    for (int r = 0; r < top.size(); r++) out.println("    " + describe(ds.item(top.item(r))));
    return 0;
  }

  private static void printUser(PrintWriter out, MusicPlatformGenerator.Generated g, Split split, Recommender model, int u) {
    Dataset ds = g.dataset();
    StringBuilder loves = new StringBuilder();
    for (int genre : g.truth().userGenres()[u]) loves.append(loves.length() == 0 ? "" : " + ").append(g.truth().genreNames().get(genre));
    int[] history = split.trainAndValidation().sequences().positiveItemsOf(u);
    out.println("  listener " + ds.userIds().id(u) + " (planted taste: " + loves + ", " + history.length + " plays); last played: "
        + (history.length == 0 ? "-" : describe(ds.item(history[history.length - 1]))));
    Query q = Query.forUser(u, 5);
    TopK top = model.recommend(q);
    for (int r = 0; r < top.size(); r++) {
      String why = "";
      if (model instanceof Explainable e) {
        Explanation ex = e.explain(q, top.item(r));
        if (!ex.contributions().isEmpty() && ex.contributions().get(0).kind() == Explanation.Kind.HISTORY_ITEM) {
          why = "  <- because you played " + ds.item(ex.contributions().get(0).index()).title();
        } else {
          why = "  <- " + ex.summary();
        }
      }
      out.printf("    %d. %s%s%n", r + 1, describe(ds.item(top.item(r))), why);
    }
  }

  private static String describe(Item item) {
    return item.title() + " [" + String.join(",", item.categories()) + "]";
  }
}
