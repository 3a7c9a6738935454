package dev.attune.bench;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.Importer;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.SceneResult;
import dev.attune.events.EventWeights;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.model.cf.ClassicModels;
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
 * <p>Models: {@link SceneTransfer} (served by {@link SceneTransferModel}); iALS and ItemKNN trained on the target
 * scene only ({@code target-only}) and on both scenes merged without scene information ({@code merged}), and
 * popularity in the target scene. Test users: a seeded share of the users with ratings in both scenes and at
 * least 4 in the target ({@link Splits#coldInScene}); the same users in every setting of a direction. Every
 * rating (1-5) is a positive (implicit feedback).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar
 * dev.attune.bench.SceneTransferQuality <seed> [userShare=0.2] [key=value scene-transfer overrides]} with
 * DJL_CACHE_DIR set to a writable folder. Prints one Markdown table row per (direction, setting, model).
 */
public final class SceneTransferQuality {
  private SceneTransferQuality() {}

  /** Keeps in training per cold setting; -1 marks the warm setting. */
  private static final int[] SETTINGS = {0, 1, 3, -1};
  private static final double WARM_TEST_FRACTION = 0.2;

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    double share = 0.2;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int k = 1; k < args.length; k++) {
      String[] kv = args[k].split("=", 2);
      if (kv[0].equals("userShare")) share = Double.parseDouble(kv[1]);
      else overrides.put(kv[0], kv[1]);
    }
    Importer importer = Importer.forFormat("douban");
    Dataset ds = importer.newDataset("douban-book-music");
    importer.importInto(ds, SharedData.root().resolve("douban-book-music"), ImportOptions.DEFAULTS);
    System.out.println("# " + ds + ", seed " + seed + ", test user share " + share);
    EventWeights weights = EventWeights.defaults();
    SceneTransfer.Params params = SceneTransfer.Params.DEFAULTS.with(overrides).withSeed(seed);
    System.out.println("# " + params);
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10).withThreads(1).withComputeAuc(false).withSeed(seed);
    System.out.println("| target | setting | users | model | NDCG@10 | HR@10 | train s |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (String target : new String[] {"music", "book"}) {
      for (int keep : SETTINGS) {
        Split split = keep >= 0 ? Splits.coldInScene(ds, weights, target, keep, share, seed)
            : Splits.warmInScene(ds, weights, target, WARM_TEST_FRACTION, share, seed);
        String setting = keep >= 0 ? "cold, keeps " + keep : "warm, keeps 80%";
        TrainingSet merged = split.trainAndValidation();
        TrainingSet targetOnly = DatasetBuilder.buildScene(ds, split.roles(), weights, target, Split.TRAIN,
            Split.VALIDATION);
        List<Object[]> rows = new ArrayList<>();
        rows.add(run("pop target-only", () -> ClassicModels.create("pop", Map.of(), seed, 1).fit(targetOnly,
            FitListener.NONE), split, target, options));
        for (String name : new String[] {"als", "itemknn"}) {
          rows.add(run(name + " target-only", () -> ClassicModels.create(name, Map.of(), seed, 1).fit(targetOnly,
              FitListener.NONE), split, target, options));
          rows.add(run(name + " merged", () -> ClassicModels.create(name, Map.of(), seed, 1).fit(merged,
              FitListener.NONE), split, target, options));
        }
        rows.add(run("scene-transfer", () -> {
          long begin = System.nanoTime();
          WeightFile w = new SceneTransfer(params).train(merged, new FitListener() {
            @Override
            public void epochEnd(int epoch, double loss) {
              System.err.printf(Locale.ROOT, "  %s %s epoch %d loss %.4f (%.0f s)%n", target, setting, epoch, loss,
                  (System.nanoTime() - begin) / 1e9);
            }
          });
          return SceneTransferModel.fromWeights(w, merged.interactions(), target);
        }, split, target, options));
        for (Object[] r : rows) {
          SceneResult result = (SceneResult) r[1];
          System.out.printf(Locale.ROOT, "| %s | %s | %d | %s | %.4f | %.4f | %.1f |%n", target, setting,
              result.users(SceneResult.ALL), r[0], result.mean(SceneResult.ALL, "NDCG@10"),
              result.mean(SceneResult.ALL, "HR@10"), (double) r[2]);
        }
        System.out.flush();
      }
    }
  }

  private static Object[] run(String label, java.util.function.Supplier<Recommender> fit, Split split, String target,
      EvalOptions options) {
    long start = System.nanoTime();
    Recommender model = fit.get();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Object[] {label, SceneResult.evaluate(model, split, target, options), seconds};
  }
}
