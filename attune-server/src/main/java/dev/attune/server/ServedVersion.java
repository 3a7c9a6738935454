package dev.attune.server;

import dev.attune.abuse.AbuseDetector;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.TrainingSet;
import dev.attune.store.Store;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Which model directory is served: the one place that swaps the served model ({@link Recommendations#swap}) and
 * marks the version active in the store's registry, for both the admin's activation and the lifecycle's
 * publication, so the two never interleave.
 */
final class ServedVersion {
  private final Recommendations recommendations;
  private final Store store;
  private volatile Path dir;

  ServedVersion(Recommendations recommendations, Store store, Path dir) {
    this.recommendations = recommendations;
    this.store = store;
    this.dir = dir == null ? null : dir.toAbsolutePath().normalize();
  }

  /**
   * Reads a model directory to serve; a two-stage pipeline's retrievers are fitted on the store's events as they
   * are now (see {@link ServingModel#read}).
   */
  ServingModel read(Path modelDir) throws IOException {
    long changesBefore = storeChanges.get();
    ServingModel next = ServingModel.read(modelDir, this::storeEvents);
    if (next.fitsOnStoreEvents()) {
      synchronized (readAt) {
        if (readAt.size() > 16) readAt.clear(); // reads never served (a rejected candidate, a failed activation)
        readAt.put(next, changesBefore);
      }
    }
    return next;
  }

  /** Deletions and quarantine changes so far: what a read fitted on the store's events may have missed. */
  private final java.util.concurrent.atomic.AtomicLong storeChanges = new java.util.concurrent.atomic.AtomicLong();
  /** {@link #storeChanges} when each read fitted on the store began, by model (identity). */
  private final java.util.Map<ServingModel, Long> readAt = new java.util.IdentityHashMap<>();
  /** Asks for the served version to be read again (set by the server: queued with the fallback's refits). */
  private volatile Runnable readAgain = () -> {};

  /**
   * Counts a deletion or a quarantine change: a version read from the store before it and served after it (an
   * activation or a publication whose read took seconds) still holds the users it removed, and is read again.
   */
  void storeChanged() {
    storeChanges.incrementAndGet();
  }

  void onStaleRead(Runnable readAgain) {
    this.readAgain = readAgain;
  }

  /** After {@code next} is served: asks for it to be read again if the store changed while it was read. */
  private void readAgainIfStale(ServingModel next) {
    Long before;
    synchronized (readAt) {
      before = readAt.remove(next);
    }
    if (before != null && before != storeChanges.get()) readAgain.run();
  }

  /**
   * The users the latest abuse review quarantined: left out of what is fitted on the store's events here (the
   * fallback, a pipeline's retrievers, a transfer model's neighbours), as they are left out of training.
   */
  private volatile java.util.Set<String> quarantined = java.util.Set.of();

  /** Sets the quarantined users; returns whether they differ from those set before. */
  boolean quarantine(java.util.Set<String> userIds) {
    java.util.Set<String> next = java.util.Set.copyOf(userIds);
    boolean changed = !next.equals(quarantined);
    quarantined = next;
    return changed;
  }

  /** The store's training data ({@link #storeEvents(Store)}) without the quarantined users. */
  TrainingSet storeEvents() {
    java.util.Set<String> left = quarantined;
    if (left.isEmpty()) return storeEvents(store);
    return DatasetBuilder.build(AbuseDetector.withoutUsers(store.toDataset("store"), left), Recommendations.WEIGHTS);
  }

  /** Everything the store holds as training data, weighted as the service weighs events. */
  static TrainingSet storeEvents(Store store) {
    return DatasetBuilder.build(store.toDataset("store"), Recommendations.WEIGHTS);
  }

  /**
   * An id {@code attune load} gives an event: {@code <data set>:<row>}, a row below 2^31 (not the server's own ids:
   * receipts {@code r:<uuid>:<n>}, content ids {@code h:} and 64 hex digits).
   */
  private static final java.util.regex.Pattern LOADED_EVENT_ID =
      java.util.regex.Pattern.compile("([^:]+):(\\d{1,10})");

  /**
   * Why the model in {@code modelDir} may have been trained on another data set than this store's, or null: its
   * {@code model.json} names data set D, the store's first event is one {@code attune load} stored from another data
   * set L ({@code L:<row>}), and none is from D. MovieLens, Beauty and LastFM all number their items 1, 2, ..., so
   * counting the item ids the catalogue shares with the model cannot tell (a QA run served a MovieLens model over a
   * LastFM store without a word). Not said for a store fed through the API (its events' ids are the clients'), nor
   * for models trained on the store itself ({@code store}) or on an export under its default name ({@code
   * export-...}, whose events keep the store's ids).
   */
  String otherDataSetWarning(Path modelDir) {
    String dataset;
    try {
      dataset = dev.attune.infer.ModelDirectory.readInfo(modelDir).get("dataset") instanceof String s ? s : null;
    } catch (IOException | RuntimeException e) {
      return null; // read already, or refused, by the caller
    }
    if (dataset == null || dataset.isBlank() || dataset.equals("store") || dataset.startsWith("export-")) return null;
    String first = store.firstEventId().orElse(null);
    java.util.regex.Matcher loaded = first == null ? null : LOADED_EVENT_ID.matcher(first);
    if (loaded == null || !loaded.matches() || loaded.group(1).equals(dataset)) return null;
    if (store.holdsEventIdsStartingWith(dataset + ":")) return null;
    return "it was trained on data set '" + dataset + "', and this store's events were loaded from '" + loaded.group(1)
        + "' ('attune load' names them '<data set>:<row>'), none from '" + dataset + "': if it was trained on another"
        + " data set, its item ids name other items here (a model trained on an export of this store, under another"
        + " name, is fine); load '" + dataset + "' into this store, or train on this store's data ('attune export',"
        + " then 'attune train')";
  }

  /** The served model directory (absolute, normalised), or null when none is served. */
  Path dir() {
    return dir;
  }

  /**
   * Reads the served directory again and serves what it reads, if version {@code version} is still the one served
   * (a job may have published another meanwhile); returns whether it did.
   */
  synchronized boolean reloadIfServing(String version) throws IOException {
    ServingModel now = recommendations.model();
    if (dir == null || now == null || !now.version().equals(version)) return false;
    ServingModel next = read(dir);
    recommendations.swap(next);
    readAgainIfStale(next);
    return true;
  }

  /**
   * Serves {@code next} (registered version {@code id} in {@code newDir}) only if the version served is still the one
   * in {@code expected} (null: none): a training job's candidate, measured against that version, must not replace
   * one the admin activated meanwhile. Returns whether it served it.
   */
  synchronized boolean serveIfStill(Path expected, String id, Path newDir, ServingModel next) {
    Path was = expected == null ? null : expected.toAbsolutePath().normalize();
    boolean same = recommendations.model() == null ? was == null : java.util.Objects.equals(dir, was);
    if (!same) return false;
    serve(id, newDir, next, true);
    return true;
  }

  /**
   * Serves {@code next} (read from {@code newDir}) from the next request on, and, when the version is in the
   * registry, marks it the active one there (so a restart restores it). The registry is written first: when that
   * fails (the store busy or gone), nothing is swapped, so what is served and what a restart serves never part (a
   * review: swapped first, an activation answered 503 while the version was served, and a restart went back).
   *
   * @throws dev.attune.store.StoreException when the registry cannot be written; nothing changed then
   */
  synchronized void serve(String id, Path newDir, ServingModel next, boolean registered) {
    if (registered) store.activateModel(id);
    recommendations.swap(next);
    dir = newDir.toAbsolutePath().normalize();
    readAgainIfStale(next);
  }
}
