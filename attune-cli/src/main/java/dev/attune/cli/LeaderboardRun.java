package dev.attune.cli;

import dev.attune.data.Split;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.eval.Leaderboard;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.model.Trainer;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.WeightFile;
import dev.attune.model.cf.ClassicModels;
import dev.attune.train.AttentionModels;
import dev.attune.train.SequenceTraining;
import dev.attune.train.WeightTrainer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Trains each named model on a split's testing stage and evaluates it; shared by evaluate and demo. */
final class LeaderboardRun {
  final Leaderboard leaderboard;
  final List<EvalResult> results = new ArrayList<>();
  final Map<String, Recommender> models = new LinkedHashMap<>();

  private LeaderboardRun(EvalOptions options) {
    leaderboard = new Leaderboard(Leaderboard.columnsFor(options))
        .compareToBest(Leaderboard.significanceMetricFor(options));
  }

  /**
   * Runs every model; a model that cannot run on this data (EASE on a huge catalogue) is reported and
   * skipped rather than ending the run.
   */
  static LeaderboardRun run(Split split, List<String> names, Map<String, Map<String, String>> overrides,
      long seed, int threads, EvalOptions options, boolean quiet, PrintWriter err) {
    LeaderboardRun run = new LeaderboardRun(options);
    for (String name : names) {
      Map<String, String> params = overrides.get(name.toLowerCase(Locale.ROOT));
      Recommender model;
      long start = System.nanoTime();
      boolean attention = AttentionModels.knows(name);
      // created before the try: a bad hyper-parameter is the user's mistake, not a model that cannot run here
      WeightTrainer attentionTrainer = attention ? AttentionModels.create(name, params, seed, threads) : null;
      Trainer<?> classicTrainer = attention ? null : ClassicModels.create(name, params, seed, threads);
      try (Progress progress = new Progress(name, quiet, attention ? err : null)) {
        if (attention) {
          // attention models stop early on the tuning stage's validation, then serve the full histories; without a
          // validation part (a given split) they train their fixed number of epochs on everything
          boolean validates = split.tuning().holdout().numUsersWithItems() > 0;
          if (!validates) {
            err.println("attune: note: " + split.protocol() + " has no validation part: " + name + " trains its fixed "
                + attentionTrainer.options().epochs() + " epochs without early stopping");
          }
          WeightFile weights = validates
              ? attentionTrainer.train(split.tuning().train(), new SequenceTraining.Run(split.tuning(), null, false),
                  progress)
              : attentionTrainer.train(split.trainAndValidation(), SequenceTraining.Run.NONE, progress);
          model = SequentialModels.fromWeights(weights, split.trainAndValidation());
        } else {
          model = classicTrainer.fit(split.trainAndValidation(), quiet ? FitListener.NONE : progress);
        }
      } catch (IllegalArgumentException e) {
        err.println("attune: skipped " + name + ": " + e.getMessage());
        continue;
      }
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      run.add(name, model, trainSeconds, split, options, quiet);
    }
    return run;
  }

  /** Evaluates a model trained elsewhere and adds it to the board (under the model's name). */
  void add(String name, Recommender model, double trainSeconds, Split split, EvalOptions options, boolean quiet) {
    add(name, model, trainSeconds, split, options, quiet, false);
  }

  /**
   * Evaluates a model directory's model and adds it to the board under {@code label}: two directories of one kind
   * would otherwise share a row name.
   */
  void addDirectory(String label, Recommender model, double trainSeconds, Split split, EvalOptions options,
      boolean quiet) {
    add(label, model, trainSeconds, split, options, quiet, true);
  }

  private void add(String name, Recommender model, double trainSeconds, Split split, EvalOptions options,
      boolean quiet, boolean named) {
    EvalResult result;
    try (Progress progress = new Progress(name, quiet)) {
      result = new Evaluator().evaluate(model, split, options, quiet ? Evaluator.Progress.NONE : progress)
          .withTrainSeconds(trainSeconds);
    }
    if (named) result = result.withModelName(name);
    results.add(result);
    leaderboard.add(result);
    models.put(name, model);
  }
}
