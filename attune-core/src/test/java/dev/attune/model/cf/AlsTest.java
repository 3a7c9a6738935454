package dev.attune.model.cf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;
import org.junit.jupiter.api.Test;

class AlsTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new Als(new Als.Params(32, 1f, 1f, 8, 3, 2, 42L));
  }

  /**
   * A user with no positive event (here only a skip) has nothing to personalise from: every item scores 0. Left
   * with part of its random start, the row ranked items by their factors' size, a popularity of sorts, which made
   * iALS look like it knew cold users (it was picked over popularity as a baseline on that).
   */
  @Test
  void aUserWithoutPositiveEventsGetsNoPersonalScores() {
    Dataset ds = twentyListeners("cold");
    ds.addEvent(new Event("cold", "i3", "skip", 1f, 0, "s"));
    FactorModel model = fitSmall(ds);
    TopK top = model.recommend(Query.forUser(ds.userIds().indexOf("cold"), 5));
    assertTrue(top.size() > 0);
    for (int r = 0; r < top.size(); r++) assertEquals(0f, top.scores()[r], 0f, "item " + top.item(r));
  }

  /**
   * A history's repeats fold in as training weighs them: an item played d times has confidence 1 + α·d, as its summed
   * weight gives it in training, where each repeat counted as an item of its own (a review); checked against the
   * normal equations solved directly, and the explanation's terms, one per distinct item, sum to the score.
   */
  @Test
  void repeatsFoldInWithTheConfidenceTrainingGivesThem() {
    Dataset ds = new Dataset("repeats", Dataset.TimeKind.CLOCK);
    for (int u = 0; u < 30; u++) {
      for (int k = 0; k < 6; k++) ds.addEvent(new Event("u" + u, "i" + ((u * 7 + k * k) % 15), "play", 1f, k, "s"));
    }
    float alpha = 2f;
    float lambda = 0.5f;
    FactorModel model = new Als(new Als.Params(6, lambda, alpha, 4, 3, 1, 7L))
        .fit(DatasetBuilder.build(ds, EventWeights.defaults()), FitListener.NONE);
    int[] history = {5, 5, 5, 5, 1, 9, 1};
    int f = model.factors();
    double[][] a = new double[f][f + 1];
    for (int i = 0; i < model.numItems(); i++) {
      float[] y = model.itemVector(i);
      for (int r = 0; r < f; r++) for (int c = 0; c < f; c++) a[r][c] += (double) y[r] * y[c];
    }
    for (int r = 0; r < f; r++) a[r][r] += lambda;
    int[][] counts = {{5, 4}, {1, 2}, {9, 1}};
    for (int[] jd : counts) {
      float[] y = model.itemVector(jd[0]);
      for (int r = 0; r < f; r++) {
        for (int c = 0; c < f; c++) a[r][c] += alpha * jd[1] * (double) y[r] * y[c];
        a[r][f] += (1 + alpha * jd[1]) * (double) y[r];
      }
    }
    for (int p = 0; p < f; p++) { // Gauss-Jordan on the augmented matrix (symmetric positive definite: no pivoting)
      for (int r = 0; r < f; r++) {
        if (r == p) continue;
        double m = a[r][p] / a[p][p];
        for (int c = p; c <= f; c++) a[r][c] -= m * a[p][c];
      }
    }
    float[] x = model.foldIn(history);
    for (int r = 0; r < f; r++) assertEquals(a[r][f] / a[r][r], x[r], 1e-4, "factor " + r);
    var explained = model.explain(new Query(-1, history, 5, null, true), 3);
    assertEquals(3, explained.contributions().size(), "one term per distinct item");
    double score = 0;
    float[] y3 = model.itemVector(3);
    for (int r = 0; r < f; r++) score += (double) x[r] * y3[r];
    assertEquals(score, explained.score(), 1e-4);
  }

  /** An item without factors (only skipped) is similar to nothing, rather than ranked at 0 above negative cosines. */
  @Test
  void anItemWithoutFactorsIsSimilarToNothing() {
    Dataset ds = twentyListeners("lonely");
    ds.addEvent(new Event("u0", "lonely", "skip", 1f, 9, "s"));
    FactorModel model = fitSmall(ds);
    int lonely = ds.itemIds().indexOf("lonely");
    for (int i = 0; i < model.numItems(); i++) {
      if (i == lonely) continue;
      TopK similar = model.similarItems(i, model.numItems(), dev.attune.model.ItemFilter.ALL);
      assertEquals(-1, similar.rankOf(lonely), "item " + i);
    }
    assertEquals(0, model.similarItems(lonely, 5, dev.attune.model.ItemFilter.ALL).size());
  }

  /** 20 users playing 5 of 12 items each, in a fixed pattern. */
  private static Dataset twentyListeners(String name) {
    Dataset ds = new Dataset(name, Dataset.TimeKind.CLOCK);
    for (int u = 0; u < 20; u++) {
      for (int k = 0; k < 5; k++) ds.addEvent(new Event("u" + u, "i" + ((u + k * k) % 12), "play", 1f, k, "s"));
    }
    return ds;
  }

  private static FactorModel fitSmall(Dataset ds) {
    return new Als(new Als.Params(8, 1f, 1f, 4, 3, 1, 7L)).fit(DatasetBuilder.build(ds, EventWeights.defaults()),
        FitListener.NONE);
  }
}
