package dev.attune.server;

import dev.attune.data.IdIndex;
import dev.attune.data.Interactions;
import dev.attune.infer.BatchedScoring;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SequentialModel;
import dev.attune.infer.SequentialModels;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A trained sequential model as the service uses it: the pure-Java network and the external ids of its items.
 * The network scores any history of known items; users are never looked up in it (histories come from {@link
 * RecentHistory}), so it is built over an empty user matrix.
 *
 * @param model the network (thread-safe)
 * @param scoring top-k over {@code model} for concurrent requests, which share passes over the item matrix
 * @param items external id of each model item index
 * @param kind model name, reported as the source of its recommendations ({@code sasrec}, {@code gru-attn})
 * @param version the model directory's name, reported in responses and {@code /metrics}
 */
record ServingModel(SequentialModel model, BatchedScoring scoring, IdIndex items, String kind, String version) {
  /** Requests scored in one pass over the item matrix, at most: the widest scoring kernel takes eight users. */
  static final int MAX_BATCH = 8;

  /**
   * Reads a model directory written by {@code attune train}.
   *
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if it is not a sequential model directory
   */
  static ServingModel read(Path dir) throws IOException {
    ModelDirectory d = ModelDirectory.read(dir);
    IdIndex items = IdIndex.of(d.itemIds());
    Interactions none = new Interactions(0, items.size(), new int[] {0}, new int[0], new float[0], new long[0]);
    SequentialModel model = SequentialModels.fromWeights(d.weights(), none);
    return new ServingModel(model, new BatchedScoring(model, MAX_BATCH), items, d.kind(),
        dir.getFileName().toString());
  }
}
