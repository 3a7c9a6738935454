package dev.attune.cli;

import dev.attune.data.CtrDataset;
import dev.attune.data.Dataset;
import dev.attune.eval.Leaderboard;
import dev.attune.infer.ModelDirectory;
import dev.attune.train.CtrBatch;
import dev.attune.train.CtrModels;
import dev.attune.train.CtrNetwork;
import dev.attune.train.CtrTrainer;
import dev.attune.train.CtrTraining;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains and scores the CTR (ranking) models ({@link CtrModels}) for {@code attune train} and {@code attune
 * evaluate --ctr}: the task is {@link CtrDataset#build} (labels by event value, the last 20% of each user's
 * events test, the last 10% of the rest validation), the scores AUC, GAUC and log-loss on the test part.
 */
final class CtrRun {
  private CtrRun() {}

  /** Age buckets used when a field is called {@code age}: MovieLens-1M's edges. */
  private static final int[] AGE_EDGES = {1, 18, 25, 35, 45, 50, 56};

  /**
   * The task's settings: positives have a value &gt;= {@code positiveMin}; user fields {@code fields}, or (null)
   * every user attribute but {@code zip} seen on any user, in sorted order.
   */
  static CtrDataset.Params params(Dataset dataset, float positiveMin, List<String> fields) {
    List<String> names = fields;
    if (names != null) {
      java.util.TreeSet<String> known = new java.util.TreeSet<>();
      for (var u : dataset.users()) known.addAll(u.attributes().keySet());
      for (String f : names) {
        if (!known.contains(f)) {
          throw new IllegalArgumentException("--user-fields: no user has the field '" + f + "'; the data set's: "
              + known);
        }
      }
    }
    if (names == null) {
      java.util.TreeSet<String> seen = new java.util.TreeSet<>();
      for (var u : dataset.users()) seen.addAll(u.attributes().keySet());
      seen.remove("zip");
      names = new ArrayList<>(seen);
    }
    return new CtrDataset.Params(positiveMin, 0.2, 0.1, names,
        names.contains("age") ? Map.of("age", AGE_EDGES) : Map.of());
  }

  /**
   * One trained model and its test scores.
   *
   * @param trainer what was trained
   * @param result the training result (best weights, validation scores)
   * @param test AUC, GAUC and log-loss on the test part
   * @param trainSeconds wall time of training
   */
  record Outcome(CtrTrainer trainer, CtrTraining.Result result, CtrTraining.Scores test, double trainSeconds) {}

  /**
   * Refuses a click task whose training or test part holds only one label: nothing to learn, or AUC undefined
   * (for example no event reaches {@code --positive-min}).
   */
  static void requireBothLabels(CtrDataset data) {
    for (var part : java.util.List.of(java.util.Map.entry("training", data.train()),
        java.util.Map.entry("test", data.test()))) {
      double rate = part.getValue().positiveRate();
      if (part.getValue().size() == 0 || rate == 0 || rate == 1) {
        throw new IllegalArgumentException("the click task's " + part.getKey() + " part has "
            + (part.getValue().size() == 0 ? "no events" : rate == 0 ? "no positive (no event with value >= "
            + data.params().positiveMin() + ")" : "no negative") + ": " + (oneValue(data.dataset())
                ? "every event of " + data.dataset().name() + " has the same value, so no --positive-min separates"
                    + " positives from negatives; the click task needs events that say no (low ratings, short plays,"
                    + " impressions without a click)"
                : "choose another --positive-min (" + valueRange(data.dataset()) + ")"));
      }
    }
  }

  /**
   * Refuses a data set without event order: the click task holds out each user's last 20% of events and reads the
   * positives before each impression as its history, which without order would follow the file (the test part
   * whatever rows came last, and every history empty when all times are equal).
   */
  static void requireOrder(Dataset dataset) {
    if (dataset.timeKind() == Dataset.TimeKind.NONE) {
      throw new IllegalArgumentException("the CTR models hold out each user's last 20% of events and read the items"
          + " before each impression as its history, and " + dataset.name() + " has no event order (its source gives"
          + " neither times nor sequences)");
    }
  }

  /**
   * The baseline every CTR model should beat, scored like them: each impression's chance from how often its user
   * and its item were positive in the training part (each rate smoothed toward the overall rate with the weight of
   * {@value #BASELINE_PRIOR} impressions, combined as log-odds: logit(user) + logit(item) − logit(overall)). A QA
   * run found it level with or above some trained models on MovieLens (AUC 0.762, GAUC 0.684), which without this
   * row nobody could see.
   */
  static CtrTraining.Scores baseline(CtrDataset data) {
    CtrDataset.Part train = data.train();
    double overall = train.positiveRate();
    double[] userPositive = new double[data.numUsers()];
    double[] userSeen = new double[data.numUsers()];
    double[] itemPositive = new double[data.numItems()];
    double[] itemSeen = new double[data.numItems()];
    for (int r = 0; r < train.size(); r++) {
      double y = train.label()[r] ? 1 : 0;
      userPositive[train.user()[r]] += y;
      userSeen[train.user()[r]]++;
      itemPositive[train.item()[r]] += y;
      itemSeen[train.item()[r]]++;
    }
    CtrDataset.Part test = data.test();
    float[] p = new float[test.size()];
    for (int r = 0; r < p.length; r++) {
      int u = test.user()[r];
      int i = test.item()[r];
      double pu = (userPositive[u] + BASELINE_PRIOR * overall) / (userSeen[u] + BASELINE_PRIOR);
      double pi = (itemPositive[i] + BASELINE_PRIOR * overall) / (itemSeen[i] + BASELINE_PRIOR);
      p[r] = (float) (1 / (1 + Math.exp(-(logit(pu) + logit(pi) - logit(overall)))));
    }
    return CtrTraining.score(p, test);
  }

  /** Impressions' worth of the overall rate each smoothed rate starts from. */
  static final int BASELINE_PRIOR = 5;

  private static double logit(double p) {
    double q = Math.min(1 - 1e-6, Math.max(1e-6, p));
    return Math.log(q / (1 - q));
  }

  /** The baseline's line, in the models' format. */
  static String baselineLine(CtrTraining.Scores s) {
    return String.format("%-5s test AUC %s  GAUC %s  log-loss %s  (user and item positive rates, untrained)",
        "rates", Leaderboard.fourDecimals(s.auc()), Leaderboard.fourDecimals(s.groupAuc()),
        Leaderboard.fourDecimals(s.logLoss()));
  }

  /** The events' values, lowest to highest: what a --positive-min can be chosen from. */
  private static String valueRange(Dataset dataset) {
    var log = dataset.events();
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int r = 0; r < log.size(); r++) {
      min = Math.min(min, log.value(r));
      max = Math.max(max, log.value(r));
    }
    return log.size() == 0 ? "the data set has no events"
        : String.format(java.util.Locale.ROOT, "the events' values run from %.3g to %.3g", min, max);
  }

  /** Whether every event of the data set has one value (implicit data: plays, clicks, purchases with value 1). */
  private static boolean oneValue(Dataset dataset) {
    var log = dataset.events();
    for (int r = 1; r < log.size(); r++) if (log.value(r) != log.value(0)) return false;
    return true;
  }

  /** Trains {@code name} on {@code data} and scores its test part. */
  static Outcome train(String name, Map<String, String> overrides, CtrDataset data, long seed, int threads,
      boolean quiet, PrintWriter err) {
    CtrTrainer trainer = CtrModels.create(name, overrides == null ? Map.of() : overrides, seed, threads);
    long start = System.nanoTime();
    CtrTraining.Result result;
    try (Progress progress = new Progress(name, quiet, err)) {
      result = trainer.train(data, progress);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    CtrTraining.Scores test;
    try (CtrNetwork net = CtrModels.network(result.weights())) {
      test = CtrTraining.score(CtrTraining.predict(net, data, data.test(), trainer.options().maxHistory(),
          CtrBatch.slotsFor(data)), data.test());
    }
    return new Outcome(trainer, result, test, seconds);
  }

  /** Writes a model directory for a CTR outcome (weights, item ids, model.json with the scores). */
  static void write(Path out, Outcome o, Dataset dataset, CtrDataset data, long seed, int threads) throws IOException {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", o.trainer().name());
    info.put("task", "ctr");
    info.put("dataset", dataset.name());
    info.put("positiveMin", data.params().positiveMin());
    info.put("userFields", data.params().userAttributes());
    info.put("seed", seed);
    info.put("threads", threads);
    info.put("params", TrainCommand.flatten(o.trainer().params())); // enough to run it again
    info.put("bestEpoch", o.result().bestEpoch());
    info.put("trainSeconds", Math.round(o.trainSeconds() * 10) / 10.0);
    info.put("secondsPerEpoch", Math.round(o.result().secondsPerEpoch() * 100) / 100.0);
    Map<String, Object> test = new LinkedHashMap<>();
    // an undefined score (GAUC when no test user has both labels) is null, not the string "NaN" (QA)
    test.put("AUC", finiteOrNull(o.test().auc()));
    test.put("GAUC", finiteOrNull(o.test().groupAuc()));
    test.put("LogLoss", finiteOrNull(o.test().logLoss()));
    info.put("test", test);
    info.put("created", Instant.now().toString());
    ModelDirectory.write(out, o.result().weights(), dataset.itemIds().ids(), info);
  }

  /** One line of scores. */
  static String line(Outcome o) {
    return String.format("%-5s test AUC %s  GAUC %s  log-loss %s  (best epoch %d of %d, %.1f s per epoch)",
        o.trainer().name(), Leaderboard.fourDecimals(o.test().auc()), Leaderboard.fourDecimals(o.test().groupAuc()),
        Leaderboard.fourDecimals(o.test().logLoss()),
        o.result().bestEpoch(), o.result().epochsRun(), o.result().secondsPerEpoch());
  }

  /** A score for JSON: null when undefined, as the leaderboard's JSON writes it. */
  static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

}
