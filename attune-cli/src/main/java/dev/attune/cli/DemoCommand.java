package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.events.Item;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.cf.ClassicModels;
import dev.attune.model.TopK;
import dev.attune.synth.MusicPlatformGenerator;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
        "Generate a music platform, compare the classic models on it, then train SASRec and serve the API.",
        "The synthetic platform is split leave-one-out; the classic models' leaderboard is printed with a few"
            + " listeners' recommendations and the reasons behind them; then the platform is stored in SQLite, SASRec"
            + " trained on it and the HTTP API served on localhost (--no-serve to stop after printing)."})
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

  @Option(names = "--dir", defaultValue = "attune-demo", description = "Folder for the demo's SQLite store and model (default: ${DEFAULT-VALUE}); the store is made anew on"
      + " each run, the SASRec model reused when trained with the same settings (--retrain trains it again).")
  Path dir;

  @Option(names = "--epochs", defaultValue = "12", description = "SASRec training epochs for the served model (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--retrain", description = "Train SASRec again even when --dir holds one an earlier run trained with the"
      + " same --users, --seed and --epochs on the same build of Attune (which is reused otherwise).")
  boolean retrain;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // checked before the minutes of work they would otherwise end
    if (users <= 0) throw new IllegalArgumentException("--users must be > 0: " + users);
    if (show < 0) throw new IllegalArgumentException("--show must be >= 0: " + show);
    if (epochs <= 0) throw new IllegalArgumentException("--epochs must be > 0: " + epochs);
    // an empty --dir is the current folder, where the demo wrote its store (QA); every other command refuses it
    if (dir.toString().isBlank()) throw new IllegalArgumentException("--dir is empty: give the demo a folder");
    if (!noServe) {
      try {
        // a key the server would refuse ends the demo after its minutes of work otherwise
        ServerConfig.DEFAULTS.withAdminKey(adminKey());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("ATTUNE_ADMIN_KEY: " + e.getMessage());
      }
      if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in [0, 65535]: " + port);
      ServeCommand.requireFreePort(ServerConfig.DEFAULTS.withPort(port));
      AttuneCli.requireWritableFolder(dir, "--dir");
      // before the minutes of work too (prepareService checks again, holding the claim)
      requireTheDemosFolder(dir);
      if (Files.exists(dir.resolve("attune.db"))) {
        try (Store.ServingLock free = claimTheDemosStore(dir.resolve("attune.db"), true)) {
          // nothing else holds it now
        }
      }
    }
    MusicPlatformGenerator.Params params = MusicPlatformGenerator.Params.DEMO.withUsers(users).withSeed(seed);
    var generated = MusicPlatformGenerator.generate(params);
    Dataset ds = generated.dataset();
    out.println("Generated " + ds + ": " + params.genres() + " genres, " + params.genres() * params.artistsPerGenre()
        + " artists; each listener loves one or two genres, plays albums in order and skips what they dislike.");
    Split split = Splits.leaveOneOut(ds, AttuneCli.WEIGHTS);
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
    if (!noServe) serve(out, err, ds, split, retrain ? null : modelKey(params, seed, epochs));
    return 0;
  }

  /**
   * Stores the generated platform in a fresh SQLite file, trains SASRec on it, and serves both over HTTP until
   * stopped, after printing curl commands that work against it.
   */
  private void serve(PrintWriter out, PrintWriter err, Dataset ds, Split split, String modelKey) throws Exception {
    out.println();
    out.println("Storing the platform in " + dir.resolve("attune.db") + " and training SASRec for the service (or"
        + " reusing the one an earlier run trained with the same settings) ...");
    out.flush();
    Service service = prepareService(dir, ds, split, seed, epochs, quiet, err, modelKey);
    if (service.reused()) {
      out.println("Reused the SASRec model an earlier run trained with the same settings (" + service.modelDir()
          + "; --retrain trains it again).");
    }
    Double ndcg = service.metrics() == null ? null : service.metrics().get("NDCG@10");
    Double hr = service.metrics() == null ? null : service.metrics().get("HR@10");
    if (ndcg != null && hr != null) {
      // the leaderboard above named a classic model best; the service runs SASRec: its figures on the same test
      out.printf(java.util.Locale.ROOT, "SASRec, the served model, on the same leave-one-out test: HR@10 %.4f, NDCG@10"
          + " %.4f (the leaderboard's classic models above do not include it).%n", hr, ndcg);
    }
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
        "  curl $BASE/metrics",
        "Open the dashboard at $BASE/dashboard/ and log in with the admin key named above.", "");
    ServerConfig config = ServerConfig.DEFAULTS.withPort(port).withModelDir(service.modelDir())
        .withAdminKey(adminKey());
    // the dashboard's Train button retrains SASRec on the store (new versions beside attune-demo/sasrec)
    ServeCommand.serveUntilStopped(service.storeUrl(), config, out, examples,
        new SasRecTrainer(epochs, SasRecTrainer.backgroundThreads()));
  }

  /**
   * What {@link #prepareService} made: a SQLite store holding the platform, and the served model directory.
   *
   * @param storeUrl JDBC URL of the store
   * @param modelDir the SASRec model directory (registered and active in the store's model registry)
   * @param reused whether that model is one an earlier run trained (same key), not trained by this call
   */
  record Service(String storeUrl, Path modelDir, boolean reused, Map<String, Double> metrics) {}

  /**
   * The demo's service data: the platform in a fresh SQLite file ({@code dir/attune.db}, replaced), and SASRec
   * trained on the split's training + validation part, tested on its test part, written to {@code dir/sasrec}
   * (with the test metrics and per-epoch loss in {@code model.json}) and registered as the active version.
   * Used by {@code attune demo} and the dashboard's browser test.
   *
   * @param modelKey what determines the model ({@link #modelKey}): when {@code dir} holds a model an earlier call
   *     trained under the same key, it is reused instead of trained again (a seeded run on the same data and build
   *     gives the same model, and the training is most of the demo's start-up); null: always train
   */
  static Service prepareService(Path dir, Dataset ds, Split split, long seed, int epochs, boolean quiet,
      PrintWriter err, String modelKey) throws Exception {
    Path db = dir.resolve("attune.db");
    Files.createDirectories(dir);
    requireTheDemosFolder(dir);
    // held while the store is replaced and the model trained, to the moment the server takes its own claim: a second
    // demo on the same --dir replaced the store under a first one still training (a review)
    try (Store.ServingLock claim = claimTheDemosStore(db, false)) {
      return prepareClaimed(dir, db, ds, split, seed, epochs, quiet, err, modelKey);
    }
  }

  /**
   * Refuses a --dir whose store, model or versions the demo did not make: it replaces them at every run (a review:
   * '--dir attune-data' deleted serve's default store, and a folder holding an 'attune train --out' model lost it).
   */
  static void requireTheDemosFolder(Path dir) throws IOException {
    boolean holdsSome = Files.exists(dir.resolve("attune.db")) || Files.exists(dir.resolve("sasrec"));
    if (!holdsSome && Files.isDirectory(dir)) {
      try (var children = Files.list(dir)) {
        holdsSome = children.anyMatch(c -> VERSION_FOLDER.matcher(c.getFileName().toString()).matches());
      }
    }
    if (holdsSome && !madeByTheDemo(dir)) {
      // an earlier build's first run stopped before its model was trained leaves a store alone: it cannot be told
      // from another program's, so it is said, not deleted
      throw new IllegalArgumentException(dir + " holds a store, a model or model versions (attune.db, sasrec) the"
          + " demo cannot tell it made, and the demo replaces them at every run: give --dir a folder of its own (if"
          + " they are an earlier demo's, stopped before its model was trained, delete them and run again)");
    }
  }

  /** The demo's claim on its store (made if missing unless {@code existingOnly}); refused while another holds it. */
  static Store.ServingLock claimTheDemosStore(Path db, boolean existingOnly) {
    return ServeCommand.claimBeforeMigrating("jdbc:sqlite:" + db, existingOnly, "another attune demo or server is"
        + " using " + db + ", or an 'attune load', 'compact' or 'copy' is running on it: stop it first, or give --dir"
        + " another folder");
  }

  /** The folders of versions a demo's server trained (the dashboard's Train button), and their partial builds. */
  private static final java.util.regex.Pattern VERSION_FOLDER =
      java.util.regex.Pattern.compile("\\.?sasrec-\\d{8}-\\d{6}(-\\d+)?(\\.partial)?");

  private static Service prepareClaimed(Path dir, Path db, Dataset ds, Split split, long seed, int epochs,
      boolean quiet, PrintWriter err, String modelKey) throws Exception {
    Files.writeString(dir.resolve(DEMO_MARKER), "made by 'attune demo', which replaces this folder's store at every"
        + " run\n");
    for (String suffix : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(Path.of(db + suffix));
    // the versions an earlier run's server trained (Train button): they belong to the store just replaced, and
    // beside the new model the Models page would offer them as versions of this one
    try (var children = Files.list(dir)) {
      for (Path child : children.toList()) {
        String name = child.getFileName().toString();
        if (VERSION_FOLDER.matcher(name).matches() && Files.isDirectory(child)) {
          TrainCommand.deleteTree(child);
        }
      }
    }
    String url = "jdbc:sqlite:" + db;
    try (Store store = Store.open(url)) {
      LoadCommand.load(store, ds, null, new dev.attune.server.UserIds(null), dev.attune.model.FitListener.NONE);
    }
    Path modelDir = dir.resolve("sasrec");
    Path keyFile = dir.resolve("sasrec.demo-key.json");
    Map<String, Double> metrics = modelKey == null ? null : reusableMetrics(keyFile, modelDir, modelKey);
    boolean reused = metrics != null;
    if (!reused) {
      // gone before the model changes, so a run stopped during training never pairs the old key with a new model
      Files.deleteIfExists(keyFile);
      metrics = trainVersion(modelDir, ds, split, seed, epochs, false, quiet, err);
      if (modelKey != null) JSON.writeValue(keyFile.toFile(), Map.of("key", modelKey, "metrics", metrics));
    }
    try (Store store = Store.open(url)) {
      store.saveModelVersion(new Store.ModelVersion("sasrec", "sasrec", modelDir.toAbsolutePath().toString(),
          System.currentTimeMillis(), metrics, false));
      store.activateModel("sasrec");
    }
    return new Service(url, modelDir, reused, metrics);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** ATTUNE_ADMIN_KEY, an empty one read as unset (as serve reads it: a key is then generated). */
  private static String adminKey() {
    String key = System.getenv("ATTUNE_ADMIN_KEY");
    return key == null || key.isBlank() ? null : key;
  }

  /** The file that marks a folder whose store the demo made (and may replace). */
  static final String DEMO_MARKER = ".attune-demo";

  /**
   * Whether the demo made {@code dir}'s store and model: its marker, or, from builds before it, its key file (a model
   * alone, {@code sasrec/}, is what any 'attune train --out' writes).
   */
  private static boolean madeByTheDemo(Path dir) {
    return Files.isRegularFile(dir.resolve(DEMO_MARKER)) || Files.isRegularFile(dir.resolve("sasrec.demo-key.json"));
  }

  /** The test metrics recorded beside {@code modelDir} when an earlier run trained it under {@code modelKey}, else null. */
  private static Map<String, Double> reusableMetrics(Path keyFile, Path modelDir, String modelKey) {
    if (!Files.isRegularFile(keyFile) || !dev.attune.infer.ModelDirectory.isComplete(modelDir)) return null;
    try {
      JsonNode recorded = JSON.readTree(keyFile.toFile());
      if (!modelKey.equals(recorded.path("key").asText())) return null;
      Map<String, Double> metrics = new LinkedHashMap<>();
      recorded.path("metrics").properties().forEach(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
      return metrics;
    } catch (IOException unreadable) {
      return null; // trained again, and the file rewritten
    }
  }

  /**
   * What the demo's SASRec model is a function of: the platform's settings, the seed, the epochs, and the build of
   * the code that generates, trains and stores (each jar's or class folder's size and time, so a rebuild after a
   * change trains again).
   */
  static String modelKey(MusicPlatformGenerator.Params params, long seed, int epochs) throws IOException {
    StringBuilder key = new StringBuilder(params + "|seed=" + seed + "|epochs=" + epochs);
    Set<Path> code = new TreeSet<>();
    for (Class<?> part : new Class<?>[] {DemoCommand.class, Dataset.class, MusicPlatformGenerator.class,
        SasRecTrainer.class, dev.attune.train.AttentionModels.class, dev.attune.infer.SequentialModels.class,
        Store.class}) {
      try {
        code.add(Path.of(part.getProtectionDomain().getCodeSource().getLocation().toURI()));
      } catch (URISyntaxException | NullPointerException | SecurityException unknown) {
        return null; // where the code came from is unknown: always train
      }
    }
    for (Path location : code) {
      long newest;
      long bytes;
      if (Files.isDirectory(location)) {
        try (var files = Files.walk(location)) {
          long[] sum = {0, 0};
          files.filter(Files::isRegularFile).forEach(f -> {
            File file = f.toFile();
            sum[0] = Math.max(sum[0], file.lastModified());
            sum[1] += file.length();
          });
          newest = sum[0];
          bytes = sum[1];
        }
      } else {
        newest = Files.getLastModifiedTime(location).toMillis();
        bytes = Files.size(location);
      }
      key.append('|').append(location).append(':').append(bytes).append(':').append(newest);
    }
    return key.toString();
  }

  /**
   * Trains SASRec (hidden 32, full softmax) for {@code epochs} epochs, tests it on the test part (full ranking,
   * seen items excluded) and writes {@code modelDir} with the metrics, the training time and the per-epoch loss.
   *
   * @param validate false: train on the training + validation part (the demo's model); true: train on the
   *     training part and score the validation part after every epoch (as {@code attune train} does, without
   *     stopping early), keeping the best epoch's weights and recording each epoch's validation NDCG@10
   * @return the test metrics by label (NDCG@10, HR@10, Coverage@10 ...)
   */
  static Map<String, Double> trainVersion(Path modelDir, Dataset ds, Split split, long seed, int epochs,
      boolean validate, boolean quiet, PrintWriter err) throws Exception {
    try (Progress progress = new Progress("SASRec", quiet, err)) {
      return SasRecTrainer.write(modelDir, ds, split, seed, epochs, Runtime.getRuntime().availableProcessors(),
          validate, true, progress);
    }
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
