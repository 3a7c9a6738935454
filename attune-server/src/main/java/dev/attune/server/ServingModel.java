package dev.attune.server;

import dev.attune.data.IdIndex;
import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.infer.BatchedScoring;
import dev.attune.infer.ModelDirectory;
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
import java.util.function.Supplier;

/**
 * A trained model as the service uses it: a recommender over histories of item indices and the external ids of
 * its items. Two kinds:
 *
 * <ul>
 *   <li>a sequential attention network ({@code sasrec}, {@code gru-attn}): scores any history of known items and
 *       explains by attention; users are never looked up in it (histories come from {@link RecentHistory}), so it
 *       is built over an empty user matrix;
 *   <li>the two-stage pipeline ({@code two-stage}, {@link TwoStageModel}): its retrievers are refitted, when the
 *       directory is read, on the data the caller supplies (the store's events when serving), and re-ranked by the
 *       directory's fusion ranker; it has no attention, so no explanations, and its items are that data's.
 * </ul>
 *
 * @param recommender answers history queries (thread-safe)
 * @param sequential the network when it is a sequential model, else null
 * @param scoring top-k over {@code sequential} for concurrent requests, which share passes over the item matrix;
 *     null for a pipeline
 * @param items external id of each model item index
 * @param kind model name, reported as the source of its recommendations ({@code sasrec}, {@code gru-attn},
 *     {@code two-stage})
 * @param version the model directory's name, reported in responses and {@code /metrics}
 */
record ServingModel(Recommender recommender, SequentialModel sequential, BatchedScoring scoring, IdIndex items,
    String kind, String version) {
  /** Requests scored in one pass over the item matrix, at most: the widest scoring kernel takes eight users. */
  static final int MAX_BATCH = 8;

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
      return new ServingModel(pipeline, null, null, train.dataset().itemIds(), TwoStageModel.KIND, version);
    }
    IdIndex items = IdIndex.of(d.itemIds());
    Interactions none = new Interactions(0, items.size(), new int[] {0}, new int[0], new float[0], new long[0]);
    SequentialModel model = SequentialModels.fromWeights(d.weights(), none);
    return new ServingModel(model, model, new BatchedScoring(model, MAX_BATCH), items, d.kind(), version);
  }

  /**
   * The best {@code k} items for {@code history} among those {@code keep} accepts, leaving out {@code excluded}.
   *
   * @param excluded item indices never returned, sorted ascending
   */
  TopK recommend(int[] history, int k, int[] excluded, ItemFilter keep) {
    if (scoring != null) return scoring.recommend(history, null, k, excluded, keep);
    ItemFilter allowed = excluded.length == 0 ? keep : i -> Arrays.binarySearch(excluded, i) < 0 && keep.accepts(i);
    return recommender.recommend(new Query(-1, history, k, allowed, false));
  }

  /** Whether the model explains its recommendations by attention (a sequential network). */
  boolean explains() {
    return sequential != null;
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
