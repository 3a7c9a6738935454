package dev.attune.model.cf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;
import org.junit.jupiter.api.Test;

class ItemKnnTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new ItemKnn(ItemKnn.Params.DEFAULTS);
  }

  /**
   * A purchase of 3e38 units weighed 1.2e39 (infinity in float), and the cosines over its items became NaN: the
   * fallback then recommended nothing from them. Its weight is cut to {@link EventWeights#MAX_WEIGHT}.
   */
  @Test
  void anEventWithAHugeValueLeavesTheSimilaritiesFinite() {
    Dataset ds = new Dataset("huge", Dataset.TimeKind.CLOCK);
    for (int u = 0; u < 20; u++) {
      for (String item : u % 2 == 0 ? new String[] {"g1", "g2", "g3"} : new String[] {"g1", "g3", "g4"}) {
        ds.addEvent(new Event("u" + u, item, "view", 1f, u, "s"));
      }
    }
    for (String item : new String[] {"g1", "g2", "g3", "g4"}) {
      ds.addEvent(new Event("mallory", item, "purchase", 3e38f, 30, "s"));
    }
    Recommender model = newTrainer().fit(DatasetBuilder.build(ds, EventWeights.defaults()), FitListener.NONE);
    TopK top = model.recommend(Query.forHistory(new int[] {ds.itemIds().indexOf("g1")}, 3));
    assertEquals(ds.itemIds().indexOf("g3"), top.item(0), "g3 goes with g1 for every user");
    for (int r = 0; r < top.size(); r++) assertTrue(Float.isFinite(top.scores()[r]), "item " + top.item(r));
  }
}
