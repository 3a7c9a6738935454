package dev.attune.eval;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.Split;
import dev.attune.data.TrainingSet;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.model.cf.ClassicModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The single-scene baselines a cross-scene model is compared with (#5), on a split of the cold- or warm-in-scene
 * protocols ({@link dev.attune.data.Splits#coldInScene}): the classic models trained on the target scene's events
 * alone ({@code target-only}: the best single-scene model is one of them, popularity in the target scene among
 * them), and optionally on every scene's events merged without scene information ({@code merged}). Each is tuned
 * on the split's validation users (a small grid, best validation NDCG@10, first wins a tie), refit on training +
 * validation, and scored like the cross-scene model ({@link SceneResult}: full ranking over the target scene's
 * items).
 *
 * <p>Grids: iALS factors {32, 128} × regularisation {1, 10}; UserKNN 20, 50, 100 or 200 neighbours; EASE λ in
 * {500, 2000, 8000}; popularity and ItemKNN (100 neighbours) untuned.
 */
public final class SceneBaselines {
  private SceneBaselines() {}

  /** Which baselines to run. */
  public enum Scope {
    /** Trained on the target scene alone. */
    TARGET_ONLY,
    /** Also on every scene merged without scene information (EASE there costs minutes on Douban). */
    ALL
  }

  /** The classic models and their grids, in report order. */
  private static final List<Candidate> CANDIDATES = List.of(
      new Candidate("pop", List.of(Map.of())),
      new Candidate("als", List.of(Map.of("factors", "32", "regularization", "1"),
          Map.of("factors", "32", "regularization", "10"), Map.of("factors", "128", "regularization", "1"),
          Map.of("factors", "128", "regularization", "10"))),
      new Candidate("itemknn", List.of(Map.of())),
      new Candidate("userknn", List.of(Map.of("neighbours", "20"), Map.of("neighbours", "50"),
          Map.of("neighbours", "100"), Map.of("neighbours", "200"))),
      new Candidate("ease", List.of(Map.of("regularization", "500"), Map.of("regularization", "2000"),
          Map.of("regularization", "8000"))));

  private record Candidate(String model, List<Map<String, String>> grid) {}

  /**
   * A tuned, refit and scored baseline.
   *
   * @param label {@code <model> target-only} or {@code <model> merged}
   * @param model the classic model's name ({@link ClassicModels})
   * @param merged whether it trained on every scene
   * @param params the grid point the validation users picked (empty for an untuned model)
   * @param validationNdcg10 its NDCG@10 on the validation users, trained on the training part
   * @param result its test scores
   * @param seconds tuning, refit and scoring time
   * @param tied whether every grid point scored the same on the validation users (the model could not tell them
   *     apart, such as on users with no target-scene event): {@code params} is then the first point, not a pick
   */
  public record Baseline(String label, String model, boolean merged, Map<String, String> params,
      double validationNdcg10, SceneResult result, double seconds, boolean tied) {
    /** Test NDCG@10 over all test users. */
    public double testNdcg10() {
      return result.mean(SceneResult.ALL, "NDCG@10");
    }

    /** One line: label, picked settings, validation and test NDCG@10, time. */
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "baseline %s%s: validation NDCG@10 %s, test NDCG@10 %.4f (%.1f s)%s", label,
          params.isEmpty() ? "" : " " + params, Double.isNaN(validationNdcg10) ? "n/a (no validation user)"
              : String.format(Locale.ROOT, "%.4f", validationNdcg10), testNdcg10(), seconds,
          Double.isNaN(validationNdcg10) ? "; untuned, the first setting taken"
              : tied ? "; every setting scored the same on validation, so the first was taken" : "");
    }
  }

  /**
   * Runs the baselines.
   *
   * @param split a split of {@code dataset} with validation users (its tuning stage tunes the grids)
   * @param progress receives one line per baseline as it finishes
   * @throws IllegalArgumentException if the target scene is unknown
   */
  public static List<Baseline> run(Dataset dataset, Split split, String target, EventWeights weights, Scope scope,
      EvalOptions options, long seed, int threads, Consumer<String> progress) {
    List<Baseline> out = new ArrayList<>();
    Data targetOnly = Data.of(false, dataset, split, target, weights); // built once for every model
    for (Candidate c : CANDIDATES) {
      out.add(tuned(c, targetOnly, split, target, options, seed, threads));
      progress.accept(out.get(out.size() - 1).toString());
    }
    if (scope == Scope.ALL) {
      Data merged = Data.of(true, dataset, split, target, weights);
      for (Candidate c : CANDIDATES) {
        if (c.model().equals("pop")) continue; // popularity over every scene ranks the target scene's items alike
        out.add(tuned(c, merged, split, target, options, seed, threads));
        progress.accept(out.get(out.size() - 1).toString());
      }
    }
    return out;
  }

  /**
   * One baseline: {@code model} (one of pop, als, itemknn, userknn, ease) tuned on its grid, refit and scored.
   *
   * @param merged trained on every scene's events (else the target scene's alone)
   * @throws IllegalArgumentException for another model or an unknown scene
   */
  public static Baseline baseline(String model, boolean merged, Dataset dataset, Split split, String target,
      EventWeights weights, EvalOptions options, long seed, int threads) {
    Candidate c = CANDIDATES.stream().filter(x -> x.model().equals(model)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no scene baseline '" + model + "'; have pop, als, itemknn,"
            + " userknn, ease"));
    return tuned(c, Data.of(merged, dataset, split, target, weights), split, target, options, seed, threads);
  }

  /**
   * What a baseline trains on.
   *
   * @param tuning the training part with the validation users' held-out items, for the grid
   * @param full training + validation, for the refit
   */
  private record Data(boolean merged, Split.Stage tuning, TrainingSet full) {
    static Data of(boolean merged, Dataset dataset, Split split, String target, EventWeights weights) {
      if (merged) return new Data(true, split.tuning(), split.trainAndValidation());
      return new Data(false, new Split.Stage(DatasetBuilder.buildScene(dataset, split.roles(), weights, target,
          Split.TRAIN), split.validation()), DatasetBuilder.buildScene(dataset, split.roles(), weights, target,
          Split.TRAIN, Split.VALIDATION));
    }
  }

  private static Baseline tuned(Candidate c, Data data, Split split, String target, EvalOptions options, long seed,
      int threads) {
    long start = System.nanoTime();
    Map<String, String> best = c.grid().get(0);
    double bestScore = Double.NEGATIVE_INFINITY;
    double worstScore = Double.POSITIVE_INFINITY;
    for (Map<String, String> p : c.grid()) {
      Recommender m = ClassicModels.create(c.model(), p, seed, threads).fit(data.tuning().train(), FitListener.NONE);
      double score = SceneResult.evaluate(m, data.tuning(), target, options).mean(SceneResult.ALL, "NDCG@10");
      if (Double.isNaN(score)) continue; // no validation user: nothing to pick by
      worstScore = Math.min(worstScore, score);
      if (score > bestScore) {
        bestScore = score;
        best = p;
      }
    }
    // no validation user at all: untuned, said as a tie of the whole grid (the first point, the defaults kept by the
    // blend), with its validation NDCG@10 undefined (a QA run's -Infinity, and a "pick" from nothing)
    boolean untested = bestScore == Double.NEGATIVE_INFINITY;
    if (untested) bestScore = Double.NaN;
    Recommender refit = ClassicModels.create(c.model(), best, seed, threads).fit(data.full(), FitListener.NONE);
    SceneResult result = SceneResult.evaluate(refit, split, target, options);
    return new Baseline(c.model() + (data.merged() ? " merged" : " target-only"), c.model(), data.merged(),
        new TreeMap<>(best), bestScore, result, (System.nanoTime() - start) / 1e9,
        untested || c.grid().size() > 1 && worstScore == bestScore);
  }

  /**
   * The target-only baseline with the best validation NDCG@10: the best single-scene model a user of the library
   * would pick (the first wins a tie), or null when there is none, or no validation user to pick by.
   */
  public static Baseline bestTargetOnly(List<Baseline> baselines) {
    Baseline best = null;
    for (Baseline b : baselines) {
      if (!b.merged() && !Double.isNaN(b.validationNdcg10())
          && (best == null || b.validationNdcg10() > best.validationNdcg10())) {
        best = b;
      }
    }
    return best;
  }
}
