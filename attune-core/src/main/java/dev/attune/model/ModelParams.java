package dev.attune.model;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Hyper-parameter overrides of one model, given as {@code key=value} strings (from {@code --param
 * model.key=value}). Reading a key marks it used, so {@link #checkAllUsed()} turns a typo into an error
 * rather than a silently ignored setting. Not thread-safe.
 */
public final class ModelParams {
  private final String model;
  private final Map<String, String> values;
  private final Map<String, Boolean> used = new LinkedHashMap<>();
  /** The value each key read took, given or the default ({@link #settings}). */
  private final Map<String, Object> settings = new LinkedHashMap<>();

  /**
   * {@code e}, a model's own check of its settings ("epochs must be > 0"), said of {@code model} ("sasrec: epochs must
   * be > 0"), unless it names the model already (this class's messages: "model fm has no parameter ...",
   * "sasrec.epochs: not an integer") or says nothing.
   */
  public static IllegalArgumentException whose(String model, IllegalArgumentException e) {
    String name = model.toLowerCase(Locale.ROOT);
    String message = e.getMessage();
    if (message == null || message.startsWith(name + ".") || message.startsWith("model " + name + " ")) return e;
    return new IllegalArgumentException(name + ": " + message, e);
  }

  /**
   * Overrides of {@code model}.
   *
   * @param values key to value, or null for none
   */
  public ModelParams(String model, Map<String, String> values) {
    this.model = model;
    this.values = values == null ? Map.of() : values;
  }

  /**
   * Splits {@code model.key=value} entries by model name (lower-cased).
   *
   * @throws IllegalArgumentException if an entry is not of that form
   */
  public static Map<String, Map<String, String>> parse(List<String> entries) {
    Map<String, Map<String, String>> out = new HashMap<>();
    for (String e : entries) {
      int dot = e.indexOf('.');
      int eq = e.indexOf('=');
      if (dot <= 0 || eq < dot + 2 || eq == e.length() - 1) {
        throw new IllegalArgumentException("parameter '" + e + "' must look like model.name=value, e.g. als.factors=128");
      }
      String model = e.substring(0, dot).toLowerCase(Locale.ROOT);
      String before = out.computeIfAbsent(model, k -> new LinkedHashMap<>())
          .put(e.substring(dot + 1, eq), e.substring(eq + 1));
      if (before != null) {
        // the last one silently won before: a typo in a long command line went unnoticed
        throw new IllegalArgumentException("parameter " + model + "." + e.substring(dot + 1, eq) + " is given twice ("
            + before + " and " + e.substring(eq + 1) + ")");
      }
    }
    return out;
  }

  private <T> T get(String key, T fallback, Function<String, T> parse, String expected) {
    String v = values.get(key);
    used.put(key, true);
    T value;
    if (v == null) {
      value = fallback;
    } else {
      try {
        value = parse.apply(v.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(model + "." + key + ": not " + expected + ": '" + v + "'");
      }
    }
    settings.put(key, value instanceof Enum<?> c ? c.name().toLowerCase(Locale.ROOT).replace('_', '-') : value);
    return value;
  }

  /** The value of every key read so far, given or the default, in the order read (what a run says it trains with). */
  public Map<String, Object> settings() {
    return java.util.Collections.unmodifiableMap(settings);
  }

  /** An integer value, or {@code fallback} when absent. */
  public int integer(String key, int fallback) {
    return get(key, fallback, Integer::parseInt, "an integer");
  }

  /** A float value, or {@code fallback} when absent. */
  public float flt(String key, float fallback) {
    return get(key, fallback, s -> (float) finite(s), FINITE);
  }

  /** A double value, or {@code fallback} when absent. */
  public double dbl(String key, double fallback) {
    return get(key, fallback, ModelParams::finite, FINITE);
  }

  /**
   * What {@link #finite} takes, for messages: the bound is a float's, which the models compute in (1e300 is finite, but
   * not as a float).
   */
  private static final String FINITE = "a finite number within ±3.4e38";

  /** No setting means Infinity or NaN: an infinite l2 trained nothing and still wrote a model. */
  private static double finite(String s) {
    double v = Double.parseDouble(s);
    if (!Double.isFinite(v) || !Float.isFinite((float) v)) throw new IllegalArgumentException(s);
    return v;
  }

  /** A long value, or {@code fallback} when absent. */
  public long lng(String key, long fallback) {
    return get(key, fallback, Long::parseLong, "an integer");
  }

  /** A boolean ({@code true} or {@code false}), or {@code fallback} when absent. */
  public boolean bool(String key, boolean fallback) {
    return get(key, fallback, s -> switch (s.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(s);
    }, "true or false");
  }

  /** A string value, or {@code fallback} when absent. */
  public String str(String key, String fallback) {
    return get(key, fallback, s -> s, "a string");
  }

  /**
   * A value of an enum, matched case-insensitively with {@code -} read as {@code _} ({@code full-ce} is
   * {@code FULL_CE}), or {@code fallback} when absent.
   */
  public <E extends Enum<E>> E choice(String key, E fallback) {
    Class<E> type = fallback.getDeclaringClass();
    return get(key, fallback, s -> Enum.valueOf(type, s.toUpperCase(Locale.ROOT).replace('-', '_')),
        "one of " + java.util.Arrays.stream(type.getEnumConstants())
            .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
  }

  /** The keys read so far. */
  public Set<String> known() {
    return used.keySet();
  }

  /**
   * Checks that every given key was read.
   *
   * @throws IllegalArgumentException naming the first unknown key and the known ones
   */
  public void checkAllUsed() {
    for (String key : values.keySet()) {
      if (!used.containsKey(key)) {
        throw new IllegalArgumentException("model " + model + " has no parameter '" + key + "' (known: " + used.keySet() + ")");
      }
    }
  }
}
