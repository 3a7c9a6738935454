package dev.attune.server;

import dev.attune.data.IdIndex;
import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.infer.BatchedScoring;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.SequentialModel;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.TwoStageModel;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.Recommender;
import dev.attune.model.TopK;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A trained model as the service uses it: a recommender over histories of item indices and the external ids of
 * its items. Three kinds:
 *
 * <ul>
 *   <li>a sequential attention network ({@code sasrec}, {@code bert4rec}, {@code gru-attn}): scores any history
 *       of known items and explains by attention; users are never looked up in it (histories come from
 *       {@link RecentHistory}), so it is built over an empty user matrix;
 *   <li>the two-stage pipeline ({@code two-stage}, {@link TwoStageModel}): its retrievers are refitted, when the
 *       directory is read, on the data the caller supplies (the store's events when serving), and re-ranked by the
 *       directory's fusion ranker; it has no attention, so no explanations, and its items are that data's.
 *   <li>the multi-scene transfer model ({@code scene-transfer}, {@link SceneTransferModel}): one model per scene
 *       it was trained on, each recommending items of its scene only; a request's {@code scene} picks the target
 *       (none: the scene named at training). The blend's two neighbour scores need training users: they are the
 *       data the caller supplies (the store's events when the directory is read), mapped to the model's items, so
 *       users who arrived after training count as neighbours too; events stored later count from the next read.
 *       Each scene is served with its own tuned gate (one too small to tune, or every scene but the target in a file
 *       written before 2026-12-04, by its attention score alone).
 *       Explained per history event by the exact shares of the served score ({@link SceneTransferModel#scoreSplits}).
 * </ul>
 *
 * @param recommender answers history queries (thread-safe)
 * @param sequential the network when it is a sequential model, else null
 * @param scoring top-k over {@code sequential} for concurrent requests, which share passes over the item matrix;
 *     null for a pipeline
 * @param items external id of each model item index
 * @param kind model name, reported as the source of its recommendations ({@code sasrec}, {@code gru-attn},
 *     {@code two-stage}, {@code scene-transfer})
 * @param version the model directory's name, reported in responses and {@code /metrics}
 * @param sceneTargets for a transfer model, its model for each scene it was trained on; else null
 */
record ServingModel(Recommender recommender, SequentialModel sequential, BatchedScoring scoring, IdIndex items,
    String kind, String version, Map<String, SceneTransferModel> sceneTargets) {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServingModel.class);
  /** Requests scored in one pass over the item matrix, at most: the widest scoring kernel takes eight users. */
  static final int MAX_BATCH = 8;

  /**
   * Refuses a kind of model the service does not serve (from {@code model.json}'s {@code model}).
   *
   * @throws IllegalArgumentException naming the kind and those served
   */
  static void requireServableKind(String kind) {
    if (SequentialModels.KINDS.contains(kind) || TwoStageModel.KIND.equals(kind)
        || SceneTransferModel.MODEL_KIND.equals(kind)) {
      return;
    }
    throw new IllegalArgumentException("it holds a '" + kind + "' model, and the service serves sasrec, bert4rec,"
        + " gru-attn, two-stage and scene-transfer models (CTR rankers such as fm or din are measured by 'attune"
        + " evaluate --ctr', not served)");
  }

  /**
   * Reads a model directory written by {@code attune train}.
   *
   * @param pipelineData the events a pipeline's retrievers are fitted on, asked for only when the directory holds a
   *     pipeline
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if it holds no model the service can serve, or a pipeline and {@code
   *     pipelineData} holds no events
   */
  static ServingModel read(Path dir, Supplier<TrainingSet> pipelineData) throws IOException {
    ModelDirectory d = ModelDirectory.read(dir);
    String version = dir.getFileName().toString();
    if (TwoStageModel.isPipeline(d)) {
      TrainingSet train = pipelineData.get();
      if (train == null || train.interactions().nnz() == 0) {
        throw new IllegalArgumentException("a two-stage model needs events to fit its retrievers on; the store has none");
      }
      Recommender pipeline = TwoStageModel.assemble(d.weights(), train, 1);
      return new ServingModel(pipeline, null, null, train.dataset().itemIds(), TwoStageModel.KIND, version, null);
    }
    IdIndex items = IdIndex.of(withoutUntrained(d));
    if (SceneTransferModel.MODEL_KIND.equals(d.kind())) {
      SceneTransferModel first = SceneTransferModel.fromDirectory(d, onModelItems(pipelineData.get(), items), null);
      Map<String, SceneTransferModel> targets = new LinkedHashMap<>();
      targets.put(first.targetScene(), first);
      for (String scene : first.scenes()) targets.computeIfAbsent(scene, first::forScene);
      return new ServingModel(first, null, null, items, SceneTransferModel.MODEL_KIND, version, Map.copyOf(targets));
    }
    requireServableKind(d.kind());
    Interactions none = new Interactions(0, items.size(), new int[] {0}, new int[0], new float[0], new long[0]);
    SequentialModel model = SequentialModels.fromWeights(d.weights(), none);
    if (model.usesTypes() && !model.namesTypes()) {
      LOG.warn("model {} was trained with event types but its file does not name them (written before 2026-12-06):"
          + " it is served without them; retrain it to serve it as trained", version);
    }
    return new ServingModel(model, model, new BatchedScoring(model, MAX_BATCH), items, d.kind(), version, null);
  }

  /** Stands in for an item the version never learnt: no store id matches it (ids are never empty nor hold NUL). */
  private static final String UNTRAINED = "\u0000untrained:";

  /**
   * How many of the model's items {@code catalog} holds: those under their ids in {@link #items}, and those the model
   * never learnt, which {@link #items} names by stand-ins but which are the model's items all the same.
   */
  int itemsKnownTo(Catalog catalog) {
    int untrained = 0;
    for (int i = 0; i < items.size(); i++) {
      // counted only when the catalogue holds them (QA: an empty store was said to know the 239 untrained items)
      String id = items.id(i);
      if (id.startsWith(UNTRAINED) && catalog.get(id.substring(UNTRAINED.length())) != null) untrained++;
    }
    return catalog.countKnown(items) + untrained;
  }

  /**
   * Whether {@code itemId} is one of the model's own items that it never learnt ({@link
   * ModelDirectory#UNTRAINED_ITEMS_KEY}): not new since the model, so no content candidate (QA: such items, most of
   * them never played by anyone, took 232 of 300 places as content candidates ranked among the model's own).
   */
  boolean untrained(String itemId) {
    return items.indexOf(UNTRAINED + itemId) >= 0;
  }

  /**
   * The directory's item ids with those its {@code model.json} lists as untrained ({@link
   * ModelDirectory#UNTRAINED_ITEMS_KEY}) replaced by ids no item has: looked up, they are items the model does not
   * know (the fallback reads them in a history; new-content rules recommend them), and their rows are never ranked.
   */
  private static List<String> withoutUntrained(ModelDirectory d) {
    if (!(d.info().get(ModelDirectory.UNTRAINED_ITEMS_KEY) instanceof List<?> listed) || listed.isEmpty()) {
      return d.itemIds();
    }
    java.util.Set<Object> untrained = new java.util.HashSet<>(listed);
    List<String> ids = new java.util.ArrayList<>(d.itemIds());
    for (int i = 0; i < ids.size(); i++) if (untrained.contains(ids.get(i))) ids.set(i, UNTRAINED + ids.get(i));
    return ids;
  }

  /**
   * {@code data}'s interactions with its items renumbered to the model's ({@code items}), same users; entries of
   * items the model does not know are dropped. Null data gives a matrix without users.
   */
  static Interactions onModelItems(TrainingSet data, IdIndex items) {
    if (data == null) return Interactions.fromTriples(0, items.size(), new int[0], new int[0], new float[0]);
    Interactions m = data.interactions();
    int[] toModel = new int[data.numItems()];
    for (int i = 0; i < toModel.length; i++) toModel[i] = items.indexOf(data.dataset().itemIds().id(i));
    int[] users = new int[m.nnz()];
    int[] mapped = new int[m.nnz()];
    float[] values = new float[m.nnz()];
    int n = 0;
    for (int u = 0; u < m.numUsers(); u++) {
      for (int p = m.indptr()[u]; p < m.indptr()[u + 1]; p++) {
        int i = toModel[m.indices()[p]];
        if (i < 0) continue;
        users[n] = u;
        mapped[n] = i;
        values[n++] = m.values()[p];
      }
    }
    return Interactions.fromTriples(m.numUsers(), items.size(), Arrays.copyOf(users, n), Arrays.copyOf(mapped, n),
        Arrays.copyOf(values, n));
  }

  /**
   * The transfer model serving {@code scene} (null: the default target), or null when this is not a transfer model
   * or the scene is not one of its.
   */
  SceneTransferModel sceneTarget(String scene) {
    if (sceneTargets == null) return null;
    return scene == null ? (SceneTransferModel) recommender : sceneTargets.get(scene);
  }

  /**
   * Whether a transfer model learnt item {@code index} in another scene than {@code scene}, the item's scene now (an
   * item moved with a PUT): its model for {@code scene} does not score it, so until retraining it is an item the
   * model does not know there. False for any other model, whose items have no scene of their own.
   */
  boolean learntInAnotherScene(int index, String scene) {
    if (sceneTargets == null) return false;
    SceneTransferModel m = (SceneTransferModel) recommender;
    return !m.scenes().get(m.sceneOf(index)).equals(scene);
  }

  /**
   * The scene a request for {@code scene} is answered in: {@code scene} itself, or for a transfer model asked for
   * no scene, the scene it was trained to recommend in (its items only, whichever source answers).
   */
  String sceneOrDefault(String scene) {
    return scene != null || sceneTargets == null ? scene : ((SceneTransferModel) recommender).targetScene();
  }

  /**
   * The best {@code k} items for {@code history} among those {@code keep} accepts, leaving out {@code excluded}.
   *
   * @param excluded item indices never returned, sorted ascending
   */
  TopK recommend(int[] history, int k, int[] excluded, ItemFilter keep) {
    return recommend(history, null, k, excluded, keep, null);
  }

  /**
   * As {@link #recommend(int[], int, int[], ItemFilter)}, for a request limited to {@code scene} (null: any): a
   * transfer model recommends with its model for that scene, and nothing for a scene it was not trained on.
   *
   * @param types the event type of each history step for a sequential model that reads them ({@link #typesOf}), or
   *     null
   */
  TopK recommend(int[] history, int[] types, int k, int[] excluded, ItemFilter keep, String scene) {
    if (scoring != null) return scoring.recommend(history, types, k, excluded, keep);
    Recommender target = sceneTargets == null ? recommender : sceneTarget(scene);
    if (target == null) return TopK.empty();
    ItemFilter allowed = excluded.length == 0 ? keep : i -> Arrays.binarySearch(excluded, i) < 0 && keep.accepts(i);
    return target.recommend(new Query(-1, history, k, allowed, false));
  }

  /**
   * Items like {@code item} among those {@code keep} accepts, for a request limited to {@code scene} (null: any): a
   * transfer model answers with its model for that scene (none: its training target), and nothing for a scene it
   * was not trained on.
   */
  TopK similarItems(int item, int k, ItemFilter keep, String scene) {
    Recommender from = sceneTargets == null ? recommender : sceneTarget(scene);
    return from == null ? TopK.empty() : from.similarItems(item, k, keep);
  }

  /**
   * Whether the model reads a user's whole history (a transfer model: every past item of every scene counts), rather
   * than the newest events a sequential network's window holds ({@link RecentHistory}'s).
   */
  boolean readsWholeHistory() {
    return sceneTargets != null;
  }

  /**
   * Why this model may answer poorly over {@code catalog}: it holds items but fewer than half of the model's (a model
   * trained on another data set: only the shared ids, if any, can be recommended, and they may mean other things),
   * or null.
   */
  String unknownItemsWarning(Catalog catalog) {
    if (catalog.size() == 0) return null;
    int known = itemsKnownTo(catalog);
    if (known >= items().size() / 2) return null; // the start-up check's threshold (AttuneServer)
    return "the catalogue knows " + known + " of its " + items().size() + " items: was it trained on this store's"
        + " data? Only known items can be recommended";
  }

  /**
   * Whether the model was fitted on the store's events when it was read (a pipeline's retrievers, a transfer model's
   * neighbour users), so that it holds per-user state of those events until it is read again.
   */
  boolean fitsOnStoreEvents() {
    return sceneTargets != null || TwoStageModel.KIND.equals(kind);
  }

  /**
   * The model's type id of each event, for a sequential network trained with event types ({@code useTypes}): a type
   * it was not trained on gets none ({@link SequentialModel#NO_TYPE}). Null for every other model, and for a file
   * written before its type names were recorded, which is served without types as before.
   */
  int[] typesOf(java.util.List<dev.attune.events.Event> events) {
    if (sequential == null || !sequential.namesTypes()) return null;
    int[] out = new int[events.size()];
    for (int k = 0; k < out.length; k++) out[k] = sequential.typeIndex(events.get(k).type());
    return out;
  }

  /** Whether the model explains its recommendations by attention (a sequential network). */
  boolean explains() {
    return sequential != null;
  }

  /**
   * How a transfer model's served score of each of {@code items} for {@code history} splits over the history's
   * positions and the rest ({@link SceneTransferModel#scoreSplits}), for the model serving {@code scene} (null: the
   * default target).
   *
   * @throws IllegalStateException if this is not a transfer model for that scene
   */
  SceneTransferModel.ScoreSplit[] sceneTransferSplits(int[] history, int[] items, String scene) {
    return transferModel(scene).scoreSplits(history, items);
  }

  /** A transfer model's served scores of {@code items}, for the model serving {@code scene} (null: the default). */
  float[] sceneTransferScores(int[] history, int[] items, String scene) {
    return transferModel(scene).score(history, items);
  }

  private SceneTransferModel transferModel(String scene) {
    SceneTransferModel m = sceneTarget(scene);
    if (m == null) throw new IllegalStateException(kind + " is not a scene-transfer model for scene " + scene);
    return m;
  }

  /** The item's learned representation (for diversity), or null when the model has none. */
  float[] itemRepresentation(int item) {
    return sequential == null ? null : sequential.itemRepresentation(item);
  }

  /** [passes over the item matrix, requests scored] of the batched scoring, zeros for a pipeline. */
  long[] passesAndRequests() {
    return scoring == null ? new long[2] : scoring.passesAndRequests();
  }
}
