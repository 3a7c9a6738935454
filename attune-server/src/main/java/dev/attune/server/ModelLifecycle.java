package dev.attune.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attune.abuse.AbuseDetector;
import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.infer.FileLockHold;
import dev.attune.infer.ModelDirectory;
import dev.attune.model.FitListener;
import dev.attune.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retrains the served model (#7): one job at a time on a background platform thread, started by the admin ("train
 * now", {@code POST /v1/admin/models/train}), by a schedule ({@link LifecycleConfig#trainEvery}) or after a number
 * of new events ({@link LifecycleConfig#retrainAfterEvents}).
 *
 * <p>A job: reads everything the store holds; cuts it by time ({@link Splits#temporalFraction}, the newest {@link
 * LifecycleConfig#holdoutFraction} of events held out; when no event lies before that cut, as when ratings were
 * imported without time, a seeded random share of each user's items instead ({@link Splits#randomRatio}), and the
 * version's {@code trainedUntilMillis} is just after the newest event); trains a candidate on the events before the
 * cut with the {@link ModelTrainer}'s engine for the model served when the job starts ({@link
 * ModelTrainer#forServed}) into a new version directory ({@code <modelRoot>/<kind>-<yyyyMMdd-HHmmss>}); measures
 * the candidate and the active version on the same holdout ({@link ModelTrainer#evaluate}); then the <b>model
 * gate</b>: the candidate is published only if its NDCG@10 is at least the active version's minus {@link
 * LifecycleConfig#gateMargin} (always, when nothing is served; never, when the active version cannot be measured:
 * the candidate is then kept, registered, but not served). The
 * decision and both numbers are logged (one line per version starting {@code model gate:}, once the decision is final:
 * after the refit and the hot swap, which may still turn it to {@code rejected}), written into the version's {@code
 * model.json} as {@code gate}, and the version is registered in the store with its holdout metrics either way.
 * Publication marks it active in the registry and hot-swaps it ({@link ServedVersion#serve}: requests already
 * running finish on the old model); a rejected version stays on disk and in the registry and can be activated by
 * hand.
 *
 * <p>Fairness: a version trained here saw only events before its cut ({@code trainedUntilMillis} in its {@code
 * model.json}); when the active version's training data reach past the newest share's cut (a job soon after the last,
 * or back-filled events), the holdout starts after them instead if {@link #MIN_HOLDOUT_USERS} users have events
 * there, else the active version is measured on events it learnt, with a note, or, when it learnt every event (a
 * refit), the job stops. A version trained
 * outside the server ({@code attune train}, {@code attune demo}) may have been trained on part of the holdout, which
 * favours it; the gate then says so in {@code note}. A candidate has not learnt from the held-out newest events; with
 * {@link LifecycleConfig#refitPublished} a published one is trained again on every event and that model served
 * ({@link #refit}), else a later job's candidate learns them once its holdout has moved past them.
 *
 * <p>States of a job: {@code queued}, {@code training}, {@code evaluating}, {@code refitting} (a published candidate
 * trained again on every event, with {@link LifecycleConfig#refitPublished}), then {@code published}, {@code
 * rejected} or {@code failed}. Thread-safe.
 */
final class ModelLifecycle implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelLifecycle.class);
  private static final DateTimeFormatter VERSION_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter JOB_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
  /** Fewest events a job trains on; fewer fail the job with a message. */
  static final int MIN_EVENTS = 20;
  /**
   * How far below another model trained on the same events a model may score and still count as trained well (a
   * share of the other's NDCG@10): for a candidate of the active version's own events against the active version, and
   * for the refit against its candidate. Two trainings of the same events differed by up to 10% on a QA run (0.1283
   * against 0.1409) and by 11% on the holdouts of a few hundred events between two jobs (MovieLens-100K, 6 epochs:
   * 0.0637 against 0.0719); a looser bound would let real regressions through, since each job compares only with the
   * one before it.
   */
  static final double SAME_EVENTS_TOLERANCE = 0.2;

  /**
   * How far two trainings of the same events may differ on a holdout of {@code users} users by chance alone, at
   * NDCG@10 {@code ndcg}: a standard error of a mean of per-user NDCG (each in [0, 1], so its variance is at most the
   * mean), {@code sqrt(ndcg / users)}. At an NDCG of 0.1 and more on the thousand users the 20% tolerance was set from,
   * it is the smaller; near 0.002 on a few hundred users (an operator QA run on Last.fm HetRec) a hit or two decides,
   * and 20% failed two good refits of three as trainings gone wrong.
   */
  static double chanceDifference(double ndcg, int users) {
    return users <= 0 || !(ndcg > 0) ? 0 : Math.sqrt(ndcg / users);
  }

  /** How far a version may fall below another in one scene: from that scene's NDCG@10 and holdout users. */
  @FunctionalInterface
  interface SceneTolerance {
    double allowed(double referenceNdcg, int users);
  }

  /**
   * A transfer model's gate scene by scene ({@link ModelEvaluation#byScene}): for each scene {@code reference} was
   * measured in, {@code measured}'s NDCG@10 there against the reference's less what {@code tolerance} allows on that
   * scene's holdout users; a scene the reference serves and {@code measured} does not fails (its users would lose
   * their model), one only {@code measured} serves is not compared. Empty for models measured as a whole. Why: the
   * pooled mean let a candidate much worse in a small scene pass on a large one's figures (a QA run), and a scene's
   * holdout is smaller than the whole, so its noise is larger.
   */
  static List<Map<String, Object>> sceneGates(Map<String, Double> measured, Map<String, Double> reference,
      SceneTolerance tolerance) {
    return sceneGates(measured, "candidateNdcg10", reference, "activeNdcg10", tolerance);
  }

  /**
   * As {@link #sceneGates(Map, Map, SceneTolerance)}, the two figures under the names given (a refit is measured
   * against its candidate: "activeNdcg10" named the candidate's, a QA run); scenes in name order.
   */
  static List<Map<String, Object>> sceneGates(Map<String, Double> measured, String measuredName,
      Map<String, Double> reference, String referenceName, SceneTolerance tolerance) {
    Map<String, double[]> mine = ModelEvaluation.byScene(measured);
    Map<String, double[]> theirs = new java.util.TreeMap<>(ModelEvaluation.byScene(reference));
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    for (Map.Entry<String, double[]> e : theirs.entrySet()) {
      double[] own = mine.get(e.getKey());
      int users = (int) e.getValue()[1];
      double allowed = tolerance.allowed(e.getValue()[0], users);
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("scene", e.getKey());
      g.put(measuredName, own == null ? null : own[0]);
      g.put(referenceName, e.getValue()[0]);
      g.put("holdoutUsers", users);
      g.put("allowed", allowed);
      g.put("passed", own != null && own[0] >= e.getValue()[0] - allowed);
      out.add(g);
    }
    return out;
  }

  /** The scenes of {@code gates} that did not pass, for a note ("music, book"). */
  static String failedScenes(List<Map<String, Object>> gates) {
    return String.join(", ", gates.stream().filter(g -> !Boolean.TRUE.equals(g.get("passed")))
        .map(g -> (String) g.get("scene")).toList());
  }

  /** Fewest holdout users for a holdout limited to events the active version has not seen. */
  static final int MIN_HOLDOUT_USERS = 10;
  /** The job that trained a version, in its {@code model.json}: id, trigger, start, last epoch and loss. */
  static final String JOB_KEY = "job";
  /** The store's number of events when the job began, in its version's {@code model.json}. */
  static final String STORE_EVENTS_KEY = "storeEventsAtJob";
  /**
   * The store's last arrival sequence number when the job began ({@link Store#lastSequence}), in its version's {@code
   * model.json}: the events stored since are those after it, whatever was deleted meanwhile.
   */
  static final String STORE_SEQUENCE_KEY = "storeSequenceAtJob";
  /** The suffix of a version's directory while its job builds it ({@code .<version>.partial}). */
  static final String PARTIAL_SUFFIX = ".partial";

  private final Store store;
  private final ModelTrainer trainer;
  private final LifecycleConfig config;
  private final ServedVersion served;
  private final Recommendations recommendations;
  private final ObjectMapper json;
  private final LongSupplier clock;
  private final ExecutorService worker;
  private final ScheduledExecutorService scheduler;
  private final AtomicLong eventsSinceTraining = new AtomicLong();
  private final AtomicLong jobs = new AtomicLong();
  /** The running job, or the last one; null before the first. Guarded by this. */
  private Job job;

  ModelLifecycle(Store store, ModelTrainer trainer, LifecycleConfig config, ServedVersion served,
      Recommendations recommendations, ObjectMapper json, LongSupplier clock) {
    this.store = store;
    this.trainer = trainer;
    this.config = config;
    this.served = served;
    this.recommendations = recommendations;
    this.json = json;
    this.clock = clock;
    this.worker = trainer == null ? null
        : Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("attune-training").unstarted(r));
    this.scheduler = trainer == null || config.trainEvery() == null ? null
        : Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("attune-training-schedule")
            .unstarted(r));
  }

  /**
   * Starts the schedule, if one is configured and a trainer is present, after removing the half-built versions of
   * jobs killed before they finished.
   */
  void start() {
    restore();
    if (scheduler != null) {
      long every = config.trainEvery().toMillis();
      // counted from the last job, not from this start: a server restarted more often than its schedule still trains
      Job last = current();
      // at most one period away: a last job that finished while the clock ran ahead (set back since) must not put the
      // first run days or years off (a review)
      long first = last == null ? every
          : Math.min(every, Math.max(0, last.finishedAtMillis + every - clock.getAsLong()));
      scheduler.scheduleAtFixedRate(() -> {
        if (held("schedule")) return;
        if (tryStart("schedule") == null) LOG.info("scheduled training skipped: a job is still running");
      }, first, every, TimeUnit.MILLISECONDS);
    }
  }

  private boolean restored;

  /**
   * Removes the half-built versions of jobs killed before they finished and restores the last job ({@link
   * #restoreLastJob}); once. Before the port opens: a job a request started first had its event count overwritten by
   * the restore, and a second job followed (a review).
   */
  synchronized void restore() {
    if (restored || trainer == null) return;
    restored = true;
    removePartialVersions();
    markUnregisteredPublished();
    restoreLastJob();
    removeOldVersions(); // a keepVersions lowered since the last start applies at once
  }

  /**
   * The version this store's last job moved into place but did not register (the server was killed between the two,
   * or the store never answered the registration) was never served, yet its gate says "published", and the model
   * list shows it beside the others: its gate is marked failed, as a job's failure after registration marks it. The
   * version stays, to be activated by hand. Only the version this store's job record names: other stores' servers
   * share a model root, and their versions are theirs (a review).
   */
  private void markUnregisteredPublished() {
    Path file = jobRecord();
    if (!Files.isRegularFile(file)) return;
    String version;
    try {
      version = json.readValue(file.toFile(), Map.class).get("version") instanceof String v ? v : null;
    } catch (IOException | RuntimeException e) {
      return; // an unreadable record is said by restoreLastJob
    }
    if (version == null || store.modelVersions().stream().anyMatch(v -> v.id().equals(version))) return;
    Path dir = modelRoot().resolve(version);
    if (!Files.isRegularFile(dir.resolve("model.json"))) return;
    try {
      if (!(ModelDirectory.readInfo(dir).get("gate") instanceof Map<?, ?> gate)
          || !"published".equals(gate.get("decision"))) {
        return;
      }
      LOG.warn("version {} was published by a training job but never registered (the server stopped, or the store did"
          + " not answer, in between): marked failed; it was not served, and can be activated by hand", dir);
      markFailed(dir, "the server stopped, or the store did not answer, before this version was registered; it was not"
          + " served");
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not read version {} at start: {}", dir, e.getMessage());
    }
  }

  /**
   * The last job of an earlier run of the server, from the newest registered version with a gate decision: shown as
   * the last job, and the events stored since it count toward {@code retrainAfterEvents} again.
   */
  private void restoreLastJob() {
    Store.ModelVersion newest = null;
    Map<?, ?> gate = null;
    Map<?, ?> jobInfo = Map.of();
    Object eventsAtJob = null;
    Object sequenceAtJob = null;
    // newest first, reading model.json files only until the first a job wrote
    List<Store.ModelVersion> versions = new java.util.ArrayList<>(store.modelVersions());
    versions.sort(Comparator.comparingLong(Store.ModelVersion::createdAtMillis).reversed());
    for (Store.ModelVersion v : versions) {
      try {
        Map<String, Object> info = ModelDirectory.readInfo(Path.of(v.path()));
        if (!(info.get("gate") instanceof Map<?, ?> g)) continue; // not trained by a job
        newest = v;
        gate = g;
        jobInfo = info.get(JOB_KEY) instanceof Map<?, ?> m ? m : Map.of();
        eventsAtJob = info.get(STORE_EVENTS_KEY);
        sequenceAtJob = info.get(STORE_SEQUENCE_KEY);
        break;
      } catch (IOException | RuntimeException e) {
        // a version whose directory is gone tells nothing about the last job
      }
    }
    if (newest == null) {
      Job recorded = recordedJob(-1);
      synchronized (this) {
        if (job == null) job = recorded;
      }
      if (recorded != null) holdAfterKill(recorded);
      return;
    }
    long decided = gate.get("decidedAtMillis") instanceof Number n ? n.longValue() : newest.createdAtMillis();
    long started = jobInfo.get("startedAtMillis") instanceof Number n ? n.longValue() : decided;
    Job restored = new Job(jobInfo.get("id") instanceof String id ? id
        : "job-" + JOB_TIME.format(Instant.ofEpochMilli(decided)) + "-before-restart",
        String.valueOf(gate.get("trigger")), started);
    if (jobInfo.get("epoch") instanceof Number n) restored.epoch = n.intValue();
    if (jobInfo.get("loss") instanceof Number n) restored.loss = n.doubleValue();
    restored.version = newest.id();
    restored.holdout = gate.get("holdout") == null ? null : String.valueOf(gate.get("holdout"));
    @SuppressWarnings("unchecked")
    Map<String, Object> restoredGate = (Map<String, Object>) gate;
    restored.gate = restoredGate;
    String decision = String.valueOf(gate.get("decision"));
    restored.finish(decision, decided, decision.equals("failed") ? String.valueOf(gate.get("note")) : null);
    // a job after it that built no version (it failed, or the server stopped or was killed during it) is the last job
    Job recorded = recordedJob(started);
    if (recorded != null && !recorded.id.equals(restored.id)) restored = recorded;
    if (sequenceAtJob instanceof Number n) {
      eventsSinceTraining.set(store.countEventsAfter(n.longValue()));
    } else if (eventsAtJob instanceof Number n) {
      // a version written before the sequence was recorded: deletions since the job make this count too low
      eventsSinceTraining.set(Math.max(0, store.counts().events() - n.longValue()));
    }
    synchronized (this) {
      if (job == null) job = restored;
    }
    holdAfterKill(restored);
    dueByEvents(); // the events stored since the last job, across the restart, may have reached the trigger
  }

  /** Whether the server can train (it was given a trainer). */
  boolean canTrain() {
    return trainer != null;
  }

  /** The model name the next job trains (the engine for what is served now), or null without a trainer. */
  String trainerKind() {
    return trainer == null ? null : trainer.forServed(recommendations.model() == null ? null : served.dir()).kind();
  }

  /**
   * Starts a job now (the admin's "train now").
   *
   * @throws ApiException 503 without a trainer, 409 while a job runs
   */
  Map<String, Object> trainNow() {
    if (trainer == null) {
      throw new ApiException(503, "no_trainer", "this server has no training engine; start it with 'attune serve'"
          + " (which retrains a served model as its kind, or as SASRec when it cannot) or train with 'attune"
          + " train --out <dir>' and activate the directory", null);
    }
    Job j = tryStart("admin");
    if (j == null) {
      Job running = current();
      throw new ApiException(409, "training_running", "a training job is already running: "
          + (running == null ? "?" : running.id), null);
    }
    return j.toMap();
  }

  /**
   * Counts newly stored events toward {@link LifecycleConfig#retrainAfterEvents}, but those of users the latest abuse
   * review quarantined, which no job trains on (a flagged crowd posting thousands of events a second started a job
   * every second, each with nothing new to learn); starts a job when the count is reached.
   *
   * @param stored the events the store has just stored (not duplicates), with their users' ids as stored
   */
  void eventsStored(List<dev.attune.events.Event> stored) {
    if (stored.isEmpty() || trainer == null) return;
    java.util.Set<String> quarantined = quarantinedIds;
    int counted = 0;
    for (dev.attune.events.Event e : stored) if (!quarantined.contains(e.userId())) counted++;
    if (counted == 0) return;
    eventsSinceTraining.addAndGet(counted);
    dueByEvents();
  }

  /** Starts a job when the events since the last one reach {@link LifecycleConfig#retrainAfterEvents}. */
  private void dueByEvents() {
    if (config.retrainAfterEvents() > 0 && eventsSinceTraining.get() >= config.retrainAfterEvents()
        && !held("events")) {
      try {
        tryStart("events");
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // the server is stopping: no new job
      }
    }
  }

  /** The running job, or the last one, or null. */
  synchronized Job current() {
    return job;
  }

  /** What {@code GET /v1/admin/training} answers: whether the server can train, the triggers, and the job. */
  /**
   * The abuse detection of the latest job, run over the whole store before training.
   *
   * @param report what it flagged
   * @param atMillis when it ran
   */
  record AbuseReview(AbuseDetector.Report report, long atMillis) {}

  private volatile AbuseReview lastAbuse;

  /** The latest job's abuse detection, or null before the first job. */
  AbuseReview lastAbuseReview() {
    return lastAbuse;
  }

  /**
   * Runs the abuse detection over {@code stored} (the store's events), keeps its report as the latest review and tells
   * the listener ({@link #onAbuseReviewed}); one review at a time.
   */
  AbuseDetector.Report review(Dataset stored) {
    synchronized (reviewLock) {
      AbuseDetector.Report abuse = new AbuseDetector(AbuseDetector.Params.DEFAULTS).detect(stored);
      setLastAbuse(new AbuseReview(abuse, clock.getAsLong()));
      Runnable reviewed = abuseReviewListener;
      if (reviewed != null) reviewed.run();
      return abuse;
    }
  }

  private final Object reviewLock = new Object();

  /** The ids of the users the latest review quarantined (empty before the first review). */
  java.util.Set<String> quarantinedUserIds() {
    return quarantinedIds;
  }

  /**
   * The ids of the users {@link #lastAbuse} quarantined, kept with it: every stored batch is checked against them
   * ({@link #eventsStored}).
   */
  private volatile java.util.Set<String> quarantinedIds = java.util.Set.of();

  /** Makes {@code r} the latest review, and its quarantined users {@link #quarantinedIds}. */
  private void setLastAbuse(AbuseReview r) {
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (AbuseDetector.Flag f : r.report().flags()) if (r.report().quarantined()[f.userIndex()]) ids.add(f.userId());
    synchronized (reviewLock) {
      lastAbuse = r;
      quarantinedIds = java.util.Set.copyOf(ids);
    }
  }

  /** Drops a deleted user from the last review (the flag named them, and what the service holds on them goes). */
  void forgetUser(String userId) {
    // read and written under the review's lock: read before a running review ended, the older review less this user
    // was written over the new one, and the users it flagged were counted again (a review)
    synchronized (reviewLock) {
      AbuseReview r = lastAbuse;
      if (r == null) return;
      List<AbuseDetector.Flag> kept = r.report().flags().stream().filter(f -> !f.userId().equals(userId)).toList();
      if (kept.size() == r.report().flags().size()) return;
      boolean[] quarantined = r.report().quarantined().clone();
      for (AbuseDetector.Flag f : r.report().flags()) {
        if (f.userId().equals(userId)) quarantined[f.userIndex()] = false;
      }
      setLastAbuse(new AbuseReview(new AbuseDetector.Report(kept, quarantined, r.report().pushedItems(),
          r.report().coherence()), r.atMillis()));
    }
  }

  Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("available", trainer != null);
    out.put("trainer", trainerKind());
    Job j = current();
    out.put("running", j != null && !j.finished());
    out.put("job", j == null ? null : j.toMap());
    Map<String, Object> triggers = new LinkedHashMap<>();
    triggers.put("trainEvery", config.trainEvery() == null ? null : config.trainEvery().toString());
    triggers.put("retrainAfterEvents", config.retrainAfterEvents());
    triggers.put("eventsSinceTraining", eventsSinceTraining.get());
    long until = automaticHeldUntil;
    triggers.put("heldUntilMillis", until > clock.getAsLong() ? until : null);
    out.put("triggers", triggers);
    out.put("gateMargin", config.gateMargin());
    out.put("holdoutFraction", config.holdoutFraction());
    out.put("keepVersions", config.keepVersions());
    return out;
  }

  /** The hold of automatic jobs after the first job a kill ended; doubled for each further one in a row. */
  static final Duration KILL_HOLD = Duration.ofMinutes(10);
  /** The longest hold ({@link #KILL_HOLD} doubled at most this far). */
  static final Duration MAX_KILL_HOLD = Duration.ofHours(24);
  /** Jobs in a row a kill ended, as the last one's record said at start; guarded by this. */
  private int killedInARow;
  /** Until when the schedule and the event trigger start no job (epoch ms; 0: no hold). */
  private volatile long automaticHeldUntil;
  /** Set when the server stops: the event trigger's check at a hold's end does nothing then. */
  private volatile boolean closed;
  /** When {@link #held} last logged that it held a job back (one line per hold). */
  private volatile long heldLoggedFor = -1;

  /**
   * After a restart that finds the last job ended by a kill, holds the automatic triggers back for a while: a job the
   * system's out-of-memory killer ends takes the server with it, and the restarted server started it again at once
   * (its events still counted), so it ran out of memory again, restart after restart, and served between kills only
   * (a review). {@link #KILL_HOLD} after one kill, doubled for each further kill in a row, at most {@link
   * #MAX_KILL_HOLD}; a job the admin starts is not held (and a kill of it lengthens the next hold).
   */
  private void holdAfterKill(Job last) {
    if (!last.killed) return;
    int kills = last.killedBefore + 1;
    long hold = Math.min(MAX_KILL_HOLD.toMillis(), KILL_HOLD.toMillis() << Math.min(kills - 1, 20));
    synchronized (this) {
      killedInARow = kills;
    }
    automaticHeldUntil = clock.getAsLong() + hold;
    // the event trigger counted on meanwhile: due at the hold's end, not at the first event after it
    java.util.concurrent.CompletableFuture.delayedExecutor(hold, TimeUnit.MILLISECONDS).execute(() -> {
      if (!closed) dueByEvents();
    });
    LOG.warn("the last training job ({}) ended with the server, {} in a row so: the schedule and the event trigger"
        + " start no job until {} (POST /v1/admin/models/train still does); if the system killed it for want of memory,"
        + " give the machine more or train a smaller model", last.id, kills,
        Instant.ofEpochMilli(automaticHeldUntil));
  }

  /** Whether the automatic {@code trigger} is held back after a kill ({@link #holdAfterKill}); logs it once. */
  private boolean held(String trigger) {
    long until = automaticHeldUntil;
    if (until == 0 || clock.getAsLong() >= until) return false;
    if (heldLoggedFor != until) {
      heldLoggedFor = until;
      LOG.info("training by {} held back until {}: the last job ended with the server", trigger,
          Instant.ofEpochMilli(until));
    }
    return true;
  }

  /**
   * Lifts the hold after kills for job {@code j} about to end, well or not, without taking the server along (a review:
   * an admin's job that published left the triggers off for up to a day); before the job shows as ended, so that no
   * one reads it ended and the hold still on. Not for a job the server's stop ends.
   */
  private void liftHold(Job j) {
    if (!j.cancelled) automaticHeldUntil = 0;
  }

  /** Queues a job unless one runs; returns it, or null when one runs. */
  private Job tryStart(String trigger) {
    Job j;
    synchronized (this) {
      if (job != null && !job.finished()) return null;
      long now = clock.getAsLong();
      // the start time to the millisecond keeps ids unique across restarts (a counter alone began at job-1 again)
      j = new Job("job-" + JOB_TIME.format(Instant.ofEpochMilli(now)) + "-" + jobs.incrementAndGet(), trigger, now);
      // the version served when the job is asked for, not when its thread gets to it: an activation in between is
      // one the candidate was not measured against
      j.activeAtStart = recommendations.model() == null ? null : served.dir();
      j.killedBefore = killedInARow; // a kill of this job too makes the next hold longer
      killedInARow = 0; // and the job after it, having no kill before it, counts none
      job = j;
      eventsSinceTraining.set(0);
    }
    worker.execute(() -> {
      run(j);
      // once run's frame is gone: called in its finally, the job's data set was still reachable from the frame, and
      // the GC kept about 530 MB of it (QA, Beauty)
      if (!j.cancelled) releaseMemory();
    });
    return j;
  }

  private void run(Job j) {
    Path out = null;
    Path lockFile = null;
    FileLockHold lock = null;
    boolean registered = false;
    boolean inPlace = false; // moved to the version's name
    try {
      enter(j, "training");
      // read before the data set: an event stored in between is trained on and still counted as new, not lost
      long sequenceAtJob = store.lastSequence();
      Dataset stored = store.toDataset("store");
      // bots and shilling profiles never train a model; the report is kept for review (GET /v1/admin/quality)
      AbuseDetector.Report abuse = review(stored);
      j.quarantined = abuse.quarantinedCount();
      LOG.info("training job {} ({}) started: {} events of {} users, {} quarantined", j.id, j.trigger,
          stored.events().size(), stored.numUsers(), abuse.quarantinedCount());
      Dataset ds = abuse.quarantinedCount() == 0 ? stored : AbuseDetector.withoutQuarantined(stored, abuse);
      if (ds.events().size() < MIN_EVENTS) {
        throw new IllegalStateException(abuse.quarantinedCount() == 0
            ? "the store holds " + ds.events().size() + " events; training needs at least " + MIN_EVENTS
            : "the store holds " + stored.events().size() + " events, " + ds.events().size() + " of them from users"
                + " who are not quarantined (" + abuse.quarantinedCount() + " are: GET /v1/admin/quality); training"
                + " needs at least " + MIN_EVENTS);
      }
      // the holdout: the newest holdoutFraction of events, or, when the active version was trained by this lifecycle
      // on later events than that cut, only the events after its training data (which it has not seen) if enough
      Path activeAtStart = j.activeAtStart;
      ModelTrainer engine = trainer.forServed(activeAtStart);
      Long activeUntil = activeAtStart == null ? null : trainedUntil(activeAtStart);
      long cutoff = fractionCutoff(ds, config.holdoutFraction());
      String holdoutNote = null;
      Split split = null;
      // the candidate learns no event the active version did not: the events since it are the holdout
      boolean sameEventsAsActive = false;
      if (activeUntil != null && activeUntil > cutoff) {
        Split later = Splits.temporal(ds, ModelTrainer.WEIGHTS, activeUntil);
        if (later.testing().holdout().numUsersWithItems() >= MIN_HOLDOUT_USERS) {
          split = later;
          cutoff = activeUntil;
          sameEventsAsActive = true;
        } else if (learntEverything(activeAtStart)) {
          // the active version learnt every event up to its job: measured on the newest share, it would be compared
          // on events it learnt, and any candidate rejected after a training for nothing
          throw new IllegalStateException("too few new events since the active version was trained on every event: "
              + describeHoldoutUsers(ds, activeUntil, later.testing().holdout().numUsersWithItems(),
                  abuse.quarantinedCount()) + ": nothing to measure a candidate on yet");
        } else {
          holdoutNote = "too few events since the active version's training data for a holdout it has not seen: it"
              + " was trained on part of this one";
        }
      } else if (activeAtStart != null && activeUntil == null) {
        holdoutNote = Files.isRegularFile(activeAtStart.resolve("model.json"))
            ? "the active version was not trained by the server: it may have been trained on part of the holdout"
            : "the active version's directory (" + activeAtStart + ") is gone, so what it was trained on is not"
                + " known: it may have been trained on part of the holdout";
      }
      boolean randomHoldout = split == null && !anyBefore(ds, cutoff);
      if (randomHoldout) {
        // the times do not separate a newest share (e.g. an import of ratings without time: every event at one
        // time), so a time cut would leave nothing to train on: hold out a seeded random share of each user's items
        long newest = newestTime(ds);
        long cutoffBefore = cutoff;
        split = Splits.randomRatio(ds, ModelTrainer.WEIGHTS, config.holdoutFraction(), config.seed());
        cutoff = newest + 1;
        long untimed = 0;
        for (int r = 0; r < ds.events().size(); r++) if (ds.events().time(r) == 0) untimed++;
        // say why in the data's terms: most often the events carry no time (ratings imported without one)
        String why = "the events' times do not separate the newest " + config.holdoutFraction() + " of them ("
            + (untimed > 0 ? untimed + " of the " + ds.events().size() + " events have no time (timestamp 0)"
                : "no event before " + Instant.ofEpochMilli(cutoffBefore)) + "): the holdout is a random "
            + config.holdoutFraction() + " of each user's items";
        holdoutNote = holdoutNote == null ? why : why + "; " + holdoutNote;
      }
      if (split == null) split = Splits.temporal(ds, ModelTrainer.WEIGHTS, cutoff);
      if (split.testing().holdout().numUsersWithItems() == 0) {
        throw new IllegalStateException(randomHoldout
            ? "the holdout (a random " + config.holdoutFraction() + " of each user's items) is empty: no user has"
                + " two or more items"
            : "the holdout (newest " + config.holdoutFraction() + " of events) has no user with events before and"
                + " after the time cut");
      }
      j.holdout = split.protocol();
      // the name is reserved by its lock, taken before anything is written: a server sharing the model root that
      // starts a job in the same second takes the next name
      Path versionDir = null;
      for (Path candidateDir : versionDirs(engine.kind())) {
        lock = FileLockHold.tryTake(buildLock(partialDir(candidateDir)));
        if (lock != null) {
          versionDir = candidateDir;
          break;
        }
      }
      if (versionDir == null) throw new IOException("no free version name under " + modelRoot());
      j.version = versionDir.getFileName().toString();
      recordJob(j); // with its version: a restart tells a dead job's from a live one by that version's build
      lockFile = buildLock(partialDir(versionDir));
      // built under a hidden name and renamed when complete, then registered: a job killed midway (SIGKILL) leaves no
      // directory that looks like a finished version beside the served one; start() removes such leftovers
      out = partialDir(versionDir);
      // with the refit on, a candidate of the active version's own events repeats the active version's training (the
      // same events, settings and seed: equal NDCG@10 in 69 of 69 gate lines of a QA run), only to check that training
      // works before the refit learns the new events: the active version stands in for it, and the job trains once
      Map<String, Double> standIn = sameEventsAsActive && config.refitPublished()
          ? standInFor(engine, activeAtStart, ds, split, j) : null;
      Map<String, Double> candidate;
      if (standIn != null) {
        candidate = standIn;
        Files.createDirectories(out); // the refit's, below
      } else {
        engine.train(ds, split, out, config.seed(), j);
        j.checkCancelled();
        // measured as it will be served: without the rows of items it never learnt, as the active version is
        writeUntrainedItems(out, split, engine.kind());
        enter(j, "evaluating");
        candidate = engine.evaluate(out, ds, split);
      }
      Double candidateNdcg = candidate.get("NDCG@10");
      if (candidateNdcg == null || !Double.isFinite(candidateNdcg)) {
        throw new IllegalStateException("the candidate's NDCG@10 could not be measured: " + candidate);
      }
      Path activeDir = recommendations.model() == null ? null : served.dir();
      String activeVersion = activeDir == null ? null : recommendations.model().version();
      Double activeNdcg = null;
      Map<String, Double> activeMetrics = Map.of();
      String note = null;
      boolean activeMeasured = activeDir == null;
      if (activeDir != null) {
        try {
          activeMetrics = standIn != null && activeDir.equals(activeAtStart) ? candidate // measured just before
              : engine.evaluate(activeDir, ds, split);
          activeNdcg = activeMetrics.get("NDCG@10");
          activeMeasured = activeNdcg != null && Double.isFinite(activeNdcg);
          if (!activeMeasured) {
            // said as the failure below is: a rejection without a word looked like a candidate beaten (a review)
            note = "the active version's NDCG@10 on this holdout is " + activeNdcg + ": the candidate is not"
                + " compared, so it is kept but not served; activate it by hand if it should be";
          }
        } catch (IOException | RuntimeException e) {
          note = "the active version could not be measured (" + e.getMessage() + "): the candidate is not compared,"
              + " so it is kept but not served; activate it by hand if it should be";
        }
      } else {
        note = "no model was served";
      }
      if (holdoutNote != null) note = note == null ? holdoutNote : note + "; " + holdoutNote;
      if (standIn != null) {
        String why = "the candidate would have learnt exactly the active version's events: the active version stood"
            + " in for it (its NDCG@10 is the candidate's), and only the model of every event was trained";
        note = note == null ? why : why + "; " + note;
      }
      // the holdout and its rule were chosen for the version served when the job began: another one activated since
      // is not what they fit, and the admin's choice stands
      boolean activeChanged = !java.util.Objects.equals(activeDir, activeAtStart);
      if (activeChanged) {
        String why = "another version was activated while the candidate trained: the holdout was chosen for the one"
            + " served before, so the candidate is not published over it (activate it by hand)";
        note = note == null ? why : why + "; " + note;
      }
      if (activeMeasured && !activeChanged && activeNdcg != null && activeNdcg == 0) {
        // news QA: a holdout of clicks on articles newer than the active version scored it 0, and every candidate
        // passed (the rule's text was right, yet nothing said the comparison had been empty)
        String empty = "the active version's NDCG@10 on this holdout is 0 (it found none of the holdout's items, as"
            + " when they are newer than it): the comparison cannot tell a worse candidate, so this one passes whatever"
            + " it scores";
        note = note == null ? empty : note + "; " + empty;
      }
      j.checkCancelled(); // a stop during the measurement is not a version that "could not be measured"
      // a served version the gate cannot measure is not beaten by default: an unchecked candidate could be worse
      // a candidate of the active version's own events differs from it by its training alone: with the refit to learn
      // the new events, the gate checks that this training worked (within the noise of two trainings), not that it
      // learnt more, which it cannot; a strict comparison of two trainings of one data set on a small holdout is a
      // coin toss, which left the new events unlearnt for good when it fell against the candidate
      boolean checkOnly = sameEventsAsActive && config.refitPublished() && activeNdcg != null;
      int holdoutUsers = split.test().numUsersWithItems();
      double allowed = checkOnly ? Math.max(config.gateMargin(), Math.max(SAME_EVENTS_TOLERANCE * activeNdcg,
          chanceDifference(activeNdcg, holdoutUsers))) : config.gateMargin();
      // the version's own metrics leave the scenes' figures to the gate's scenes (a review: the dashboard's metrics
      // table showed "holdout users in music 400.0000")
      Map<String, Double> versionMetrics = ModelEvaluation.withoutScenes(candidate);
      // the active version standing in for the candidate is the same model: nothing to compare scene by scene
      List<Map<String, Object>> sceneGates = standIn != null ? List.of() : sceneGates(candidate, activeMetrics,
          (reference, users) -> Math.max(allowed, chanceDifference(reference, users)));
      boolean everySceneHolds = sceneGates.stream().allMatch(g -> Boolean.TRUE.equals(g.get("passed")));
      boolean publish = activeMeasured && !activeChanged
          && (activeNdcg == null || candidateNdcg >= activeNdcg - allowed && everySceneHolds);
      Map<String, Object> gate = new LinkedHashMap<>();
      // while the refit runs the decision is not made: it may still fail the job or reject the candidate (a QA run
      // read "published" in the job's status for a job that then failed)
      gate.put("decision", !publish ? "rejected" : config.refitPublished() ? "refitting" : "published");
      gate.put("candidateNdcg10", candidateNdcg);
      gate.put("activeVersion", activeVersion);
      gate.put("activeNdcg10", activeNdcg);
      gate.put("margin", config.gateMargin());
      gate.put("rule", standIn != null ? "the active version stood in for a candidate of its own events (the events"
          + " since are the holdout), and the refit learns the new ones: publish if the refit's NDCG@10 on the holdout"
          + " >= the active version's less max(20% of it, sqrt(it / holdout users)) and less the margin"
          : checkOnly ? "the candidate learnt the active version's events (the events since are the"
          + " holdout), and the refit learns the new ones: publish if candidate NDCG@10 >= active NDCG@10 - max(margin,"
          + " 20% of it, sqrt(it / holdout users)); then only if the refit takes its place"
          : "publish if candidate NDCG@10 >= active NDCG@10 - margin");
      if (!sceneGates.isEmpty()) {
        gate.put("rule", gate.get("rule") + "; and in each scene the active version was measured in, candidate NDCG@10"
            + " there >= the active version's less the larger of that allowance and sqrt(its NDCG@10 / the scene's"
            + " holdout users)");
        gate.put("scenes", sceneGates);
        if (activeNdcg != null && candidateNdcg >= activeNdcg - allowed && !everySceneHolds) {
          String worse = "worse than the active version beyond chance, or not serving, in " + failedScenes(sceneGates);
          note = note == null ? worse : note + "; " + worse;
        }
      }
      gate.put("holdout", split.protocol());
      gate.put("holdoutFromMillis", cutoff);
      // how many users the comparison stands on: on a handful it is a coin toss, and a tie publishes (a review)
      gate.put("holdoutUsers", holdoutUsers);
      gate.put("trigger", j.trigger);
      gate.put("decidedAtMillis", clock.getAsLong());
      if (note != null) gate.put("note", note);
      j.publishGate(gate);
      // the "model gate:" line is logged once the decision is final (below): the refit or an activation meanwhile may
      // still reverse it, and log collectors read that line as the version's decision
      j.checkCancelled();
      long trainedUntil = cutoff;
      Split learnt = split;
      if (publish && config.refitPublished()) {
        Map<String, Object> refit = refit(engine, ds, split, out, candidate, standIn != null, j);
        j.checkCancelled();
        gate.put("refit", refit);
        gate.put("decision", "published"); // unless what follows says otherwise
        j.publishGate(gate);
        if (Boolean.TRUE.equals(refit.get("served"))) {
          trainedUntil = refitCut(ds);
          learnt = Splits.temporal(ds, ModelTrainer.WEIGHTS, Long.MAX_VALUE);
        } else if (standIn != null) {
          // no candidate was trained: nothing to keep
          throw new IllegalStateException("the model trained on every event was not served: "
              + refit.get("note"));
        } else if (checkOnly) {
          // published only for the refit to learn the new events: without it, a candidate of the active version's own
          // events, possibly a little worse, has nothing to offer
          publish = false;
          gate.put("decision", "rejected");
          gate.put("note", "the candidate learnt only the active version's events and the refit did not take its"
              + " place: nothing new to serve");
          j.publishGate(gate);
        }
      }
      if (standIn != null && learnt == split) {
        // not published (another version was activated meanwhile), so never refit: the active version stood in for a
        // candidate that was not trained, and there is nothing to keep
        throw new IllegalStateException(String.valueOf(gate.get("note")));
      }
      writeGate(out, gate, versionMetrics, standIn != null, trainedUntil, stored.events().size(), sequenceAtJob, j);
      writeUntrainedItems(out, learnt, engine.kind());
      Files.move(out, versionDir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      out = versionDir;
      inPlace = true;
      register(new Store.ModelVersion(j.version, engine.kind(), out.toString(), clock.getAsLong(), versionMetrics,
          false), j);
      registered = true;
      if (publish && !served.serveIfStill(activeDir, j.version, out, served.read(out))) {
        // the admin activated another version while this one was measured: it was compared with the version it
        // would no longer replace, so the admin's choice stands
        publish = false;
        gate.put("decision", "rejected");
        gate.put("note", standIn != null
            ? "another version was activated while the model of every event was trained (" + activeVersion + " stood in"
            + " for its candidate): not published over it, for it was never compared with it (activate this version by"
            + " hand)"
            : "another version was activated while the candidate was measured against " + activeVersion
            + " (or trained again): not published over it, for it was never compared with it (activate the candidate by"
            + " hand)");
        if (gate.get("refit") instanceof Map<?, ?> refit && Boolean.TRUE.equals(refit.get("served"))) {
          // this version holds the model trained on every event, and is not served: said so, not "served"
          Map<String, Object> kept = new LinkedHashMap<>();
          kept.put("served", false);
          kept.put("holdoutNdcg10", refit.get("holdoutNdcg10"));
          kept.put("trainedUntilMillis", refit.get("trainedUntilMillis"));
          kept.put("note", "this version holds the model trained on every event; not published");
          gate.put("refit", kept);
        }
        j.publishGate(gate);
        writeGate(out, gate, versionMetrics, standIn != null, trainedUntil, stored.events().size(), sequenceAtJob, j);
      }
      // one line per version, with the decision its model.json records
      LOG.info("model gate: version={} decision={} candidateNdcg10={} activeVersion={} activeNdcg10={} margin={}"
          + " holdout={} holdoutUsers={} trigger={}{}", j.version, gate.get("decision"), candidateNdcg, activeVersion,
          activeNdcg, config.gateMargin(), split.protocol(), gate.get("holdoutUsers"), j.trigger,
          gate.get("note") == null ? "" : " note=" + gate.get("note"));
      liftHold(j);
      j.finish(publish ? "published" : "rejected", clock.getAsLong(), null);
      LOG.info("training job {} ({}) {} version {} in {} s", j.id, j.trigger, j.state, j.version,
          (j.finishedAtMillis - j.startedAtMillis) / 1000);
    } catch (Exception | Error e) {
      // an Error too (out of memory): left to the executor, it ended the job nowhere, and every later job was
      // refused as "already running" until a restart (a review)
      String error = e.getMessage() == null ? e.toString() : e.getMessage();
      if (e instanceof OutOfMemoryError) {
        error = "the server ran out of memory while training (" + error + "): give it more heap (-Xmx, or"
            + " ATTUNE_JAVA_OPTS) or train fewer epochs or a smaller model";
      }
      if (j.cancelled) {
        // the stop surfaces however the trainer was waiting (an interrupt, a closed engine): said as the stop it is
        error = STOPPED;
        LOG.warn("training job {} ({}) stopped with the server", j.id, j.trigger);
      } else if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
        // what the data or the settings did not allow (too few events, no holdout): said, no stack trace
        LOG.warn("training job {} ({}) failed: {}", j.id, j.trigger, e.getMessage());
        LOG.debug("training job {} failed at", j.id, e); // the trace, for ATTUNE_LOG_LEVEL=DEBUG
      } else {
        LOG.error("training job {} ({}) failed", j.id, j.trigger, e);
      }
      // hours of training are not thrown away for a store that did not answer the registration: a version moved
      // into place stays, marked failed (markUnregisteredPublished), to be activated by hand; a half-built one goes
      if (out != null && !registered && !inPlace) ServedVersion.deleteTree(out);
      // its model.json said "published" before it was served
      if (registered) {
        markFailed(out, "the job failed after this version was registered, and it was not served: " + error);
      } else if (inPlace) {
        markFailed(out, "the job failed before this version was registered; it was not served: " + error);
      }
      Map<String, Object> shown = j.gate;
      if (shown != null) {
        // the job's status showed the gate as decided before the failure ("published", refit "served"): a QA run's
        // failed registration read as a version served that exists nowhere
        Map<String, Object> failedGate = new LinkedHashMap<>(shown);
        failedGate.put("decision", "failed");
        // a refit that was not served says why the job failed (a stand-in's check); one said served was not
        if (!(shown.get("refit") instanceof Map<?, ?> refit) || !Boolean.FALSE.equals(refit.get("served"))) {
          failedGate.remove("refit");
        }
        failedGate.put("note", registered ? "the job failed after this version was registered, and it was not served"
            : inPlace ? "the job failed before this version was registered: it is kept, not served, and can be"
            + " activated by hand" : "the job failed, and kept nothing: " + error);
        j.publishGate(failedGate);
      }
      liftHold(j);
      j.finish("failed", clock.getAsLong(), error);
    } finally {
      if (lock != null) {
        try {
          lock.deleteAndClose();
        } catch (IOException e) {
          LOG.warn("could not remove the lock file {} of a finished job", lockFile, e);
        }
      }
      if (j.finished()) recordJob(j);
      if (!j.cancelled) removeOldVersions();
      JobListener l = jobListener;
      if (l != null && j.finished()) l.finished(j.state, j.finishedAtMillis - j.startedAtMillis);
      // events that arrived during the job may have reached the trigger: a burst then quiet is learnt too
      if (!j.cancelled) dueByEvents();
    }
  }

  /**
   * Gives the memory a job's training used back to the system: a GC frees the direct buffers behind the engine's
   * tensors (69 MB a job on Beauty, piling up between the collector's rare cycles), then a trim of the C heap returns
   * what glibc keeps of freed native memory, which nothing else returns (620-720 MB still resident 5 minutes after a
   * job there; docs/benchmarks.md, "Server memory after a training job"). A trim the platform lacks (not glibc) is
   * skipped.
   */
  static void releaseMemory() {
    long start = System.nanoTime();
    System.gc();
    try {
      Object said = java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
          new Object[] {null}, new String[] {String[].class.getName()});
      LOG.debug("memory after a training job: {} ({} ms)", String.valueOf(said).strip(),
          (System.nanoTime() - start) / 1_000_000);
    } catch (javax.management.JMException | RuntimeException e) {
      LOG.debug("the C heap could not be trimmed: {}", e.toString());
    }
  }

  /**
   * The active version's metrics on {@code split}'s holdout, to stand in for a candidate that would repeat its
   * training; null when it cannot: it is no longer the one served, it is of another kind than {@code engine} trains
   * (a retraining engine changed across a restart), or it cannot be measured (the job then trains a candidate and
   * says why the active version could not be measured, as before).
   */
  private Map<String, Double> standInFor(ModelTrainer engine, Path activeAtStart, Dataset ds, Split split, Job j) {
    ServingModel now = recommendations.model();
    if (now == null || activeAtStart == null || !activeAtStart.equals(served.dir())
        || !engine.kind().equals(now.kind())) {
      return null;
    }
    enter(j, "evaluating");
    try {
      Map<String, Double> metrics = engine.evaluate(activeAtStart, ds, split);
      Double ndcg = metrics.get("NDCG@10");
      if (ndcg != null && Double.isFinite(ndcg)) return metrics;
    } catch (IOException | RuntimeException e) {
      LOG.debug("training job {}: the active version cannot stand in for the candidate", j.id, e);
    }
    enter(j, "training"); // a candidate is trained after all
    return null;
  }

  /** Attempts at registering a version before the job fails, the waits between them doubling from 1 s: 15 s in all. */
  private static final int REGISTER_ATTEMPTS = 5;
  /** The first wait between attempts at registering; tests shorten it. */
  static volatile long registerFirstWaitMillis = 1_000;

  /**
   * Registers a job's version, again after a store that did not answer (a PostgreSQL restart takes seconds; the
   * registration is an upsert by id, so a commit whose answer was lost is harmless to repeat): hours of training are
   * not lost to a moment's outage.
   */
  private void register(Store.ModelVersion version, Job j) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        store.saveModelVersion(version);
        return;
      } catch (dev.attune.store.StoreException e) {
        if (attempt == REGISTER_ATTEMPTS) throw e;
        long wait = registerFirstWaitMillis << (attempt - 1);
        LOG.warn("training job {}: registering version {} failed ({}); trying again in {} ms", j.id, version.id(),
            e.getMessage(), wait);
        Thread.sleep(wait);
        j.checkCancelled();
      }
    }
  }

  /**
   * Rewrites the gate of a version registered by a job that failed after (its hot swap or the last write of its
   * gate): its {@code model.json} said {@code published}, which a restart then showed as the last job's outcome and
   * the start-up fallback took as a version fit to serve (a review). Best effort: the job's failure is what is said.
   */
  private void markFailed(Path dir, String note) {
    try {
      updateModelJson(dir, info -> {
        if (info.get("gate") instanceof ObjectNode gate) {
          gate.put("decision", "failed");
          gate.put("note", note);
        }
      });
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not mark version {} as failed in its model.json: {}", dir, e.getMessage());
    }
  }

  /** Told when a training job ends (for metrics). */
  @FunctionalInterface
  interface JobListener {
    /**
     * @param outcome published, rejected or failed
     * @param millis how long the job took
     */
    void finished(String outcome, long millis);
  }

  private volatile JobListener jobListener;
  private volatile Runnable abuseReviewListener;

  /** Sets who is told, before the job trains, that a job's abuse review is done ({@link #quarantinedUserIds}). */
  void onAbuseReviewed(Runnable listener) {
    this.abuseReviewListener = listener;
  }

  /** Sets who is told when a job ends (one listener; null = none). */
  void onJobFinished(JobListener listener) {
    this.jobListener = listener;
  }

  /** The time before which a version's training events lie, when this lifecycle trained it; else null. */
  private Long trainedUntil(Path dir) {
    try {
      Path file = dir.resolve("model.json");
      if (!Files.isRegularFile(file)) return null;
      var n = json.readTree(file.toFile()).get("trainedUntilMillis");
      return n != null && n.canConvertToLong() ? n.asLong() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The cut a model trained on every event of {@code ds} learnt up to: after its newest event, but no later than now,
   * for an event timed in the future (the API takes up to a day ahead; a load checks none) would put every real event
   * before the cut, and no later job could hold out events it has not seen.
   */
  private long refitCut(Dataset ds) {
    return Math.min(newestTime(ds), clock.getAsLong()) + 1;
  }

  /** Whether the version in {@code dir} is a published candidate the server trained again on every event. */
  private boolean learntEverything(Path dir) {
    try {
      // the refit's cut is recorded when its model took the candidate's place, published or not
      var refit = json.readTree(dir.resolve("model.json").toFile()).path("gate").path("refit");
      return refit.has("trainedUntilMillis");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Why the events since {@code since} make no holdout: a holdout user needs an event before it (a history to
   * recommend from) and a liked item since that they had not had before it (a QA run said "0 users have some" of
   * a store where a thousand users had new events, all of them new users).
   *
   * @param holdoutUsers the users the holdout from {@code since} has
   * @param quarantined the users left out of {@code ds} by the abuse review
   */
  static String describeHoldoutUsers(Dataset ds, long since, int holdoutUsers, int quarantined) {
    boolean[] before = new boolean[ds.numUsers()];
    boolean[] after = new boolean[ds.numUsers()];
    for (int r = 0; r < ds.events().size(); r++) {
      if (ds.events().time(r) < since) before[ds.events().user(r)] = true;
      else after[ds.events().user(r)] = true;
    }
    int withNew = 0;
    int newcomers = 0;
    for (int u = 0; u < after.length; u++) {
      if (!after[u]) continue;
      withNew++;
      if (!before[u]) newcomers++;
    }
    int others = Math.max(0, withNew - newcomers - holdoutUsers);
    return "a holdout it has not seen needs " + MIN_HOLDOUT_USERS + " users with an event before " + Instant.ofEpochMilli(
        since) + " who have since liked an item they had not had; " + withNew + " users have events since: "
        + holdoutUsers + " such, " + newcomers + " with no event before (no history to recommend from), " + others
        + " with only items they had before, skips or dislikes"
        + (quarantined > 0 ? " (the events of the " + quarantined + " quarantined users are left out)" : "");
  }

  /** Whether any event lies before {@code cutoff} (a time cut then has something to train on). */
  private static boolean anyBefore(Dataset ds, long cutoff) {
    for (int r = 0; r < ds.events().size(); r++) {
      if (ds.events().time(r) < cutoff) return true;
    }
    return false;
  }

  private static long newestTime(Dataset ds) {
    long newest = Long.MIN_VALUE;
    for (int r = 0; r < ds.events().size(); r++) newest = Math.max(newest, ds.events().time(r));
    return newest;
  }

  /** The cut that leaves {@code fraction} of all events at or after it (as {@link Splits#temporalFraction}). */
  private static long fractionCutoff(Dataset ds, double fraction) {
    int n = ds.events().size();
    long[] times = new long[n];
    for (int r = 0; r < n; r++) times[r] = ds.events().time(r);
    java.util.Arrays.sort(times);
    return n == 0 ? 0 : times[(int) Math.min(n - 1, Math.floor(n * (1 - fraction)))];
  }

  /**
   * Names for a new version under the model root, first the plainest ({@code <kind>-<time>}, then {@code -2}, ...),
   * each not yet a directory nor being built; the caller reserves one by taking its lock.
   */
  private Iterable<Path> versionDirs(String kind) throws IOException {
    Path root = modelRoot();
    Files.createDirectories(root);
    String base = kind + "-" + VERSION_TIME.format(Instant.ofEpochMilli(clock.getAsLong()));
    List<Path> names = new java.util.ArrayList<>();
    for (int n = 1; names.size() < 20 && n < 1000; n++) {
      Path dir = root.resolve(n == 1 ? base : base + "-" + n);
      if (!Files.exists(dir) && !Files.exists(partialDir(dir))) names.add(dir);
    }
    return names;
  }

  /**
   * Adds {@code gate}, {@code trainedUntilMillis} (the version saw only events before it), the store's event count
   * and last sequence number at the job's start and, as its {@code test} (unless the training wrote one), the
   * holdout's metrics to the version's {@code model.json} (written to a temporary file, then moved over it): the store
   * registers them too, but a version folder read without that store (copied, or beside a model another store serves)
   * shows them then. {@code stoodIn}: the metrics are the active version's, standing in for a candidate.
   */
  private void writeGate(Path dir, Map<String, Object> gate, Map<String, Double> holdoutMetrics, boolean stoodIn,
      long trainedUntilMillis, long storeEvents, long storeSequence, Job job) throws IOException {
    updateModelJson(dir, info -> {
      if (!info.has("test")) {
        Map<String, Object> test = new LinkedHashMap<>();
        test.put("protocol", gate.get("holdout"));
        test.put("metrics", holdoutMetrics);
        if (gate.get("refit") instanceof Map<?, ?> refit && Boolean.TRUE.equals(refit.get("served"))) {
          // the served model learnt the holdout: these are its candidate's, the last numbers measured on unseen events
          test.put("measured", stoodIn
              ? "the active version, standing in for a candidate of its own events; this model learnt every event"
              : "the candidate, before it was trained again on every event");
        }
        info.set("test", json.valueToTree(test));
      }
      info.put("trainedUntilMillis", trainedUntilMillis);
      info.put(STORE_EVENTS_KEY, storeEvents);
      info.put(STORE_SEQUENCE_KEY, storeSequence);
      info.set("gate", json.valueToTree(gate));
      // the job as the dashboard showed it, so that a restart shows the same last job
      Map<String, Object> jobInfo = new LinkedHashMap<>();
      jobInfo.put("id", job.id);
      jobInfo.put("trigger", job.trigger);
      jobInfo.put("startedAtMillis", job.startedAtMillis);
      jobInfo.put("epoch", job.epoch);
      jobInfo.put("loss", Double.isFinite(job.loss) ? job.loss : null);
      info.set(JOB_KEY, json.valueToTree(jobInfo));
    });
  }

  /**
   * Changes {@code dir}'s {@code model.json} (an empty object when there is none) by {@code change}, written to a
   * temporary file and moved over it: a kill leaves the old file or the new one.
   */
  private void updateModelJson(Path dir, java.util.function.Consumer<ObjectNode> change) throws IOException {
    Path file = dir.resolve("model.json");
    ObjectNode info = Files.isRegularFile(file) && json.readTree(file.toFile()) instanceof ObjectNode o ? o
        : json.createObjectNode();
    change.accept(info);
    Path tmp = dir.resolve("model.json.tmp");
    json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), info);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Lists in {@code dir}'s {@code model.json} ({@link ModelDirectory#UNTRAINED_ITEMS_KEY}) the items {@code learnt}'s
   * training part did not train ({@link ModelDirectory#untrainedItems}): the served model treats them as items it does
   * not know ({@link ServingModel#read}): recommended as new content, and read in a history by the fallback.
   */
  private void writeUntrainedItems(Path dir, Split learnt, String kind) throws IOException {
    // a sequence network learns an item's row from a step and the next; other kinds from single users too (review)
    List<String> untrained = ModelDirectory.untrainedItems(learnt.trainAndValidation(),
        dev.attune.infer.SequentialModels.KINDS.contains(kind) ? 2 : 1);
    updateModelJson(dir, info -> info.set(ModelDirectory.UNTRAINED_ITEMS_KEY, json.valueToTree(untrained)));
  }

  /** Where a published candidate is trained again on every event, inside the candidate's hidden directory. */
  static final String REFIT_DIR = "refit";
  /** Where the candidate's files wait while the refit's take their place. */
  private static final String CANDIDATE_DIR = "candidate";

  /** Moves the entries of {@code from} into {@code to}, but those named {@code except}. */
  private static void moveFiles(Path from, Path to, String... except) throws IOException {
    java.util.Set<String> skip = java.util.Set.of(except);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.filter(f -> !skip.contains(f.getFileName().toString())).toList()) {
        Files.move(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /**
   * Trains {@code engine} again on every event of {@code ds} (the holdout's too) into {@code out}'s {@link
   * #REFIT_DIR}, and, when that model scores at least the candidate's NDCG@10 less the margin on the holdout (which it
   * learnt from: a check that the training worked, not a measure of it), puts its files in place of the candidate's.
   * A failed or failing refit leaves the candidate, with a note. Returns what the gate records as its {@code refit}.
   */
  private Map<String, Object> refit(ModelTrainer engine, Dataset ds, Split split, Path out,
      Map<String, Double> candidate, boolean standIn, Job j) throws IOException {
    double candidateNdcg = candidate.get("NDCG@10");
    // what a refit that is not served leaves: the candidate, or, when the active version stood in for it, nothing
    String instead = standIn ? "nothing new is served" : "the candidate is kept";
    String compared = standIn ? "the active version's (standing in for the candidate)" : "the candidate's";
    Map<String, Object> info = new LinkedHashMap<>();
    Path refitDir = out.resolve(REFIT_DIR);
    enter(j, "refitting");
    try {
      engine.train(ds, Splits.temporal(ds, ModelTrainer.WEIGHTS, Long.MAX_VALUE), refitDir, config.seed(), j);
      j.checkCancelled();
      Map<String, Double> refitMetrics = engine.evaluate(refitDir, ds, split);
      Double refitNdcg = refitMetrics.get("NDCG@10");
      info.put("holdoutNdcg10", refitNdcg);
      // trained on the holdout too it should score at least about as well there; lower than two trainings of the
      // same events differ means a training that went wrong (diverged, too short for the data)
      int users = split.test().numUsersWithItems();
      SceneTolerance sameEvents = (reference, n) -> Math.max(SAME_EVENTS_TOLERANCE * reference,
          chanceDifference(reference, n)) + config.gateMargin();
      double floor = candidateNdcg - sameEvents.allowed(candidateNdcg, users);
      // a scene-transfer refit is checked scene by scene too: it is what is served in each (a review)
      List<Map<String, Object>> scenes = sceneGates(refitMetrics, "refitNdcg10", candidate, "candidateNdcg10",
          sameEvents);
      if (!scenes.isEmpty()) info.put("scenes", scenes);
      String failed = failedScenes(scenes);
      if (refitNdcg == null || !Double.isFinite(refitNdcg) || refitNdcg < floor || !failed.isEmpty()) {
        info.put("served", false);
        info.put("note", refitNdcg != null && refitNdcg >= floor
            ? "the model trained on every event scored under " + compared + " NDCG@10 by more than 20% and more than"
            + " chance allows in " + failed + ": its training went wrong there, and " + instead
            : "the model trained on every event scored NDCG@10 " + refitNdcg + " on the holdout it learnt"
            + " from, under " + compared + " " + candidateNdcg + " by more than 20% and more than chance allows on "
            + users + " users: its training went wrong, and " + instead + " (a training that diverged, or had too few"
            + " epochs for the data: --train-epochs)");
        LOG.warn("training job {}: {}", j.id, info.get("note"));
        ServedVersion.deleteTree(refitDir);
        return info;
      }
    } catch (java.util.concurrent.CancellationException e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      j.checkCancelled(); // a stop that surfaced as another failure is still a stop, not a candidate to publish
      if (Thread.currentThread().isInterrupted()) throw new java.util.concurrent.CancellationException("interrupted");
      info.put("served", false);
      info.put("note", "training on every event failed (" + e.getMessage() + "): " + instead);
      LOG.warn("training job {}: {}", j.id, info.get("note"));
      ServedVersion.deleteTree(refitDir);
      return info;
    }
    // the candidate's files step aside for the refit's, and come back if the swap fails (the directory is still
    // hidden: a stop here leaves a leftover the next start removes)
    Path aside = out.resolve(CANDIDATE_DIR);
    Files.createDirectory(aside);
    try {
      moveFiles(out, aside, REFIT_DIR, CANDIDATE_DIR);
      moveFiles(refitDir, out);
    } catch (IOException e) {
      moveFiles(out, refitDir, REFIT_DIR, CANDIDATE_DIR);
      moveFiles(aside, out);
      ServedVersion.deleteTree(aside);
      ServedVersion.deleteTree(refitDir);
      info.put("served", false);
      info.put("note", "the model trained on every event could not be moved into the version's directory ("
          + e.getMessage() + "): " + instead);
      LOG.warn("training job {}: {}", j.id, info.get("note"));
      return info;
    }
    ServedVersion.deleteTree(aside);
    Files.delete(refitDir);
    info.put("served", true);
    info.put("trainedUntilMillis", refitCut(ds));
    LOG.info(standIn ? "training job {}: the model of every event (holdout NDCG@10 {}, learnt from) passed its check"
        : "training job {}: the published candidate was trained again on every event (holdout NDCG@10 {}, learnt"
        + " from), which takes its place", j.id, info.get("holdoutNdcg10"));
    return info;
  }

  /**
   * The file in the model root that records the last job as it goes ({@link #recordJob}): a job that builds no version
   * (it failed, or the server was stopped or killed during it) is still the last job after a restart.
   */
  static final String JOB_RECORD = ".last-job.json";

  /** Moves the job to {@code state} and records it (a kill from now on is reported at this state). */
  private void enter(Job j, String state) {
    j.state = state;
    recordJob(j);
  }

  /**
   * The record of this store's last job in the model root: {@code .last-job-<store>.json}, so that servers of several
   * stores sharing a model root (the default {@code models/} of one folder) each find their own (a QA run's server
   * showed another store's job after a restart); {@link #JOB_RECORD} when the store cannot say where it is.
   */
  private Path jobRecord() {
    return jobRecord(modelRoot(), store.location());
  }

  /** {@link #jobRecord()} of the store at {@code location} (null: unknown) in {@code modelRoot}. */
  static Path jobRecord(Path modelRoot, String location) {
    if (location == null) return modelRoot.resolve(JOB_RECORD);
    String key = ApiKeys.sha256Hex(location).substring(0, 12);
    return modelRoot.resolve(JOB_RECORD.replace(".json", "-" + key + ".json"));
  }

  /** Writes {@code j} to its {@link #jobRecord} (write-then-move: a kill leaves the old record or the new one). */
  private void recordJob(Job j) {
    recordJob(j.id, j.toMap());
  }

  /** Writes the record of job {@code id}; one writer at a time (the job's thread and a stop may both write). */
  private void recordJob(String id, Map<String, Object> record) {
    Path file = jobRecord();
    // a name of this process's own: servers sharing a model root would otherwise move each other's half-written file
    Path tmp = file.resolveSibling(JOB_RECORD + "." + ProcessHandle.current().pid() + ".tmp");
    synchronized (recordLock) {
      try {
        Files.createDirectories(file.getParent());
        json.writeValue(tmp.toFile(), record);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        // the job goes on: only what a restart shows of it is lost
        LOG.warn("could not record training job {} in {}: {}", id, file, e.toString());
      }
    }
  }

  /** Held while the job record is written. */
  private final Object recordLock = new Object();

  /**
   * The job the {@link #JOB_RECORD} holds, if it started after {@code afterMillis}: a job recorded as running was
   * ended by a stop or a kill, and is reported failed, at the state it had reached; null when there is none.
   */
  private Job recordedJob(long afterMillis) {
    Path file = jobRecord();
    // an earlier build's record, of one name for every store, when this store has none of its own yet
    if (!Files.isRegularFile(file)) file = modelRoot().resolve(JOB_RECORD);
    if (!Files.isRegularFile(file)) return null;
    try {
      Map<?, ?> m = json.readValue(file.toFile(), Map.class);
      if (!(m.get("id") instanceof String id) || !(m.get("startedAtMillis") instanceof Number started)
          || started.longValue() <= afterMillis) {
        return null;
      }
      Job j = new Job(id, String.valueOf(m.get("trigger")), started.longValue());
      if (m.get("version") instanceof String v) j.version = v;
      if (m.get("holdout") instanceof String h) j.holdout = h;
      if (m.get("epoch") instanceof Number n) j.epoch = n.intValue();
      if (m.get("loss") instanceof Number n) j.loss = n.doubleValue();
      if (m.get("quarantined") instanceof Number n) j.quarantined = n.intValue();
      if (m.get("killedBefore") instanceof Number n) j.killedBefore = Math.max(0, n.intValue());
      if (m.get("gate") instanceof Map<?, ?> g) {
        @SuppressWarnings("unchecked")
        Map<String, Object> gate = (Map<String, Object>) g;
        j.gate = gate;
      }
      String state = String.valueOf(m.get("state"));
      if (m.get("finishedAtMillis") instanceof Number finished) {
        j.finish(state, finished.longValue(), m.get("error") instanceof String e ? e : null);
      } else {
        // a server sharing this model root may be running it: its hidden version or, while it trains, the version's
        // lock file is still there, for start() has removed those no live process holds
        Path partial = j.version == null ? null : partialDir(modelRoot().resolve(j.version));
        if (partial != null && (Files.exists(partial) || Files.exists(buildLock(partial)))) return null;
        // the record was last written when the job reached this state: it ended at or after that time
        long last = Files.getLastModifiedTime(file).toMillis();
        j.finish("failed", Math.max(last, started.longValue()), "the server stopped while the job was " + state
            + (j.version == null ? "" : " (version " + j.version + ")") + ", at or after " + Instant.ofEpochMilli(last)
            + ": nothing it built was kept, and the events since the last version a job built count toward the next"
            + " job");
        // neither was kept: a gate saying "published" or a version naming a folder that is gone would say otherwise
        j.gate = null;
        j.version = null;
        j.killed = true;
      }
      return j;
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not read the last training job from {}: {}", file, e.toString());
      return null;
    }
  }

  /**
   * Removes the versions training jobs built (those under the model root whose {@code model.json} holds a gate
   * decision, registered in this store) beyond the newest {@link LifecycleConfig#keepVersions}, each through {@link
   * ServedVersion#remove}, which keeps the served one and those an experiment's arm serves (beside the newest, not
   * among them; said in the log). Versions trained by hand and other stores' versions in a shared model root are not
   * touched. A removal that fails is logged and leaves the others to be done.
   */
  private void removeOldVersions() {
    int keep = config.keepVersions();
    if (keep <= 0) return;
    Path root = modelRoot();
    int seen = 0;
    List<Store.ModelVersion> versions;
    try {
      versions = store.modelVersions(); // newest first
    } catch (RuntimeException e) {
      LOG.warn("old model versions not removed: the registry could not be read ({})", e.getMessage());
      return;
    }
    for (Store.ModelVersion v : versions) {
      Path dir = Path.of(v.path()).toAbsolutePath().normalize();
      if (!root.equals(dir.getParent()) || !builtByJob(dir)) continue;
      if (++seen <= keep) continue;
      String why = served.whyKept(v.id(), dir);
      if (why != null) {
        LOG.debug("old version {} kept: {}", v.id(), why);
        continue;
      }
      try {
        ServedVersion.Deleted deleted = served.remove(v.id(), dir);
        LOG.info("removed model version {} ({} bytes{}): older than the {} newest that keepVersions keeps", v.id(),
            deleted.bytes(), deleted.left() == 0 ? "" : "; " + deleted.left() + " files left in " + deleted.hidden(),
            keep);
      } catch (ApiException e) {
        LOG.info("old version {} kept: {}", v.id(), e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn("could not remove old model version {}: {}", v.id(), e.toString());
      }
    }
  }

  /** Whether {@code dir} holds a version a training job built (its {@code model.json} has the gate's decision). */
  private static boolean builtByJob(Path dir) {
    try {
      return ModelDirectory.readInfo(dir).get("gate") instanceof Map<?, ?>;
    } catch (IOException | RuntimeException e) {
      return false; // gone or unreadable: not one to count
    }
  }

  /**
   * The id of the running job that measures its candidate against the version in {@code dir} (the one served when
   * it began), or null: that version is not removed under it.
   */
  String measuringAgainst(Path dir) {
    Job j = current();
    if (j == null || j.finished() || j.activeAtStart == null) return null;
    return j.activeAtStart.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize()) ? j.id : null;
  }

  /** The model root a job writes versions under. */
  private Path modelRoot() {
    Path root = config.modelRoot() != null ? config.modelRoot()
        : served.dir() != null && served.dir().getParent() != null ? served.dir().getParent() : Path.of("models");
    return root.toAbsolutePath().normalize();
  }

  /**
   * Deletes the {@code .<version>.partial} directories and {@code .<version>.partial.lock} files under the model root
   * that no job is building: those of jobs killed midway (a job killed while it trains leaves its lock file alone, for
   * the trainer writes the directory only at the end). A job holds an operating-system lock on its directory's {@link
   * #buildLock} from the moment it reserves the name, which the system releases when the process dies however it
   * ends; so what a job another server runs in the same model root is building (its lock held) is left alone, and a
   * job that opened a lock file this start deletes before it could lock it finds that out ({@link
   * FileLockHold#tryTake}).
   */
  private void removePartialVersions() {
    Path root = modelRoot();
    if (!Files.isDirectory(root)) return;
    List<Path> entries;
    try (Stream<Path> listed = Files.list(root)) {
      entries = listed.toList();
    } catch (IOException e) {
      LOG.warn("could not list the model root {} for unfinished versions", root, e);
      return;
    }
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      if (name.startsWith(".") && name.endsWith(ServedVersion.REMOVING_SUFFIX) && Files.isDirectory(entry)) {
        // a removal cut short (ServedVersion.remove) after the rename: finished, with the registry row it may have
        // left (which names the directory by its own name, and is never the active one)
        Path was = entry.resolveSibling(name.substring(1, name.length() - ServedVersion.REMOVING_SUFFIX.length()));
        try {
          // never what is served or active: a hidden name is not listed, so nothing should have activated it, but a
          // directory is not deleted on that belief alone (a review)
          List<Store.ModelVersion> registered = store.modelVersions();
          boolean needed = entry.equals(served.dir()) || registered.stream().anyMatch(v -> v.active()
              && Path.of(v.path()).toAbsolutePath().normalize().equals(entry));
          if (needed) {
            LOG.warn("leaving {}: it is the version served or the registry's active one", entry);
            continue;
          }
          LOG.info("removing {}, left by a removal of version {} that did not finish", entry, was.getFileName());
          for (Store.ModelVersion v : registered) {
            if (!v.active() && Path.of(v.path()).toAbsolutePath().normalize().equals(was)) {
              store.deleteModelVersion(v.id());
            }
          }
        } catch (RuntimeException e) {
          LOG.warn("left {} for the next start: the registry could not be read or written ({})", entry,
              e.getMessage());
          continue;
        }
        ServedVersion.deleteTree(entry);
        continue;
      }
      // a lock file without its directory: a job killed while it trained (the directory is written at the end), or
      // killed between moving its version into place and deleting the file
      boolean lone = name.endsWith(PARTIAL_SUFFIX + ".lock")
          && !Files.exists(entry.resolveSibling(name.substring(0, name.length() - ".lock".length())));
      if (!lone && !(isPartialVersion(name) && Files.isDirectory(entry))) continue;
      Path lockFile = lone ? entry : buildLock(entry);
      // gone since the listing: the directory before it took it along (tryTake would create it again)
      if (lone && !Files.exists(lockFile)) continue;
      try (FileLockHold lock = FileLockHold.tryTake(lockFile)) {
        if (lock == null) {
          LOG.info("leaving {}: a training job of another process is building it", entry);
          continue;
        }
        LOG.info("removing {}, left by a training job that did not finish", entry);
        if (!lone) ServedVersion.deleteTree(entry);
        Files.deleteIfExists(lockFile); // while held: a job that opened it meanwhile finds it gone once it locks it
      } catch (IOException e) {
        // one entry that cannot be removed leaves the others to be
        LOG.warn("could not remove {}, left by a training job that did not finish", entry, e);
      }
    }
  }

  /** The file whose lock a job holds while it builds {@code partial}: {@code .<version>.partial.lock} beside it. */
  private static Path buildLock(Path partial) {
    return partial.resolveSibling(partial.getFileName() + ".lock");
  }

  /** Where a job builds {@code versionDir} before it is registered: {@code .<version>.partial} beside it. */
  private static Path partialDir(Path versionDir) {
    return versionDir.resolveSibling("." + versionDir.getFileName() + PARTIAL_SUFFIX);
  }

  /** Whether a directory name is a version still being built (hidden from version lists). */
  static boolean isPartialVersion(String name) {
    return name.startsWith(".") && name.endsWith(PARTIAL_SUFFIX);
  }

  /**
   * Stops the schedule and a running job (the server is stopping): the job ends {@code failed} at the trainer's next
   * progress report, without registering or publishing anything.
   */
  @Override
  public void close() {
    closed = true;
    if (scheduler != null) scheduler.shutdownNow();
    Job j = current();
    if (j != null) j.cancelled = true;
    if (worker != null) {
      worker.shutdownNow();
      try {
        // a few seconds for the job to end at its next report and say so in its record (the JVM exits soon after a
        // stop, and a job cut off mid-step would read as one a kill ended); a step of a large model may take longer
        if (!worker.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
          LOG.warn("training job {} did not stop within {} s; it ends with the server", j == null ? "?" : j.id,
              STOP_WAIT_SECONDS);
          if (j != null && !j.finished()) {
            // recorded as the stop it is: left "training", the next start took it for a kill and held the automatic
            // triggers back (a review)
            Map<String, Object> stopped = j.toMap();
            stopped.put("state", "failed");
            stopped.put("finishedAtMillis", clock.getAsLong());
            stopped.put("error", STOPPED);
            stopped.put("gate", null);
            stopped.put("version", null);
            recordJob(j.id, stopped);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** How long a stop waits for a running job to end. */
  static final int STOP_WAIT_SECONDS = 5;

  /** The error of a job the server's stop ended. */
  static final String STOPPED = "the server stopped during the job";

  /** One training job; its progress is written by the training thread and read by requests. */
  static final class Job implements FitListener {
    final String id;
    final String trigger;
    final long startedAtMillis;
    volatile String state = "queued";
    volatile String version;
    volatile String holdout;
    volatile int epoch;
    volatile double loss = Double.NaN;
    volatile String stage;
    volatile long done;
    volatile long total;
    volatile Map<String, Object> gate;

    /**
     * Shows {@code decided} as the job's gate: a copy, for the training thread goes on changing its own map (the
     * refit, a decision reversed) while a status request serializes this one (a CI run's GET /v1/admin/training
     * failed on a ConcurrentModificationException).
     */
    void publishGate(Map<String, Object> decided) {
      gate = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(decided));
    }
    volatile String error;
    /** Users left out of this job's training data by abuse detection. */
    volatile int quarantined;
    volatile long finishedAtMillis = -1;
    /** Set when the server stops; the job then ends at the next progress report. */
    volatile boolean cancelled;
    /** The directory served when the job was asked for (null: nothing was served). */
    volatile Path activeAtStart;
    /** Jobs in a row before this one that a kill ended (the server died during them); 0 after any other end. */
    volatile int killedBefore;
    /** Whether this job, read from its record after a restart, was ended by a kill (not a stop, not a failure). */
    boolean killed;

    Job(String id, String trigger, long startedAtMillis) {
      this.id = id;
      this.trigger = trigger;
      this.startedAtMillis = startedAtMillis;
    }

    boolean finished() {
      return finishedAtMillis >= 0;
    }

    void finish(String finalState, long at, String message) {
      error = message;
      state = finalState;
      finishedAtMillis = at;
    }

    void checkCancelled() {
      if (cancelled) throw new java.util.concurrent.CancellationException(STOPPED);
    }

    @Override
    public void progress(String stageName, long doneCount, long totalCount) {
      checkCancelled();
      stage = stageName;
      done = doneCount;
      total = totalCount;
    }

    @Override
    public void epochEnd(int epochNumber, double epochLoss) {
      checkCancelled();
      epoch = epochNumber;
      loss = epochLoss;
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("trigger", trigger);
      m.put("state", state);
      m.put("version", version);
      m.put("startedAtMillis", startedAtMillis);
      m.put("finishedAtMillis", finished() ? finishedAtMillis : null);
      m.put("epoch", epoch);
      m.put("loss", Double.isFinite(loss) ? loss : null);
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("stage", stage);
      p.put("done", done);
      p.put("total", total);
      m.put("progress", p);
      m.put("holdout", holdout);
      m.put("gate", gate);
      m.put("quarantined", quarantined);
      m.put("error", error);
      m.put("killedBefore", killedBefore);
      return m;
    }
  }
}
