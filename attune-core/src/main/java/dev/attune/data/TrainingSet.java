package dev.attune.data;

/**
 * Everything a model may learn from: the training events as a weighted matrix and as sequences, item
 * features, and the data set they came from (for ids and metadata).
 *
 * @param dataset the source data set; its events include held-out ones, so models must not read them
 * @param interactions summed weights of the training events (may hold negative entries)
 * @param sequences the training events per user in time order
 * @param itemFeatures binary item features from metadata
 * @param itemScenes scene index of each item
 * @param latestTime the latest training timestamp, the "now" for time decay
 */
public record TrainingSet(
    Dataset dataset, Interactions interactions, Sequences sequences, ItemFeatures itemFeatures,
    int[] itemScenes, long latestTime) {

  public int numUsers() {
    return interactions.numUsers();
  }

  public int numItems() {
    return interactions.numItems();
  }
}
