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
    Dataset ds = new Dataset("cold", Dataset.TimeKind.CLOCK);
    for (int u = 0; u < 20; u++) {
      for (int k = 0; k < 5; k++) ds.addEvent(new Event("u" + u, "i" + ((u + k * k) % 12), "play", 1f, k, "s"));
    }
    ds.addEvent(new Event("cold", "i3", "skip", 1f, 0, "s"));
    FactorModel model = new Als(new Als.Params(8, 1f, 1f, 4, 3, 1, 7L))
        .fit(DatasetBuilder.build(ds, EventWeights.defaults()), FitListener.NONE);
    TopK top = model.recommend(Query.forUser(ds.userIds().indexOf("cold"), 5));
    assertTrue(top.size() > 0);
    for (int r = 0; r < top.size(); r++) assertEquals(0f, top.scores()[r], 0f, "item " + top.item(r));
  }
}
