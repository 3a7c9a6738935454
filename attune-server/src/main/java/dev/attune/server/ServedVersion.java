package dev.attune.server;

import dev.attune.abuse.AbuseDetector;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.TrainingSet;
import dev.attune.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which model directory is served: the one place that swaps the served model ({@link Recommendations#swap}) and
 * marks the version active in the store's registry, for both the admin's activation and the lifecycle's
 * publication, so the two never interleave.
 */
final class ServedVersion {
  private final Recommendations recommendations;
  private final Store store;
  private volatile Path dir;
  /** The directory the server was started with ({@code --model}), or null: never removed (a restart reads it). */
  private final Path configured;

  ServedVersion(Recommendations recommendations, Store store, Path dir) {
    this(recommendations, store, dir, null);
  }

  ServedVersion(Recommendations recommendations, Store store, Path dir, Path configured) {
    this.recommendations = recommendations;
    this.store = store;
    this.dir = dir == null ? null : dir.toAbsolutePath().normalize();
    this.configured = configured == null ? null : configured.toAbsolutePath().normalize();
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
   * for models trained on the store itself ({@code store}), on an export under its default name ({@code
   * export-...}, whose events keep the store's ids), or on an export whose first event this store holds ({@code
   * exportOf} in {@code model.json}, which {@code attune train} writes for an export under any name).
   */
  String otherDataSetWarning(Path modelDir) {
    String dataset;
    Object exportOf;
    try {
      Map<String, Object> info = dev.attune.infer.ModelDirectory.readInfo(modelDir);
      dataset = info.get("dataset") instanceof String s ? s : null;
      exportOf = info.get("exportOf");
    } catch (IOException | RuntimeException e) {
      return null; // read already, or refused, by the caller
    }
    if (dataset == null || dataset.isBlank() || dataset.equals("store") || dataset.startsWith("export-")) return null;
    if (exportOf instanceof String id && !id.isEmpty() && store.holdsEventIdsStartingWith(id)) return null;
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

  /** The suffix of a removed version's directory while its files are deleted: {@code .<name>.removing} beside it. */
  static final String REMOVING_SUFFIX = ".removing";

  /**
   * Runs a version's removal given its id, or refuses it by throwing ({@link Experiments#unlessServedByAnArm}); set
   * by the server.
   */
  private volatile java.util.function.BiConsumer<String, Runnable> removalGuard = (id, removal) -> removal.run();

  void guardRemovals(java.util.function.BiConsumer<String, Runnable> guard) {
    this.removalGuard = guard;
  }

  /**
   * Why version {@code id} in {@code versionDir} must stay, or null: it is served, the registry's active version (what
   * a restart serves), or the directory the server was started with, or holds one of them; compared by real path too,
   * so a {@code --model} that is a link to a version beside it keeps that version.
   */
  String whyKept(String id, Path versionDir) {
    return whyKept(id, versionDir, store.activeModel());
  }

  /** As {@link #whyKept(String, Path)}, with the registry's active version read already. */
  String whyKept(String id, Path versionDir, java.util.Optional<Store.ModelVersion> active) {
    Path p = versionDir.toAbsolutePath().normalize();
    Path real = realPath(p);
    Path servedDir = dir;
    if (recommendations.model() != null && servedDir != null && holds(p, real, servedDir)) {
      return "it is the version being served";
    }
    if (configured != null && holds(p, real, configured)) {
      return "it is the model directory the server was started with (--model); a restart reads it";
    }
    if (active.isPresent() && (active.get().id().equals(id) || holds(p, real, Path.of(active.get().path())))) {
      return "it is the registry's active version, which a restart serves";
    }
    return null;
  }

  /** Whether the version at {@code p} (real path {@code real}) is {@code other} or a folder above it. */
  private static boolean holds(Path p, Path real, Path other) {
    Path o = other.toAbsolutePath().normalize();
    return p.equals(o) || realPath(o).startsWith(real);
  }

  /** {@code p} with its links followed, or as it is when it does not exist. */
  private static Path realPath(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  /**
   * What a removal deleted.
   *
   * @param bytes the bytes of the files deleted
   * @param left the files and folders that could not be deleted (they stay under the hidden name, which no list shows)
   * @param hidden where those are
   */
  record Deleted(long bytes, long left, Path hidden) {}

  /**
   * Removes version {@code id} in {@code versionDir}: its registry row, if the registry holds one of that id and
   * directory (read under this lock, as an activation registers a directory under it), and its directory. Under the
   * lock {@link #serve} takes, so an activation never serves a directory being removed, nor a removal takes the one an
   * activation has just served. The directory is first renamed to {@code .<name>.removing} beside it, which no list
   * shows; then the row goes (a store that refuses it puts the directory back); then the files (a removal cut short
   * leaves only the hidden name, which the next start of a training server deletes).
   *
   * @throws ApiException 404 when neither the row nor the directory is there (removed meanwhile); 409 {@code
   *     version_in_use} when {@link #whyKept} names a reason or the guard refuses (an experiment's arm serves it)
   * @throws dev.attune.store.StoreException when the registry cannot be written; the directory is put back then
   * @throws java.io.UncheckedIOException when the directory cannot be renamed (nothing removed then)
   */
  synchronized Deleted remove(String id, Path versionDir) {
    Path p = versionDir.toAbsolutePath().normalize();
    String kept = whyKept(id, p);
    if (kept != null) throw inUse(id, kept);
    boolean registered = store.modelVersions().stream()
        .anyMatch(v -> v.id().equals(id) && Path.of(v.path()).toAbsolutePath().normalize().equals(p));
    boolean exists = java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if (!registered && !exists) throw ApiException.notFound("model version", id);
    Path hidden = p.resolveSibling("." + p.getFileName() + REMOVING_SUFFIX);
    Deleted[] deleted = {new Deleted(0, 0, hidden)};
    removalGuard.accept(id, () -> {
      try {
        if (exists) {
          deleteTree(hidden); // an earlier removal of a version of this name cut short
          java.nio.file.Files.move(p, hidden, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("could not move " + p + " aside to remove it: " + e.getMessage(), e);
      }
      try {
        if (registered && !store.deleteModelVersion(id)) {
          throw inUse(id, "it was made the active version meanwhile"); // its row is all deleteModelVersion refuses
        }
      } catch (RuntimeException e) {
        if (exists) moveBack(hidden, p);
        throw e;
      }
      if (exists) deleted[0] = deleteTree(hidden);
    });
    return deleted[0];
  }

  private static ApiException inUse(String id, String why) {
    return new ApiException(409, "version_in_use", "model version '" + id + "' is not removed: " + why, null);
  }

  private static void moveBack(Path hidden, Path p) {
    try {
      java.nio.file.Files.move(hidden, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(ServedVersion.class).error("could not put {} back at {} after a removal"
          + " failed: move it back by hand", hidden, p, e);
    }
  }

  /** Deletes {@code root} and what it holds, if it exists, without following links; says what it could not. */
  static Deleted deleteTree(Path root) {
    if (!java.nio.file.Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return new Deleted(0, 0, root);
    long[] counts = {0, 0}; // bytes, left
    try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(root)) {
      all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
        try {
          long size = java.nio.file.Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
              ? java.nio.file.Files.size(f) : 0;
          java.nio.file.Files.delete(f);
          counts[0] += size;
        } catch (IOException e) {
          counts[1]++;
          org.slf4j.LoggerFactory.getLogger(ServedVersion.class).warn("could not delete {}: {}", f, e.toString());
        }
      });
    } catch (IOException | java.io.UncheckedIOException e) {
      counts[1]++;
      org.slf4j.LoggerFactory.getLogger(ServedVersion.class).warn("could not delete {}: {}", root, e.toString());
    }
    return new Deleted(counts[0], counts[1], root);
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
    serve(id, newDir, next, registered, null);
  }

  /**
   * As {@link #serve(String, Path, ServingModel, boolean)} for a directory the registry does not hold yet: {@code
   * register} is saved first, under this lock, so that a removal never reads it as unregistered and leaves its row.
   */
  synchronized void serve(String id, Path newDir, ServingModel next, Store.ModelVersion register) {
    serve(id, newDir, next, true, register);
  }

  private void serve(String id, Path newDir, ServingModel next, boolean registered, Store.ModelVersion register) {
    // read before a removal took the directory (the read is not under this lock): not served from memory alone, for
    // a restart could not read it again
    if (!java.nio.file.Files.isDirectory(newDir)) {
      throw new ApiException(404, "not_found", "model version '" + id + "' was removed while it was read", null);
    }
    if (register != null) store.saveModelVersion(register);
    if (registered && !store.activateModel(id)) {
      throw new ApiException(404, "not_found", "model version '" + id + "' was removed from the registry while it was"
          + " read", null);
    }
    recommendations.swap(next);
    dir = newDir.toAbsolutePath().normalize();
    readAgainIfStale(next);
  }
}
