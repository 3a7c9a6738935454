package dev.attune.server;

import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.RandomSasRec;
import dev.attune.model.FitListener;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A training engine without DJL for the lifecycle tests: "trains" a seeded random SASRec over the data set's items
 * (a servable directory) and reports the NDCG@10 the test chose for each version; the served directory {@code
 * model} scores {@link #activeNdcg}. Can hold a job in training until {@link #release} is called.
 */
final class FakeTrainer implements ModelTrainer {
  /** NDCG@10 of the next candidates, in order (the last one repeats). */
  final List<Double> candidateNdcg;
  final double activeNdcg;
  final Map<String, Double> byVersion = new ConcurrentHashMap<>();
  final List<Long> seeds = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The number of test users of each call's split (0 for a refit on every event). */
  final List<Integer> testUsers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final CountDownLatch gate;
  private int trained;

  FakeTrainer(double activeNdcg, boolean hold, Double... candidateNdcg) {
    this.activeNdcg = activeNdcg;
    this.candidateNdcg = List.of(candidateNdcg);
    this.gate = new CountDownLatch(hold ? 1 : 0);
  }

  void release() {
    gate.countDown();
  }

  /** Counted down when a training reaches its first epoch's end. */
  final CountDownLatch training = new CountDownLatch(1);

  /** When above 0, a training first waits this long deaf to interrupts (a step that outlasts the server's stop). */
  volatile long deafForMillis;

  /** Thrown by the next training when set (an OutOfMemoryError, say), then cleared. */
  volatile Error trainingError;

  /**
   * Per-scene figures added to the active version's measurement and to the candidates' (as {@link ModelEvaluation}
   * reports a scene-transfer version's: {@code NDCG@10 in <scene>}, {@code holdout users in <scene>}); empty: none.
   */
  volatile Map<String, Double> activeScenes = Map.of();
  volatile Map<String, Double> candidateScenes = Map.of();

  /** Run while the active version is measured (the gate's comparison), for races with the admin; null for none. */
  volatile Runnable whileMeasuring;

  @Override
  public String kind() {
    return "sasrec";
  }

  @Override
  public void train(Dataset dataset, Split split, Path outDir, long seed, FitListener listener) throws Exception {
    seeds.add(seed);
    Error error = trainingError;
    trainingError = null;
    if (error != null) throw error;
    testUsers.add(split.test().numUsersWithItems());
    listener.epochEnd(1, 0.9);
    training.countDown();
    if (deafForMillis > 0) {
      // a long step that no interrupt ends: the server's stop gives up waiting on it
      long until = System.nanoTime() + deafForMillis * 1_000_000L;
      while (System.nanoTime() < until) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException ignored) {
          // deaf on purpose
        }
      }
    }
    if (!gate.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("the test never released the job");
    var weights = RandomSasRec.weights(new RandomSasRec.Config(dataset.numItems(), 16, 1, 2, 16, 20, 0, 0, null, null,
        100 + trained));
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", "Fake");
    info.put("history", List.of(Map.of("epoch", 1, "loss", 0.9)));
    ModelDirectory.write(outDir, weights, dataset.itemIds().ids(), info);
    byVersion.put(outDir.getFileName().toString(), candidateNdcg.get(Math.min(trained, candidateNdcg.size() - 1)));
    trained++;
    listener.epochEnd(2, 0.7);
  }

  @Override
  public Map<String, Double> evaluate(Path modelDir, Dataset dataset, Split split) throws java.io.IOException {
    // as a real engine, which reads the weights: a directory without them cannot be measured
    if (!ModelDirectory.isComplete(modelDir)) throw new java.io.IOException(modelDir + " lacks its weights");
    Runnable hook = whileMeasuring;
    if (hook != null && !byVersion.containsKey(modelDir.getFileName().toString())) hook.run(); // measuring the active
    boolean candidate = byVersion.containsKey(modelDir.getFileName().toString());
    double ndcg = byVersion.getOrDefault(modelDir.getFileName().toString(), activeNdcg);
    Map<String, Double> metrics = new LinkedHashMap<>(Map.of("NDCG@10", ndcg, "HR@10", ndcg * 2));
    metrics.putAll(candidate ? candidateScenes : activeScenes);
    return metrics;
  }
}
