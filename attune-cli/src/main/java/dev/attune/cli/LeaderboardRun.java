package dev.attune.cli;

import dev.attune.data.Split;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.eval.Leaderboard;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.model.Trainer;
import dev.attune.model.cf.ClassicModels;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Trains each named model on a split's testing stage and evaluates it; shared by evaluate and demo. */
final class LeaderboardRun {
  final Leaderboard leaderboard = new Leaderboard().compareToBest("NDCG@10");
  final List<EvalResult> results = new ArrayList<>();
  final Map<String, Recommender> models = new LinkedHashMap<>();

  /**
   * Runs every model; a model that cannot run on this data (EASE on a huge catalogue) is reported and
   * skipped rather than ending the run.
   */
  static LeaderboardRun run(Split split, List<String> names, Map<String, Map<String, String>> overrides,
      long seed, int threads, EvalOptions options, boolean quiet, PrintWriter err) {
    LeaderboardRun run = new LeaderboardRun();
    for (String name : names) {
      Trainer<?> trainer = ClassicModels.create(name, overrides.get(name.toLowerCase(java.util.Locale.ROOT)), seed, threads);
      Recommender model;
      long start = System.nanoTime();
      try (Progress progress = new Progress(name, quiet)) {
        model = trainer.fit(split.trainAndValidation(), quiet ? FitListener.NONE : progress);
      } catch (IllegalArgumentException e) {
        err.println("attune: skipped " + name + ": " + e.getMessage());
        continue;
      }
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      EvalResult result;
      try (Progress progress = new Progress(name, quiet)) {
        result = new Evaluator().evaluate(model, split, options, quiet ? dev.attune.eval.Evaluator.Progress.NONE : progress)
            .withTrainSeconds(trainSeconds);
      }
      run.results.add(result);
      run.leaderboard.add(result);
      run.models.put(name, model);
    }
    return run;
  }
}
