package dev.attune.bench;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.SceneBaselines;
import dev.attune.eval.SceneResult;
import dev.attune.events.EventType;
import dev.attune.events.EventWeights;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.SceneBlendGate;
import dev.attune.train.SceneTransfer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Multi-scene interest transfer on Douban book + music (#5): for each target scene (music from books, books from
 * music) and each setting (cold: the tested users keep 0, 1 or 3 of their target-scene ratings in training; warm:
 * they keep 80%), the transfer model against the single-scene baselines, all scored by full ranking over the
 * target scene's items with the user's training items excluded ({@link SceneResult}).
 *
 * <p>Users: of those with ratings in both scenes and at least 4 in the target, a seeded 20% are test users and
 * another 10% (or {@code validationUsers}) validation users, treated alike ({@link Splits#coldInScene(Dataset,
 * EventWeights, String, int, double, double, long)}); the same users in every setting of a direction, and the same
 * test users whatever the validation share. Every rating (1-5) is a positive
 * (implicit feedback).
 *
 * <p>Models, each tuned on the validation users and then refit on training + validation data (the classic ones by
 * {@link SceneBaselines}, as {@code attune train --model scene-transfer --baselines} runs them):
 * <ul>
 *   <li>{@link SceneTransfer} (served by {@link SceneTransferModel}): trained up to {@code maxEpochs} with the
 *       validation NDCG@10 after every epoch; the best epoch count is refit;
 *   <li>iALS on the target scene only ({@code target-only}) and on both scenes merged without scene information
 *       ({@code merged}): factors in {32, 128} × regularisation in {1, 10}, best by validation NDCG@10;
 *   <li>UserKNN target-only and merged: 20, 50, 100 or 200 neighbours, best by validation NDCG@10;
 *   <li>EASE target-only and merged: λ in {500, 2000, 8000}, best by validation NDCG@10;
 *   <li>ItemKNN (100 neighbours) target-only and merged, and popularity in the target scene (no tuning; fitted on
 *       the tuning stage too, for their validation NDCG@10).
 * </ul>
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar
 * dev.attune.bench.SceneTransferQuality <seed> [maxEpochs=30] [only=<target>/<0|1|3|warm>] [classicOnly=true]
 * [transferOnly=true] [merged=false] [gateBootstraps=0] [warmSplitGate=true] [oracleGate=true] [validationUsers=0.1]
 * [gateSteps=10] [ratingWeights=unit] [coldGateKeep=-1] [key=value scene-transfer overrides]} with DJL_CACHE_DIR set
 * to a writable
 * folder; {@code ratingWeights=scaled} weighs a rating by its value / 5 for every model (unit: 1 whatever its
 * value, as the service does); {@code
 * merged=false} leaves out the merged baselines (EASE merged alone takes minutes per setting); {@code
 * gateBootstraps=200} adds the blend with the gate bagged over that many resamples of the validation users ({@link
 * SceneBlendGate}); {@code warmSplitGate=true} adds the blend with the gate {@link SceneBlendGate#tuneWarm} tunes
 * without validation users (what a file's scenes other than its {@code --target} and the server's retraining get)
 * and with one tuned on both sets of examples pooled (bagged as {@code gateBootstraps} says); {@code oracleGate} adds
 * the blend with its gate tuned on the test users, an upper bound of what a gate over these components can reach, not a
 * result; {@code coldGateKeep=<k>} (warm setting, with {@code warmSplitGate=true}) adds the blend with the target
 * gate {@code attune train --protocol cold-<k>} tunes on the same data, as it is (buckets above its validation users'
 * k events copied) and with those buckets filled from the warm split's gate ({@link
 * SceneBlendGate#fillCopiedBuckets}). Prints one Markdown table row per (direction, setting, model) with the model's
 * validation NDCG@10, and per
 * setting a comment line naming the best target-only model picked by validation NDCG@10 and by test NDCG@10, with the
 * transfer model's change against each.
 */
public final class SceneTransferQuality {
  private SceneTransferQuality() {}

  /** Keeps in training per cold setting; -1 marks the warm setting. */
  private static final int[] SETTINGS = {0, 1, 3, -1};
  private static final double TEST_USERS = 0.2;
  private static final double WARM_TEST_FRACTION = 0.2;

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    int maxEpochs = 30;
    String only = null;
    boolean classicOnly = false;
    boolean transferOnly = false;
    boolean oracleGate = false;
    boolean merged = true;
    int gateBootstraps = 0;
    boolean warmSplitGate = false;
    double validationUsers = 0.1;
    int gateSteps = SceneBlendGate.STEPS;
    int coldGateKeep = -1;
    boolean ratingScaled = false;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int k = 1; k < args.length; k++) {
      String[] kv = args[k].split("=", 2);
      if (kv[0].equals("maxEpochs")) maxEpochs = Integer.parseInt(kv[1]);
      else if (kv[0].equals("only")) only = kv[1];
      else if (kv[0].equals("classicOnly")) classicOnly = Boolean.parseBoolean(kv[1]);
      else if (kv[0].equals("transferOnly")) transferOnly = Boolean.parseBoolean(kv[1]);
      else if (kv[0].equals("oracleGate")) oracleGate = Boolean.parseBoolean(kv[1]);
      else if (kv[0].equals("merged")) merged = Boolean.parseBoolean(kv[1]);
      else if (kv[0].equals("gateBootstraps")) gateBootstraps = Integer.parseInt(kv[1]);
      else if (kv[0].equals("warmSplitGate")) warmSplitGate = Boolean.parseBoolean(kv[1]);
      else if (kv[0].equals("ratingWeights")) {
        if (!kv[1].equals("unit") && !kv[1].equals("scaled")) {
          throw new IllegalArgumentException("ratingWeights must be unit or scaled: " + kv[1]);
        }
        ratingScaled = kv[1].equals("scaled");
      }
      else if (kv[0].equals("validationUsers")) validationUsers = Double.parseDouble(kv[1]);
      else if (kv[0].equals("gateSteps")) gateSteps = Integer.parseInt(kv[1]);
      else if (kv[0].equals("coldGateKeep")) coldGateKeep = Integer.parseInt(kv[1]);
      else overrides.put(kv[0], kv[1]);
    }
    Dataset ds = SharedData.imported("douban", "douban-book-music", "douban-book-music");
    System.out.println("# " + ds + ", seed " + seed + ", test users " + TEST_USERS + ", validation users "
        + validationUsers + ", max epochs " + maxEpochs + ", ratings " + (ratingScaled ? "scaled" : "unit"));
    // scaled: a rating weighs rating / 5 (a 5 weighs 1 as every rating does by default), in both scenes and for
    // every model, target-only ones included
    EventWeights weights = ratingScaled
        ? EventWeights.defaults().with(new EventType("rating", 0.2f, EventType.ValueRule.SCALE))
        : EventWeights.defaults();
    SceneTransfer.Params params = SceneTransfer.Params.DEFAULTS.with(overrides).withSeed(seed);
    System.out.println("# " + params);
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10).withThreads(1).withComputeAuc(false).withSeed(seed);
    System.out.println("| target | setting | users | model | NDCG@10 | HR@10 | validation NDCG@10 | tuned | train s |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (String target : new String[] {"music", "book"}) {
      for (int keep : SETTINGS) {
        if (only != null && !only.equals(target + "/" + (keep >= 0 ? Integer.toString(keep) : "warm"))) continue;
        Split split = keep >= 0
            ? Splits.coldInScene(ds, weights, target, keep, TEST_USERS, validationUsers, seed)
            : Splits.warmInScene(ds, weights, target, WARM_TEST_FRACTION, TEST_USERS, validationUsers, seed);
        String setting = keep >= 0 ? "cold, keeps " + keep : "warm, keeps 80%";
        List<Row> rows = new ArrayList<>();
        // the blend's iALS and EASE are tuned as these target-only rows are, so they run in every mode
        Row alsTarget = baseline("als", false, ds, split, target, weights, options, seed);
        Row easeTarget = baseline("ease", false, ds, split, target, weights, options, seed);
        if (!transferOnly) {
          rows.add(baseline("pop", false, ds, split, target, weights, options, seed));
          rows.add(alsTarget);
          rows.add(baseline("itemknn", false, ds, split, target, weights, options, seed));
          rows.add(baseline("userknn", false, ds, split, target, weights, options, seed));
          rows.add(easeTarget);
          if (merged) {
            for (String model : List.of("als", "itemknn", "userknn", "ease")) {
              rows.add(baseline(model, true, ds, split, target, weights, options, seed));
            }
          }
        }
        // the blend's iALS and EASE take the target-only settings the validation users picked
        SceneTransfer.Params withCf = params.with(Map.of("cfFactors", alsTarget.params().get("factors"),
            "cfRegularization", alsTarget.params().get("regularization"),
            "easeRegularization", easeTarget.params().get("regularization")));
        if (!classicOnly) {
          SceneBlendGate.Tuned coldGate = keep < 0 && coldGateKeep >= 0
              ? coldProtocolGate(ds, weights, withCf, target, coldGateKeep, validationUsers, seed) : null;
          rows.addAll(transfer(withCf, maxEpochs, gateSteps, gateBootstraps, oracleGate, warmSplitGate, coldGate,
              coldGateKeep, split, target, setting, options, seed));
        }
        for (Row r : rows) {
          System.out.printf(Locale.ROOT, "| %s | %s | %d | %s | %.4f | %.4f | %s | %s | %.1f |%n", target, setting,
              r.result.users(SceneResult.ALL), r.label, r.result.mean(SceneResult.ALL, "NDCG@10"),
              r.result.mean(SceneResult.ALL, "HR@10"), Double.isNaN(r.validation) ? "-"
                  : String.format(Locale.ROOT, "%.4f", r.validation), r.tuned, r.seconds);
        }
        printComparators(target, setting, rows);
        if (keep < 0 && coldGateKeep >= 0) {
          for (Row r : rows) { // per group of SceneResult too: the gates differ by bucket of target-scene events
            StringBuilder line = new StringBuilder("# " + target + " " + setting + ", " + r.label + ":");
            for (String g : r.result.groups().keySet()) {
              line.append(String.format(Locale.ROOT, " %s (%d users) NDCG@10 %.4f HR@10 %.4f;", g,
                  r.result.users(g), r.result.mean(g, "NDCG@10"), r.result.mean(g, "HR@10")));
            }
            System.out.println(line);
          }
        }
        System.out.flush();
      }
    }
  }

  /** A scored model; {@code validation} is its validation NDCG@10 in the tuning stage, NaN when not measured. */
  private record Row(String label, SceneResult result, String tuned, double seconds, Map<String, String> params,
      double validation) {
    Row(String label, SceneResult result, String tuned, double seconds) {
      this(label, result, tuned, seconds, Map.of(), Double.NaN);
    }

    double test() {
      return result.mean(SceneResult.ALL, "NDCG@10");
    }
  }

  /**
   * Prints the best single-scene (target-only) model picked two ways, by validation NDCG@10 (what a user of the
   * library could pick) and by test NDCG@10 (an oracle, the strongest comparator), and the blend's change against
   * each.
   */
  private static void printComparators(String target, String setting, List<Row> rows) {
    Row byValidation = null;
    Row byTest = null;
    Row blend = null;
    for (Row r : rows) {
      if (r.label.equals("scene-transfer")) blend = r;
      if (!r.label.endsWith("target-only")) continue;
      if (byValidation == null || r.validation > byValidation.validation) byValidation = r;
      if (byTest == null || r.test() > byTest.test()) byTest = r;
    }
    if (byValidation == null) return;
    System.out.printf(Locale.ROOT, "# %s %s: best target-only by validation %s (test %.4f)%s; by test %s (%.4f)%s%n",
        target, setting, byValidation.label, byValidation.test(), change(blend, byValidation), byTest.label,
        byTest.test(), change(blend, byTest));
  }

  private static String change(Row blend, Row comparator) {
    return blend == null ? ""
        : String.format(Locale.ROOT, ", scene-transfer %+.1f%%", 100 * (blend.test() / comparator.test() - 1));
  }

  /** A baseline of {@link SceneBaselines} (tuned on the validation users, refit, scored) as a row. */
  private static Row baseline(String model, boolean merged, Dataset ds, Split split, String target,
      EventWeights weights, EvalOptions options, long seed) {
    SceneBaselines.Baseline b = SceneBaselines.baseline(model, merged, ds, split, target, weights, options, seed, 1);
    return new Row(b.label(), b.result(), b.params().isEmpty() ? "-" : b.params().toString(), b.seconds(),
        b.params(), b.validationNdcg10());
  }

  /**
   * The target gate {@code attune train --model scene-transfer --protocol cold-<keep>} tunes on the same data (as
   * SceneRun does): the cold-in-scene split with the same shares and seed, the network ({@code params}' epochs, no
   * early stopping) trained on its tuning stage, and the bagged gate its validation users pick. Its buckets above
   * those users' target events are copies.
   */
  private static SceneBlendGate.Tuned coldProtocolGate(Dataset ds, EventWeights weights, SceneTransfer.Params params,
      String target, int keep, double validationUsers, long seed) {
    long start = System.nanoTime();
    Split cold = Splits.coldInScene(ds, weights, target, keep, TEST_USERS, validationUsers, seed);
    WeightFile w = new SceneTransfer(params).train(cold.tuning().train(), FitListener.NONE);
    SceneBlendGate.Tuned gate = SceneBlendGate.tune(w, cold.tuning(), target, seed, SceneBlendGate.STEPS,
        SceneBlendGate.BOOTSTRAPS);
    System.err.printf(Locale.ROOT, "  %s cold-%d gate %s (%.0f s)%n", target, keep, gate,
        (System.nanoTime() - start) / 1e9);
    return gate;
  }

  /**
   * The transfer model: epochs picked by the attention score's validation NDCG@10, the blend's gate tuned on the
   * validation users with those weights ({@link SceneBlendGate}), then a refit on training + validation with the
   * picked epochs and the tuned gate. Two rows: the blend (the served model) and, from the same refit weights,
   * the attention score alone (gate (1, 0, 0, 0, 0)).
   */
  private static List<Row> transfer(SceneTransfer.Params params, int maxEpochs, int gateSteps, int gateBootstraps,
      boolean oracleGate, boolean warmSplitGate, SceneBlendGate.Tuned coldGate, int coldGateKeep, Split split,
      String target, String setting, EvalOptions options, long seed) {
    long start = System.nanoTime();
    TrainingSet tuningTrain = split.tuning().train();
    double[] bestScore = {Double.NEGATIVE_INFINITY};
    int[] bestEpoch = {1};
    WeightFile[] bestWeights = {null};
    new SceneTransfer(params.withEpochs(maxEpochs)).train(tuningTrain, FitListener.NONE, (epoch, w) -> {
      SceneTransferModel m = SceneTransferModel.fromWeights(w, tuningTrain.interactions(), target);
      double score = SceneResult.evaluate(m, split.tuning(), target, options).mean(SceneResult.ALL, "NDCG@10");
      System.err.printf(Locale.ROOT, "  %s %s epoch %d validation NDCG@10 %.4f (%.0f s)%n", target, setting, epoch,
          score, (System.nanoTime() - start) / 1e9);
      if (score > bestScore[0]) {
        bestScore[0] = score;
        bestEpoch[0] = epoch;
        bestWeights[0] = w;
      }
    });
    SceneTransfer.addBlend(bestWeights[0], tuningTrain, params);
    SceneBlendGate.Tuned gate = SceneBlendGate.tune(bestWeights[0], split.tuning(), target, seed, gateSteps);
    System.err.printf(Locale.ROOT, "  %s %s gate %s (%.0f s)%n", target, setting, gate,
        (System.nanoTime() - start) / 1e9);
    TrainingSet full = split.trainAndValidation();
    WeightFile w = new SceneTransfer(params.withEpochs(bestEpoch[0])).train(full, FitListener.NONE);
    SceneTransferModel attentionOnly = SceneTransferModel.fromWeights(w, full.interactions(), target);
    SceneBlendGate.apply(w, target, gate);
    SceneTransferModel model = SceneTransferModel.fromWeights(w, full.interactions(), target);
    double seconds = (System.nanoTime() - start) / 1e9;
    String tuned = "epochs=" + bestEpoch[0] + ", cf " + params.cfFactors() + "/" + params.cfRegularization()
        + ", ease " + params.easeRegularization();
    List<Row> rows = new ArrayList<>(List.of(new Row("scene-transfer", SceneResult.evaluate(model, split, target,
        options), tuned + ", gate " + gate, seconds),
        new Row("attention only", SceneResult.evaluate(attentionOnly, split, target, options), tuned, seconds)));
    if (gateBootstraps > 0) {
      SceneBlendGate.Tuned bagged = SceneBlendGate.tune(bestWeights[0], split.tuning(), target, seed, gateSteps,
          gateBootstraps);
      SceneBlendGate.apply(w, target, bagged);
      SceneTransferModel baggedModel = SceneTransferModel.fromWeights(w, full.interactions(), target);
      rows.add(new Row("scene-transfer, bagged gate", SceneResult.evaluate(baggedModel, split, target, options),
          "gate " + bagged, (System.nanoTime() - start) / 1e9));
    }
    if (warmSplitGate) {
      // the gate a file's other scenes and the server's retraining get: no validation users, a warm split of the
      // training data (validation users' hidden events included; never the test users')
      SceneBlendGate.WarmTuned warm = SceneBlendGate.tuneWarm(new SceneTransfer(params.withEpochs(bestEpoch[0])),
          split.trainingDataset(), EventWeights.defaults(), target, seed, FitListener.NONE);
      if (warm.gate() != null) {
        SceneBlendGate.apply(w, target, warm.gate());
        SceneTransferModel warmModel = SceneTransferModel.fromWeights(w, full.interactions(), target);
        rows.add(new Row("scene-transfer, gate tuned on a warm split", SceneResult.evaluate(warmModel, split, target,
            options), "gate " + warm.description(), (System.nanoTime() - start) / 1e9));
        // both sets of examples at once, each scored by the network trained without its users' hidden events
        SceneBlendGate.Tuned pooled = SceneBlendGate.tune(List.of(new SceneBlendGate.Source(bestWeights[0],
            split.tuning()), warm.source()), target, seed, gateSteps, gateBootstraps);
        SceneBlendGate.apply(w, target, pooled);
        SceneTransferModel pooledModel = SceneTransferModel.fromWeights(w, full.interactions(), target);
        rows.add(new Row("scene-transfer, pooled gate", SceneResult.evaluate(pooledModel, split, target, options),
            "gate " + pooled, (System.nanoTime() - start) / 1e9));
      }
      if (coldGate != null) {
        // the target gate attune train --protocol cold-<k> writes, before and after its copied buckets are filled
        // from this warm split's gate
        SceneBlendGate.apply(w, target, coldGate);
        rows.add(new Row("scene-transfer, cold-" + coldGateKeep + " gate (copied)", SceneResult.evaluate(
            SceneTransferModel.fromWeights(w, full.interactions(), target), split, target, options),
            "gate " + coldGate, (System.nanoTime() - start) / 1e9));
        SceneBlendGate.Tuned filled = SceneBlendGate.fillCopiedBuckets(coldGate, warm.gate());
        SceneBlendGate.apply(w, target, filled);
        rows.add(new Row("scene-transfer, cold-" + coldGateKeep + " gate (filled)", SceneResult.evaluate(
            SceneTransferModel.fromWeights(w, full.interactions(), target), split, target, options),
            "gate " + filled, (System.nanoTime() - start) / 1e9));
      }
    }
    if (oracleGate) {
      // an upper bound, not a model: the gate that suits the test users best, to tell whether the components hold
      // more than the validation-tuned gate finds
      SceneBlendGate.Tuned oracle = SceneBlendGate.tune(w, split.testing(), target, seed, gateSteps);
      SceneBlendGate.apply(w, target, oracle);
      SceneTransferModel best = SceneTransferModel.fromWeights(w, full.interactions(), target);
      rows.add(new Row("oracle gate (tuned on test)", SceneResult.evaluate(best, split, target, options),
          "gate " + oracle, (System.nanoTime() - start) / 1e9));
    }
    return rows;
  }
}
