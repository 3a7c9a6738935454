package dev.attune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.SceneResult;
import dev.attune.events.EventWeights;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import dev.attune.model.cf.ClassicModels;
import dev.attune.synth.TwoSceneGenerator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * #5 on the planted two-scene set ({@link TwoSceneGenerator}: music taste = books taste shifted by one genre).
 * Users cold in music (no music event in training) get music recommendations from their books alone: the
 * transfer model must recover the planted function, which a model trained on music alone and popularity cannot.
 */
class SceneTransferTest {
  private static final EventWeights WEIGHTS = EventWeights.defaults();
  private static final TwoSceneGenerator.Generated DATA = TwoSceneGenerator.generate(TwoSceneGenerator.Params.SMALL);
  private static final SceneTransfer.Params PARAMS = new SceneTransfer.Params(16, 8, 32, 0f, 5e-3f, 64, 20, 7L, 1);
  private static final EvalOptions OPTIONS = EvalOptions.DEFAULTS.withKs(10).withThreads(1).withComputeAuc(false);

  @Test
  void transferRecoversThePlantedTasteForColdUsersAndSingleSceneBaselinesDoNot() {
    Dataset ds = DATA.dataset();
    for (String target : new String[] {"music", "books"}) { // any scene can be the target
      Split split = Splits.coldInScene(ds, WEIGHTS, target, 0, 0.3, 3L);
      TrainingSet train = split.trainAndValidation();
      WeightFile w = new SceneTransfer(PARAMS).train(train, FitListener.NONE);
      Recommender transfer = SceneTransferModel.fromWeights(w, train.interactions(), target);
      TrainingSet targetOnly = DatasetBuilder.buildScene(ds, split.roles(), WEIGHTS, target, Split.TRAIN);
      Recommender als = ClassicModels.create("als", Map.of(), 3L, 1).fit(targetOnly, FitListener.NONE);
      Recommender pop = ClassicModels.create("pop", Map.of(), 3L, 1).fit(targetOnly, FitListener.NONE);
      double t = ndcg(transfer, split, target);
      double a = ndcg(als, split, target);
      double p = ndcg(pop, split, target);
      Recommender merged = ClassicModels.create("als", Map.of(), 3L, 1).fit(train, FitListener.NONE);
      double m = ndcg(merged, split, target);
      System.out.printf("#5 cold in %s: transfer %.4f, target-only ALS %.4f, popularity %.4f, merged ALS %.4f%n",
          target, t, a, p, m);
      // ALS on both scenes merged can transfer through co-occurrence; the transfer model should still be ahead.
      assertTrue(t > 1.3 * m, "transfer " + t + " vs merged ALS " + m);
      assertTrue(t > 2 * a && t > 2 * p, "transfer " + t + " vs target-only ALS " + a + " and popularity " + p);
      assertTrue(t > 0.15, "transfer recovers the planted taste: " + t);
    }
  }

  @Test
  void attentionPointsAtThePlantedSourceBehaviour() {
    Dataset ds = DATA.dataset();
    Split split = Splits.coldInScene(ds, WEIGHTS, "music", 0, 0.3, 3L);
    TrainingSet train = split.trainAndValidation();
    SceneTransferModel model = SceneTransferModel.fromWeights(
        new SceneTransfer(PARAMS).train(train, FitListener.NONE), train.interactions(), "music");
    int[] genre = DATA.truth().itemGenre();
    int genres = TwoSceneGenerator.Params.SMALL.genres();
    double attentionOnPlanted = 0;
    double shareOfPlanted = 0;
    int cases = 0;
    for (int u = 0; u < ds.numUsers(); u++) {
      if (split.test().itemsOf(u).length == 0) continue;
      TopK top = model.recommend(Query.forUser(u, 1));
      int item = top.item(0);
      int[] history = train.interactions().row(u); // books only: the user is cold in music
      SceneTransferModel.Attention a = model.attend(history, item);
      double sum = 0;
      double planted = 0;
      int plantedSteps = 0;
      for (int j = 0; j < history.length; j++) {
        sum += a.weights()[j];
        // the books genre whose taste the planted function maps onto the recommended music genre
        if (TwoSceneGenerator.mapped(genre[history[j]], genres) == genre[item]) {
          planted += a.weights()[j];
          plantedSteps++;
        }
      }
      assertEquals(1.0, sum, 1e-5, "attention weights sum to 1");
      attentionOnPlanted += planted;
      shareOfPlanted += plantedSteps / (double) history.length;
      cases++;
    }
    attentionOnPlanted /= cases;
    shareOfPlanted /= cases;
    System.out.printf("#5 attention on the planted books genre %.3f, its share of the history %.3f (%d users)%n",
        attentionOnPlanted, shareOfPlanted, cases);
    // Measured (seed 7, 30 epochs): 0.63 of the attention on the planted genre, which is 0.48 of the history.
    assertTrue(attentionOnPlanted > 1.2 * shareOfPlanted,
        "attention " + attentionOnPlanted + " vs share " + shareOfPlanted);
  }

  @Test
  void sameSeedGivesTheSameMetrics() {
    Dataset ds = DATA.dataset();
    Split split = Splits.coldInScene(ds, WEIGHTS, "music", 1, 0.3, 3L);
    TrainingSet train = split.trainAndValidation();
    SceneTransfer.Params quick = PARAMS.withEpochs(2);
    double[][] perUser = new double[2][];
    for (int run = 0; run < 2; run++) {
      WeightFile w = new SceneTransfer(quick).train(train, FitListener.NONE);
      SceneResult r = SceneResult.evaluate(SceneTransferModel.fromWeights(w, train.interactions(), "music"), split,
          "music", OPTIONS);
      perUser[run] = r.groups().get(SceneResult.ALL).perUser("NDCG@10");
    }
    assertArrayEquals(perUser[0], perUser[1], 0.0);
  }

  private static double ndcg(Recommender model, Split split, String scene) {
    return SceneResult.evaluate(model, split, scene, OPTIONS).mean(SceneResult.ALL, "NDCG@10");
  }
}
