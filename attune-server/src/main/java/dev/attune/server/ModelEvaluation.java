package dev.attune.server;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
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
 * history and can never be recommended by it (they count as misses). A transfer model serves each scene with its own
 * model: it is measured scene by scene, each scene's model on the held-out events on items of that scene (the item's
 * scene, which the scene's model recommends), the means are over every (user, scene) measured, and each scene's
 * NDCG@10 and holdout users are reported too ({@link #SCENE_NDCG}, {@link #SCENE_USERS}), for the model gate
 * compares the scenes one by one (a candidate worse in one scene passed on the others' figures: a QA run); the
 * version's own metrics leave them out ({@link #withoutScenes}).
 */
final class ModelEvaluation {
  private ModelEvaluation() {}

  /** The labels kept: NDCG@10, HR@10, Recall@20, Coverage@10 when measured. */
  private static final String[] LABELS = {"NDCG@10", "HR@10", "Recall@20", "Coverage@10"};
  /** A transfer model's NDCG@10 in one scene: this, then the scene ("NDCG@10 in music"). */
  static final String SCENE_NDCG = "NDCG@10 in ";
  /** The holdout users a transfer model was measured on in one scene: this, then the scene. */
  static final String SCENE_USERS = "holdout users in ";

  static Map<String, Double> evaluate(Path modelDir, Dataset dataset, Split split) throws IOException {
    // a pipeline's retrievers are fitted on the same training part a fresh candidate was trained on
    ServingModel served = ServingModel.read(modelDir, split::trainAndValidation);
    EvalOptions options = EvalOptions.DEFAULTS.withKs(10, 20).withSeed(42L).withComputeAuc(false);
    Sequences histories = split.trainAndValidation().sequences();
    if (!served.readsWholeHistory()) {
      Recommender model = new Remapped(served.recommender(), served, dataset, histories);
      return kept(java.util.List.of(new Evaluator().evaluate(model, split, options, Evaluator.Progress.NONE)));
    }
    java.util.List<EvalResult> scenes = new java.util.ArrayList<>();
    Map<String, Double> byScene = new LinkedHashMap<>();
    int[] itemScenes = dataset.itemScenes();
    for (String scene : served.sceneTargets().keySet()) {
      int sceneId = dataset.sceneNames().indexOf(scene);
      if (sceneId < 0) continue;
      // the test events on this scene's items only, as the scene's model recommends them: by the event's scene, a
      // book liked on the music scene was a music miss
      byte[] roles = split.roles().clone();
      var log = dataset.events();
      for (int r = 0; r < roles.length; r++) {
        if (roles[r] == Split.TEST && itemScenes[log.item(r)] != sceneId) roles[r] = Split.DROPPED;
      }
      var holdout = DatasetBuilder.holdout(dataset, log, roles, Split.TEST, ModelTrainer.WEIGHTS);
      if (holdout.size() == 0) continue;
      Recommender model = new Remapped(served.sceneTarget(scene), served, dataset, histories);
      EvalResult result = new Evaluator().evaluate(model, new Split.Stage(split.trainAndValidation(), holdout),
          options, Evaluator.Progress.NONE);
      scenes.add(result);
      if (result.has("NDCG@10") && Double.isFinite(result.mean("NDCG@10"))) {
        byScene.put(SCENE_NDCG + scene, result.mean("NDCG@10"));
        byScene.put(SCENE_USERS + scene, (double) result.numUsers());
      }
    }
    Map<String, Double> metrics = kept(scenes);
    metrics.putAll(byScene);
    return metrics;
  }

  /** {@code metrics} without the scenes' own figures ({@link #SCENE_NDCG}, {@link #SCENE_USERS}). */
  static Map<String, Double> withoutScenes(Map<String, Double> metrics) {
    Map<String, Double> out = new LinkedHashMap<>(metrics);
    out.keySet().removeIf(k -> k.startsWith(SCENE_NDCG) || k.startsWith(SCENE_USERS));
    return out;
  }

  /**
   * The scenes {@code metrics} measured one by one ({@link #SCENE_NDCG}), with their NDCG@10 and holdout users, in
   * the order measured; empty for a model measured as a whole.
   */
  static Map<String, double[]> byScene(Map<String, Double> metrics) {
    Map<String, double[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      if (!e.getKey().startsWith(SCENE_NDCG)) continue;
      String scene = e.getKey().substring(SCENE_NDCG.length());
      Double users = metrics.get(SCENE_USERS + scene);
      out.put(scene, new double[] {e.getValue(), users == null ? 0 : users});
    }
    return out;
  }

  /** The kept metrics, each the mean over every evaluated user of every result (one per scene, or one). */
  private static Map<String, Double> kept(java.util.List<EvalResult> results) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (String label : LABELS) {
      double sum = 0;
      long users = 0;
      for (EvalResult r : results) {
        if (!r.has(label) || !Double.isFinite(r.mean(label))) continue;
        sum += r.mean(label) * r.numUsers();
        users += r.numUsers();
      }
      if (users > 0) metrics.put(label, sum / users);
    }
    return metrics;
  }

  /** A served model (or one scene's) over the data set's item indices. Thread-safe (the model is). */
  private static final class Remapped implements Recommender {
    private final Recommender target;
    private final ServingModel served;
    private final Sequences sequences;
    private final int numUsers;
    private final int numItems;
    /** Model item index of each data set item, or -1. */
    private final int[] toModel;
    /** Data set item index of each model item, or -1. */
    private final int[] toData;
    /**
     * Model type id of each data set event type, for a sequential network trained with named event types (so the
     * candidate is measured reading types, as it is served); null otherwise.
     */
    private final int[] typeToModel;

    Remapped(Recommender target, ServingModel served, Dataset dataset, Sequences sequences) {
      this.target = target;
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
      dev.attune.infer.SequentialModel network = served.sequential();
      typeToModel = network != null && target == served.recommender() ? network.typeIds(dataset.typeNames().ids())
          : null;
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
      int[] types = query.history() == null && typeToModel != null ? sequences.positiveTypesOf(query.userIndex()) : null;
      int[] mapped = new int[history.length];
      int[] mappedTypes = types == null ? null : new int[history.length];
      int n = 0;
      for (int s = 0; s < history.length; s++) {
        if (toModel[history[s]] < 0) continue;
        if (mappedTypes != null) mappedTypes[n] = typeToModel[types[s]];
        mapped[n++] = toModel[history[s]];
      }
      if (n == 0) return TopK.empty();
      ItemFilter filter = query.filter();
      ItemFilter inData = m -> toData[m] >= 0 && filter.accepts(toData[m]);
      if (mappedTypes != null) {
        // the history with its event types, as the service scores it (a Query carries no types)
        int[] seen = query.excludeSeen() ? java.util.Arrays.stream(mapped, 0, n).sorted().distinct().toArray()
            : new int[0];
        TopK top = served.recommend(java.util.Arrays.copyOf(mapped, n), java.util.Arrays.copyOf(mappedTypes, n),
            query.k(), seen, inData, null);
        return toData(top);
      }
      TopK top = target.recommend(new Query(-1, java.util.Arrays.copyOf(mapped, n), query.k(), inData,
          query.excludeSeen()));
      return toData(top);
    }

    private TopK toData(TopK top) {
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
