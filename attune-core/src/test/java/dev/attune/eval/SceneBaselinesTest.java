package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.EventWeights;
import dev.attune.synth.TwoSceneGenerator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * #5 baselines: on the planted two-scene set, users with no music in training can only get music from what
 * they read through a model that saw both scenes, so every merged neighbour model beats the best target-only one;
 * the best target-only one is the validation users' pick.
 */
class SceneBaselinesTest {
  @Test
  void mergedModelsTransferWhereTargetOnlyOnesCannot() {
    Dataset data = TwoSceneGenerator.generate(
        new TwoSceneGenerator.Params(300, 8, 10, 8, 6, 0.2, "books", "music", 5L)).dataset();
    Split split = Splits.coldInScene(data, EventWeights.defaults(), "music", 0, 0.2, 0.2, 3L);
    EvalOptions options = EvalOptions.DEFAULTS.withThreads(1).withComputeAuc(false).withKs(10);
    List<String> lines = new ArrayList<>();
    List<SceneBaselines.Baseline> all = SceneBaselines.run(data, split, "music", EventWeights.defaults(),
        SceneBaselines.Scope.ALL, options, 1L, 1, lines::add);

    assertEquals(List.of("pop target-only", "als target-only", "itemknn target-only", "userknn target-only",
        "ease target-only", "als merged", "itemknn merged", "userknn merged", "ease merged"),
        all.stream().map(SceneBaselines.Baseline::label).toList());
    assertEquals(all.size(), lines.size(), "one progress line per baseline");
    SceneBaselines.Baseline best = SceneBaselines.bestTargetOnly(all);
    for (SceneBaselines.Baseline b : all) {
      if (!b.merged()) assertTrue(b.validationNdcg10() <= best.validationNdcg10(), b + " vs " + best);
    }
    SceneBaselines.Baseline userknnMerged = all.get(7);
    assertTrue(userknnMerged.testNdcg10() > 1.5 * best.testNdcg10(),
        "books predict music only through both scenes: " + userknnMerged + " vs " + best);
    assertTrue(List.of("20", "50", "100", "200").contains(userknnMerged.params().get("neighbours")),
        "a point of the grid: " + userknnMerged.params());
    // with no music event, a target-only model scores every music item alike for a test user: its grid ties, and the
    // "pick" (the first point) is said to be none; a merged one tells its points apart
    SceneBaselines.Baseline easeTargetOnly = all.stream().filter(b -> b.label().equals("ease target-only")).findFirst()
        .orElseThrow();
    assertTrue(easeTargetOnly.tied() && easeTargetOnly.toString().contains("every setting scored the same"),
        easeTargetOnly.toString());
    assertTrue(!userknnMerged.tied(), userknnMerged.toString());
  }

  /** QA: with no validation user, a baseline's validation NDCG@10 was -Infinity and its grid's first point a "pick". */
  @Test
  void withoutValidationUsersNothingIsPickedAndNothingIsBest() {
    Dataset data = TwoSceneGenerator.generate(
        new TwoSceneGenerator.Params(120, 8, 10, 8, 6, 0.2, "books", "music", 5L)).dataset();
    Split split = Splits.coldInScene(data, EventWeights.defaults(), "music", 0, 0.2, 0.0, 3L);
    List<SceneBaselines.Baseline> all = SceneBaselines.run(data, split, "music", EventWeights.defaults(),
        SceneBaselines.Scope.TARGET_ONLY, EvalOptions.DEFAULTS.withThreads(1).withComputeAuc(false).withKs(10), 1L, 1,
        line -> { });
    for (SceneBaselines.Baseline b : all) {
      assertTrue(Double.isNaN(b.validationNdcg10()) && b.tied(), b.toString());
      assertTrue(b.toString().contains("n/a (no validation user)"), b.toString());
    }
    assertEquals(null, SceneBaselines.bestTargetOnly(all));
  }
}
