package dev.attune.model.cf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BiasBaselineTest {
  /**
   * Planted ratings: item i has quality q_i in {-1, 0, +1}, user u leniency l_u in {-0.5, +0.5};
   * rating = clamp(round(3 + q_i + l_u + noise)). A model that learns both biases predicts held-out
   * ratings better than the global mean.
   */
  private static Dataset plantedRatings() {
    Dataset ds = new Dataset("ratings", Dataset.TimeKind.CLOCK);
    SplittableRandom r = new SplittableRandom(9);
    for (int u = 0; u < 200; u++) {
      double leniency = u % 2 == 0 ? -0.5 : 0.5;
      for (int k = 0; k < 30; k++) {
        int item = r.nextInt(100);
        double quality = item % 3 - 1;
        long rating = Math.max(1, Math.min(5, Math.round(3 + quality + leniency + r.nextGaussian() * 0.3)));
        ds.addEvent(new Event("u" + u, "i" + item, "rating", rating, k, "movies"));
      }
    }
    ds.events().collapseDuplicates();
    return ds;
  }

  @Test
  void learnsUserAndItemBiasesBetterThanTheGlobalMean() {
    Dataset ds = plantedRatings();
    Split split = Splits.randomRatio(ds, EventWeights.defaults(), 0.2, 1);
    BiasBaseline.Model model = new BiasBaseline(BiasBaseline.Params.DEFAULTS).fit(split.trainAndValidation(), FitListener.NONE);
    EvalResult result = new Evaluator().evaluate(model, split, EvalOptions.DEFAULTS.withComputeAuc(false), null);
    // Global-mean RMSE on the same held-out ratings, computed by hand.
    float[] train = split.trainAndValidation().sequences().values();
    double mean = 0;
    for (float v : train) mean += v;
    mean /= train.length;
    double sq = 0;
    for (float v : split.test().values()) sq += (v - mean) * (v - mean);
    double meanRmse = Math.sqrt(sq / split.test().size());
    double rmse = result.mean("RMSE");
    assertTrue(rmse < 0.7 * meanRmse, "RMSE " + rmse + " vs global mean " + meanRmse);
    // Higher-quality items are predicted higher: item quality +1 (i2) above quality -1 (i0).
    int user = ds.userIds().indexOf("u1");
    assertTrue(model.predictRating(user, ds.itemIds().indexOf("i2")) > model.predictRating(user, ds.itemIds().indexOf("i0")) + 1);
  }

  /**
   * A like (value 0, not a rating) ends every even user's history, so leave-one-out holds it out for them: RMSE and
   * MAE compare the predictions with the odd users' held-out ratings only, and without any rating held out they are
   * not reported (a like's value is on no rating scale).
   */
  @Test
  void errorMetricsCompareOnlyHeldOutRatings() {
    Dataset ds = plantedRatings();
    for (int u = 0; u < 200; u += 2) ds.addEvent(new Event("u" + u, "liked" + u, "like", 0, 100, "movies"));
    Split split = Splits.leaveOneOut(ds, EventWeights.defaults());
    BiasBaseline.Model model = new BiasBaseline(BiasBaseline.Params.DEFAULTS).fit(split.trainAndValidation(), FitListener.NONE);
    EvalResult result = new Evaluator().evaluate(model, split, EvalOptions.DEFAULTS.withComputeAuc(false), null);
    int rating = ds.typeNames().indexOf("rating");
    var test = split.test();
    double sq = 0;
    int n = 0;
    int likes = 0;
    for (int u = 0; u < test.numUsers(); u++) {
      for (int p = test.indptr()[u]; p < test.indptr()[u + 1]; p++) {
        if (test.types()[p] != rating) {
          likes++;
          continue;
        }
        double d = model.predictRating(u, test.items()[p]) - test.values()[p];
        sq += d * d;
        n++;
      }
    }
    assertEquals(100, likes);
    assertTrue(n >= 90, "held-out ratings " + n);
    assertEquals(Math.sqrt(sq / n), result.mean("RMSE"), 1e-6);

    Dataset likesOnly = plantedRatings();
    for (int u = 0; u < 200; u++) likesOnly.addEvent(new Event("u" + u, "liked" + u, "like", 0, 100, "movies"));
    Split onlyLikesHeldOut = Splits.leaveOneOut(likesOnly, EventWeights.defaults());
    BiasBaseline.Model again = new BiasBaseline(BiasBaseline.Params.DEFAULTS)
        .fit(onlyLikesHeldOut.trainAndValidation(), FitListener.NONE);
    EvalResult none = new Evaluator().evaluate(again, onlyLikesHeldOut, EvalOptions.DEFAULTS.withComputeAuc(false), null);
    assertFalse(none.has("RMSE"), none.metrics().toString());
    assertFalse(none.has("MAE"), none.metrics().toString());
  }

  @Test
  void needsRatingEvents() {
    Dataset ds = new Dataset("views", Dataset.TimeKind.CLOCK);
    ds.addEvent(new Event("u", "i", "view", 1, 0, "s"));
    var train = dev.attune.data.DatasetBuilder.build(ds, EventWeights.defaults());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new BiasBaseline(BiasBaseline.Params.DEFAULTS).fit(train, FitListener.NONE));
    assertEquals("no 'rating' events to learn ratings from", e.getMessage());
  }
}
