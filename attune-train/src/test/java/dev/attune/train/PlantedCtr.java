package dev.attune.train;

import dev.attune.data.CtrDataset;
import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A CTR task whose labels depend on the relevance of the candidate to one past event (#4): items fall into
 * {@code groups} groups (their one category); each user first consumes {@code seeds} items of distinct random
 * groups (all at time 0, so they have no history themselves), then sees {@code impressions} candidates one per
 * time step. A candidate is, with probability ½, an item of one of the user's seed groups and then positive, else
 * an item of a group the user never consumed and then negative; each label is flipped with probability
 * {@code noise}. The cause of a positive is therefore the history item(s) of the candidate's group; the user
 * profile (one field, "a" or "b", independent of everything) and item popularity carry no signal.
 */
final class PlantedCtr {
  private PlantedCtr() {}

  static CtrDataset generate(int users, int groups, int itemsPerGroup, int seeds, int impressions, double noise,
      long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Dataset d = new Dataset("planted-ctr", Dataset.TimeKind.CLOCK);
    for (int i = 0; i < groups * itemsPerGroup; i++) {
      d.putItem(new Item("i" + i, "shop", null, null, null, List.of("g" + (i / itemsPerGroup)), List.of(), Float.NaN,
          Item.UNKNOWN_TIME, null, Map.of()));
    }
    for (int u = 0; u < users; u++) {
      String user = "u" + u;
      d.putUser(new User(user, Map.of("kind", r.nextBoolean() ? "a" : "b")));
      int[] order = new int[groups];
      for (int g = 0; g < groups; g++) order[g] = g;
      for (int j = groups - 1; j > 0; j--) {
        int k = r.nextInt(j + 1);
        int t = order[j];
        order[j] = order[k];
        order[k] = t;
      }
      for (int s = 0; s < seeds; s++) {
        d.addEvent(new Event(user, item(order[s], r, itemsPerGroup), "rating", 5, 0, "shop"));
      }
      for (int t = 1; t <= impressions; t++) {
        boolean match = r.nextBoolean();
        int group = match ? order[r.nextInt(seeds)] : order[seeds + r.nextInt(groups - seeds)];
        boolean label = match ^ (r.nextDouble() < noise);
        d.addEvent(new Event(user, item(group, r, itemsPerGroup), "rating", label ? 5 : 1, t, "shop"));
      }
    }
    return CtrDataset.build(d, new CtrDataset.Params(4f, 0.2, 0.1, List.of("kind"), Map.of()));
  }

  private static String item(int group, SplittableRandom r, int itemsPerGroup) {
    return "i" + (group * itemsPerGroup + r.nextInt(itemsPerGroup));
  }

  /** Whether the candidate's group (category) equals the history item's. */
  static boolean sameGroup(CtrDataset data, int item, int historyItem) {
    return data.itemCategories(item)[0] == data.itemCategories(historyItem)[0];
  }
}
