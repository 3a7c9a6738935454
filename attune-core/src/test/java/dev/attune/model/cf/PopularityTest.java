package dev.attune.model.cf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.TrainingSet;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;
import org.junit.jupiter.api.Test;

class PopularityTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new Popularity(Popularity.Params.DEFAULTS);
  }

  @Override
  protected boolean personalises() {
    return false;
  }

  private static final long DAY = 86_400_000L;

  private static TrainingSet oldVersusNew() {
    // Item "old" was liked by 3 users 100 days ago, item "new" by 2 users today.
    Dataset ds = new Dataset("t", Dataset.TimeKind.CLOCK);
    for (int u = 0; u < 3; u++) ds.addEvent(new Event("u" + u, "old", "view", 1, 0, "music"));
    for (int u = 3; u < 5; u++) ds.addEvent(new Event("u" + u, "new", "view", 1, 100 * DAY, "music"));
    ds.addEvent(new Event("u9", "podcast", "view", 1, 100 * DAY, "podcast"));
    return DatasetBuilder.build(ds, EventWeights.defaults());
  }

  @Test
  void countsUsersWithoutDecay() {
    TrainingSet t = oldVersusNew();
    Popularity.Model m = new Popularity(Popularity.Params.DEFAULTS).fit(t, FitListener.NONE);
    assertEquals(3f, m.popularity(0));
    assertEquals(2f, m.popularity(1));
    assertEquals(0, m.recommend(Query.forUser(t.dataset().userIds().indexOf("u9"), 1)).item(0));
  }

  @Test
  void decayFavoursRecentItems() {
    TrainingSet t = oldVersusNew();
    // Half-life 10 days: old item weighs 3 * 2^-10 ~ 0.003, new item 2.
    Popularity.Model m = new Popularity(new Popularity.Params(10)).fit(t, FitListener.NONE);
    assertEquals(3 * Math.pow(2, -10), m.popularity(0), 1e-6);
    assertEquals(1, m.recommend(Query.forUser(t.dataset().userIds().indexOf("u9"), 1)).item(0));
  }

  @Test
  void perSceneThroughFilter() {
    TrainingSet t = oldVersusNew();
    Popularity.Model m = new Popularity(Popularity.Params.DEFAULTS).fit(t, FitListener.NONE);
    int podcastScene = t.dataset().sceneNames().indexOf("podcast");
    var top = m.recommend(Query.forUser(0, 5).withFilter(ItemFilter.inScene(t.itemScenes(), podcastScene)));
    assertEquals(1, top.size());
    assertTrue(t.dataset().itemIds().id(top.item(0)).equals("podcast"));
  }
}
