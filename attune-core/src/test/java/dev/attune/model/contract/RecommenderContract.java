package dev.attune.model.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Holdout;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.events.EventWeights;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.FitListener;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import dev.attune.model.Trainer;
import dev.attune.model.cf.Popularity;
import dev.attune.synth.MusicPlatformGenerator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Behaviour every recommender must show, checked on the planted synthetic music platform. Each model's
 * test extends this class and supplies a small, seeded trainer.
 */
public abstract class RecommenderContract {
  /** The planted data set, generated once per JVM. */
  protected static final MusicPlatformGenerator.Generated DATA =
      MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL);
  /** Leave-one-out split of {@link #DATA}. */
  protected static final Split SPLIT = Splits.leaveOneOut(DATA.dataset(), EventWeights.defaults());
  private static final Map<Class<?>, Recommender> FITTED = new HashMap<>();
  private static Double popularityHitRate;

  /** A small seeded trainer for the model under test. */
  protected abstract Trainer<?> newTrainer();

  /** Whether the model ranks differently for different histories (false for popularity-style models). */
  protected boolean personalises() {
    return true;
  }

  /** The model fitted on the split's training part, cached per test class. */
  protected final synchronized Recommender model() {
    return FITTED.computeIfAbsent(getClass(), c -> newTrainer().fit(SPLIT.trainAndValidation(), FitListener.NONE));
  }

  /** HR@10 of a model on the test part (full ranking, seen items excluded). */
  protected static double hitRateAt10(Recommender model) {
    Holdout test = SPLIT.test();
    int users = 0;
    int hits = 0;
    for (int u = 0; u < test.numUsers(); u++) {
      int[] targets = test.itemsOf(u);
      if (targets.length == 0) continue;
      TopK top = model.recommend(Query.forUser(u, 10));
      users++;
      if (top.rankOf(targets[0]) >= 0) hits++;
    }
    return (double) hits / users;
  }

  private static synchronized double popularityHitRate() {
    if (popularityHitRate == null) {
      popularityHitRate = hitRateAt10(new Popularity(Popularity.Params.DEFAULTS).fit(SPLIT.trainAndValidation(), FitListener.NONE));
    }
    return popularityHitRate;
  }

  @Test
  void beatsPopularityOnPlantedData() {
    if (!personalises()) return;
    double model = hitRateAt10(model());
    double popularity = popularityHitRate();
    assertTrue(model > popularity * 1.2,
        "HR@10 " + model + " should beat popularity " + popularity + " by 20% on planted tastes (seed "
            + MusicPlatformGenerator.Params.SMALL.seed() + ")");
  }

  @Test
  void excludesSeenItemsByDefault() {
    Recommender m = model();
    for (int u = 0; u < 20; u++) {
      int[] seen = SPLIT.trainAndValidation().interactions().row(u);
      TopK top = m.recommend(Query.forUser(u, 50));
      for (int i : top.items()) {
        assertTrue(Arrays.binarySearch(seen, i) < 0, "user " + u + " was recommended seen item " + i);
      }
    }
  }

  @Test
  void returnsBestFirstWithTiesByIndex() {
    TopK top = model().recommend(Query.forUser(3, 100));
    for (int r = 1; r < top.size(); r++) {
      assertTrue(top.score(r - 1) > top.score(r) || (top.score(r - 1) == top.score(r) && top.item(r - 1) < top.item(r)),
          "rank " + r + " out of order");
    }
  }

  @Test
  void respectsFilter() {
    ItemFilter evenOnly = i -> i % 2 == 0;
    TopK top = model().recommend(Query.forUser(1, 30).withFilter(evenOnly));
    assertEquals(30, top.size());
    for (int i : top.items()) assertEquals(0, i % 2);
  }

  @Test
  void batchMatchesSingle() {
    Recommender m = model();
    Query[] queries = new Query[10];
    for (int u = 0; u < queries.length; u++) queries[u] = Query.forUser(u, 10);
    TopK[] batch = m.recommend(queries);
    for (int u = 0; u < queries.length; u++) assertEquals(m.recommend(queries[u]), batch[u]);
  }

  @Test
  void sameSeedGivesSameModel() {
    Recommender again = newTrainer().fit(SPLIT.trainAndValidation(), FitListener.NONE);
    for (int u = 0; u < 10; u++) {
      assertEquals(model().recommend(Query.forUser(u, 10)), again.recommend(Query.forUser(u, 10)));
    }
  }

  @Test
  void newUserHistoryGetsTheirGenre() {
    if (!personalises()) return;
    // A brand-new user who played 8 tracks of one genre should mostly get that genre back.
    int[] genres = DATA.truth().itemGenre();
    int genre = 2;
    int[] history = java.util.stream.IntStream.range(0, genres.length).filter(i -> genres[i] == genre)
        .limit(40).filter(i -> i % 5 == 0).toArray();
    TopK top = model().recommend(Query.forHistory(history, 10));
    long inGenre = Arrays.stream(top.items()).filter(i -> genres[i] == genre).count();
    assertTrue(inGenre >= 6, "only " + inGenre + "/10 recommendations in the history's genre: " + top);
    for (int i : history) assertTrue(top.rankOf(i) < 0, "history item returned");
  }

  @Test
  void rejectsBadArguments() {
    Recommender m = model();
    assertThrows(IllegalArgumentException.class, () -> m.recommend(Query.forUser(m.numUsers(), 10)));
    assertThrows(IllegalArgumentException.class, () -> m.recommend(Query.forHistory(new int[] {m.numItems()}, 10)));
    assertThrows(IllegalArgumentException.class, () -> m.similarItems(-1, 10, ItemFilter.ALL));
    assertThrows(IllegalArgumentException.class, () -> Query.forUser(0, 0));
  }

  @Test
  void similarItemsLeaveOutTheItem() {
    TopK similar = model().similarItems(5, 10, ItemFilter.ALL);
    assertFalse(similar.size() == 0);
    assertTrue(similar.rankOf(5) < 0);
  }

  @Test
  void explanationsCoverTheScore() {
    if (!(model() instanceof Explainable explainable)) return;
    Query q = Query.forUser(7, 5);
    TopK top = model().recommend(q);
    Explanation e = explainable.explain(q, top.item(0));
    assertNotNull(e.summary());
    assertEquals(top.item(0), e.itemIndex());
    assertFalse(e.contributions().isEmpty(), "a recommended item has some evidence");
    double sum = e.contributions().stream().mapToDouble(Explanation.Contribution::weight).sum();
    if (e.contributions().get(0).kind() != Explanation.Kind.POPULARITY) {
      assertEquals(e.score(), sum, 1e-3 * Math.max(1, Math.abs(e.score())), "contributions add up to the score");
    }
    for (int r = 1; r < e.contributions().size(); r++) {
      assertTrue(Math.abs(e.contributions().get(r - 1).weight()) >= Math.abs(e.contributions().get(r).weight()));
    }
  }

  @Test
  void ownHistoryAsQueryGivesSimilarAnswer() {
    // Passing a user's own positive history instead of their training row must give a similar answer
    // (identical for neighbourhood models up to skipped items, close for folded-in factor models).
    int[] history = SPLIT.trainAndValidation().sequences().positiveItemsOf(4);
    TopK viaHistory = model().recommend(new Query(4, history, 20, ItemFilter.ALL, true));
    TopK viaRow = model().recommend(Query.forUser(4, 20));
    long overlap = Arrays.stream(viaHistory.items()).filter(i -> viaRow.rankOf(i) >= 0).count();
    assertTrue(overlap >= 5, "overlap " + overlap + "/20");
  }
}
