package dev.attune.model.cf;

import dev.attune.model.Trainer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

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
    Params p = new Params(name, overrides);
    Trainer<?> trainer = switch (name.toLowerCase(Locale.ROOT)) {
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
    p.checkAllUsed();
    return trainer;
  }

  /**
   * Splits {@code model.key=value} overrides by model name.
   *
   * @throws IllegalArgumentException if an entry is not of that form
   */
  public static Map<String, Map<String, String>> parseOverrides(List<String> entries) {
    Map<String, Map<String, String>> out = new HashMap<>();
    for (String e : entries) {
      int dot = e.indexOf('.');
      int eq = e.indexOf('=');
      if (dot <= 0 || eq < dot + 2 || eq == e.length() - 1) {
        throw new IllegalArgumentException("parameter '" + e + "' must look like model.name=value, e.g. als.factors=128");
      }
      out.computeIfAbsent(e.substring(0, dot).toLowerCase(Locale.ROOT), k -> new LinkedHashMap<>())
          .put(e.substring(dot + 1, eq), e.substring(eq + 1));
    }
    return out;
  }

  /** Reads overrides and remembers which were used, so a typo is an error rather than silently ignored. */
  private static final class Params {
    private final String model;
    private final Map<String, String> values;
    private final Map<String, Boolean> used = new HashMap<>();

    Params(String model, Map<String, String> values) {
      this.model = model;
      this.values = values == null ? Map.of() : values;
    }

    private <T> T get(String key, T fallback, Function<String, T> parse) {
      String v = values.get(key);
      used.put(key, true);
      if (v == null) return fallback;
      try {
        return parse.apply(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(model + "." + key + ": not a number: '" + v + "'");
      }
    }

    int integer(String key, int fallback) {
      return get(key, fallback, Integer::parseInt);
    }

    float flt(String key, float fallback) {
      return get(key, fallback, Float::parseFloat);
    }

    double dbl(String key, double fallback) {
      return get(key, fallback, Double::parseDouble);
    }

    String str(String key, String fallback) {
      return get(key, fallback, s -> s);
    }

    void checkAllUsed() {
      for (String key : values.keySet()) {
        if (!used.containsKey(key)) {
          throw new IllegalArgumentException("model " + model + " has no parameter '" + key + "' (known: " + used.keySet() + ")");
        }
      }
    }
  }
}
