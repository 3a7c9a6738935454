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
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.WeightFile;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import dev.attune.train.AttentionModels;
import dev.attune.train.SequenceTraining;
import dev.attune.train.WeightTrainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
        "and a few listeners' recommendations with the reasons behind them; then store the platform in SQLite,",
        "train SASRec on it and serve the HTTP API on localhost (--no-serve to stop after printing)."})
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

  @Option(names = "--no-serve", description = "Stop after printing; do not start the service.")
  boolean noServe;

  @Option(names = "--port", defaultValue = "8080", description = "Port of the service (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--dir", defaultValue = "attune-demo", description = "Folder for the demo's SQLite store and model (default: ${DEFAULT-VALUE}); replaced on each run.")
  Path dir;

  @Option(names = "--epochs", defaultValue = "12", description = "SASRec training epochs for the served model (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Override
  public Integer call() throws Exception {
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
    if (!noServe) serve(out, err, ds, split);
    return 0;
  }

  /**
   * Stores the generated platform in a fresh SQLite file, trains SASRec on it, and serves both over HTTP until
   * stopped, after printing curl commands that work against it.
   */
  private void serve(PrintWriter out, PrintWriter err, Dataset ds, Split split) throws Exception {
    Path db = dir.resolve("attune.db");
    Files.createDirectories(dir);
    for (String suffix : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(Path.of(db + suffix));
    String url = "jdbc:sqlite:" + db;
    out.println();
    out.println("Storing the platform in " + db + " ...");
    out.flush();
    try (Store store = Store.open(url)) {
      store.upsertUsers(ds.users());
      store.upsertItems(ds.items());
      List<Store.NewEvent> batch = new ArrayList<>();
      for (int row = 0; row < ds.events().size(); row++) {
        batch.add(new Store.NewEvent(null, ds.event(ds.events(), row)));
        if (batch.size() == 5000) {
          store.appendEvents(batch);
          batch.clear();
        }
      }
      if (!batch.isEmpty()) store.appendEvents(batch);
    }
    WeightTrainer sasrec = AttentionModels.create("sasrec", Map.of("epochs", Integer.toString(epochs),
        "loss", "full-ce", "hidden", "32"), seed, Runtime.getRuntime().availableProcessors());
    WeightFile weights;
    try (Progress progress = new Progress("SASRec for the service", quiet, err)) {
      weights = sasrec.train(split.trainAndValidation(), SequenceTraining.Run.NONE, progress);
    }
    Path modelDir = dir.resolve("sasrec");
    ModelDirectory.write(modelDir, weights, ds.itemIds().ids(),
        Map.of("name", "SasRec", "dataset", ds.name(), "seed", seed, "created", Instant.now().toString()));
    String user = ds.userIds().id(0);
    String item = ds.itemIds().id(1);
    String examples = String.join("\n",
        "Try:",
        "  curl '$BASE/v1/users/" + user + "/recommendations?k=5&explain=true'",
        "  curl -X POST $BASE/v1/events -H 'Content-Type: application/json' \\",
        "       -d '{\"userId\":\"" + user + "\",\"itemId\":\"" + item + "\",\"type\":\"play\"}'",
        "  curl '$BASE/v1/users/" + user + "/recommendations?k=5'      # already reflects the play",
        "  curl -X POST $BASE/v1/recommendations -H 'Content-Type: application/json' \\",
        "       -d '{\"history\":[{\"itemId\":\"" + item + "\"}],\"k\":5}'",
        "  curl '$BASE/v1/items/" + item + "/similar?k=5'",
        "  curl '$BASE/v1/popular?k=5'",
        "  curl $BASE/metrics", "");
    ServerConfig config = ServerConfig.DEFAULTS.withPort(port).withModelDir(modelDir);
    ServeCommand.serveUntilStopped(url, config, out, examples);
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
