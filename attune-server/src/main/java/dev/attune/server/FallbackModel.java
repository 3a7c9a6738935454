package dev.attune.server;

import dev.attune.data.IdIndex;
import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.model.cf.ClassicModels;
import java.util.Map;

/**
 * The middle of the fallback chain: a classic model (ItemKNN by default, or iALS) fitted on everything in the
 * store when the server starts, used for histories the attention model cannot read (no model, or none of the
 * history's items in it). Pure Java, no DJL.
 *
 * @param model the fitted model (thread-safe)
 * @param items external id of each model item index
 * @param kind the model name, reported as the source ({@code itemknn}, {@code als})
 * @param liked per model item index: whether some user liked it (a positive entry of the matrix it was fitted on)
 */
record FallbackModel(Recommender model, IdIndex items, String kind, boolean[] liked) {

  /**
   * Whether the model learnt something of {@code itemId}: some user liked it. Its index holds every item of the
   * catalogue at start, so an item added before a restart and used by nobody is in it with no evidence: taken as
   * known, such items were no content candidates, and a history the fallback read left every new item of the
   * catalogue out (attune-bench ContentColdStart: content took none of the places on MovieLens).
   */
  boolean learnt(String itemId) {
    int i = items.indexOf(itemId);
    return i >= 0 && liked[i];
  }

  /**
   * Fits {@code kind} on the store's users, items and events ({@link ServedVersion#storeEvents}).
   *
   * @return null when the store holds no events
   * @throws IllegalArgumentException for a model name {@link ClassicModels} does not know
   */
  static FallbackModel fit(TrainingSet train, String kind, long seed) {
    if (train.dataset().events().size() == 0) return null;
    Recommender model = ClassicModels.create(kind, Map.of(), seed, 0).fit(train, FitListener.NONE);
    boolean[] liked = new boolean[train.numItems()];
    Interactions matrix = train.interactions();
    for (int e = 0; e < matrix.nnz(); e++) if (matrix.values()[e] > 0) liked[matrix.indices()[e]] = true;
    return new FallbackModel(model, train.dataset().itemIds(), kind, liked);
  }
}
