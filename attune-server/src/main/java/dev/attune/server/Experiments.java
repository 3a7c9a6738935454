package dev.attune.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attune.events.Ids;
import dev.attune.store.Store;
import dev.attune.store.StoreException;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online A/B experiments: while one runs, each user who asks for their recommendations is given one of its arms,
 * always the same one ({@link #armOf}: a hash of the experiment and the user id, so no assignment is stored and every
 * server that serves the store agrees), and that arm's model version answers them. Each answer is recorded as an
 * exposure (what was shown, by which arm, when); {@link ExperimentResults} credits to an arm the events its users
 * then had on what they were shown, and compares the arms.
 *
 * <p>At most one experiment runs at a time: a user in two overlapping experiments would be answered by one arm of
 * each at once. Answers to requests without a user (an anonymous history) are not part of an experiment: there is
 * no unit to give an arm to. The dashboard's previews are answered by the user's arm (it shows what they get) and
 * recorded as nothing.
 *
 * <p>Exposures are written in batches by a background thread ({@link #FLUSH_MILLIS}), off the answer's path: a
 * recommendation waits for no write. A store that refuses them keeps them queued (up to {@link #MAX_PENDING}; the
 * newest beyond are counted as dropped, per experiment, and its results say so until a restart); a stop writes what is
 * queued. A crash loses what is queued: normally the last {@link #FLUSH_MILLIS}, more while the store refuses writes;
 * both arms lose alike.
 *
 * <p>Two locks: {@link #lifecycle} for starting, stopping, restoring and reloading (which read model versions, seconds
 * for a pipeline refitted on the store), and {@link #queue} for the exposure queue, its writes and a user's deletion,
 * which so never wait for a model to load. The answer path takes neither. Thread-safe.
 */
final class Experiments implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Experiments.class);

  /** An arm's version that means "the version served to everyone else", whichever it is at the time. */
  static final String ACTIVE = "active";
  static final int MAX_ARMS = 10;
  static final int DEFAULT_WINDOW_MINUTES = 24 * 60;
  static final int MAX_WINDOW_MINUTES = 30 * 24 * 60;
  static final int DEFAULT_MIN_USERS_PER_ARM = 1_000;
  static final int MAX_MIN_USERS_PER_ARM = 100_000_000;
  /** The smallest share an arm may have: a tenth of a per cent. */
  static final double MIN_SHARE = 0.001;
  /**
   * The events that count as a use of what was shown, unless the experiment names its own: every type the service
   * weighs as liked, except those that say only that an item was seen or searched for (a client may log the display
   * of a recommendation itself as a view, which would credit every answer).
   */
  static final Set<String> DEFAULT_CONVERSION_TYPES = Set.of("click", "play", "play_seconds", "play_count", "rating",
      "tag", "like", "comment", "cart", "favourite", "fav", "share", "purchase", "buy");
  static final long FLUSH_MILLIS = 250;
  static final int MAX_PENDING = 200_000;
  private static final int MAX_BATCH = 10_000;

  /** The fields of a request that starts an experiment, and of one of its arms. */
  static final Set<String> START_FIELDS = Set.of("id", "name", "arms", "windowMinutes", "conversionTypes",
      "minUsersPerArm");
  static final Set<String> ARM_FIELDS = Set.of("name", "version", "share");

  /** Reads the model of a registered version (404 unknown, 409 not servable). */
  interface VersionReader {
    ServingModel read(String versionId);
  }

  /**
   * The arm a user is given while an experiment runs.
   *
   * @param arm its position in the experiment's arms (0: the control)
   * @param recommendations what answers the arm's users
   * @param answers counts the arm's answers for {@code /metrics}, or null
   */
  record Assignment(Store.Experiment experiment, int arm, Recommendations recommendations, Counter answers) {
    String armName() {
      return experiment.arms().get(arm).name();
    }
  }

  /**
   * A running experiment and, by arm, what answers it (the served one for {@link #ACTIVE}) and the counter of its
   * answers (registered once here, not looked up on every answer; null without metrics).
   */
  private record Running(Store.Experiment experiment, Recommendations[] byArm, Counter[] answers) {}

  private final Store store;
  private final Recommendations served;
  private final Function<ServingModel, Recommendations> recommendationsOf;
  private final VersionReader versions;
  private final LongSupplier clock;
  private volatile Running running;
  /** Why the running experiment in the store is not served (an arm's version could not be read at start), or null. */
  private volatile String notServed;
  private final Object lifecycle = new Object();
  private final Object queue = new Object();
  private final ConcurrentLinkedQueue<Store.Exposure> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final Map<String, AtomicLong> droppedByExperiment = new ConcurrentHashMap<>();
  /**
   * Users being deleted or just deleted: their exposures asked for up to the time given are not kept (while the
   * deletion runs, {@code Long.MAX_VALUE}). A request that came before the deletion ended may be answered after it;
   * its exposure must not outlive the deletion. Kept {@link #TOMBSTONE_MILLIS}.
   */
  private final Map<String, Long> deletedUntil = new ConcurrentHashMap<>();
  static final long TOMBSTONE_MILLIS = 10 * 60_000;
  private long lastPruneMillis; // guarded by queue
  /** Experiments deleted since the start: answers of theirs still queued are not written. */
  private final Set<String> deletedExperiments = ConcurrentHashMap.newKeySet();
  /** A batch the store refused, written again before anything newer (guarded by {@link #queue}). */
  private List<Store.Exposure> unwritten = List.of();
  private ScheduledExecutorService flusher; // started with the first experiment served (guarded by lifecycle)

  /** Where answers per arm, and the exposure queue's state, are counted for {@code /metrics}; null: nowhere. */
  private final MeterRegistry metrics;

  /** An item's length in seconds, NaN when unknown (a play's seconds become a share of it). */
  private final java.util.function.ToDoubleFunction<String> durations;

  Experiments(Store store, Recommendations served, Function<ServingModel, Recommendations> recommendationsOf,
      VersionReader versions, LongSupplier clock, MeterRegistry metrics,
      java.util.function.ToDoubleFunction<String> durations) {
    this.durations = durations;
    this.store = store;
    this.served = served;
    this.recommendationsOf = recommendationsOf;
    this.versions = versions;
    this.clock = clock;
    this.metrics = metrics;
    if (metrics != null) {
      Gauge.builder("attune_experiment_exposures_queued", pendingCount, AtomicInteger::get)
          .description("exposures answered and not yet written to the store").register(metrics);
      FunctionCounter.builder("attune_experiment_exposures_dropped", dropped, AtomicLong::get)
          .description("exposures not kept because the queue was full (the store refused writes for a while)")
          .register(metrics);
    }
  }

  // ---------------------------------------------------------------- serving

  /** The arm {@code userId} (as stored) is given, or null when no experiment runs. */
  Assignment assign(String userId) {
    Running r = running;
    if (r == null) return null;
    int arm = armOf(r.experiment(), userId);
    return new Assignment(r.experiment(), arm, r.byArm()[arm], r.answers()[arm]);
  }

  /**
   * The arm of {@code userId} in {@code experiment}: the first 64 bits of SHA-256(experiment id, NUL, user id) as a
   * fraction of 2^64, placed among the arms' cumulative shares. Another experiment shuffles the users anew.
   */
  static int armOf(Store.Experiment experiment, String userId) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    sha.update(experiment.id().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    byte[] digest = sha.digest(userId.getBytes(StandardCharsets.UTF_8));
    long bits = 0;
    for (int k = 0; k < 8; k++) bits = bits << 8 | (digest[k] & 0xff);
    double position = (bits >>> 11) * 0x1.0p-53; // uniform in [0, 1)
    double cumulative = 0;
    List<Store.Arm> arms = experiment.arms();
    for (int k = 0; k < arms.size() - 1; k++) {
      cumulative += arms.get(k).share();
      if (position < cumulative) return k;
    }
    return arms.size() - 1;
  }

  /**
   * Records that {@code userId} (as stored), asking at {@code askedAtMillis}, was shown {@code items} by their arm's
   * {@code version} (null: the fallback or popularity answered), which read their events up to {@code
   * readUntilMillis} ({@link Long#MIN_VALUE}: none).
   */
  void exposed(Assignment a, String userId, String version, List<Recommendations.Recommended> items,
      long askedAtMillis, long readUntilMillis) {
    if (deleted(userId, askedAtMillis)) return;
    if (pendingCount.get() >= MAX_PENDING) {
      // the store has refused writes for a while: the newest are counted, not kept, so memory stays bounded
      dropped.incrementAndGet();
      droppedByExperiment.computeIfAbsent(a.experiment().id(), k -> new AtomicLong()).incrementAndGet();
      return;
    }
    List<String> ids = new ArrayList<>(items.size());
    for (Recommendations.Recommended r : items) ids.add(r.itemId());
    pending.add(new Store.Exposure(a.experiment().id(), userId, a.armName(), version, askedAtMillis, readUntilMillis,
        ids));
    pendingCount.incrementAndGet();
    if (a.answers() != null) a.answers().increment();
  }

  /**
   * Marks user {@code userId} (as stored) as being deleted: from now until {@link #deletionEnded}, none of their
   * exposures is queued or written, and those queued are dropped (one written after the store deleted theirs would
   * outlive the deletion).
   */
  void deletionStarts(String userId) {
    synchronized (queue) {
      deletedUntil.put(userId, Long.MAX_VALUE);
      forget(userId);
    }
  }

  /**
   * Ends the deletion of {@code userId}: exposures of requests that came before now are still dropped (a request may
   * be answered after the deletion from what it read before), those of later requests are a new user's.
   */
  void deletionEnded(String userId) {
    synchronized (queue) {
      long now = clock.getAsLong();
      deletedUntil.put(userId, now);
      forget(userId);
      pruneTombstones(now); // here too: a server that runs no experiment never flushes
    }
  }

  /** Forgets deletions older than {@link #TOMBSTONE_MILLIS} (guarded by {@link #queue}). */
  private void pruneTombstones(long now) {
    if (now - lastPruneMillis < 60_000 && now >= lastPruneMillis) return; // a scan of every tombstone, once a minute
    lastPruneMillis = now;
    deletedUntil.values().removeIf(until -> until != Long.MAX_VALUE && until < now - TOMBSTONE_MILLIS);
  }

  private boolean deleted(String userId, long askedAtMillis) {
    Long until = deletedUntil.get(userId);
    return until != null && askedAtMillis <= until;
  }

  /** Drops the queued exposures of {@code userId} (guarded by {@link #queue}). */
  private void forget(String userId) {
    for (var it = pending.iterator(); it.hasNext(); ) {
      if (it.next().userId().equals(userId)) {
        it.remove();
        pendingCount.decrementAndGet();
      }
    }
    if (unwritten.stream().anyMatch(e -> e.userId().equals(userId))) {
      unwritten = unwritten.stream().filter(e -> !e.userId().equals(userId)).toList();
    }
  }

  /**
   * What activating version {@code versionId} (another than the one served) does to the running experiment, for the
   * activation's answer: an arm serving {@link #ACTIVE} serves it from now on, and its results mix the two; if another
   * arm serves that version too, the two arms now compare it with itself. Null when no arm serves the active version.
   */
  String activeArmWarning(String versionId) {
    Running r = running;
    if (r == null) return null;
    List<String> following = new ArrayList<>();
    List<String> same = new ArrayList<>();
    for (Store.Arm a : r.experiment().arms()) {
      if (a.version().equals(ACTIVE)) following.add(a.name());
      else if (a.version().equals(versionId)) same.add(a.name());
    }
    if (following.isEmpty()) return null;
    String warning = "experiment " + r.experiment().id() + " is running and its arm " + String.join(", ", following)
        + " serves the active version: it serves this one from now on, and its results mix the two (per version in"
        + " answersByVersion)";
    if (!same.isEmpty()) {
      warning += "; arm " + String.join(", ", same) + " serves " + versionId + " too, so from now on the experiment"
          + " compares it with itself";
    }
    return warning;
  }

  /**
   * Runs {@code removal} of model version {@code versionId} unless a running experiment's arm serves it (409 {@code
   * version_in_use}: a restart could not read the arm again); under the lock an experiment starts with, so none starts
   * with the version while it is removed. A stopped experiment's arms are its record only.
   */
  void unlessServedByAnArm(String versionId, Runnable removal) {
    synchronized (lifecycle) {
      String serving = armsServing().get(versionId);
      if (serving != null) {
        throw new ApiException(409, "version_in_use", "model version '" + versionId + "' is not removed: " + serving,
            null);
      }
      removal.run();
    }
  }

  /** Which running experiment's arm serves each model version, in words, by version id (the first arm found). */
  Map<String, String> armsServing() {
    Map<String, String> serving = new java.util.HashMap<>();
    for (Store.Experiment e : store.experiments()) {
      if (!e.running()) continue;
      for (Store.Arm a : e.arms()) {
        serving.putIfAbsent(a.version(), "arm " + a.name() + " of running experiment " + e.id() + " serves it (stop"
            + " the experiment first)");
      }
    }
    return serving;
  }

  /** Tells every arm's model that an item entered, changed in or left the catalogue. */
  void itemChanged(String itemId) {
    Running r = running;
    if (r == null) return;
    for (Recommendations arm : r.byArm()) if (arm != served) arm.itemChanged(itemId);
  }

  /** Gives every arm the classic fallback the served model has. */
  void fallback(FallbackModel next) {
    Running r = running;
    if (r == null) return;
    for (Recommendations arm : r.byArm()) if (arm != served) arm.fallback(next);
  }

  /**
   * Reads the arms' versions again whose models are fitted on the store's events when read (a deleted or quarantined
   * user must leave them, as they leave the served one).
   */
  void reloadArmsFittedOnTheStore() {
    synchronized (lifecycle) {
      Running r = running;
      if (r == null) return;
      for (int k = 0; k < r.byArm().length; k++) {
        Recommendations arm = r.byArm()[k];
        if (arm == served || arm.model() == null || !arm.model().fitsOnStoreEvents()) continue;
        String version = r.experiment().arms().get(k).version();
        try {
          arm.swap(versions.read(version));
        } catch (RuntimeException e) {
          LOG.error("experiment {}: arm {} ({}) could not be read again after a deletion or a quarantine; it serves"
              + " as before", r.experiment().id(), r.experiment().arms().get(k).name(), version, e);
        }
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Serves the experiment the store says is running, if any (at start-up). */
  void restore() {
    synchronized (lifecycle) {
      for (Store.Experiment e : store.experiments()) {
        if (!e.running()) continue;
        try {
          publish(prepare(e));
          LOG.info("experiment {} ('{}') runs on: {}", e.id(), e.name(), describeArms(e));
        } catch (RuntimeException ex) {
          // any failure, not only the 409 of an unreadable version: a store error while a pipeline arm read its events
          // stopped the server from starting, with the experiment still running and only the server to stop it
          notServed = "an arm's model version cannot be served (" + ex.getMessage() + "): every user gets the served"
              + " model until the experiment is stopped (and started again, once the version can be read)";
          LOG.error("experiment {} is running but not served: {}", e.id(), notServed);
        }
        return; // one runs at a time
      }
    }
  }

  /** Reads every arm's version; serves nothing yet. */
  private Running prepare(Store.Experiment e) {
    Recommendations[] byArm = new Recommendations[e.arms().size()];
    for (int k = 0; k < byArm.length; k++) {
      String version = e.arms().get(k).version();
      if (version.equals(ACTIVE)) {
        byArm[k] = served;
      } else {
        ServingModel model;
        try {
          model = versions.read(version);
        } catch (ApiException ex) {
          throw new ApiException(ex.status(), ex.error(), ex.getMessage(), "arms[" + k + "].version");
        }
        Recommendations arm = recommendationsOf.apply(model);
        arm.fallback(served.fallback());
        byArm[k] = arm;
      }
    }
    Counter[] answers = new Counter[byArm.length];
    for (int k = 0; k < answers.length && metrics != null; k++) {
      answers[k] = Counter.builder("attune_experiment_answers").description("recommendation answers given in an A/B"
          + " experiment").tag("experiment", e.id()).tag("arm", e.arms().get(k).name()).register(metrics);
    }
    return new Running(e, byArm, answers);
  }

  /** Serves {@code r} (guarded by {@link #lifecycle}). */
  private void publish(Running r) {
    if (flusher == null) {
      flusher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("attune-exposures").daemon()
          .factory());
      flusher.scheduleWithFixedDelay(this::flushQuietly, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
    }
    notServed = null;
    running = r;
    // an item changed or a fallback fitted while the arms were read reached only what was running then: the arms
    // take the catalogue's flags and the fallback as they are now
    for (Recommendations arm : r.byArm()) {
      if (arm == served) continue;
      arm.swap(arm.model());
      arm.fallback(served.fallback());
    }
  }

  /** Writes the queued exposures; those the store refuses stay queued. */
  void flush() {
    boolean more = true;
    while (more) {
      // the lock is given up between batches: a backlog after an outage must not hold a user's deletion (which
      // holds ingestion) for all of it
      synchronized (queue) {
        pruneTombstones(clock.getAsLong());
        List<Store.Exposure> batch = new ArrayList<>(unwritten);
        while (batch.size() < MAX_BATCH) {
          Store.Exposure e = pending.poll();
          if (e == null) break;
          pendingCount.decrementAndGet();
          // queued before its user's deletion began, by a request answered after forget() looked; or an answer of
          // an experiment deleted since (in flight across its stop)
          if (!deleted(e.userId(), e.timestampMillis()) && !deletedExperiments.contains(e.experimentId())) {
            batch.add(e);
          }
        }
        if (batch.isEmpty()) return;
        unwritten = batch; // kept until written
        store.recordExposures(batch);
        unwritten = List.of();
        more = batch.size() == MAX_BATCH;
      }
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (StoreException | IllegalStateException e) {
      LOG.warn("exposures not written yet ({} waiting): {}", unwrittenCount(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("exposures not written yet ({} waiting)", unwrittenCount(), e);
    }
  }

  private int unwrittenCount() {
    synchronized (queue) {
      return unwritten.size() + pendingCount.get();
    }
  }

  @Override
  public void close() {
    ScheduledExecutorService f;
    synchronized (lifecycle) {
      f = flusher;
      running = null;
    }
    if (f != null) {
      f.shutdown(); // its last flush may be running: waited for, holding no lock it needs
      try {
        f.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flushQuietly();
  }

  // ---------------------------------------------------------------- admin routes

  /** GET /v1/admin/experiments: every experiment, newest first, without results. */
  void list(Context ctx) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Store.Experiment e : store.experiments()) out.add(describe(e));
    ctx.json(Map.of("experiments", out));
  }

  /** GET /v1/admin/experiments/{id}: the experiment and its results so far. */
  void show(Context ctx) {
    Store.Experiment e = find(RequestBodies.pathId(ctx.pathParam("id"), "id"));
    ctx.json(withResults(e));
  }

  /** POST /v1/admin/experiments: starts one (201); 409 while another runs. */
  void start(Context ctx, JsonNode body) {
    Store.Experiment e = parse(body, clock.getAsLong());
    // read before anything is stored: a store failing here refuses the start rather than failing an answer to a
    // start that happened
    String warning = unknownConversionTypes(e);
    synchronized (lifecycle) {
      for (Store.Experiment other : store.experiments()) {
        if (other.id().equals(e.id())) {
          throw new ApiException(409, "experiment_exists", "an experiment '" + e.id() + "' exists already (" + state(
              other) + "); give another id, or delete that one (DELETE /v1/admin/experiments/" + e.id() + ")",
              "id");
        }
        if (other.running()) {
          throw new ApiException(409, "experiment_running", "experiment '" + other.id() + "' is running; stop it"
              + " first (POST /v1/admin/experiments/" + other.id() + "/stop): a user in two at once would get two"
              + " arms", null);
        }
      }
      // the arms' versions are read first (holding no lock the answers, the exposures or a deletion need): one that
      // cannot be served refuses the start, nothing stored
      Running next = prepare(e);
      // an arm's model of another data set answers from the fallback and popularity (as an activation warns)
      for (int k = 0; k < e.arms().size(); k++) {
        String unknown = e.arms().get(k).version().equals(ACTIVE) ? null : next.byArm()[k].unknownItemsWarning();
        if (unknown != null) {
          String said = "arm " + e.arms().get(k).name() + " (" + e.arms().get(k).version() + "): " + unknown;
          warning = warning == null ? said : warning + "; " + said;
        }
      }
      store.saveExperiment(e);
      deletedExperiments.remove(e.id()); // an id used again (results read only exposures from its start on)
      results.clear(); // a stopped experiment counts uses until this start: its results kept for a second are stale
      publish(next);
    }
    LOG.info("experiment {} ('{}') started: {}", e.id(), e.name(), describeArms(e));
    Map<String, Object> answer = describe(e);
    if (warning != null) answer.put("warning", warning);
    ctx.status(201).header("Location", "/v1/admin/experiments/" + e.id()).json(answer);
  }

  /**
   * A warning for conversion types that neither the weight table names nor any stored event has (a misspelt {@code
   * klick} would count no conversion, unsaid); null when there are none. Not refused: a client may start sending a
   * type of its own with the experiment.
   */
  private String unknownConversionTypes(Store.Experiment e) {
    List<String> unknown = e.conversionTypes().stream().filter(t -> Recommendations.WEIGHTS.type(t).isEmpty())
        .sorted().toList();
    if (unknown.isEmpty()) return null;
    Set<String> stored = new TreeSet<>();
    for (String type : store.counts().eventsByType().keySet()) stored.add(type.toLowerCase(Locale.ROOT));
    List<String> never = unknown.stream().filter(t -> !stored.contains(t)).toList();
    if (never.isEmpty()) return null;
    return "no stored event has the conversion type" + (never.size() == 1 ? " " : "s ") + String.join(", ", never)
        + ", and the weight table does not name " + (never.size() == 1 ? "it" : "them") + ": if misspelt, no use"
        + " will count (stop the experiment and start it again with the type corrected); stored types: "
        + String.join(", ", stored);
  }

  /** POST /v1/admin/experiments/{id}/stop: stops it and answers its results; a stopped one is answered as is. */
  void stop(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    Store.Experiment e;
    synchronized (lifecycle) {
      e = find(id);
      if (e.running()) {
        Store.Experiment stopped = new Store.Experiment(e.id(), e.name(), e.arms(), e.windowMillis(),
            e.conversionTypes(), e.minUsersPerArm(), e.startedAtMillis(), clock.getAsLong());
        store.saveExperiment(stopped);
        Running r = running;
        if (r != null && r.experiment().id().equals(id)) running = null;
        notServed = null;
        e = stopped;
        LOG.info("experiment {} stopped", id);
      }
    }
    ctx.json(withResults(e));
  }

  /** DELETE /v1/admin/experiments/{id}: a stopped experiment, its arms and exposures (409 while it runs). */
  void delete(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    synchronized (lifecycle) {
      if (find(id).running()) {
        throw new ApiException(409, "experiment_running", "experiment '" + id + "' is running; stop it first", null);
      }
      deletedExperiments.add(id); // its answers still queued or in flight are not written after its rows go
      flush();
      store.deleteExperiment(id);
      results.remove(id);
      // its counters go with it: a later experiment of the same id showed this one's dropped exposures (a review)
      droppedByExperiment.remove(id);
      resultsLocks.remove(id);
    }
    LOG.info("experiment {} deleted", id);
    ctx.status(204);
  }

  private Store.Experiment find(String id) {
    return store.experiments().stream().filter(x -> x.id().equals(id)).findFirst()
        .orElseThrow(() -> ApiException.notFound("experiment", id));
  }

  /** Results computed in the last {@link #RESULTS_FRESH_MILLIS}, by experiment: one look from every open dashboard. */
  private final Map<String, CachedResults> results = new ConcurrentHashMap<>();
  private record CachedResults(Long stoppedAtMillis, long computedAtMillis, Map<String, Object> json) {}
  private final Map<String, Object> resultsLocks = new ConcurrentHashMap<>();
  static final long RESULTS_FRESH_MILLIS = 1_000;

  /**
   * When the experiment after a stopped {@code e} started, {@link Long#MAX_VALUE} when none has (or {@code e} runs):
   * uses count until then, for the window after a stop overlaps the next experiment, whose answers would be credited
   * to both (A/B QA: a stopped A/A experiment's figures kept rising by the next one's uses).
   */
  private long nextStart(Store.Experiment e) {
    if (e.running()) return Long.MAX_VALUE;
    long next = Long.MAX_VALUE;
    for (Store.Experiment other : store.experiments()) {
      if (other != e && !other.id().equals(e.id()) && other.startedAtMillis() >= e.stoppedAtMillis()) {
        next = Math.min(next, other.startedAtMillis());
      }
    }
    return next;
  }

  private Map<String, Object> withResults(Store.Experiment e) {
    Map<String, Object> out = describe(e);
    CachedResults cached;
    // one computation per experiment at a time (over a million exposures it takes seconds and a few hundred MB):
    // the requests that come meanwhile wait for it and share it
    synchronized (resultsLocks.computeIfAbsent(e.id(), k -> new Object())) {
      cached = results.get(e.id());
      long now = clock.getAsLong();
      if (cached == null || !java.util.Objects.equals(cached.stoppedAtMillis(), e.stoppedAtMillis())
          || now - cached.computedAtMillis() > RESULTS_FRESH_MILLIS || now < cached.computedAtMillis()) {
        try {
          flush(); // what was answered up to now counts
        } catch (StoreException ex) {
          LOG.warn("exposures not written before results: {}", ex.getMessage());
        }
        Map<String, Object> json = ExperimentResults.compute(store, e, now, Recommendations.WEIGHTS, durations,
            nextStart(e)).toJson();
        cached = new CachedResults(e.stoppedAtMillis(), clock.getAsLong(), json); // fresh from when it is done
        results.put(e.id(), cached);
      }
    }
    out.put("results", cached.json());
    AtomicLong lost = droppedByExperiment.get(e.id());
    if (lost != null) out.put("droppedExposures", lost.get());
    return out;
  }

  private Map<String, Object> describe(Store.Experiment e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", e.id());
    out.put("name", e.name());
    out.put("state", state(e));
    Running r = running;
    boolean servedNow = r != null && r.experiment().id().equals(e.id());
    if (e.running() && !servedNow && notServed != null) out.put("note", notServed);
    out.put("served", servedNow);
    List<Map<String, Object>> arms = new ArrayList<>();
    for (int k = 0; k < e.arms().size(); k++) {
      Store.Arm a = e.arms().get(k);
      Map<String, Object> arm = new LinkedHashMap<>();
      arm.put("name", a.name());
      arm.put("version", a.version());
      arm.put("share", a.share());
      arm.put("control", k == 0);
      if (servedNow) {
        ServingModel m = r.byArm()[k].model();
        arm.put("servedVersion", m == null ? null : m.version());
      }
      arms.add(arm);
    }
    out.put("arms", arms);
    out.put("windowMinutes", e.windowMillis() / 60_000);
    out.put("conversionTypes", new TreeSet<>(e.conversionTypes()));
    out.put("minUsersPerArm", e.minUsersPerArm());
    out.put("startedAtMillis", e.startedAtMillis());
    out.put("stoppedAtMillis", e.stoppedAtMillis());
    return out;
  }

  private static String state(Store.Experiment e) {
    return e.running() ? "running" : "stopped";
  }

  private static String describeArms(Store.Experiment e) {
    StringBuilder b = new StringBuilder();
    for (Store.Arm a : e.arms()) {
      if (!b.isEmpty()) b.append(", ");
      b.append(a.name()).append(" = ").append(a.version()).append(String.format(Locale.ROOT, " (%.0f%%)",
          100 * a.share()));
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- the request

  /**
   * A name the listings, the dashboard and {@code attune experiment} print: refused with a character that would break
   * its line or hide itself (a right-to-left override read the rest of a listing's line backwards; an arm "c" and an
   * arm "c" with a zero-width joiner printed alike), as a key's name is.
   */
  private static String shownName(String name, String field) {
    if (name.codePoints().anyMatch(dev.attune.events.Ids::breaksALine)) {
      throw ApiException.invalid(field, field + " holds a character that would hide itself or break a line where it"
          + " is shown (a format character such as a right-to-left override or a zero-width joiner, or a line"
          + " separator): \"" + dev.attune.events.Ids.printable(name, 60) + "\"");
    }
    return name;
  }

  /** {@code x} as written, without a trailing ".0" (50, 0.5). */
  private static String plain(double x) {
    return Double.isFinite(x) ? new java.math.BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString()
        : Double.toString(x);
  }

  /** Reads and checks a request to start an experiment (400 for what is wrong in it). */
  static Store.Experiment parse(JsonNode b, long nowMillis) {
    RequestBodies.requireObject("", b, START_FIELDS);
    JsonNode named = b.get("name");
    if (named != null && named.isTextual() && Ids.length(named.asText()) > Ids.MAX_LENGTH) {
      // said as what it is: checked as an id, it was "longer than 256 characters (ids are 1 to 256)" (A/B QA)
      throw ApiException.invalid("name", "name is longer than " + Ids.MAX_LENGTH + " characters: "
          + Ids.length(named.asText()) + " (a name says in a line what the experiment tests)");
    }
    String name = shownName(RequestBodies.requiredId(b, "", "name"), "name");
    String id = b.has("id") ? RequestBodies.requiredId(b, "", "id") : defaultId(nowMillis);
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw ApiException.invalid("id", "id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or"
          + " digit (it goes into URLs): '" + id + "'");
    }
    JsonNode armsNode = b.get("arms");
    if (armsNode == null || !armsNode.isArray()) {
      // a string or an object there is a mistake of form, not a missing field (a QA run was told it was required)
      throw ApiException.invalid("arms", (armsNode == null || armsNode.isNull() ? "arms is required"
          : "arms must be an array, not " + armsNode.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
          + ": an array of {name, version, share?}, the first the"
          + " control, e.g. [{\"name\": \"control\", \"version\": \"active\"}, {\"name\": \"new\", \"version\":"
          + " \"<a model version id>\"}]");
    }
    if (armsNode.size() < 2 || armsNode.size() > MAX_ARMS) {
      throw ApiException.invalid("arms", "an experiment has 2 to " + MAX_ARMS + " arms, not " + armsNode.size());
    }
    List<String> names = new ArrayList<>();
    List<String> versionIds = new ArrayList<>();
    double[] shares = new double[armsNode.size()];
    int withShare = 0;
    for (int k = 0; k < armsNode.size(); k++) {
      String path = "arms[" + k + "]";
      JsonNode a = armsNode.get(k);
      RequestBodies.requireObject(path, a, ARM_FIELDS);
      String armName = shownName(RequestBodies.requiredId(a, path, "name"), path + ".name");
      if (names.contains(armName)) throw ApiException.invalid(path + ".name", "two arms are named '" + armName + "'");
      names.add(armName);
      versionIds.add(RequestBodies.requiredId(a, path, "version"));
      if (a.has("share")) {
        double share = RequestBodies.optionalNumber(a, path, "share", 0);
        if (!(share >= MIN_SHARE && share < 1)) {
          // a share written as a percentage gets the fraction it meant (A/B QA: "50.0" told no more than that)
          String meant = share > 1 && share < 100 ? " (a percentage? " + plain(share) + "% is "
              + new java.math.BigDecimal(plain(share)).movePointLeft(2).stripTrailingZeros().toPlainString() + ")" : "";
          throw ApiException.invalid(path + ".share", "share must be a fraction in [" + MIN_SHARE + ", 1): "
              + plain(share) + meant);
        }
        shares[k] = share;
        withShare++;
      }
    }
    if (withShare != 0 && withShare != shares.length) {
      throw ApiException.invalid("arms", "give every arm a share or none (then they are equal)");
    }
    double sum = 0;
    for (double s : shares) sum += s;
    if (withShare == 0) {
      java.util.Arrays.fill(shares, 1.0);
      sum = shares.length;
    } else if (Math.abs(sum - 1) > 1e-6 * (1 + 1e-9)) { // within a millionth, 0.333333 × 3 too (rounding)
      throw ApiException.invalid("arms", "the arms' shares sum to " + sum + "; they must sum to 1");
    }
    List<Store.Arm> arms = new ArrayList<>();
    double given = 0;
    for (int k = 0; k < shares.length; k++) {
      // scaled to sum to 1, the last taking what the others leave, so that the sum is 1 exactly
      double share = k == shares.length - 1 ? 1 - given : shares[k] / sum;
      given += share;
      arms.add(new Store.Arm(names.get(k), versionIds.get(k), share));
    }
    int windowMinutes = RequestBodies.optionalInt(b, "windowMinutes", 1, MAX_WINDOW_MINUTES, DEFAULT_WINDOW_MINUTES);
    int minUsers = RequestBodies.optionalInt(b, "minUsersPerArm", 1, MAX_MIN_USERS_PER_ARM, DEFAULT_MIN_USERS_PER_ARM);
    Set<String> types = new TreeSet<>();
    List<String> asked = RequestBodies.stringList(b, "", "conversionTypes");
    for (int k = 0; k < asked.size(); k++) {
      String type = asked.get(k).toLowerCase(Locale.ROOT);
      var known = Recommendations.WEIGHTS.type(type);
      if (known.isPresent() && known.get().weight() <= 0) {
        throw ApiException.invalid("conversionTypes[" + k + "]", "'" + type + "' is weighed as disliked, never as a"
            + " use of what was shown: it would never count");
      }
      types.add(type);
    }
    if (b.has("conversionTypes") && types.isEmpty()) {
      throw ApiException.invalid("conversionTypes", "conversionTypes must name at least one event type (leave it out"
          + " for the default: " + String.join(", ", new TreeSet<>(DEFAULT_CONVERSION_TYPES)) + ")");
    }
    if (types.isEmpty()) types.addAll(DEFAULT_CONVERSION_TYPES);
    return new Store.Experiment(id, name, arms, windowMinutes * 60_000L, types, minUsers, nowMillis, null);
  }

  private static String defaultId(long nowMillis) {
    return "ab-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS", Locale.ROOT).withZone(ZoneOffset.UTC)
        .format(Instant.ofEpochMilli(nowMillis));
  }
}
