package dev.attune.server;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;
import static io.javalin.http.HandlerType.PUT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import dev.attune.model.TopK;
import dev.attune.store.Store;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The HTTP API: the route table ({@link #routes}) and one short handler per route. A handler parses and checks
 * the request ({@link RequestBodies}), calls the store or {@link Recommendations}, and writes JSON. Everything is
 * under {@code /v1} except {@code /health} and {@code /metrics}.
 */
final class Api {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Api.class);
  /** How long {@code /health} waits for the store's answer before it says the store is unavailable. */
  private static final java.time.Duration HEALTH_WAIT = java.time.Duration.ofSeconds(2);
  /** The store's health check, shared by probes that come while one runs. */
  private final SharedCall<Boolean> healthCheck;
  static final String VERSION = "1";
  /** The fields of a recommendation request ({@code POST /v1/recommendations}), as the API document lists them. */
  static final Set<String> RECOMMEND_FIELDS = Set.of("userId", "history", "k", "scene", "exclude", "category",
      "diversity", "maxPerCreator", "allowRepeats", "explain", "categories", "creators");
  /** The fields of an onboarding request. */
  static final Set<String> ONBOARDING_FIELDS = Set.of("items", "categories", "creators", "attributes");
  /** Longest window of /v1/new, in days. */
  private static final int MAX_NEW_DAYS = 3650;
  /** Number of items of a list: the bounds the handlers check and the document states. */
  static final Route.Param K = Route.Param.integer("k", "number of items, 1-1000 (default 10)", 1, 1000, 10);
  /** Rows of a user's events. */
  private static final Route.Param EVENTS_LIMIT = Route.Param.integer("limit", "at most this many, 1-1000 (default 50)",
      1, 1000, 50);
  static final Route.Param DIVERSITY = Route.Param.number("diversity", "MMR trade-off in [0, 1] (default 0: by score"
      + " only); with it, k is at most 200", 0, 1, 0);
  static final Route.Param MAX_PER_CREATOR = Route.Param.integer("maxPerCreator", "at most this many items per"
      + " artist/creator (default 0: no cap)", 0, 1000, 0);
  private static final List<Route.Param> LIST_PARAMS = List.of(
      new Route.Param("scene", "string", "only items of this scene (400 for a scene no item has had)"),
      K);
  private static final List<Route.Param> SIMILAR_PARAMS = List.of(
      new Route.Param("scene", "string", "only items of this scene (400 for a scene no item has had); similar items"
          + " of a scene-transfer model are of this scene, or without it of the scene it was trained for"),
      K);
  private static final List<Route.Param> RECOMMEND_PARAMS = List.of(
      K,
      new Route.Param("scene", "string", "only items of this scene (400 for a scene no item has had); a scene-transfer"
          + " model recommends in this scene, or without it in the scene it was trained for"),
      new Route.Param("exclude", "string", "comma-separated item ids never to return"),
      new Route.Param("category", "string", "only items with this category, as written (400 for a category no item"
          + " has had, naming the one meant when only the case differs)"),
      DIVERSITY,
      MAX_PER_CREATOR,
      new Route.Param("allowRepeats", "boolean", "let items already consumed come back (default false)"),
      new Route.Param("explain", "boolean", "attach the explanation of each model recommendation: every history "
          + "event's attention weight (for scene-transfer, its share of modelScore, the 100 largest, with omittedSteps"
          + " and omittedWeight for the others and rest the share no event has), hidden for a hidden item,"
          + " topItemId, and topStepDrop / randomStepDrop: modelScore less modelScore without the top / a random"
          + " other event (drawn by a seed taken from the history; left out of an attention model's window, of a"
          + " scene-transfer model's whole history; randomStepDrop null without another); with it, k is at most 100"));

  /** The header the dashboard sends with its requests: answers to them are left out of the traffic counts. */
  static final String PREVIEW_HEADER = "X-Attune-Dashboard";
  static final String PREVIEW_VALUE = "preview";

  private final Store store;
  private final ObjectMapper json;
  /**
   * Ingestion (read side: batches run side by side) against user deletion (write side): a deletion sees every event
   * of the user that was committed and counted, and none is committed while it runs.
   */
  private final ReentrantReadWriteLock ingestion = new ReentrantReadWriteLock();
  /** The longest an event write waits for a deletion: as long as a write waits for its turn in the store. */
  private static final long INGESTION_WAIT_MILLIS =
      dev.attune.store.JdbcStore.Options.DEFAULTS.connectionTimeout().toMillis();
  private final ServerConfig config;
  private final UserIds userIds;
  private final MultiGauge servedVersion;
  private final Catalog catalog;
  private final RecentHistory history;
  private final ItemCounters counters;
  private final Recommendations recommendations;
  private final PrometheusMeterRegistry metrics;
  private final LongSupplier clock;
  private final List<Route> routes;
  private final ServiceStats stats;
  private final Admin admin;
  private final Experiments experiments;
  private final ModelLifecycle lifecycle;
  private static final JsonNode JSON_EMPTY_ARRAY = new ObjectMapper().createArrayNode();

  /** Run after a user was deleted (the server refits its fallback model); null = nothing. */
  private volatile Runnable onUserDeleted;

  void onUserDeleted(Runnable action) {
    this.onUserDeleted = action;
  }

  Api(Store store, ObjectMapper json, ServerConfig config, Catalog catalog, RecentHistory history,
      ItemCounters counters, Recommendations recommendations, PrometheusMeterRegistry metrics, LongSupplier clock,
      ServiceStats stats, ServedVersion served, ModelLifecycle lifecycle) {
    this.store = store;
    this.healthCheck = new SharedCall<>(store::healthy);
    this.json = json;
    this.config = config;
    this.servedVersion = metrics == null ? null : MultiGauge.builder("attune_model_served")
        .description("the model version being served (1)").register(metrics);
    this.userIds = new UserIds(config.userIdKey());
    this.catalog = catalog;
    this.history = history;
    this.counters = counters;
    this.recommendations = recommendations;
    this.metrics = metrics;
    this.clock = clock;
    this.stats = stats;
    this.lifecycle = lifecycle;
    this.admin = new Admin(store, json, config, catalog, recommendations, stats, clock, served, lifecycle,
        this::historyForAdmin);
    this.experiments = new Experiments(store, recommendations,
        model -> new Recommendations(catalog, counters, config, model), admin::readVersion, clock, metrics,
        itemId -> {
          Store.StoredItem item = catalog.get(itemId);
          return item == null ? Double.NaN : item.item().durationSeconds();
        });
    admin.onActivation(experiments::activeArmWarning);
    if (served != null) served.guardRemovals(experiments::unlessServedByAnArm); // null: a route listing only
    admin.onRemovalCheck(experiments::armsServing);
    admin.answeringFor(id -> answering(experiments.assign(id)));
    this.routes = List.of(
        new Route(GET, "/health", "Liveness and store health", List.of(), null, 200, this::health),
        new Route(GET, "/metrics", "Prometheus metrics", List.of(), null, 200, this::metrics),
        new Route(GET, "/v1/openapi.json", "This document", List.of(), null, 200, this::openApi),
        new Route(POST, "/v1/users", "Create or update users: one object, an array, or {users: [...]}", List.of(),
            "a user {id, attributes} or a batch of them", 200, this::upsertUsers),
        new Route(GET, "/v1/users/{id}", "A user's profile", List.of(), null, 200, this::getUser),
        new Route(PUT, "/v1/users/{id}", "Create or replace a user", List.of(), "{attributes}", 200, this::putUser),
        new Route(DELETE, "/v1/users/{id}", "Delete a user: their profile, events and experiment exposures, from the"
            + " store, the history cache and the popular/trending counters", List.of(), null, 204, this::deleteUser),
        new Route(GET, "/v1/users/{id}/export", "Everything held on a user: profile, every event, what A/B experiments"
            + " recorded as shown them", List.of(), null,
            200, this::exportUser),
        new Route(POST, "/v1/users/{id}/onboarding", "Cold start: a new user's chosen items, categories and creators;"
            + " answers their first recommendations", List.of(K),
            "{items?: [itemId], categories?: [string], creators?: [string], attributes?: {}}", 200, this::onboarding),
        new Route(GET, "/v1/users/{id}/events", "A user's most recent events, oldest first",
            List.of(EVENTS_LIMIT), null, 200,
            this::userEvents),
        new Route(GET, "/v1/users/{id}/recommendations", "Recommendations for a user from their latest events",
            RECOMMEND_PARAMS, null, 200, this::userRecommendations),
        new Route(POST, "/v1/recommendations", "Recommendations for an anonymous or session user, or for a stored"
            + " user with hypothetical events added (userId: their stored history, then history; nothing is stored)",
            List.of(), "{userId?, history: [{itemId, type?, value?, timestamp?}], k?, scene?, exclude?, category?,"
                + " diversity?, maxPerCreator?, allowRepeats?, explain?, categories?, creators?}", 200,
            this::anonymousRecommendations),
        new Route(POST, "/v1/items", "Create or update items: one object, an array, or {items: [...]}", List.of(),
            "an item {id, scene, title, creator, album, categories, tags, durationSeconds, releaseTime, text,"
                + " attributes} or a batch of them", 200, this::upsertItems),
        new Route(POST, "/v1/items/lookup", "Several items' metadata at once (the titles of a page in one request):"
            + " the catalogue's items among ids, in the order asked, and the ids it does not hold", List.of(),
            "{ids: [itemId] (1 to 1000)}", 200, this::lookupItems),
        new Route(GET, "/v1/items/{id}", "An item's metadata and flags", List.of(), null, 200, this::getItem),
        new Route(PUT, "/v1/items/{id}", "Create or replace an item", List.of(), "an item without id", 200,
            this::putItem),
        new Route(DELETE, "/v1/items/{id}", "Delete an item's metadata (events stay in histories)", List.of(), null,
            204, this::deleteItem),
        new Route(POST, "/v1/items/{id}/hide", "Never recommend this item", List.of(), null, 200, c -> hide(c, true)),
        new Route(POST, "/v1/items/{id}/unhide", "Recommend this item again", List.of(), null, 200,
            c -> hide(c, false)),
        new Route(GET, "/v1/items/{id}/similar", "Items similar to this one", SIMILAR_PARAMS, null, 200,
            this::similar),
        new Route(POST, "/v1/events", "Record events: one object, an array, or {events: [...]}; idempotent by id",
            List.of(), "an event {id?, userId, itemId, type, value?, timestamp?, scene?, context?} or a batch", 200,
            this::postEvents),
        new Route(GET, "/v1/popular", "Items with most users (distinct users with a positive event: not a skip, a"
            + " dislike or a short play; a user counts once per item)", LIST_PARAMS, null, 200, this::popular),
        new Route(GET, "/v1/trending", "Items with most users active on them (as for /v1/popular) in the last hours",
            withParam(LIST_PARAMS, trendingHoursParam()),
            null, 200, this::trending),
        new Route(GET, "/v1/new", "Newest releases", withParam(LIST_PARAMS,
            newDaysParam()),
            null, 200, this::newest),
        // the dashboard's routes: Authorization: Bearer <admin key>, else 401 (see Admin)
        new Route(GET, "/v1/admin/overview", "Admin: counts of users, items and events (by type, scene and both),"
            + " rejected ingestion by reason, the served model with its offline metrics, how answers were served",
            List.of(), null, 200, admin::overview),
        new Route(GET, "/v1/admin/events/over-time", "Admin: events per minute up to now, or per day up to the newest"
            + " event, by event time", List.of(
                Route.Param.oneOf("bucket", "minute (default) or day", "minute", "day"),
                new Route.Param("count", "integer", "buckets: minutes 1-1440 (default 60) or days 1-3650 (default: from"
                    + " the first event to the newest, with the log's busy periods in 'periods')", 1, 3650, null),
                new Route.Param("itemId", "string", "only this item's events")),
            null, 200, admin::eventsOverTime),
        new Route(GET, "/v1/admin/quality", "Admin: rejected ingestion requests by reason and the latest ones,"
            + " quarantined users, the cold-start share of recommendation answers", List.of(), null, 200,
            admin::quality),
        new Route(GET, "/v1/admin/models", "Admin: model versions (registry and directories beside the served one)"
            + " with offline metrics, training time, per-epoch loss and validation, the model gate's decision;"
            + " whether the server can train (canTrain) and the current or last training job", List.of(), null,
            200, admin::models),
        new Route(POST, "/v1/admin/models/{id}/activate", "Admin: serve this model version from the next request on,"
            + " also after a restart (404 unknown, 409 not servable); works for versions the gate rejected", List.of(),
            null, 200, admin::activate),
        new Route(DELETE, "/v1/admin/models/{id}", "Admin: remove a model version, its directory and registry row;"
            + " 200 with the bytes freed (and a warning naming files it could not delete), 404 unknown, 409"
            + " version_in_use for the served version, the registry's active one, the --model directory, one a running"
            + " experiment's arm serves, one a running training job measures against, or a job-built version this"
            + " store's registry lacks", List.of(), null, 200, admin::deleteVersion),
        new Route(POST, "/v1/admin/models/train", "Admin: train a candidate now on a background thread; it is measured"
            + " with the active version on a time-based holdout and published (hot swap) only if its NDCG@10 is not"
            + " worse than the active one's by more than the gate margin. 202 with the job; 409 while a job runs;"
            + " 503 when the server has no training engine", List.of(), null, 202, admin::trainNow),
        new Route(GET, "/v1/admin/training", "Admin: the current or last training job (state queued, training,"
            + " evaluating, refitting, published, rejected or failed; epoch, loss, gate decision with both NDCG@10)"
            + " and the retraining triggers", List.of(), null, 200, admin::training),
        new Route(GET, "/v1/admin/users", "Admin: user ids starting with a prefix, in id order", List.of(
                new Route.Param("prefix", "string", "case-sensitive prefix (default: all)"),
                Admin.LIMIT),
            null, 200, admin::searchUsers),
        new Route(GET, "/v1/admin/items", "Admin: items whose id starts with a prefix, in id order; or, with q,"
            + " items whose id, title or creator holds a text", List.of(
                new Route.Param("prefix", "string", "case-sensitive prefix (default: all)"),
                new Route.Param("q", "string", "instead of prefix: text found in the id, title or creator, in any"
                    + " case, accents optional; ids that are it or start with it first, then titles and creators that"
                    + " start with it, then the rest"),
                Admin.LIMIT),
            null, 200, admin::searchItems),
        new Route(POST, "/v1/admin/influence", "Admin: how much each history event raises each item's score, by"
            + " leaving it out (occlusion); per item, unlike attention. userId: that user's stored history, then"
            + " history", List.of(), "{userId?, history?: [{itemId, type?, timestamp?, value?}], items: [itemId] (1 to "
                + Admin.MAX_INFLUENCE_ITEMS + "), scene?}", 200, admin::influence),
        new Route(GET, "/v1/admin/items/{id}/consumers", "Admin: the users who consumed an item, most events first,"
            + " with totals", List.of(Admin.CONSUMERS_LIMIT),
            null, 200, admin::itemConsumers),
        new Route(GET, "/v1/admin/experiments", "Admin: every A/B experiment, newest first", List.of(), null, 200,
            experiments::list),
        new Route(POST, "/v1/admin/experiments", "Admin: start an A/B experiment: from now on each user asking for"
            + " their recommendations is given one arm (by a hash of the experiment and user ids), whose model version"
            + " answers them; 201 with it; 404 for an unknown version, 409 for one that cannot be served, or while"
            + " another experiment runs", List.of(), "{name, id?, arms: [{name, version, share?}],"
            + " windowMinutes?, conversionTypes?, minUsersPerArm?}", 201, ctx -> experiments.start(ctx, body(ctx))),
        new Route(GET, "/v1/admin/experiments/{id}", "Admin: an experiment and its results so far: per arm users,"
            + " answers, conversions (uses of what was shown within the window); each arm against the control with"
            + " intervals and p-values, the split's check and a verdict", List.of(), null, 200, experiments::show),
        new Route(POST, "/v1/admin/experiments/{id}/stop", "Admin: stop an experiment (every user gets the active"
            + " version again) and answer its results; stopping a stopped one answers them as they are", List.of(),
            null, 200, experiments::stop),
        new Route(DELETE, "/v1/admin/experiments/{id}", "Admin: delete a stopped experiment with its exposures (409"
            + " while it runs)", List.of(), null, 204, experiments::delete));
  }

  private static List<Route.Param> withParam(List<Route.Param> params, Route.Param extra) {
    List<Route.Param> out = new ArrayList<>(params);
    out.add(extra);
    return List.copyOf(out);
  }

  List<Route> routes() {
    return routes;
  }

  // ---------------------------------------------------------------- service routes

  private volatile boolean claimTakenByAnother;

  /** See {@link AttuneServer#claimTakenByAnother}. */
  void claimTakenByAnother(boolean taken) {
    claimTakenByAnother = taken;
  }

  private void health(Context ctx) {
    boolean ok;
    try {
      ok = healthCheck.get(HEALTH_WAIT);
    } catch (java.util.concurrent.TimeoutException e) {
      ok = false; // a probe waits seconds, not the pool's connection timeout
    }
    ServingModel m = recommendations.model();
    Map<String, Object> body = new LinkedHashMap<>();
    String refusal = ok ? store.writeRefusal() : null;
    String status = !ok ? "store unavailable" : claimTakenByAnother ? "another server holds the store"
        : refusal != null ? "store refuses writes" : "ok";
    ok &= !claimTakenByAnother && refusal == null;
    body.put("status", status);
    if (refusal != null) body.put("reason", refusal); // the disk is full, ...
    body.put("model", m == null ? null : m.version());
    ctx.status(ok ? 200 : 503).json(body);
  }

  private void metrics(Context ctx) {
    // the served version as a labelled gauge (value 1), refreshed at each scrape since versions come and go
    ServingModel m = recommendations == null ? null : recommendations.model();
    servedVersion.register(m == null ? List.of() : List.of(MultiGauge.Row.of(
        Tags.of("version", m.version(), "kind", m.kind()), 1)), true);
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
  }

  private void openApi(Context ctx) {
    ctx.json(OpenApi.document(json, routes, VERSION, config.access().requireApiKeys()));
  }

  // ---------------------------------------------------------------- users

  private void upsertUsers(Context ctx) {
    List<User> users = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (var e : RequestBodies.oneOrMany(body(ctx), "users", config.maxBatch())) {
      User u = RequestBodies.user(e.getKey(), e.getValue(), null);
      users.add(new User(storedUserId(ctx, u.id()), u.attributes()));
      paths.add(e.getKey());
    }
    Map<String, String> pathOf = new HashMap<>();
    for (int k = 0; k < users.size(); k++) pathOf.put(users.get(k).id(), paths.get(k)); // the last of each id
    List<User> last = lastOfEachId(users, User::id);
    List<User> kept = new ArrayList<>(last.size());
    List<String> ids = last.stream().map(User::id).toList();
    try (StripedLocks.Held held = profileLocks.lock(ids)) {
      Map<String, User> stored = store.users(ids); // one read for the batch, under its locks
      for (User u : last) kept.add(keepingOnboarding(u, stored.get(u.id()), pathOf.get(u.id())));
      store.upsertUsers(kept);
    }
    ctx.json(Map.of("upserted", kept.size()));
  }

  /**
   * {@code given} with the onboarding choices its stored profile holds: a profile write replaces the attributes, and
   * an app that added an age to a profile silently dropped the user's choices (QA). The choices are the server's: a
   * client may send them back as read, but not set or change them here ({@code path}: where the user is in the body;
   * {@code storedUser} the stored profile, or null).
   */
  private static User keepingOnboarding(User given, User storedUser, String path) {
    Map<String, String> stored = storedUser == null ? Map.of() : storedUser.attributes();
    Map<String, String> attributes = new LinkedHashMap<>(given.attributes());
    for (String key : ONBOARDING_KEYS) {
      String sent = attributes.get(key);
      if (sent != null && !sent.equals(stored.get(key))) {
        throw ApiException.invalid(RequestBodies.at(RequestBodies.at(path, "attributes"), key), "'" + key + "' holds"
            + " the user's onboarding choices, which POST /v1/users/{id}/onboarding sets; leave it out (it is kept)");
      }
      if (stored.containsKey(key)) attributes.put(key, stored.get(key));
    }
    return new User(given.id(), attributes);
  }

  /**
   * The stored id of the user named in the path ({@link UserIds}: pseudonymised when the server has a key). An admin
   * may also name a user by the pseudonym the admin routes list (the dashboard's user explorer does), which is then
   * taken as stored rather than pseudonymised again; so do the writes ({@link #storedUserId}), or an admin's events
   * sent for a pseudonym were stored under its hash and not found where the same admin read them. A 404 names the
   * user as the client sent it ({@code ctx.pathParam("id")}), never as stored: a pseudonym of its own id would puzzle
   * it.
   */
  private String userId(Context ctx) {
    return storedUserId(ctx, RequestBodies.pathId(ctx.pathParam("id"), "id"));
  }

  /**
   * The stored id of a user a client names ({@code id}, as sent), on every route that names one, path or body, read or
   * write alike: with the admin key a pseudonym is taken as stored (see {@link #userId(Context)}); else pseudonymised
   * when the server has a key.
   */
  private String storedUserId(Context ctx, String id) {
    return storedUserId(id, Boolean.TRUE.equals(ctx.attribute(AccessControl.ADMIN_ATTRIBUTE)));
  }

  /** As {@link #storedUserId(Context, String)}, for a request that has the admin key or not. */
  private String storedUserId(String id, boolean admin) {
    if (admin && userIds.isPseudonym(id)) return id;
    return userIds.stored(id);
  }

  private void getUser(Context ctx) {
    String id = userId(ctx);
    User u = store.user(id).orElseThrow(() -> ApiException.notFound("user", ctx.pathParam("id")));
    ctx.json(new User(asSent(ctx), u.attributes()));
  }

  /**
   * The user id of the path as the client sent it: what answers name the user by (with pseudonymised ids the stored
   * one is a pseudonym the client never chose; only the export, which shows what is held, gives that).
   */
  private static String asSent(Context ctx) {
    return RequestBodies.pathId(ctx.pathParam("id"), "id");
  }

  private void putUser(Context ctx) {
    String id = userId(ctx);
    JsonNode b = body(ctx);
    // compared with the id as the client sent it in the path: the stored one may be its pseudonym
    // (an id sent as null is left out, as every optional field sent as null)
    if (b.isObject() && b.hasNonNull("id") && !b.get("id").asText().equals(ctx.pathParam("id"))) {
      throw ApiException.invalid("id", "id in the body differs from the id in the path");
    }
    User u;
    try (StripedLocks.Held held = profileLocks.lock(List.of(id))) {
      u = keepingOnboarding(RequestBodies.user("", b, id), store.user(id).orElse(null), "");
      store.upsertUsers(List.of(u));
    }
    ctx.json(new User(asSent(ctx), u.attributes()));
  }

  /**
   * Deletes the user's profile and events from the store, then from everything derived from them here: the
   * recent-history cache and the popular and trending counters. The sequential models keep no per-user state (a user
   * is their history), so nothing of the user is left to shape a response or an explanation; the classic fallback
   * (item co-occurrence) is refitted in the background (within twice a fit's time), a served version fitted on the
   * store's events (a pipeline, a transfer model) is read again, and the user leaves the last abuse review; the
   * aggregate parameters of an attention model trained before the deletion (item vectors) change at the next
   * training.
   */
  private void deleteUser(Context ctx) {
    String id = userId(ctx);
    // the profile's lock first (nothing takes it while holding the ingestion lock): a profile write that read the
    // stored choices before the deletion would otherwise write the user back with them (a review)
    try (StripedLocks.Held profile = profileLocks.lock(List.of(id))) {
      deleteUserLocked(ctx, id);
    }
    if (lifecycle != null) lifecycle.forgetUser(id);
    Runnable refit = onUserDeleted;
    if (refit != null) refit.run();
    ctx.status(204);
  }

  private void deleteUserLocked(Context ctx, String id) {
    // alone against ingestion: an event committed between reading the user's events and deleting them would stay
    // counted, and on PostgreSQL an append racing the deletion would break the events' foreign key
    ingestion.writeLock().lock();
    // none of the user's exposures is queued or written while the deletion runs, nor after it for a request that
    // came before its end
    experiments.deletionStarts(id);
    try {
      List<Store.StoredEvent> events = store.recentEvents(id, Integer.MAX_VALUE);
      if (!store.deleteUser(id)) throw ApiException.notFound("user", ctx.pathParam("id"));
      history.forget(id);
      counters.removeAll(events.stream().map(Store.StoredEvent::event).toList());
    } finally {
      experiments.deletionEnded(id);
      ingestion.writeLock().unlock();
    }
  }

  /** Everything held on a user: the profile and every stored event, oldest first. */
  private void exportUser(Context ctx) {
    String id = userId(ctx);
    Optional<User> user = store.user(id);
    List<Store.StoredEvent> events = store.recentEvents(id, Integer.MAX_VALUE);
    if (user.isEmpty() && events.isEmpty()) throw ApiException.notFound("user", ctx.pathParam("id"));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("userId", id);
    body.put("pseudonymised", userIds.pseudonymised());
    body.put("attributes", user.map(User::attributes).orElse(Map.of()));
    List<Map<String, Object>> list = new ArrayList<>(events.size());
    for (Store.StoredEvent e : events) list.add(eventJson(e.eventId(), e.event()));
    body.put("events", list);
    List<Map<String, Object>> exposures = new ArrayList<>();
    try {
      experiments.flush(); // answers given up to now are held on the user too
    } catch (dev.attune.store.StoreException e) {
      LOG.warn("exposures not written before an export: {}", e.getMessage()); // the stored ones are listed
    }
    store.forEachExposure(null, id, x -> exposures.add(exposureJson(x)));
    body.put("exposures", exposures);
    body.put("exportedAtMillis", clock.getAsLong());
    ctx.json(body);
  }

  private static Map<String, Object> exposureJson(Store.Exposure x) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("experimentId", x.experimentId());
    out.put("arm", x.arm());
    out.put("version", x.version());
    out.put("timestamp", x.timestampMillis());
    out.put("itemIds", x.itemIds());
    return out;
  }

  /**
   * Stores the chosen items as {@code onboard} events and the categories and creators in the profile
   * ({@code onboarding.categories}, {@code onboarding.creators}, JSON arrays of strings; an empty list given clears
   * its choices), then answers the user's first recommendations, which those choices already shape.
   */
  private void onboarding(Context ctx) {
    String id = userId(ctx);
    JsonNode b = body(ctx);
    RequestBodies.requireObject("", b, ONBOARDING_FIELDS);
    List<String> items = RequestBodies.stringList(b, "", "items");
    List<String> categories = RequestBodies.stringList(b, "", "categories");
    List<String> creators = RequestBodies.stringList(b, "", "creators");
    // an empty list clears those choices: a profile write keeps them, so this is the one way to undo them (a review)
    boolean clearsCategories = b.has("categories") && categories.isEmpty();
    boolean clearsCreators = b.has("creators") && creators.isEmpty();
    if (items.isEmpty() && categories.isEmpty() && creators.isEmpty() && !clearsCategories && !clearsCreators) {
      throw ApiException.invalid(null, "give at least one of items, categories, creators (an empty list clears"
          + " those choices)");
    }
    for (int k = 0; k < items.size(); k++) {
      if (catalog.get(items.get(k)) == null) {
        throw ApiException.invalid("items[" + k + "]", "unknown item '" + items.get(k) + "'");
      }
    }
    knownPreferences(categories, creators); // before anything is stored
    Map<String, String> given = RequestBodies.stringMap(b, "", "attributes");
    for (String key : ONBOARDING_KEYS) {
      if (given.containsKey(key)) {
        throw ApiException.invalid("attributes." + key, "'" + key + "' holds the onboarding choices: give them as"
            + " " + key.substring(key.indexOf('.') + 1));
      }
    }
    Map<String, String> attributes;
    // read, merged and written under the user's lock: requests beside each other (categories and creators sent
    // apart) each wrote over the other's choices (QA: all three of three survived for 2 users in 40)
    try (StripedLocks.Held held = profileLocks.lock(List.of(id))) {
      attributes = new LinkedHashMap<>(store.user(id).map(User::attributes).orElse(Map.of()));
      attributes.putAll(given);
      if (!categories.isEmpty()) attributes.put(ONBOARDING_CATEGORIES, joinChoices(categories));
      if (!creators.isEmpty()) attributes.put(ONBOARDING_CREATORS, joinChoices(creators));
      if (clearsCategories) attributes.remove(ONBOARDING_CATEGORIES);
      if (clearsCreators) attributes.remove(ONBOARDING_CREATORS);
      store.upsertUsers(List.of(new User(id, attributes)));
    }
    long now = clock.getAsLong();
    List<Store.NewEvent> chosen = new ArrayList<>();
    for (String item : items) {
      Store.StoredItem stored = catalog.get(item);
      if (stored == null) continue; // deleted since it was checked above, by a request beside this one
      chosen.add(new Store.NewEvent(RequestBodies.onboardEventId(id, item), new Event(id, item,
          Recommendations.ONBOARD_TYPE, 1f, now, stored.item().scene())));
    }
    if (!chosen.isEmpty()) ingest(chosen, now);
    Recommendations.Options o = new Recommendations.Options(intParam(ctx, K), null, Set.of(), null, 0,
        0, false, false);
    Experiments.Assignment arm = experiments.assign(id);
    Recommendations answering = answering(arm);
    RecentHistory.UserHistory h = historyOf(id, answering);
    answer(ctx, asSent(ctx), id, arm, true, now, newestTime(h.recent()),
        answering.answer(h.recent(), h.earlierItems(), preferences(attributes), o, now));
  }

  /** What answers a user given {@code arm} (null: no experiment runs): the arm's model, or the served one. */
  private Recommendations answering(Experiments.Assignment arm) {
    return arm == null ? recommendations : arm.recommendations();
  }

  /** A stored user's history as their recommendations read it: by their experiment arm's model, if they have one. */
  private RecentHistory.UserHistory historyForAdmin(String id) {
    return historyOf(id, answering(experiments.assign(id)));
  }

  /** The experiments (for the server: restored at start, told of fallback refits, closed at stop). */
  Experiments experiments() {
    return experiments;
  }

  /**
   * The history a recommendation for stored user {@code id} reads: the cache's window for a sequential model; every
   * event (up to {@link RecentHistory#MAX_LOADED_EVENTS}, newest kept) from the store for a model that reads the whole
   * history, whose books a window of the newest 50 events could leave out entirely, and when no model is served (the
   * classic fallback, item-kNN or ALS, reads the whole history, as it does offline and in POST). The store has every
   * acknowledged event, so reading it keeps read-your-writes.
   *
   * <p>{@code answering} is what answers the user: an experiment's arm may hold another model than the served one.
   */
  private RecentHistory.UserHistory historyOf(String id, Recommendations answering) {
    ServingModel m = answering.model();
    if (m != null && m.sequential() != null) history.ensureSteps(m.sequential().historyWindow());
    // popularity alone reads a history only to leave out what the user has: the cached window and earlier items do
    if (m != null && !m.readsWholeHistory() || m == null && answering.fallback() == null) return history.of(id);
    List<Event> all = new ArrayList<>();
    for (Store.StoredEvent e : store.recentEvents(id, RecentHistory.MAX_LOADED_EVENTS)) all.add(e.event());
    return new RecentHistory.UserHistory(all, Set.of());
  }

  static final String ONBOARDING_CATEGORIES = "onboarding.categories";
  static final String ONBOARDING_CREATORS = "onboarding.creators";
  /** The profile attributes that hold onboarding choices: the server's, kept across profile writes. */
  static final List<String> ONBOARDING_KEYS = List.of(ONBOARDING_CATEGORIES, ONBOARDING_CREATORS);
  /** Reads choices strictly: an earlier build's "[2020]|jazz" is not the array [2020] and something after it (QA). */
  private static final com.fasterxml.jackson.databind.ObjectMapper CHOICES_JSON =
      new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * Read-merge-write of a profile, one user at a time: 64 stripes of locks by user id (this server's requests only; a
   * second server on the same store is not held).
   */
  private final StripedLocks profileLocks = new StripedLocks(64);
  /**
   * An item's write, hide or deletion holds its stripe from the store write to the catalogue update: two writes of one
   * item interleaved put the older row in memory last (a hidden item served, a deleted one back in the catalogue).
   */
  private final StripedLocks itemLocks = new StripedLocks(64);

  /** A stored user's onboarding choices, from their profile. */
  static Recommendations.Preferences preferences(Map<String, String> attributes) {
    return new Recommendations.Preferences(splitChoices(attributes.get(ONBOARDING_CATEGORIES)),
        splitChoices(attributes.get(ONBOARDING_CREATORS)));
  }

  /**
   * Choices as a profile holds them: a JSON array of strings. They were "|"-joined, and a creator or category holding
   * a "|" ("Simon|Garfunkel") came back as two that matched nothing (QA).
   */
  static String joinChoices(List<String> choices) {
    try {
      return CHOICES_JSON.writeValueAsString(choices);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e); // a list of strings always writes
    }
  }

  /** The choices of {@link #joinChoices}, or an earlier build's "|"-joined ones. */
  static Set<String> splitChoices(String joined) {
    if (joined == null || joined.isEmpty()) return Set.of();
    if (joined.startsWith("[")) {
      try {
        JsonNode array = CHOICES_JSON.readTree(joined);
        Set<String> choices = new HashSet<>();
        boolean ours = array.isArray();
        for (JsonNode c : array) {
          if (c.isTextual()) choices.add(c.asText());
          else ours = false;
        }
        if (ours) return choices;
      } catch (com.fasterxml.jackson.core.JsonProcessingException notOurs) {
        // an earlier build's choice that starts with "[": read it as that build wrote it
      }
      // not an array of strings (a value an earlier build let a client set, "[null]" say): as that build read it,
      // rather than a 500 on every route that reads the user's choices (a review)
    }
    return new HashSet<>(List.of(joined.split("\\|")));
  }

  private void userEvents(Context ctx) {
    String id = userId(ctx);
    int limit = intParam(ctx, EVENTS_LIMIT);
    if (store.user(id).isEmpty()) throw ApiException.notFound("user", ctx.pathParam("id"));
    List<Map<String, Object>> out = new ArrayList<>();
    for (Store.StoredEvent e : store.recentEvents(id, limit)) out.add(eventJson(e.eventId(), e.event()));
    ctx.json(Map.of("userId", asSent(ctx), "events", out));
  }

  // ---------------------------------------------------------------- recommendations

  private void userRecommendations(Context ctx) {
    String id = userId(ctx);
    long asked = clock.getAsLong();
    Recommendations.Options o = options(ctx);
    Experiments.Assignment arm = experiments.assign(id);
    Recommendations answering = answering(arm);
    RecentHistory.UserHistory h = historyOf(id, answering);
    List<Event> recent = h.recent();
    Recommendations.Preferences prefs = Recommendations.Preferences.NONE;
    if (answering.cold(recent)) {
      // a cold user: the profile may hold onboarding choices (one store read, only for users this new)
      User u = knownUser(id, ctx.pathParam("id"));
      prefs = preferences(u.attributes());
    }
    answer(ctx, asSent(ctx), id, arm, true, asked, newestTime(recent), answering.answer(recent, h.earlierItems(),
        prefs, o, clock.getAsLong()));
  }

  /**
   * Recommendations for a history sent with the request, nothing stored. With {@code userId}, the history is that
   * user's stored one (as their own route reads it, with the items they consumed before it left out) followed by the
   * events sent, in time order: "what would this user get after these events" (the dashboard's what-if), the
   * user's own list when none are sent.
   */
  private void anonymousRecommendations(Context ctx) {
    JsonNode b = body(ctx);
    RequestBodies.requireObject("", b, RECOMMEND_FIELDS);
    JsonNode h = b.has("history") ? b.get("history") : JSON_EMPTY_ARRAY;
    if (!h.isArray()) throw ApiException.invalid("history", "history must be an array of events");
    if (h.size() > config.maxBatch()) {
      throw new ApiException(413, "batch_too_large", "history holds at most " + config.maxBatch() + " events",
          "history");
    }
    long now = clock.getAsLong();
    List<Event> events = new ArrayList<>(h.size());
    // by identity: the events sent without a time, ordered by the one given them here and explained without it
    Set<Event> undated = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (int k = 0; k < h.size(); k++) {
      events.add(RequestBodies.historyEvent("history[" + k + "]", h.get(k), now, now - h.size() + k));
      if (!h.get(k).hasNonNull("timestamp")) undated.add(events.get(k));
    }
    String userAsSent = b.has("userId") ? RequestBodies.requiredId(b, "", "userId") : null;
    Set<String> earlierItems = Set.of();
    Recommendations.Preferences profile = Recommendations.Preferences.NONE;
    String id = userAsSent == null ? null : storedUserId(ctx, userAsSent);
    // an anonymous history has no user to give an arm to: answered by the served model, outside any experiment
    Experiments.Assignment arm = id == null ? null : experiments.assign(id);
    Recommendations answering = answering(arm);
    if (userAsSent != null) {
      RecentHistory.UserHistory stored = historyOf(id, answering);
      if (answering.cold(stored.recent())) {
        User u = knownUser(id, userAsSent);
        profile = preferences(u.attributes());
      }
      events.addAll(0, stored.recent());
      earlierItems = stored.earlierItems();
    }
    events.sort((x, y) -> Long.compare(x.timestamp(), y.timestamp())); // stable: stored events before sent ones
    Recommendations.Options o = new Recommendations.Options(
        RequestBodies.optionalInt(b, "k", 1, 1000, 10),
        b.has("scene") ? knownScene(RequestBodies.requiredId(b, "", "scene")) : null,
        new HashSet<>(RequestBodies.stringList(b, "", "exclude")),
        b.has("category") ? knownCategory(RequestBodies.requiredId(b, "", "category")) : null,
        range(RequestBodies.optionalNumber(b, "", "diversity", 0), 0, 1, "diversity"),
        RequestBodies.optionalInt(b, "maxPerCreator", 0, 1000, 0),
        boolField(b, "allowRepeats"), boolField(b, "explain"));
    requireAffordable(o);
    var prefs = knownPreferences(RequestBodies.stringList(b, "", "categories"),
        RequestBodies.stringList(b, "", "creators"));
    if (prefs.isEmpty()) prefs = profile; // the stored user's onboarding choices, unless the request makes its own
    // with events sent, the list is for a history the user may never have: a what-if, not what they were shown
    answer(ctx, userAsSent, id, arm, h.isEmpty(), now, newestTime(events),
        answering.answer(events, earlierItems, prefs, o, now, undated));
  }

  /** The users whose windows the history cache holds, for tests. */
  int cachedUsers() {
    return history.cachedUsers();
  }

  /**
   * The stored user {@code id}, or 404 naming them as sent; the empty window the history cache made for an unknown id
   * is dropped, so that probing made-up ids does not push real users out of the cache (a review).
   */
  private User knownUser(String id, String asSent) {
    User u = store.user(id).orElse(null);
    if (u != null) return u;
    history.forget(id);
    throw ApiException.notFound("user", asSent);
  }

  /** The newest time among {@code events}, {@link Long#MIN_VALUE} for none. */
  private static long newestTime(List<Event> events) {
    long newest = Long.MIN_VALUE;
    for (Event e : events) newest = Math.max(newest, e.timestamp());
    return newest;
  }

  /**
   * Answers recommendations; when {@code shown}, the items are recorded as shown to {@code storedUserId} (the user as
   * stored) by experiment arm {@code arm} (null: none) at {@code askedAtMillis}, having read events up to {@code
   * readUntilMillis}, unless the answer is the dashboard's preview.
   */
  private void answer(Context ctx, String userId, String storedUserId, Experiments.Assignment arm, boolean shown,
      long askedAtMillis, long readUntilMillis, Recommendations.Answer answer) {
    List<Recommendations.Recommended> items = answer.items();
    ServingModel m = answer.model(); // what answered, not what is served now: a swap may have come in between
    FallbackModel f = answer.fallback();
    // the dashboard's own previews (a user's page, a what-if) are not traffic: they would skew the shares it shows;
    // they carry the admin key, and the header from any other client is ignored (it could hide its answers)
    boolean preview = PREVIEW_VALUE.equals(ctx.header(PREVIEW_HEADER))
        && Boolean.TRUE.equals(ctx.attribute(AccessControl.ADMIN_ATTRIBUTE));
    if (stats != null && !preview) stats.served(items, m == null ? null : m.kind(), f == null ? null : f.kind());
    if (arm != null && shown && !preview) {
      // the version only when its model ranked the answer: a user it could not read (no history it knows, a model
      // of another catalogue) got the fallback's or popularity's, counted as "none", not as the version's
      // an event dated ahead of the request (a client's clock ahead, up to the day events may be) counts as read at
      // the request: read at its own time, it hid every later use by that user until the clock passed it (A/B QA).
      // Such an event the answer read can then count as a use, where repeats are allowed and it shows its item again:
      // only the store's arrival order could tell it from a later one, and exposures record times
      experiments.exposed(arm, storedUserId, m == null || !answer.rankedByModel() ? null : m.version(), items,
          askedAtMillis, Math.min(readUntilMillis, askedAtMillis));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    if (userId != null) body.put("userId", userId);
    body.put("model", m == null ? null : m.version());
    if (arm != null) body.put("experiment", Map.of("id", arm.experiment().id(), "arm", arm.armName()));
    body.put("items", items);
    ctx.json(body);
  }

  private Recommendations.Options options(Context ctx) {
    Set<String> exclude = new HashSet<>();
    String ex = ctx.queryParam("exclude");
    if (ex != null && !ex.isBlank()) {
      for (String s : ex.split(",")) exclude.add(RequestBodies.pathId(s.trim(), "exclude"));
    }
    String category = ctx.queryParam("category");
    Recommendations.Options o = new Recommendations.Options(intParam(ctx, K), sceneParam(ctx), exclude,
        category == null ? null : knownCategory(RequestBodies.pathId(category, "category")),
        doubleParam(ctx, DIVERSITY), intParam(ctx, MAX_PER_CREATOR),
        boolParam(ctx, "allowRepeats"), boolParam(ctx, "explain"));
    requireAffordable(o);
    return o;
  }

  /**
   * The most items a diversified answer holds: MMR compares every pick with its pool of 5 × k candidates, so its cost
   * grows with k²; at k = 1,000 one request took 0.4 to 1.3 s of a core (a QA run), at 200 a few milliseconds.
   */
  static final int MAX_K_DIVERSIFIED = 200;
  /** The most items an explained answer holds: each carries its history's steps (k = 1,000 answered 4.8 MB). */
  static final int MAX_K_EXPLAINED = 100;

  /** Refuses the options whose answer would cost far more than a client's request: a large k with MMR or explain. */
  private static void requireAffordable(Recommendations.Options o) {
    if (o.diversity() > 0 && o.k() > MAX_K_DIVERSIFIED) {
      throw ApiException.invalid("k", "with diversity, k is at most " + MAX_K_DIVERSIFIED + ": " + o.k());
    }
    if (o.explain() && o.k() > MAX_K_EXPLAINED) {
      throw ApiException.invalid("k", "with explain, k is at most " + MAX_K_EXPLAINED + ": " + o.k());
    }
  }

  // ---------------------------------------------------------------- items

  private void upsertItems(Context ctx) {
    List<Item> items = new ArrayList<>();
    for (var e : RequestBodies.oneOrMany(body(ctx), "items", config.maxBatch())) {
      items.add(RequestBodies.item(e.getKey(), e.getValue(), null));
    }
    items = lastOfEachId(items, Item::id);
    String warning = sceneCaseWarning(items);
    saveItems(items);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("upserted", items.size());
    if (warning != null) answer.put("warning", warning);
    ctx.json(answer);
  }

  /**
   * A warning for items written with a new scene that differs from a known one by case only ("Book" beside "book"):
   * scenes match as written, so such an item is in a scene of its own, listed under neither (a QA run); null for none.
   * Not refused: a catalogue may mean two scenes so.
   */
  private String sceneCaseWarning(List<Item> items) {
    Set<String> said = new java.util.TreeSet<>();
    for (Item item : items) {
      if (catalog.hasScene(item.scene())) continue;
      Set<String> like = catalog.scenesLike(item.scene());
      if (!like.isEmpty()) said.add("'" + item.scene() + "' (" + Catalog.didYouMean(like) + ")");
    }
    return said.isEmpty() ? null : "new scene " + String.join(", ", said) + ": scenes match as written, so these items"
        + " are listed under the new scene only";
  }

  /**
   * A batch's records with one per id, the last one sent (a later record of an id is the client's later word, as two
   * requests in a row would be), in the order of their last occurrence: "upserted" then counts records stored.
   */
  static <T> List<T> lastOfEachId(List<T> records, java.util.function.Function<T, String> id) {
    Map<String, T> last = new LinkedHashMap<>();
    for (T r : records) {
      last.remove(id.apply(r));
      last.put(id.apply(r), r);
    }
    return last.size() == records.size() ? records : new ArrayList<>(last.values());
  }

  private void putItem(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    Item item = RequestBodies.item("", body(ctx), id);
    String warning = sceneCaseWarning(List.of(item));
    Map<String, Object> answer = itemJson(saveItems(List.of(item)).get(id));
    if (warning != null) answer.put("warning", warning);
    ctx.json(answer);
  }

  /** Stores the items, then puts them in the catalogue as stored; returns them so, by id. */
  private Map<String, Store.StoredItem> saveItems(List<Item> items) {
    List<String> ids = items.stream().map(Item::id).toList();
    Map<String, Store.StoredItem> saved;
    try (StripedLocks.Held held = itemLocks.lock(ids)) {
      store.upsertItems(items);
      saved = store.items(ids); // one read
      for (String id : ids) {
        Store.StoredItem stored = saved.get(id);
        if (stored == null) throw new IllegalStateException("item " + id + " was stored but cannot be read back");
        catalog.put(stored);
      }
    }
    for (String id : ids) itemChanged(id);
    return saved;
  }

  private void lookupItems(Context ctx) {
    JsonNode b = body(ctx);
    RequestBodies.requireObject("", b, Set.of("ids"));
    List<String> ids = RequestBodies.stringList(b, "", "ids");
    if (ids.isEmpty()) throw ApiException.invalid("ids", "give 1 to 1000 item ids");
    List<Map<String, Object>> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String id : new java.util.LinkedHashSet<>(ids)) {
      Store.StoredItem item = catalog.get(id);
      if (item == null) {
        missing.add(id);
      } else {
        found.add(itemJson(item));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("items", found);
    out.put("missing", missing);
    ctx.json(out);
  }

  private void getItem(Context ctx) {
    ctx.json(itemJson(requireItem(RequestBodies.pathId(ctx.pathParam("id"), "id"))));
  }

  private void deleteItem(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    // alone against ingestion: a batch committed just before, adding the item to the catalogue just after the
    // deletion, would bring it back in memory only (served, yet 404 to DELETE and hide); and against the item's
    // writes (its stripe first: ingestion never takes one)
    try (StripedLocks.Held held = itemLocks.lock(List.of(id))) {
      ingestion.writeLock().lock();
      try {
        if (!store.deleteItem(id)) throw ApiException.notFound("item", id);
        catalog.remove(id); // popular and trending leave out what the catalogue lacks; the counts stay (ItemCounters)
      } finally {
        ingestion.writeLock().unlock();
      }
    }
    itemChanged(id);
    ctx.status(204);
  }

  private void hide(Context ctx, boolean hidden) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    Store.StoredItem stored;
    try (StripedLocks.Held held = itemLocks.lock(List.of(id))) {
      if (!store.setHidden(id, hidden)) throw ApiException.notFound("item", id);
      stored = store.item(id).orElseThrow(() -> ApiException.notFound("item", id));
      catalog.put(stored);
    }
    itemChanged(id);
    ctx.json(itemJson(stored));
  }

  private void similar(Context ctx) {
    String id = RequestBodies.pathId(ctx.pathParam("id"), "id");
    Store.StoredItem item = requireItem(id);
    int k = intParam(ctx, K);
    ServingModel m = recommendations.model();
    String scene = m == null ? sceneParam(ctx) : m.sceneOrDefault(sceneParam(ctx));
    List<Map<String, Object>> out = new ArrayList<>();
    int index = m == null ? -1 : m.items().indexOf(id);
    TopK top = index < 0 ? TopK.empty()
        : m.similarItems(index, k, i -> keep(m.items().id(i), scene) && !m.items().id(i).equals(id), scene);
    if (top.size() > 0) {
      for (int r = 0; r < top.size(); r++) out.add(ranked(m.items().id(top.item(r)), top.score(r), m.kind()));
    } else {
      out.addAll(similarByFallback(id, k, scene));
    }
    if (out.isEmpty()) {
      // not in the models (or nothing like it in the requested scene): items sharing a category, most popular first,
      Set<String> categories = new HashSet<>(item.item().categories());
      for (ItemCounters.Ranked r : counters.popular(k, i -> !i.equals(id) && keep(i, scene)
          && sharesCategory(i, categories))) {
        out.add(ranked(r.itemId(), r.count(), "category"));
      }
      // then those nobody has used yet, newest first: a new article in a new category had none (QA)
      if (out.size() < k) {
        for (String unused : recommendations.unusedSharing(categories, k - out.size(),
            i -> !i.equals(id) && keep(i, scene))) {
          out.add(ranked(unused, 0, "category"));
        }
      }
    }
    ctx.json(Map.of("itemId", id, "items", out));
  }

  /** Whether the item (null: deleted meanwhile, by a request beside this one) has one of {@code categories}. */
  private boolean sharesCategory(String itemId, Set<String> categories) {
    Store.StoredItem stored = catalog.get(itemId);
    return stored != null && stored.item().categories().stream().anyMatch(categories::contains);
  }

  /**
   * The classic fallback's items for a history of this one item (ItemKNN: its nearest items; ALS: the items its
   * factors score highest), those it has some evidence for; none when it does not know the item. Without a served
   * model (or when the model does not know the item) this is what similar items are, before items sharing a
   * category: catalogues without categories (Last.fm's tags) had none.
   */
  private List<Map<String, Object>> similarByFallback(String id, int k, String scene) {
    FallbackModel f = recommendations.fallback();
    int index = f == null ? -1 : f.items().indexOf(id);
    if (index < 0) return List.of();
    TopK top = f.model().recommend(new dev.attune.model.Query(-1, new int[] {index}, k,
        i -> i != index && keep(f.items().id(i), scene), true));
    List<Map<String, Object>> out = new ArrayList<>();
    for (int r = 0; r < top.size(); r++) {
      // no score (or exactly 0: co-occurring with nothing) is no evidence of likeness
      if (Float.isFinite(top.score(r)) && top.score(r) != 0f) {
        out.add(ranked(f.items().id(top.item(r)), top.score(r), f.kind()));
      }
    }
    return out;
  }

  /** The trending window: 1 to the hours the server counts, all of them by default (this server's settings). */
  private Route.Param trendingHoursParam() {
    return Route.Param.integer("hours", "window in hours, 1 to the server's trendingHours (default that)", 1,
        config.trendingHours(), config.trendingHours());
  }

  /** The window of new releases, in days: the server's newItemDays by default. */
  private Route.Param newDaysParam() {
    return Route.Param.integer("days", "released within this many days (default the server's newItemDays)", 1,
        MAX_NEW_DAYS, config.newItemDays());
  }

  private void popular(Context ctx) {
    String scene = sceneParam(ctx);
    List<Map<String, Object>> out = new ArrayList<>();
    for (ItemCounters.Ranked r : counters.popular(intParam(ctx, K), i -> keep(i, scene))) {
      out.add(ranked(r.itemId(), r.count(), "popular"));
    }
    ctx.json(Map.of("items", out));
  }

  private void trending(Context ctx) {
    String scene = sceneParam(ctx);
    List<Map<String, Object>> out = new ArrayList<>();
    int hours = intParam(ctx, trendingHoursParam());
    for (ItemCounters.Ranked r : counters.trending(clock.getAsLong(), hours, intParam(ctx, K),
        i -> keep(i, scene))) {
      out.add(ranked(r.itemId(), r.count(), "trending"));
    }
    ctx.json(Map.of("windowHours", hours, "items", out));
  }

  private void newest(Context ctx) {
    String scene = sceneParam(ctx);
    int k = intParam(ctx, K);
    int days = intParam(ctx, newDaysParam());
    long since = clock.getAsLong() - days * 86_400_000L;
    List<Store.StoredItem> fresh = new ArrayList<>();
    for (Store.StoredItem s : catalog.all()) {
      Item i = s.item();
      if (!s.hidden() && i.hasReleaseTime() && i.releaseTime() >= since && i.releaseTime() <= clock.getAsLong()
          && (scene == null || scene.equals(i.scene()))) {
        fresh.add(s);
      }
    }
    fresh.sort((a, b) -> a.item().releaseTime() != b.item().releaseTime()
        ? Long.compare(b.item().releaseTime(), a.item().releaseTime()) : a.item().id().compareTo(b.item().id()));
    List<Map<String, Object>> out = new ArrayList<>();
    for (Store.StoredItem s : fresh.subList(0, Math.min(k, fresh.size()))) {
      // the fields of /v1/popular first (score: the release time it is ranked by), then the whole record
      Map<String, Object> m = ranked(s.item().id(), 0, "new");
      m.put("score", s.item().releaseTime()); // milliseconds, written whole
      m.putAll(itemJson(s));
      out.add(m);
    }
    ctx.json(Map.of("days", days, "items", out));
  }

  // ---------------------------------------------------------------- events

  private void postEvents(Context ctx) {
    long now = clock.getAsLong();
    List<Store.NewEvent> events = EventBatches.read(ctx.bodyAsBytes(), config.maxBatch(), now);
    if (events == null) { // not a valid batch of the common shape: the tree path accepts the rest or says why not
      events = new ArrayList<>();
      for (var e : RequestBodies.oneOrMany(body(ctx), "events", config.maxBatch())) {
        events.add(RequestBodies.event(e.getKey(), e.getValue(), now, now + events.size()));
      }
    }
    // which events came with the client's own id: only those can be reused ids (a content id is its content, a
    // receipt id unique), and the rewrite below gives some events without one a content id
    boolean[] clientIds = new boolean[events.size()];
    for (int i = 0; i < events.size(); i++) clientIds[i] = RequestBodies.isClientEventId(events.get(i).eventId());
    List<Store.NewEvent> stored = new ArrayList<>(events.size());
    boolean admin = Boolean.TRUE.equals(ctx.attribute(AccessControl.ADMIN_ATTRIBUTE));
    for (Store.NewEvent ne : events) {
      Event ev = ne.event();
      // an event that names no scene (the default) happens in its item's scene, when the item is known to have one
      Store.StoredItem known = ev.scene().equals(Event.DEFAULT_SCENE) ? catalog.get(ev.itemId()) : null;
      String scene = known != null ? known.item().scene() : ev.scene();
      String user = storedUserId(ev.userId(), admin); // as the user routes read it
      if (scene.equals(ev.scene()) && user.equals(ev.userId())) {
        stored.add(ne);
        continue;
      }
      // the content id of an event without one hashes the scene as the client sent it: hashed after the item's
      // scene filled it in, a retry after the item got a scene (or another one) was stored again
      String id = ne.eventId() != null ? ne.eventId() : Store.NewEvent.contentId(
          new Event(user, ev.itemId(), ev.type(), ev.value(), ev.timestamp(), ev.scene(), ev.context()));
      stored.add(new Store.NewEvent(id, new Event(user, ev.itemId(), ev.type(), ev.value(), ev.timestamp(), scene,
          ev.context())));
    }
    events = stored;
    Store.AppendResult result = ingest(events, now);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("inserted", result.inserted());
    answer.put("duplicates", result.duplicates());
    List<Map<String, Object>> conflicts = conflicts(events, clientIds, result);
    if (!conflicts.isEmpty()) answer.put("conflicts", conflicts);
    int early = 0;
    for (Store.NewEvent e : events) if (e.event().timestamp() > 0 && e.event().timestamp() < SECONDS_LIKE) early++;
    if (early > 0) {
      // stored as sent, but said: a client sending seconds files every event in January 1970, before all the others
      // (client QA; attune import warns of seconds, the API said nothing)
      answer.put("warnings", List.of(early + (early == 1 ? " event has" : " events have") + " a timestamp before"
          + " 1973-03-03 (below 10^11): timestamps are milliseconds since 1970, and one in seconds is a time in"
          + " January 1970"));
    }
    ctx.json(answer);
  }

  /** Timestamps below this (1973-03-03 in milliseconds; 5138 AD in seconds) look like seconds: an answer warns. */
  static final long SECONDS_LIKE = 100_000_000_000L;

  /** The most items a batch's duplicates name that the catalogue lacks and the store is asked for (a read each). */
  static final int MAX_DUPLICATE_ITEM_READS = 20;

  /** The most duplicates of a batch whose stored event {@link #conflicts} compares (a lookup each). */
  static final int MAX_CONFLICT_CHECKS = 20;

  /**
   * The duplicates of a batch whose id the store holds for another event (another user, item or type): a retry
   * carries the same event, so these are ids a client reused, and their events were not stored. The first {@link
   * #MAX_CONFLICT_CHECKS} duplicates with a client's id ({@code clientIds}) are compared; the time is not, for an event
   * sent without one gets the time of each receipt.
   */
  private List<Map<String, Object>> conflicts(List<Store.NewEvent> events, boolean[] clientIds,
      Store.AppendResult result) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (result.duplicates() == 0) return out;
    int checked = 0;
    for (int i = 0; i < events.size() && checked < MAX_CONFLICT_CHECKS; i++) {
      Store.NewEvent sent = events.get(i);
      if (result.stored(i) || !clientIds[i]) continue;
      checked++;
      Event held = store.event(sent.eventId()).map(Store.StoredEvent::event).orElse(null);
      Event e = sent.event();
      if (held != null && (!held.userId().equals(e.userId()) || !held.itemId().equals(e.itemId())
          || !held.type().equalsIgnoreCase(e.type()))) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("index", i);
        c.put("id", sent.eventId());
        c.put("message", "this id is stored for another event (another user, item or type): not stored; give each"
            + " event its own id");
        out.add(c);
      }
    }
    return out;
  }

  /** Commits events, then updates the catalogue, the recent-history cache and the counters (read-your-writes). */
  private Store.AppendResult ingest(List<Store.NewEvent> events, long now) {
    // shared among batches; a user's deletion waits for those in flight, and they for it, as long as a write waits
    // for the store: a deletion held up by a lock elsewhere held every event write with it, without bound
    boolean locked;
    try {
      locked = ingestion.readLock().tryLock(INGESTION_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // as a stop: 503, retry (a bare InterruptedException made it a 500 with a stack trace; a review)
      throw new dev.attune.store.StoreException("interrupted while a deletion ran",
          new java.sql.SQLTransientException("interrupted while a deletion ran", e));
    }
    if (!locked) {
      String reason = "waited " + INGESTION_WAIT_MILLIS + " ms for a user's or an item's deletion to finish";
      throw new dev.attune.store.StoreException(reason, new java.sql.SQLTransientException(reason)); // retryable
    }
    try {
      return ingestLocked(events, now);
    } finally {
      ingestion.readLock().unlock();
    }
  }

  private Store.AppendResult ingestLocked(List<Store.NewEvent> events, long now) {
    Store.AppendResult result = store.appendEvents(events);
    List<Event> committed = new ArrayList<>(events.size());
    // only what was stored: a duplicate may carry other content than the stored event of its id, and counted, it
    // lifted an item the store holds once (200 events with one id made it the most popular until a restart); nor
    // does it make an item of the id it names (the store created none for it)
    List<Event> stored = new ArrayList<>(result.inserted());
    Set<String> lookedUp = new HashSet<>();
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i).event();
      committed.add(e);
      if (!result.stored(i)) {
        // the retry of an append whose commit went through unacknowledged (a connection lost at the commit): its
        // item is in the store, and belongs in the catalogue too; a few reads a batch at most (a flood of reused ids
        // naming unknown items would cost one each)
        if (catalog.get(e.itemId()) == null && lookedUp.size() < MAX_DUPLICATE_ITEM_READS && lookedUp.add(e.itemId())) {
          // only if still absent: an item write meanwhile put a newer row
          store.item(e.itemId()).ifPresent(item -> {
            if (catalog.putIfAbsent(item)) itemChanged(item.item().id());
          });
        }
        continue;
      }
      stored.add(e);
      if (catalog.get(e.itemId()) == null) {
        catalog.putIfAbsent(e.itemId(), e.scene(), now);
        itemChanged(e.itemId());
      }
    }
    history.append(committed, result.duplicates() > 0);
    counters.addAll(stored);
    io.micrometer.core.instrument.Counter.builder("attune_events_ingested")
        .description("events stored (new ones; duplicates are counted apart)").register(metrics)
        .increment(result.inserted());
    io.micrometer.core.instrument.Counter.builder("attune_events_duplicate")
        .description("events skipped as duplicates of stored ones (a retried batch)").register(metrics)
        .increment(result.duplicates());
    if (lifecycle != null) lifecycle.eventsStored(stored);
    return result;
  }

  // ---------------------------------------------------------------- helpers

  /** Tells the served model and every experiment arm's that an item entered, changed in or left the catalogue. */
  private void itemChanged(String itemId) {
    recommendations.itemChanged(itemId);
    experiments.itemChanged(itemId);
  }

  private JsonNode body(Context ctx) {
    return RequestBodies.readJson(json, ctx.bodyAsBytes());
  }

  private Store.StoredItem requireItem(String id) {
    Store.StoredItem s = catalog.get(id);
    if (s == null) throw ApiException.notFound("item", id);
    return s;
  }

  /** The {@code scene} query parameter: null when absent, else a scene some item has had (400 otherwise). */
  private String sceneParam(Context ctx) {
    String scene = ctx.queryParam("scene");
    return scene == null ? null : knownScene(RequestBodies.pathId(scene, "scene"));
  }

  /**
   * {@code scene} when some item has had it. An unknown scene is a client's mistake (a typo, or the wrong case), not an
   * empty scene, so it is refused with the scenes there are rather than answered with an empty list.
   */
  private String knownScene(String scene) {
    if (!catalog.hasScene(scene)) {
      throw ApiException.invalid("scene", catalog.unknownScene(scene));
    }
    return scene;
  }

  /**
   * {@code category} when some item has had it. A category no item has is a client's mistake, as an unknown scene is,
   * and an empty list would hide it. Categories are matched as written, not in any case: they are the catalogue's own
   * names, and a catalogue may hold two that differ by case only (a tag "Rock" and a genre "ROCK"), which a
   * case-blind filter would merge; a category that differs from known ones only by case is refused naming them.
   */
  private String knownCategory(String category) {
    return knownCategory(category, "category");
  }

  /** As {@link #knownCategory(String)}, for the field at {@code field} ({@code categories[2]}). */
  private String knownCategory(String category, String field) {
    if (catalog.hasCategory(category)) return category;
    Set<String> like = catalog.categoriesLike(category);
    if (!like.isEmpty()) {
      throw ApiException.invalid(field, "unknown category '" + category + "' (categories match case): "
          + Catalog.didYouMean(like));
    }
    throw ApiException.invalid(field, "unknown category '" + category + "'; categories: "
        + catalog.describeCategories());
  }

  /**
   * {@code creator} when some item has had it, as {@link #knownCategory} for categories: an onboarding choice of a
   * creator no item has would shape nothing, silently. Creators are not listed (a catalogue has thousands, and no
   * order makes the first 20 the ones meant); one that differs from known ones only by case is named.
   */
  private String knownCreator(String creator, String field) {
    if (catalog.hasCreator(creator)) return creator;
    Set<String> like = catalog.creatorsLike(creator);
    throw ApiException.invalid(field, "unknown creator '" + creator + "': no item has it" + (like.isEmpty()
        ? " (creators match as written)" : " (creators match case): " + Catalog.didYouMean(like)));
  }

  /**
   * Checks a request's preferred {@code categories} and {@code creators} (onboarding choices, or those sent with a
   * history) against the catalogue: a typo would otherwise answer plain popular items with a 200, while the same typo
   * in {@code category=} is refused.
   */
  private Recommendations.Preferences knownPreferences(List<String> categories, List<String> creators) {
    for (int k = 0; k < categories.size(); k++) knownCategory(categories.get(k), "categories[" + k + "]");
    for (int k = 0; k < creators.size(); k++) knownCreator(creators.get(k), "creators[" + k + "]");
    return new Recommendations.Preferences(new HashSet<>(categories), new HashSet<>(creators));
  }

  private boolean keep(String itemId, String scene) {
    Store.StoredItem s = catalog.get(itemId);
    return Catalog.listable(s, clock.getAsLong()) && (scene == null || scene.equals(s.item().scene()));
  }

  private static Map<String, Object> ranked(String itemId, double score, String source) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("itemId", itemId);
    m.put("score", score);
    m.put("source", source);
    return m;
  }

  static Map<String, Object> itemJson(Store.StoredItem s) {
    Item i = s.item();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", i.id());
    m.put("scene", i.scene());
    m.put("title", i.title());
    m.put("creator", i.creator());
    m.put("album", i.album());
    m.put("categories", i.categories());
    m.put("tags", i.tags());
    m.put("durationSeconds", Float.isNaN(i.durationSeconds()) ? null : i.durationSeconds());
    m.put("releaseTime", i.hasReleaseTime() ? i.releaseTime() : null);
    m.put("text", i.text());
    m.put("attributes", i.attributes());
    m.put("hidden", s.hidden());
    m.put("createdAt", s.createdAtMillis());
    return m;
  }

  private static Map<String, Object> eventJson(String id, Event e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("itemId", e.itemId());
    m.put("type", e.type());
    m.put("value", e.value());
    m.put("timestamp", e.timestamp());
    m.put("scene", e.scene());
    if (!e.context().isEmpty()) m.put("context", e.context());
    return m;
  }

  static int intParam(Context ctx, String name, int absent, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) return absent;
    long n;
    try {
      n = Long.parseLong(v); // not trimmed: "1%00" or "1%0A" is not the number 1
    } catch (NumberFormatException e) {
      // digits past long's range are an integer too, out of range (QA: k=99999999999999999999), and so is a number
      // without a fraction in another notation, as a body's integers are (QA: k=10.0 from a client's float)
      java.math.BigDecimal decimal = null;
      try {
        if (v.chars().noneMatch(c -> c <= ' ') && v.length() <= 1000) decimal = new java.math.BigDecimal(v);
      } catch (NumberFormatException notANumber) {
        // neither: said below
      }
      if (decimal == null || decimal.signum() != 0 && decimal.stripTrailingZeros().scale() > 0) {
        throw ApiException.invalid(name, name + " must be an integer: " + v);
      }
      if (decimal.compareTo(java.math.BigDecimal.valueOf(min)) < 0
          || decimal.compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
        throw ApiException.invalid(name, name + " must be in [" + min + ", " + max + "]: " + v);
      }
      n = decimal.longValue();
    }
    // "must be an integer" for 99999999999 said the wrong thing: it is one, out of range
    if (n < min || n > max) throw ApiException.invalid(name, name + " must be in [" + min + ", " + max + "]: " + v);
    return (int) n;
  }

  /** A documented integer parameter, within the bounds and with the default it documents. */
  static int intParam(Context ctx, Route.Param p) {
    return intParam(ctx, p.name(), p.defaultValue().intValue(), p.minimum().intValue(), p.maximum().intValue());
  }

  /** A documented number parameter, within the bounds and with the default it documents. */
  static double doubleParam(Context ctx, Route.Param p) {
    return doubleParam(ctx, p.name(), p.defaultValue().doubleValue(), p.minimum().doubleValue(),
        p.maximum().doubleValue());
  }

  static double doubleParam(Context ctx, String name, double absent, double min, double max) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) return absent;
    try {
      // parseDouble would trim: "0.5%00" or "0.5%0A" is not the number 0.5
      if (v.chars().anyMatch(c -> c <= ' ')) throw new NumberFormatException(v);
      return range(Double.parseDouble(v), min, max, name);
    } catch (NumberFormatException e) {
      throw ApiException.invalid(name, name + " must be a number: " + v);
    }
  }

  static boolean boolParam(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) return false;
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw ApiException.invalid(name, name + " must be true or false (or 1/0, yes/no): " + v);
    };
  }

  private static double range(double v, double min, double max, String name) {
    if (!(v >= min && v <= max)) throw ApiException.invalid(name, name + " must be in [" + min + ", " + max + "]: " + v);
    return v;
  }

  private static boolean boolField(JsonNode b, String name) {
    JsonNode v = b.get(name);
    if (v == null || v.isNull()) return false;
    if (!v.isBoolean()) throw ApiException.invalid(name, name + " must be true or false");
    return v.asBoolean();
  }
}
