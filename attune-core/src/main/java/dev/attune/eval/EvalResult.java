package dev.attune.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one evaluation of one model: the mean of every metric, the per-user values behind the
 * per-user metrics (for paired comparison in {@link Significance}), and bookkeeping.
 *
 * <p>Metrics are looked up by {@linkplain Metric#label() label} ({@code "NDCG@10"}). Per-user metrics (the
 * ranking metrics and AUC, see {@link Metric.Kind#perUser()}) keep one value per evaluated user, aligned with
 * {@link #evaluatedUsers()}; their mean skips NaN values (a user whose AUC is undefined). Aggregate metrics
 * (RMSE, MAE, coverage, Gini, diversity, novelty) have only their one number.
 *
 * <p>Immutable and thread-safe: arrays are copied on the way in and out.
 */
public final class EvalResult {
  private final String modelName;
  private final String protocol;
  private final int[] evaluatedUsers;
  private final Map<String, Metric> metrics;
  private final Map<String, double[]> perUser;
  private final Map<String, Double> means;
  private final double elapsedSeconds;
  private final double trainSeconds;
  /** Users ranked among fewer unseen items than the sampled negatives asked for (0 without sampling). */
  private final int usersWithFewerNegatives;

  /**
   * Assembles a result. The metric order (per-user first, then aggregates, each in the maps' iteration order) is
   * the order of {@link #metrics()} and of {@link #toMap()}.
   *
   * @param modelName model name, non-blank
   * @param protocol how the numbers were obtained (split, ranking, exclusions), non-null
   * @param evaluatedUsers user indices in ascending order
   * @param perUser values of each per-user metric, each array aligned with {@code evaluatedUsers}
   * @param aggregates value of each aggregate metric
   * @param elapsedSeconds evaluation wall time, &gt;= 0
   * @param trainSeconds training wall time, or NaN when unknown
   * @throws IllegalArgumentException if a label repeats, an array has the wrong length, a per-user map holds an
   *     aggregate-only kind, or users are not ascending
   */
  public EvalResult(String modelName, String protocol, int[] evaluatedUsers, Map<Metric, double[]> perUser,
      Map<Metric, Double> aggregates, double elapsedSeconds, double trainSeconds) {
    if (modelName == null || modelName.isBlank()) {
      throw new IllegalArgumentException("modelName must not be blank");
    }
    if (protocol == null) {
      throw new IllegalArgumentException("protocol must not be null");
    }
    for (int j = 1; j < evaluatedUsers.length; j++) {
      if (evaluatedUsers[j] <= evaluatedUsers[j - 1]) {
        throw new IllegalArgumentException("evaluatedUsers must be ascending and distinct");
      }
    }
    this.modelName = modelName;
    this.protocol = protocol;
    this.evaluatedUsers = evaluatedUsers.clone();
    this.metrics = new LinkedHashMap<>();
    this.perUser = new LinkedHashMap<>();
    this.means = new LinkedHashMap<>();
    for (Map.Entry<Metric, double[]> e : perUser.entrySet()) {
      Metric m = e.getKey();
      double[] values = e.getValue();
      if (!m.kind().perUser()) {
        throw new IllegalArgumentException(m.label() + " has no per-user values");
      }
      if (values.length != evaluatedUsers.length) {
        throw new IllegalArgumentException(m.label() + ": " + values.length + " values for "
            + evaluatedUsers.length + " users");
      }
      put(m, nanMean(values));
      this.perUser.put(m.label(), values.clone());
    }
    for (Map.Entry<Metric, Double> e : aggregates.entrySet()) {
      put(e.getKey(), e.getValue());
    }
    if (!(elapsedSeconds >= 0)) {
      throw new IllegalArgumentException("elapsedSeconds must be >= 0: " + elapsedSeconds);
    }
    this.elapsedSeconds = elapsedSeconds;
    this.trainSeconds = trainSeconds;
    this.usersWithFewerNegatives = 0;
  }

  private EvalResult(EvalResult other, String modelName, double trainSeconds, int usersWithFewerNegatives) {
    if (modelName == null || modelName.isBlank()) {
      throw new IllegalArgumentException("modelName must not be blank");
    }
    this.modelName = modelName;
    this.protocol = other.protocol;
    this.evaluatedUsers = other.evaluatedUsers;
    this.metrics = other.metrics;
    this.perUser = other.perUser;
    this.means = other.means;
    this.elapsedSeconds = other.elapsedSeconds;
    this.trainSeconds = trainSeconds;
    this.usersWithFewerNegatives = usersWithFewerNegatives;
  }

  private void put(Metric m, double mean) {
    if (metrics.putIfAbsent(m.label(), m) != null) {
      throw new IllegalArgumentException("metric label repeats: " + m.label());
    }
    means.put(m.label(), mean);
  }

  /** The model's name, as given by {@link dev.attune.model.Recommender#name()}. */
  public String modelName() {
    return modelName;
  }

  /** How the numbers were obtained: split protocol, ranking, exclusions, user sample. */
  public String protocol() {
    return protocol;
  }

  /** The metrics in this result, in report order (unmodifiable). */
  public List<Metric> metrics() {
    return Collections.unmodifiableList(new ArrayList<>(metrics.values()));
  }

  /** Whether a metric with this label was computed. */
  public boolean has(String label) {
    return metrics.containsKey(label);
  }

  /**
   * The metric with this label.
   *
   * @throws IllegalArgumentException if absent
   */
  public Metric metric(String label) {
    Metric m = metrics.get(label);
    if (m == null) {
      throw new IllegalArgumentException("no metric " + label + " in " + modelName + "; have " + metrics.keySet());
    }
    return m;
  }

  /**
   * The value of a metric: the mean over evaluated users (NaN values skipped) for per-user metrics, the single
   * number for aggregates. NaN when no user had a defined value.
   *
   * @throws IllegalArgumentException if no metric has this label
   */
  public double mean(String label) {
    metric(label);
    return means.get(label);
  }

  /** {@link #mean(String)} by metric. */
  public double mean(Metric metric) {
    return mean(metric.label());
  }

  /**
   * A copy of a per-user metric's values, aligned with {@link #evaluatedUsers()}.
   *
   * @throws IllegalArgumentException if no metric has this label or it has no per-user values
   */
  public double[] perUser(String label) {
    metric(label);
    double[] values = perUser.get(label);
    if (values == null) {
      throw new IllegalArgumentException(label + " is an aggregate metric without per-user values");
    }
    return values.clone();
  }

  /** A copy of the indices of the users evaluated, ascending. */
  public int[] evaluatedUsers() {
    return evaluatedUsers.clone();
  }

  /** Number of users evaluated. */
  public int numUsers() {
    return evaluatedUsers.length;
  }

  /** Whether both results cover exactly the same users, so per-user values can be paired. */
  public boolean alignedWith(EvalResult other) {
    return java.util.Arrays.equals(evaluatedUsers, other.evaluatedUsers);
  }

  /**
   * The per-user metrics of the evaluated users accepted by {@code keep}, as a result of their own (#5: a scene's
   * cold users). Aggregate metrics (coverage, RMSE...) are left out: they are not sums over users. The protocol
   * gains {@code "; users: " + groupName}.
   *
   * @param groupName what the users have in common, for the protocol text
   */
  public EvalResult forUsers(java.util.function.IntPredicate keep, String groupName) {
    int n = 0;
    for (int u : evaluatedUsers) if (keep.test(u)) n++;
    int[] users = new int[n];
    int[] positions = new int[n];
    int w = 0;
    for (int p = 0; p < evaluatedUsers.length; p++) {
      if (keep.test(evaluatedUsers[p])) {
        users[w] = evaluatedUsers[p];
        positions[w++] = p;
      }
    }
    Map<Metric, double[]> subset = new LinkedHashMap<>();
    for (Map.Entry<String, double[]> e : perUser.entrySet()) {
      double[] values = new double[n];
      for (int j = 0; j < n; j++) values[j] = e.getValue()[positions[j]];
      subset.put(metrics.get(e.getKey()), values);
    }
    return new EvalResult(modelName, protocol + "; users: " + groupName, users, subset, Map.of(), elapsedSeconds,
        trainSeconds);
  }

  /** Evaluation wall time in seconds. */
  public double elapsedSeconds() {
    return elapsedSeconds;
  }

  /** Training wall time in seconds, or NaN when not recorded (see {@link #withTrainSeconds}). */
  public double trainSeconds() {
    return trainSeconds;
  }

  /**
   * How many evaluated users had fewer unseen items than {@link EvalOptions#sampledNegatives()} and were ranked among
   * all of theirs: their sampled metrics are higher than the label's N would give (0 without sampling, and in a
   * group's subset).
   */
  public int usersWithFewerNegatives() {
    return usersWithFewerNegatives;
  }

  /** This result with {@link #usersWithFewerNegatives} set, by the evaluator that counted them. */
  EvalResult withUsersWithFewerNegatives(int users) {
    return new EvalResult(this, modelName, trainSeconds, users);
  }

  /** This result with the model's training time recorded, for leaderboards. */
  public EvalResult withTrainSeconds(double seconds) {
    return new EvalResult(this, modelName, seconds, usersWithFewerNegatives);
  }

  /** This result under another name, e.g. to tell apart two directories of one kind of model on a leaderboard. */
  public EvalResult withModelName(String name) {
    return new EvalResult(this, name, trainSeconds, usersWithFewerNegatives);
  }

  /**
   * A JSON-friendly view: a {@link LinkedHashMap} of strings, numbers and nested maps. Keys: {@code model},
   * {@code protocol}, {@code users}, {@code elapsedSeconds}, {@code trainSeconds}, and {@code metrics} (label to
   * mean). NaN and infinite numbers become null, since JSON has no NaN. Per-user values are left out.
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", modelName);
    m.put("protocol", protocol);
    m.put("users", evaluatedUsers.length);
    m.put("elapsedSeconds", finiteOrNull(elapsedSeconds));
    m.put("trainSeconds", finiteOrNull(trainSeconds));
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : means.entrySet()) {
      values.put(e.getKey(), finiteOrNull(e.getValue()));
    }
    m.put("metrics", values);
    return m;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(modelName).append(" (").append(evaluatedUsers.length).append(" users)");
    for (Map.Entry<String, Double> e : means.entrySet()) {
      b.append(' ').append(e.getKey()).append('=').append(String.format(java.util.Locale.ROOT, "%.4f", e.getValue()));
    }
    return b.toString();
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** Mean of the non-NaN values; NaN if there are none. */
  static double nanMean(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
