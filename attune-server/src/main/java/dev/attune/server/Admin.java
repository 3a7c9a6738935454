package dev.attune.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.abuse.AbuseDetector;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SceneTransferModel;
import dev.attune.store.Store;
import dev.attune.store.StoreStats;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The handlers of the admin routes ({@code /v1/admin/...}, listed in {@link Api}'s route table), which feed the
 * dashboard: counts, activity over time, rejected requests, how answers were served, the model versions (with
 * activation and training), user and item search, and an item's consumers.
 *
 * <p>Access: {@link AccessControl} answers every admin route only for the admin key ({@link
 * ServerConfig#adminKey}) or an API key with the admin scope, before these handlers run.
 *
 * <p>Model versions are what the store's registry lists plus the model directories beside the served one (the
 * served directory's siblings that hold a {@code model.json}) and in the model root ({@code --model-root}); a
 * version's numbers come from its {@code
 * model.json} ({@code attune train} writes the test metrics, training time and, per epoch, the loss and
 * validation score under {@code history}; {@link ModelLifecycle} adds the model gate's decision as {@code gate}).
 * Activation and the lifecycle's publication both go through {@link ServedVersion}; training ({@code POST
 * /v1/admin/models/train}, {@code GET /v1/admin/training}) is {@link ModelLifecycle}'s.
 */
final class Admin {
  /** Routes whose 4xx answers count as rejected ingestion ({@link ServiceStats#rejected}). */
  static final java.util.Set<String> INGESTION_ROUTES = java.util.Set.of("POST /v1/events", "POST /v1/users",
      "PUT /v1/users/{id}", "POST /v1/items", "PUT /v1/items/{id}");

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Admin.class);
  private static final long MINUTE = 60_000L;
  private static final long DAY = 86_400_000L;

  private final Store store;
  private final ObjectMapper json;
  private final Catalog catalog;
  private final Recommendations recommendations;
  private final ServiceStats stats;
  private final LongSupplier clock;
  /** The model directory served now (changes on activation and publication). */
  private final ServedVersion served;
  /** The directory {@code --model} named, listed among the versions whatever is served. */
  private final Path configuredModelDir;
  /** The model root set for training versions ({@code --model-root}), null when none was set. */
  private final Path configuredModelRoot;
  private final ModelLifecycle lifecycle;
  /** Flags listed on the data-quality page, at most. */
  static final int MAX_LISTED_FLAGS = 200;

  /** The server's id mapping, for finding a user by the client's id in a store of pseudonyms. */
  private final UserIds userIds;

  /** A stored user's history as their recommendations read it (the window, or the whole for a transfer model). */
  private final java.util.function.Function<String, RecentHistory.UserHistory> historyOf;

  Admin(Store store, ObjectMapper json, ServerConfig config, Catalog catalog, Recommendations recommendations,
      ServiceStats stats, LongSupplier clock, ServedVersion served, ModelLifecycle lifecycle,
      java.util.function.Function<String, RecentHistory.UserHistory> historyOf) {
    this.store = store;
    this.historyOf = historyOf;
    this.userIds = new UserIds(config.userIdKey());
    this.json = json;
    this.catalog = catalog;
    this.recommendations = recommendations;
    this.stats = stats;
    this.clock = clock;
    this.served = served;
    this.lifecycle = lifecycle;
    this.configuredModelDir = config.modelDir();
    this.configuredModelRoot = config.lifecycle() == null ? null : config.lifecycle().modelRoot();
  }

  // ---------------------------------------------------------------- overview

  /** The most event types, scenes and (type, scene) pairs the overview lists: those with the most events. */
  static final int MAX_BREAKDOWN_ROWS = 50;

  /** The {@link #MAX_BREAKDOWN_ROWS} entries with the largest counts, in key order. */
  static Map<String, Long> largest(Map<String, Long> counts) {
    if (counts.size() <= MAX_BREAKDOWN_ROWS) return counts;
    Map<String, Long> top = new java.util.TreeMap<>();
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(MAX_BREAKDOWN_ROWS).forEach(e -> top.put(e.getKey(), e.getValue()));
    return top;
  }

  void overview(Context ctx) {
    Store.Counts counts = store.counts();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("users", counts.users());
    c.put("items", counts.items());
    c.put("events", counts.events());
    // writers name types and scenes freely: the largest only, and how many there are (20,000 scenes made a 9 MB page)
    c.put("eventsByType", largest(counts.eventsByType()));
    c.put("eventTypes", counts.eventsByType().size());
    c.put("eventsByScene", largest(counts.eventsByScene()));
    c.put("eventScenes", counts.eventsByScene().size());
    List<StoreStats.TypeScene> pairs = store.stats().eventsByTypeAndScene();
    c.put("eventsByTypeAndScene", pairs.size() <= MAX_BREAKDOWN_ROWS ? pairs : pairs.stream()
        .sorted(java.util.Comparator.comparingLong(StoreStats.TypeScene::events).reversed()).limit(MAX_BREAKDOWN_ROWS)
        .sorted(java.util.Comparator.comparing(StoreStats.TypeScene::type).thenComparing(StoreStats.TypeScene::scene))
        .toList());
    c.put("typeScenePairs", pairs.size());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("counts", c);
    body.put("rejects", rejects(false));
    ServingModel m = recommendations.model();
    body.put("model", m == null ? null : versions().stream().filter(v -> Boolean.TRUE.equals(v.get("active")))
        .findFirst().orElse(Map.of("id", m.version(), "kind", m.kind())));
    FallbackModel f = recommendations.fallback();
    body.put("fallback", f == null ? null : f.kind());
    body.put("traffic", traffic());
    body.put("nowMillis", clock.getAsLong());
    ctx.json(body);
  }

  /** Rows of a search. */
  static final Route.Param LIMIT = Route.Param.integer("limit", "at most this many, 1-1000 (default 20)", 1,
      StoreStats.MAX_ROWS, 20);
  /** Rows of an item's consumers. */
  static final Route.Param CONSUMERS_LIMIT = Route.Param.integer("limit", "at most this many users, 1-1000 (default"
      + " 20)", 1, StoreStats.MAX_ROWS, 20);

  /** Most buckets of the per-day series; a longer log is shown in buckets of several days. */
  static final int MAX_DAY_BUCKETS = 3650;
  /**
   * Longest whole log, in days, that is read by the day to find its busy periods ({@link LogPeriods}): 200 years, so
   * at most 73,000 rows, where MovieLens of 1998 or S3Rec's positions (January 1970) beside today's events span 56.
   */
  static final long MAX_PERIOD_SPAN_DAYS = 73_000;

  /**
   * Events per bucket of event time: {@code bucket=minute} for the last {@code count} minutes up to now (the
   * live view), {@code bucket=day} for the {@code count} days up to the newest event (by default every day from
   * the first event to the newest, so a log of past events still shows, in buckets of several days when it spans
   * more than {@link #MAX_DAY_BUCKETS}, and with {@code periods}, the log cut at its long empty stretches, {@link
   * LogPeriods}); optionally for one item, whose own first and newest events then set the default days.
   */
  void eventsOverTime(Context ctx) {
    String bucket = ctx.queryParam("bucket") == null ? "minute" : ctx.queryParam("bucket");
    String itemId = ctx.queryParam("itemId");
    if (itemId != null) RequestBodies.pathId(itemId, "itemId");
    // count= sent empty is left out, as every number is (Api.intParam): tested as null alone, it took the whole
    // log's days as the count, past MAX_DAY_BUCKETS (a 500; review)
    boolean countGiven = ctx.queryParam("count") != null && !ctx.queryParam("count").isEmpty();
    long now = clock.getAsLong();
    long size;
    int count;
    long end;
    StoreStats.Buckets wholeLog = null; // the default days: every day with events, read once for both views
    long origin = 0;
    switch (bucket) {
      case "minute" -> {
        size = MINUTE;
        count = Api.intParam(ctx, "count", 60, 1, 1440);
        end = (now / MINUTE + 1) * MINUTE;
      }
      case "day" -> {
        size = DAY;
        long[] all = store.stats().timeRange(null);
        long[] range = itemId == null ? all : store.stats().timeRange(itemId);
        if (range == null) range = all == null ? new long[] {now, now} : new long[] {all[1], all[1]};
        // by whole UTC days, also before 1970 (attune load takes any time): division rounding down, not to zero
        end = (Math.floorDiv(range[1], DAY) + 1) * DAY;
        // default: every day from the first event to the last (of the item, when one is given); a log longer than
        // MAX_DAY_BUCKETS days gets buckets of several days, so the whole of it still shows
        long span = end / DAY - Math.floorDiv(range[0], DAY);
        if (!countGiven && span > MAX_DAY_BUCKETS) {
          long days = daysPerBucket(span);
          size = days * DAY;
          count = (int) ((span + days - 1) / days);
        } else {
          count = Api.intParam(ctx, "count", (int) span, 1, MAX_DAY_BUCKETS);
        }
        // the days that hold events, for the periods: a span of more than MAX_PERIOD_SPAN_DAYS is not a log of
        // real times (nanoseconds read as milliseconds) and could hold a row per event; it gets the series alone
        if (!countGiven && span <= MAX_PERIOD_SPAN_DAYS) {
          origin = Math.floorDiv(range[0], DAY) * DAY;
          wholeLog = store.stats().nonEmptyBuckets(itemId, origin, end, DAY);
        }
      }
      default -> throw ApiException.invalid("bucket", "bucket must be minute or day: " + bucket);
    }
    if (itemId != null && catalog.get(itemId) == null) throw ApiException.notFound("item", itemId);
    StoreStats.Series s = wholeLog == null ? store.stats().eventsOverTime(itemId, end - count * size, end, size)
        : inBuckets(wholeLog, origin, end - count * size, size, count);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("bucket", bucket);
    body.put("bucketMillis", size);
    body.put("fromMillis", s.fromMillis());
    body.put("toMillis", end);
    if (itemId != null) body.put("itemId", itemId);
    body.put("counts", s.counts());
    body.put("total", s.total());
    if (!countGiven && "day".equals(bucket)) {
      body.put("periods", wholeLog == null ? List.of() : LogPeriods.of(wholeLog, origin));
    }
    body.put("nowMillis", now);
    ctx.json(body);
  }

  /** Days per bucket of a stretch of {@code spanDays} days, so that it takes at most {@link #MAX_DAY_BUCKETS}. */
  static long daysPerBucket(long spanDays) {
    return (spanDays + MAX_DAY_BUCKETS - 1) / MAX_DAY_BUCKETS;
  }

  /** Days with events (since {@code origin}) summed into {@code count} buckets of {@code size} from {@code from}. */
  private static StoreStats.Series inBuckets(StoreStats.Buckets days, long origin, long from, long size, int count) {
    long[] counts = new long[count];
    for (int k = 0; k < days.size(); k++) {
      long at = origin + days.buckets()[k] * DAY;
      if (at >= from) counts[(int) Math.min(count - 1, (at - from) / size)] += days.counts()[k];
    }
    return new StoreStats.Series(from, size, counts);
  }

  // ---------------------------------------------------------------- data quality

  void quality(Context ctx) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("rejects", rejects(true));
    Map<String, Object> quarantine = new LinkedHashMap<>();
    ModelLifecycle.AbuseReview review = lifecycle == null ? null : lifecycle.lastAbuseReview();
    quarantine.put("available", review != null);
    if (review == null) {
      quarantine.put("message", "abuse detection runs when the server starts on a store with events and before each"
          + " training job; none ran yet");
      quarantine.put("users", List.of());
    } else {
      List<Map<String, Object>> users = new ArrayList<>();
      for (AbuseDetector.Flag f : review.report().flags()) {
        if (users.size() == MAX_LISTED_FLAGS) break;
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("userId", f.userId());
        u.put("reason", f.reason());
        u.put("detail", f.detail());
        users.add(u);
      }
      int n = review.report().quarantinedCount();
      quarantine.put("message", n + (n == 1 ? " user" : " users") + " left out of training, popular, trending"
          + " and the fallback by the latest review (at start or before a training job: bursts of events, or shilling"
          + " profiles meeting on a pushed item); pushed items: "
          + (review.report().pushedItems().isEmpty() ? "none" : String.join(", ", review.report().pushedItems())));
      quarantine.put("count", review.report().quarantinedCount());
      quarantine.put("atMillis", review.atMillis());
      quarantine.put("users", users);
    }
    body.put("quarantine", quarantine);
    // accepted, and counted as liked with weight 1 like any type the table does not know: a misspelt type ("lisen")
    // would train every model as a like without a word
    List<Map<String, Object>> unknownTypes = new ArrayList<>();
    for (Map.Entry<String, Long> t : store.counts().eventsByType().entrySet()) {
      if (Recommendations.WEIGHTS.type(t.getKey()).isEmpty()) {
        unknownTypes.add(Map.of("type", t.getKey(), "events", t.getValue()));
      }
    }
    body.put("unknownEventTypes", unknownTypes);
    body.put("traffic", traffic());
    ctx.json(body);
  }

  private Map<String, Object> rejects(boolean withRecent) {
    Map<String, Long> byReason = stats.rejectsByReason();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total", byReason.values().stream().mapToLong(Long::longValue).sum());
    out.put("byReason", byReason);
    if (withRecent) out.put("recent", stats.recentRejects());
    return out;
  }

  /** Recommendation answers since start by how they were served, and the cold-start share among them. */
  private Map<String, Object> traffic() {
    Map<String, Long> by = stats.answersByServedBy();
    long answers = by.values().stream().mapToLong(Long::longValue).sum();
    long cold = by.getOrDefault(ServiceStats.SERVED_BY_COLD_START, 0L);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("answers", answers);
    out.put("answersByServedBy", by);
    out.put("coldStartAnswers", cold);
    out.put("coldStartShare", answers == 0 ? null : cold / (double) answers);
    out.put("itemsBySource", stats.itemsBySource());
    return out;
  }

  // ---------------------------------------------------------------- models

  void models(Context ctx) {
    List<Map<String, Object>> versions = versions();
    Map<String, Object> body = new LinkedHashMap<>();
    ServingModel m = recommendations.model();
    body.put("active", versions.stream().filter(v -> Boolean.TRUE.equals(v.get("active"))).map(v -> v.get("id"))
        .findFirst().orElse(m == null ? null : m.version()));
    boolean canTrain = lifecycle != null && lifecycle.canTrain();
    body.put("canTrain", canTrain);
    body.put("training", canTrain ? "trains a " + lifecycle.trainerKind() + " candidate on the store's events;"
        + " it is published only if the model gate passes (NDCG@10 on the newest events, or a random tenth of each"
        + " user's when their times do not tell them apart, against the active version)"
        : "the server does not train (it has no training engine): start it with 'attune serve', or run 'attune train"
        + " --out <dir>' into a directory beside the served one, then activate it here");
    ModelLifecycle.Job job = lifecycle == null ? null : lifecycle.current();
    body.put("job", job == null ? null : job.toMap());
    body.put("versions", versions);
    ctx.json(body);
  }

  /**
   * Serves another model version: reads its directory, swaps it in for every request that starts after this
   * one, and marks it active in the registry when it is registered. 404 for an unknown version, 409 when its
   * directory cannot be served.
   */
  void activate(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    Map<String, Object> v = version(id);
    Path dir = Path.of((String) v.get("path"));
    ServingModel next = read(id, dir);
    Store.ModelVersion unregistered = null;
    if (!Boolean.TRUE.equals(v.get("registered"))) {
      // a directory trained by hand ('attune train --out'): registered now, so that the activation survives a
      // restart as a published or registered version's does
      @SuppressWarnings("unchecked")
      Map<String, Double> metrics = (Map<String, Double>) v.get("metrics");
      Object created = v.get("createdAtMillis");
      unregistered = new Store.ModelVersion(id, next.kind(), dir.toString(),
          created instanceof Number n ? n.longValue() : clock.getAsLong(), metrics, false);
    }
    Path before = recommendations.model() == null ? null : served.dir();
    // registered under the lock a removal takes: registered before it, a removal that had read it as unregistered
    // left its row behind (QA: 6 of 20 races)
    served.serve(id, dir, next, unregistered);
    // an operator reading the log sees when and to what the served model changed, as a gate's publish says (QA)
    LOG.info("model version {} ({}) activated by an admin request; served before: {}", id, next.kind(),
        before == null ? "no model" : before.getFileName());
    Map<String, Object> answer = new LinkedHashMap<>(Map.of("active", id, "version", next.version()));
    List<String> warnings = new ArrayList<>();
    String unknownItems = unknownItemsWarning(next);
    if (unknownItems != null) warnings.add(unknownItems);
    String otherDataSet = unknownItems == null ? served.otherDataSetWarning(dir) : null;
    if (otherDataSet != null) warnings.add(otherDataSet);
    // activating the version served already changes nothing an experiment serves
    String experiment = before != null && before.equals(dir.toAbsolutePath().normalize()) ? null
        : activationWarning.apply(id);
    if (experiment != null) warnings.add(experiment);
    if (!warnings.isEmpty()) {
      String warning = String.join("; ", warnings);
      LOG.warn("model version {}: {}", id, warning);
      answer.put("warning", warning);
    }
    ctx.json(answer);
  }

  /**
   * Removes a model version: its directory and, when registered, its registry row ({@link ServedVersion#remove}).
   * 200 with {@code {deleted, path, bytes}}; 404 for an unknown version; 409 {@code version_in_use} for the served
   * version, the registry's active one, the directory the server was started with, one a running experiment's arm
   * serves, or the one a running training job measures its candidate against.
   */
  void deleteVersion(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    Map<String, Object> v = version(id);
    Path dir = Path.of((String) v.get("path"));
    // what keeps it as listed (served, active, --model, an arm, a job's measure, another store's); the removal checks
    // the first and the arms again under its locks
    if (v.get("keptBecause") instanceof String kept) {
      throw new ApiException(409, "version_in_use", "model version '" + id + "' is not removed: " + kept, null);
    }
    ServedVersion.Deleted deleted = served.remove(id, dir);
    LOG.info("model version {} ({}) removed by an admin request, {} bytes", id, dir, deleted.bytes());
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("deleted", id);
    answer.put("path", dir.toString());
    answer.put("bytes", deleted.bytes());
    if (deleted.left() > 0) {
      // the version is gone from the registry and every list; only files the server may not delete stay behind
      answer.put("warning", deleted.left() + " files or folders could not be deleted (the server's log names them):"
          + " they stay in " + deleted.hidden() + ", which no list shows; delete it by hand");
    }
    ctx.json(answer);
  }

  /** Which running experiment's arm serves each version, in words, by version id; set by the Api. */
  private volatile java.util.function.Supplier<Map<String, String>> armsServing = Map::of;

  void onRemovalCheck(java.util.function.Supplier<Map<String, String>> armsServing) {
    this.armsServing = armsServing;
  }

  /** What an activation changes beyond the served version (an experiment's arm that serves it), or null. */
  private volatile java.util.function.UnaryOperator<String> activationWarning = version -> null;

  /** What answers a stored user (the arm of a running experiment, or the served model); set by the Api. */
  private volatile java.util.function.Function<String, Recommendations> answeringFor; // null: the served model

  void answeringFor(java.util.function.Function<String, Recommendations> answering) {
    this.answeringFor = answering;
  }

  /** What to warn of when version {@code id} is activated: a function of its id giving a warning or null. */
  void onActivation(java.util.function.UnaryOperator<String> warning) {
    this.activationWarning = warning;
  }

  /** A known version ({@link #versions}) by id; 404 when there is none. */
  private Map<String, Object> version(String id) {
    return versions().stream().filter(x -> id.equals(x.get("id"))).findFirst()
        .orElseThrow(() -> ApiException.notFound("model version", id));
  }

  private ServingModel read(String id, Path dir) {
    try {
      return served.read(dir);
    } catch (IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
      if (!Files.isDirectory(dir)) {
        // removed since it was listed (DELETE /v1/admin/models/{id}): gone, not broken
        throw new ApiException(404, "not_found", "model version '" + id + "' was removed", null);
      }
      throw new ApiException(409, "not_servable", "model version '" + id + "' cannot be served: " + e.getMessage(),
          null);
    }
  }

  /**
   * Reads model version {@code id} (a registered one, or a directory beside the served one) to serve beside the
   * active one, as an experiment's arm: 404 when there is no such version, 409 when it cannot be served.
   */
  ServingModel readVersion(String id) {
    return read(id, Path.of((String) version(id).get("path")));
  }

  /**
   * Why a model may answer poorly here: the catalogue holds items but fewer than half of the model's (a model trained
   * on another data set: only the shared ids, if any, can be recommended, and they may mean other things), or null.
   */
  private String unknownItemsWarning(ServingModel model) {
    return model.unknownItemsWarning(catalog);
  }

  /** Starts a training job: 202 with it (see {@link ModelLifecycle#trainNow}). */
  void trainNow(Context ctx) {
    if (lifecycle == null) throw new ApiException(503, "no_trainer", "this server has no training engine", null);
    ctx.status(202).json(lifecycle.trainNow());
  }

  /** The current or last training job and the retraining triggers. */
  void training(Context ctx) {
    ctx.json(lifecycle == null ? Map.of("available", false) : lifecycle.status());
  }

  /** Every known version, newest first: registry rows and model directories beside the served one or in the root. */
  private List<Map<String, Object>> versions() {
    Map<Path, Map<String, Object>> byPath = new LinkedHashMap<>();
    List<Store.ModelVersion> rows = store.modelVersions();
    for (Store.ModelVersion r : rows) {
      Path p = Path.of(r.path()).toAbsolutePath().normalize();
      byPath.put(p, version(p, r.id(), r));
    }
    // the served directory and the configured one (--model: after another version was activated it is no longer
    // the served one, and must stay listed to be activated again), each with the model directories beside it, and
    // those of the model root (--model-root): with no model served, none was listed, and a version could be neither
    // an experiment's arm nor activated but by path (A/B QA: the fallback against a trained version)
    List<Path> dirs = new ArrayList<>();
    Set<Path> folders = new LinkedHashSet<>();
    for (Path d : new Path[] {served.dir(), configuredModelDir}) {
      if (d == null) continue;
      // a served version whose directory was moved away is still served (from memory): listed, as not readable
      boolean servedFromMemory = d.equals(served.dir()) && recommendations.model() != null;
      if (Files.isRegularFile(d.resolve("model.json")) || servedFromMemory) dirs.add(d);
      Path parent = d.toAbsolutePath().getParent();
      if (parent != null) folders.add(parent.normalize());
    }
    if (configuredModelRoot != null) folders.add(configuredModelRoot.toAbsolutePath().normalize());
    for (Path folder : folders) {
      if (!Files.isDirectory(folder)) continue;
      try (DirectoryStream<Path> siblings = Files.newDirectoryStream(folder, Files::isDirectory)) {
        for (Path sibling : siblings) {
          // a version a training job is still building (or a killed job left) is not one to activate
          String name = sibling.getFileName().toString();
          if (ModelLifecycle.isPartialVersion(name)) continue;
          // nor one being removed, or whose removal left files the server could not delete
          if (name.startsWith(".") && name.endsWith(ServedVersion.REMOVING_SUFFIX)) continue;
          if (Files.isRegularFile(sibling.resolve("model.json"))) dirs.add(sibling);
        }
      } catch (IOException e) {
        // a folder we may not list: the directories named alone
      }
    }
    for (Path d : dirs) {
      Path p = d.toAbsolutePath().normalize();
      byPath.putIfAbsent(p, version(p, p.getFileName().toString(), null));
    }
    List<Map<String, Object>> out = new ArrayList<>(byPath.values());
    out.sort((a, b) -> Long.compare(asLong(b.get("createdAtMillis")), asLong(a.get("createdAtMillis"))));
    // what keeps each one, from one read of the registry's active row and of the running experiments' arms
    java.util.Optional<Store.ModelVersion> active = rows.stream().filter(Store.ModelVersion::active).findFirst();
    Map<String, String> arms = armsServing.get();
    for (Map<String, Object> v : out) {
      v.put("keptBecause", whyKept((String) v.get("id"), Path.of((String) v.get("path")),
          Boolean.TRUE.equals(v.get("registered")), v.get("gate") instanceof JsonNode g && g.isObject(), active, arms));
    }
    return out;
  }

  private static long asLong(Object o) {
    return o instanceof Number n ? n.longValue() : Long.MIN_VALUE;
  }

  /** One version as the dashboard shows it: what the registry and {@code model.json} say. */
  private Map<String, Object> version(Path dir, String id, Store.ModelVersion registered) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", id);
    v.put("path", dir.toString());
    v.put("registered", registered != null);
    v.put("active", dir.equals(served.dir()) && recommendations.model() != null);
    JsonNode info = readInfo(dir);
    boolean readable = info != null && ModelDirectory.isComplete(dir);
    v.put("readable", readable);
    // a CTR ranker's directory is measured by 'attune evaluate --ctr' and re-ranks in benchmarks; nothing serves it
    boolean ctr = info != null && "ctr".equals(text(info, "task"));
    v.put("servable", readable && !ctr);
    v.put("kind", registered != null ? registered.kind() : info == null ? null : text(info, "model"));
    v.put("name", info == null ? null : text(info, "name"));
    v.put("dataset", info == null ? null : text(info, "dataset"));
    // the scenes a scene-transfer version serves: the dashboard's user explorer offers them (the scenes events had
    // included ones no item has, which the routes refuse: a review)
    if (info != null && info.path("scenes").isArray()) {
      List<String> scenes = new ArrayList<>();
      for (JsonNode x : info.get("scenes")) scenes.add(x.asText());
      v.put("scenes", scenes);
    }
    Long created = registered != null ? Long.valueOf(registered.createdAtMillis()) : null;
    if (created == null && info != null && info.hasNonNull("created")) {
      try {
        created = Instant.parse(info.get("created").asText()).toEpochMilli();
      } catch (DateTimeParseException e) {
        created = null;
      }
    }
    v.put("createdAtMillis", created);
    Map<String, Double> metrics = new LinkedHashMap<>();
    // a scene-transfer file reports its test per group of users; "all" is the one comparable with other versions
    JsonNode testNode = info == null ? null : info.path("test").has("all") ? info.path("test").path("all")
        : info.path("test");
    JsonNode test = testNode == null ? null : testNode.path("metrics");
    if (test != null && test.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = test.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNumber()) metrics.put(e.getKey(), e.getValue().asDouble());
      }
    }
    if (ctr && info.path("test").isObject()) {
      for (String label : new String[] {"AUC", "GAUC", "LogLoss"}) {
        if (info.path("test").path(label).isNumber()) metrics.put(label, info.path("test").get(label).asDouble());
      }
    }
    if (registered != null) metrics.putAll(registered.metrics());
    v.put("metrics", metrics);
    v.put("protocol", testNode == null ? null : text(testNode, "protocol"));
    v.put("trainSeconds", info == null || !info.path("trainSeconds").isNumber() ? null
        : info.get("trainSeconds").asDouble());
    Double bestEpoch = info == null ? null : number(info, "bestEpoch"); // a string in files written before 2026-12-05
    v.put("bestEpoch", bestEpoch == null ? null : bestEpoch.intValue());
    v.put("validationNdcg10", info == null ? null : number(info, "validationNdcg10"));
    v.put("params", info == null ? null : info.get("params"));
    v.put("history", info == null || !info.path("history").isArray() ? List.of() : info.get("history"));
    // the model gate's decision, written into model.json by ModelLifecycle (null for versions trained by hand)
    v.put("gate", info == null ? null : info.get("gate"));
    return v;
  }

  /**
   * Why version {@code id} in {@code dir} is not removed ({@link ServedVersion#whyKept}), or, unregistered here yet
   * built by a training job, because another store's server sharing the model root registered it and may serve it
   * (QA: one server's removal took the version another served); null when nothing keeps it.
   */
  private String whyKept(String id, Path dir, boolean registered, boolean builtByJob,
      java.util.Optional<Store.ModelVersion> active, Map<String, String> arms) {
    String kept = served.whyKept(id, dir, active);
    if (kept != null) return kept;
    String arm = arms.get(id);
    if (arm != null) return arm;
    String job = lifecycle == null ? null : lifecycle.measuringAgainst(dir);
    if (job != null) {
      return "training job " + job + " measures its candidate against it; remove it once the job has ended";
    }
    if (registered || !builtByJob) return null;
    return "a training job built it, and this store's registry does not hold it: it is another store's version in a"
        + " model root the two servers share (remove it through that store's server), or one this server's job could"
        + " not register (activate it, or delete its folder by hand)";
  }

  private JsonNode readInfo(Path dir) {
    Path file = dir.resolve("model.json");
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > 16L << 20) return null;
      JsonNode n = json.readTree(file.toFile());
      return n != null && n.isObject() ? n : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return null;
    if (v.isNumber()) return v.asDouble();
    try {
      return Double.parseDouble(v.asText());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- users and items

  void searchUsers(Context ctx) {
    String prefix = ctx.queryParam("prefix") == null ? "" : ctx.queryParam("prefix");
    if (!prefix.isEmpty()) RequestBodies.pathId(prefix, "prefix");
    int limit = Api.intParam(ctx, LIMIT);
    List<String> found = store.stats().userIds(prefix, limit);
    // a store of pseudonyms holds no client id to match a prefix of; the whole id, pseudonymised, finds its user
    if (userIds.pseudonymised() && !prefix.isEmpty() && !userIds.isPseudonym(prefix)) {
      String stored = userIds.stored(prefix);
      if (!found.contains(stored) && store.user(stored).isPresent()) {
        List<String> withIt = new ArrayList<>(found.size() + 1);
        withIt.add(stored);
        withIt.addAll(found.subList(0, Math.min(found.size(), limit - 1)));
        found = withIt;
      }
    }
    ctx.json(Map.of("prefix", prefix, "users", found));
  }

  void searchItems(Context ctx) {
    String q = ctx.queryParam("q");
    int limit = Api.intParam(ctx, LIMIT);
    if (q != null) {
      if (ctx.queryParam("prefix") != null) throw ApiException.invalid("q", "give prefix or q, not both");
      String text = q.strip();
      if (ItemSearch.fold(text).isEmpty()) throw ApiException.invalid("q", "q must hold a letter or digit");
      RequestBodies.pathId(text, "q");
      List<Map<String, Object>> items = new ArrayList<>();
      for (Store.StoredItem s : ItemSearch.find(catalog.all(), text, limit)) items.add(searchResult(s.item().id(), s));
      ctx.json(Map.of("q", text, "items", items));
      return;
    }
    String prefix = ctx.queryParam("prefix") == null ? "" : ctx.queryParam("prefix");
    if (!prefix.isEmpty()) RequestBodies.pathId(prefix, "prefix");
    List<Map<String, Object>> items = new ArrayList<>();
    for (String id : store.stats().itemIds(prefix, limit)) items.add(searchResult(id, catalog.get(id)));
    ctx.json(Map.of("prefix", prefix, "items", items));
  }

  private static Map<String, Object> searchResult(String id, Store.StoredItem s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("title", s == null ? null : s.item().title());
    m.put("creator", s == null ? null : s.item().creator());
    return m;
  }

  void itemConsumers(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    if (catalog.get(id) == null) throw ApiException.notFound("item", id);
    int limit = Api.intParam(ctx, CONSUMERS_LIMIT);
    StoreStats.ItemConsumers c = store.stats().itemConsumers(id, limit);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("itemId", id);
    body.put("users", c.users());
    body.put("events", c.events());
    body.put("top", c.top());
    ctx.json(body);
  }

  // ---------------------------------------------------------------- influence (occlusion)

  /** Most history events an influence map lists for a model that reads the whole history (one pass each). */
  static final int MAX_INFLUENCE_STEPS = 100;
  /** Most items an influence map scores: each pass scores them all, and the answer holds steps × items numbers. */
  static final int MAX_INFLUENCE_ITEMS = 100;

  /**
   * For a history and some items: how much each history event the model reads raises each item's score, found by
   * leaving the event out (occlusion): drop[e][i] = score_i(history) − score_i(history without event e). Unlike the
   * attention weights, which do not depend on the item, this differs per item. The history is {@code userId}'s stored
   * one (as their recommendations read it, a new user's stand-ins first: {@code standIn}) followed by {@code history},
   * or {@code history} alone. Events the model does not read (not liked, item unknown to the model) are not listed. A
   * sequential network reads the newest {@code maxLength} of the others, its window: an event is left out of that
   * window, and no older one moves in, as in the explanations' {@code topStepDrop}. A transfer model reads every event,
   * each left out of the whole history (the newest {@link #MAX_INFLUENCE_STEPS} are listed), and scores the items of
   * {@code scene} (default: its training target). One forward pass per listed event.
   */
  void influence(Context ctx) {
    JsonNode b = bodyJson(ctx);
    RequestBodies.requireObject("", b, java.util.Set.of("userId", "history", "items", "scene"));
    // the items first: the one field always required, whose limit is its own, not a list's (1000)
    JsonNode sentItems = b.get("items");
    if (sentItems == null || sentItems.isArray() && (sentItems.isEmpty() || sentItems.size() > MAX_INFLUENCE_ITEMS)) {
      throw ApiException.invalid("items", "give 1 to " + MAX_INFLUENCE_ITEMS + " item ids" + (sentItems == null ? ""
          : ", not " + sentItems.size()));
    }
    List<String> items = RequestBodies.stringList(b, "", "items");
    if (!b.has("history") && !b.has("userId")) {
      throw ApiException.invalid("history", "give history (an array of events), userId (a stored user's history), or"
          + " both");
    }
    JsonNode h = b.has("history") ? b.get("history") : json.createArrayNode();
    if (!h.isArray()) throw ApiException.invalid("history", "history must be an array of events");
    if (h.size() > 1000) throw new ApiException(413, "batch_too_large", "history holds at most 1000 events", "history");
    String scene = b.has("scene") ? RequestBodies.requiredId(b, "", "scene") : null;
    if (scene != null && !catalog.hasScene(scene)) {
      throw ApiException.invalid("scene", catalog.unknownScene(scene));
    }
    String userAsSent = b.has("userId") ? RequestBodies.requiredId(b, "", "userId") : null;
    String id = userAsSent == null ? null : userIds.isPseudonym(userAsSent) ? userAsSent : userIds.stored(userAsSent);
    // a stored user in an experiment's arm: the map reads the model their recommendations come from
    var arms = answeringFor;
    Recommendations answering = id == null || arms == null ? recommendations : arms.apply(id);
    ServingModel m = answering.model();
    if (m == null) throw new ApiException(409, "no_model", "no model is served", null);
    SceneTransferModel transfer = m.sceneTarget(scene);
    if (m.sceneTargets() != null && transfer == null) {
      throw ApiException.invalid("scene", "the served model (" + m.kind() + ") was not trained for scene '" + scene
          + "'; its scenes: " + new java.util.TreeSet<>(m.sceneTargets().keySet()));
    }
    if (!m.explains() && transfer == null) {
      throw new ApiException(409, "no_attention", "the served model (" + m.kind() + ") scores candidates it"
          + " retrieves itself and cannot rescore a history without one event", null);
    }
    List<dev.attune.events.Event> events = new ArrayList<>();
    List<Boolean> sentTimestamp = new ArrayList<>();
    Recommendations.Preferences chosen = Recommendations.Preferences.NONE;
    java.util.Set<String> seen = new java.util.HashSet<>();
    if (id != null) {
      RecentHistory.UserHistory stored = historyOf.apply(id);
      var profile = store.user(id);
      if (stored.recent().isEmpty() && profile.isEmpty()) throw ApiException.notFound("user", userAsSent);
      // as the recommendation routes read them: the choices of a user with fewer than COLD_EVENTS liked events
      if (profile.isPresent() && answering.cold(stored.recent())) {
        chosen = Api.preferences(profile.get().attributes());
      }
      seen.addAll(stored.earlierItems());
      for (dev.attune.events.Event e : stored.recent()) {
        events.add(e);
        sentTimestamp.add(true);
      }
    }
    long now = clock.getAsLong();
    for (int k = 0; k < h.size(); k++) {
      JsonNode e = h.get(k);
      events.add(RequestBodies.historyEvent("history[" + k + "]", e, now, now - h.size() + k));
      sentTimestamp.add(e.hasNonNull("timestamp"));
    }
    // a new user's stand-ins come first, as the recommendation routes put them (their choices, while they have few
    // liked events): the map reads the history their recommendations read
    List<dev.attune.events.Event> liked = new ArrayList<>();
    for (dev.attune.events.Event e : events) {
      seen.add(e.itemId());
      if (catalog.likes(e)) liked.add(e);
    }
    List<dev.attune.events.Event> standIns = answering.standIns(liked, seen, chosen, now);
    for (int k = standIns.size() - 1; k >= 0; k--) {
      events.addFirst(standIns.get(k));
      sentTimestamp.addFirst(false);
    }
    // in time order, as the recommendation routes give them to the model (stable: stored events before sent ones)
    Integer[] order = new Integer[events.size()];
    for (int k = 0; k < order.length; k++) order[k] = k;
    java.util.Arrays.sort(order, (x, y) -> Long.compare(events.get(x).timestamp(), events.get(y).timestamp()));
    List<Map<String, Object>> steps = new ArrayList<>();
    List<Integer> indices = new ArrayList<>();
    List<dev.attune.events.Event> read = new ArrayList<>();
    for (int k : order) {
      dev.attune.events.Event event = events.get(k);
      int index = m.items().indexOf(event.itemId());
      // the events the recommendation route gives the model: liked ones of items it knows
      if (index < 0 || !catalog.likes(event)) continue;
      Map<String, Object> step = new LinkedHashMap<>();
      step.put("itemId", event.itemId());
      step.put("type", event.type());
      step.put("timestamp", sentTimestamp.get(k) ? event.timestamp() : null); // as sent: none when none
      step.put("standIn", k < standIns.size());
      Store.StoredItem stored = catalog.get(event.itemId());
      step.put("hidden", stored != null && stored.hidden());
      steps.add(step);
      indices.add(index);
      read.add(event);
    }
    int[] itemIndex = new int[items.size()];
    for (int j = 0; j < items.size(); j++) {
      itemIndex[j] = m.items().indexOf(items.get(j));
      if (itemIndex[j] < 0) throw ApiException.invalid("items[" + j + "]", "the model does not know '" + items.get(j) + "'");
      if (transfer != null && transfer.sceneOf(itemIndex[j]) != transfer.scenes().indexOf(transfer.targetScene())) {
        // an item moved since the model learnt it is in the scene asked for by the catalogue, not by the model (QA)
        Store.StoredItem inCatalogue = catalog.get(items.get(j));
        String learnt = transfer.scenes().get(transfer.sceneOf(itemIndex[j]));
        throw ApiException.invalid("items[" + j + "]", inCatalogue != null
            && inCatalogue.item().scene().equals(transfer.targetScene())
            ? "the model learnt '" + items.get(j) + "' in scene '" + learnt + "': until the next training it is a"
            + " content candidate in '" + transfer.targetScene() + "', which this model does not score"
            : "'" + items.get(j) + "' is not an item of scene '" + transfer.targetScene() + "', the scene asked for");
      }
    }
    double[][] drops;
    if (transfer == null) {
      int window = Math.min(indices.size(), m.sequential().historyWindow());
      steps = new ArrayList<>(steps.subList(steps.size() - window, steps.size()));
      int[] history = indices.subList(indices.size() - window, indices.size()).stream().mapToInt(Integer::intValue)
          .toArray();
      int[] types = m.typesOf(read.subList(read.size() - window, read.size()));
      // the occlusion the explanations order their steps by: the same numbers, by one method (a read-through)
      float[][] occluded = m.sequential().occlusion(history, types, itemIndex).drops();
      drops = new double[history.length][items.size()];
      for (int e = 0; e < history.length; e++) {
        for (int j = 0; j < itemIndex.length; j++) drops[e][j] = occluded[e][j];
      }
    } else {
      int[] history = indices.stream().mapToInt(Integer::intValue).toArray();
      int listed = Math.min(history.length, MAX_INFLUENCE_STEPS);
      steps = new ArrayList<>(steps.subList(steps.size() - listed, steps.size()));
      drops = new double[listed][items.size()];
      if (listed > 0) {
        float[] full = transfer.score(history, itemIndex);
        for (int e = 0; e < listed; e++) {
          float[] left = transfer.score(Recommendations.without(history, history.length - listed + e), itemIndex);
          for (int j = 0; j < itemIndex.length; j++) drops[e][j] = full[j] - left[j];
        }
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", m.version());
    body.put("steps", steps);
    body.put("items", items);
    body.put("drops", drops);
    ctx.json(body);
  }

  private JsonNode bodyJson(Context ctx) {
    return RequestBodies.readJson(json, ctx.bodyAsBytes());
  }
}
