package dev.attune.model.cf;

import dev.attune.model.ModelParams;
import dev.attune.model.Trainer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Creates classic trainers by name with optional hyper-parameter overrides, for the CLI and benchmarks.
 *
 * <p>Names (case-insensitive): {@code pop}, {@code pop-decay}, {@code itemknn}, {@code userknn},
 * {@code als}, {@code bpr}, {@code ease}, {@code bias}. Overrides are {@code name=value} strings keyed by
 * the {@code Params} component name, such as {@code factors=128} or {@code regularization=300}.
 */
public final class ClassicModels {
  private ClassicModels() {}

  /** Names accepted by {@link #create}, in leaderboard order. */
  public static final List<String> NAMES = List.of("pop", "pop-decay", "itemknn", "userknn", "als", "bpr", "ease", "bias");

  /** The default leaderboard as a comma-separated list (usable in annotations). */
  public static final String DEFAULT_LEADERBOARD_SPEC = "pop,itemknn,userknn,als,bpr,ease";

  /** The default leaderboard: every ranking model. */
  public static final List<String> DEFAULT_LEADERBOARD = List.of(DEFAULT_LEADERBOARD_SPEC.split(","));

  /**
   * A trainer for {@code name}.
   *
   * @param name model name, see class javadoc
   * @param overrides hyper-parameter overrides for this model; unknown keys are rejected
   * @param seed seed for models that use randomness (overrides a {@code seed} entry in the defaults)
   * @param threads worker threads for multi-threaded models (0 = all processors)
   * @throws IllegalArgumentException for an unknown name, an unknown parameter or a bad value
   */
  public static Trainer<?> create(String name, Map<String, String> overrides, long seed, int threads) {
    ModelParams p = new ModelParams(name, overrides);
    Trainer<?> trainer;
    try {
      trainer = trainer(name, p, seed, threads);
    } catch (IllegalArgumentException e) {
      // a model's own check names its field ("factors must be > 0"): say whose
      throw NAMES.contains(name.toLowerCase(Locale.ROOT)) ? ModelParams.whose(name, e) : e;
    }
    p.checkAllUsed();
    return trainer;
  }

  private static Trainer<?> trainer(String name, ModelParams p, long seed, int threads) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "pop" -> new Popularity(new Popularity.Params(p.dbl("halfLifeDays", 0)));
      case "pop-decay" -> new Popularity(new Popularity.Params(p.dbl("halfLifeDays", 30)));
      case "itemknn" -> new ItemKnn(new ItemKnn.Params(p.integer("neighbours", ItemKnn.Params.DEFAULTS.neighbours()),
          p.flt("shrinkage", ItemKnn.Params.DEFAULTS.shrinkage()), threads));
      case "userknn" -> new UserKnn(new UserKnn.Params(p.integer("neighbours", UserKnn.Params.DEFAULTS.neighbours()),
          p.flt("shrinkage", UserKnn.Params.DEFAULTS.shrinkage()), threads));
      case "als" -> {
        Als.Params d = Als.Params.DEFAULTS;
        yield new Als(new Als.Params(p.integer("factors", d.factors()), p.flt("regularization", d.regularization()),
            p.flt("alpha", d.alpha()), p.integer("iterations", d.iterations()), p.integer("cgSteps", d.cgSteps()),
            threads, seed));
      }
      case "bpr" -> {
        Bpr.Params d = Bpr.Params.DEFAULTS;
        yield new Bpr(new Bpr.Params(p.integer("factors", d.factors()), p.flt("learningRate", d.learningRate()),
            p.flt("regularization", d.regularization()), p.integer("epochs", d.epochs()), seed));
      }
      case "ease" -> new Ease(new Ease.Params(p.flt("regularization", Ease.Params.DEFAULTS.regularization()),
          p.integer("maxItems", Ease.Params.DEFAULTS.maxItems())));
      case "bias" -> {
        BiasBaseline.Params d = BiasBaseline.Params.DEFAULTS;
        yield new BiasBaseline(new BiasBaseline.Params(p.str("ratingType", d.ratingType()),
            p.flt("userRegularization", d.userRegularization()), p.flt("itemRegularization", d.itemRegularization()),
            p.integer("iterations", d.iterations())));
      }
      default -> throw new IllegalArgumentException("unknown model '" + name + "'; known: " + NAMES);
    };
  }

  /** {@link ModelParams#parse}, kept here for callers of the classic registry. */
  public static Map<String, Map<String, String>> parseOverrides(List<String> entries) {
    return ModelParams.parse(entries);
  }

}
