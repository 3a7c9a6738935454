package dev.attune.server;

import dev.attune.data.Dataset;
import dev.attune.data.Sequences;
import dev.attune.data.Split;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.eval.Evaluator;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures a served model directory on a split's test part with the evaluation core ({@link Evaluator}: full
 * ranking, seen items excluded, k = 10 and 20). The directory's item ids are mapped to the data set's, so a model
 * trained on an older catalogue is measured on the same holdout as a fresh one: each test user's history (the
 * positive events before the cut) is given as a history query, items the model does not know are left out of the
 * history and can never be recommended by it (they count as misses).
 */
final class ModelEvaluation {
  private ModelEvaluation() {}

  /** The labels kept: NDCG@10, HR@10, Recall@20, Coverage@10 when measured. */
  private static final String[] LABELS = {"NDCG@10", "HR@10", "Recall@20", "Coverage@10"};

  static Map<String, Double> evaluate(Path modelDir, Dataset dataset, Split split) throws IOException {
    // a pipeline's retrievers are fitted on the same training part a fresh candidate was trained on
    ServingModel served = ServingModel.read(modelDir, split::trainAndValidation);
    Recommender model = new Remapped(served, dataset, split.trainAndValidation().sequences());
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, 20).withSeed(42L).withComputeAuc(false);
    EvalResult r = new Evaluator().evaluate(model, split, options, Evaluator.Progress.NONE);
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (String label : LABELS) {
      try {
        double v = r.mean(label);
        if (Double.isFinite(v)) metrics.put(label, v);
      } catch (IllegalArgumentException notMeasured) {
        // not among the options' metrics
      }
    }
    return metrics;
  }

  /** A served model over the data set's item indices. Thread-safe (the model is). */
  private static final class Remapped implements Recommender {
    private final ServingModel served;
    private final Sequences sequences;
    private final int numUsers;
    private final int numItems;
    /** Model item index of each data set item, or -1. */
    private final int[] toModel;
    /** Data set item index of each model item, or -1. */
    private final int[] toData;

    Remapped(ServingModel served, Dataset dataset, Sequences sequences) {
      this.served = served;
      this.sequences = sequences;
      this.numUsers = dataset.numUsers();
      this.numItems = dataset.numItems();
      this.toModel = new int[numItems];
      this.toData = new int[served.items().size()];
      java.util.Arrays.fill(toData, -1);
      for (int i = 0; i < numItems; i++) {
        int m = served.items().indexOf(dataset.itemIds().id(i));
        toModel[i] = m;
        if (m >= 0) toData[m] = i;
      }
    }

    @Override
    public String name() {
      return served.version();
    }

    @Override
    public int numUsers() {
      return numUsers;
    }

    @Override
    public int numItems() {
      return numItems;
    }

    @Override
    public TopK recommend(Query query) {
      int[] history = query.history() != null ? query.history() : sequences.positiveItemsOf(query.userIndex());
      int[] mapped = new int[history.length];
      int n = 0;
      for (int item : history) if (toModel[item] >= 0) mapped[n++] = toModel[item];
      if (n == 0) return TopK.empty();
      ItemFilter filter = query.filter();
      ItemFilter inData = m -> toData[m] >= 0 && filter.accepts(toData[m]);
      TopK top = served.recommender().recommend(new Query(-1, java.util.Arrays.copyOf(mapped, n), query.k(), inData,
          query.excludeSeen()));
      int[] items = new int[top.size()];
      for (int r = 0; r < items.length; r++) items[r] = toData[top.item(r)];
      return new TopK(items, top.scores().clone());
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      throw new UnsupportedOperationException("evaluation only ranks for users");
    }
  }
}
