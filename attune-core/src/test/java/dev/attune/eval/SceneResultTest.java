package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import dev.attune.model.cf.Popularity;
import dev.attune.synth.TwoSceneGenerator;
import org.junit.jupiter.api.Test;

/** #5 per-scene evaluation: only the scene's items are ranked, and users are grouped by their items there. */
class SceneResultTest {
  @Test
  void ranksOnlyTheScenesItemsAndGroupsUsersByTheirItemsThere() {
    Dataset data = TwoSceneGenerator.generate(
        new TwoSceneGenerator.Params(150, 4, 10, 8, 6, 0.2, "books", "music", 5L)).dataset();
    Split split = Splits.coldInScene(data, EventWeights.defaults(), "music", 1, 0.4, 2L);
    Recommender pop = new Popularity(new Popularity.Params(0)).fit(split.trainAndValidation(), FitListener.NONE);
    EvalOptions options = EvalOptions.DEFAULTS.withThreads(1).withComputeAuc(false).withKs(10);
    SceneResult r = SceneResult.evaluate(pop, split, "music", options);
    int music = data.sceneNames().indexOf("music");
    TopK top = new dev.attune.model.SceneRecommender(pop, data.itemScenes(), music, "music")
        .recommend(dev.attune.model.Query.forUser(0, 10));
    for (int k = 0; k < top.size(); k++) assertEquals(music, data.itemScenes()[top.item(k)]);
    // Every tested user kept exactly one music event: all are in the 1-3 group, none in the others.
    assertEquals(r.users(SceneResult.ALL), r.users(SceneResult.FEW));
    assertEquals(r.users(SceneResult.ALL), r.users(SceneResult.COLD));
    assertEquals(0, r.users(SceneResult.WARM));
    assertTrue(r.users(SceneResult.ALL) > 20);
    assertEquals(r.mean(SceneResult.ALL, "NDCG@10"), r.mean(SceneResult.FEW, "NDCG@10"), 1e-12);
    assertTrue(Double.isNaN(r.mean(SceneResult.NONE, "NDCG@10")));
    // the scene's 40 items are the catalogue: popularity's lists (the 11 most popular music items less the one each
    // user kept) cover 10 or 11 of them, a quarter or more; over both scenes' 80 items it would be at most 11/80
    EvalResult all = r.groups().get(SceneResult.ALL);
    assertTrue(all.protocol().contains("full ranking of 40 items of scene music"), all.protocol());
    double coverage = all.mean("Coverage@10");
    assertTrue(coverage >= 10 / 40.0 - 1e-9 && coverage <= 11 / 40.0 + 1e-9, "coverage over music only: " + coverage);
  }
}
