package dev.attune.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.data.Dataset;
import dev.attune.data.TrainingSet;
import dev.attune.infer.ModelDirectory;
import dev.attune.store.Store;
import dev.attune.store.StoreStats;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recommendation service: {@code AttuneServer.create(config, store).start()}, {@link #port()}, {@link
 * #stop()}. Routes are listed in {@link Api}; this class owns the lifecycle, the error mapping and the request
 * metrics.
 *
 * <p>Errors: an {@link ApiException} (a client mistake or unknown id) becomes its status with {@code {error,
 * message, field}}; malformed JSON 400; a body over {@link ServerConfig#maxBodyBytes} 413; an unknown route 404, a
 * known one with another method 405; anything else 500 with a generic message (the cause is logged, never sent).
 */
public final class AttuneServer {
  private static final Logger LOG = LoggerFactory.getLogger(AttuneServer.class);

  private final boolean startedFromActiveVersion;
  private final ServerConfig config;
  private final Store store;
  private final Recommendations recommendations;
  private final Api api;
  private final PrometheusMeterRegistry metrics;
  private final ObjectMapper json;
  private final AccessControl access;
  private final ServiceStats stats;
  private final String adminKey;
  private final LongSupplier clock;
  private Javalin app;
  private final CountDownLatch fallbackReady = new CountDownLatch(1);
  /** Held by a fallback fit, so that fits run one at a time. */
  private final Object fallbackFit = new Object();
  /** A refit on the store is waiting for the lock: another request joins it (it reads the store when it starts). */
  private final java.util.concurrent.atomic.AtomicBoolean refitQueued = new java.util.concurrent.atomic.AtomicBoolean();
  /** The served version, for reading it again. */
  private final ServedVersion served;
  /**
   * A user was deleted, or the quarantine changed, since the last refit: a served model fitted on the store's events
   * is read again too.
   */
  private final java.util.concurrent.atomic.AtomicBoolean reloadServedFromStore =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Reads the served version again when it was fitted on the store's events as they were ({@link
   * ServingModel#fitsOnStoreEvents}), so that deleted and quarantined users leave it; unless another version is served
   * by then.
   */
  private void reloadServedFittedOnTheStore() {
    ServingModel m = recommendations.model();
    if (m == null || !m.fitsOnStoreEvents()) return;
    try {
      long t0 = System.nanoTime();
      if (served.reloadIfServing(m.version())) {
        LOG.info("served version {} read again without the deleted or quarantined users in {} ms", m.version(),
            (System.nanoTime() - t0) / 1_000_000);
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("served version {} could not be read again after a deletion or a quarantine; it serves as before",
          m.version(), e);
    }
  }

  /** When the last fallback fit ended and how long it took (guarded by {@code fallbackFit}). */
  private long lastFitEndNanos = System.nanoTime();
  private long lastFitNanos;
  /**
   * The store's events as training data when start-up already read them (to fit a two-stage model's retrievers),
   * so the fallback model is fitted on the same snapshot instead of reading the store again; dropped once it is.
   */
  private volatile TrainingSet startupEvents;
  private final ModelLifecycle lifecycle;

  /**
   * One "store unavailable" line per 10 s: a full disk under traffic failed every write, and a QA run's log grew
   * 28 MB in 15 s. The lines between are counted into the next.
   */
  private final LogThrottle unavailableLog = new LogThrottle(10_000_000_000L);

  /** Lets a line through at most once per period, counting the ones it held back. Thread-safe. */
  static final class LogThrottle {
    private final long periodNanos;
    private long lastNanos;
    private boolean any;
    private long held;

    LogThrottle(long periodNanos) {
      this.periodNanos = periodNanos;
    }

    /** The lines held back since the last one let through, when this one may go; -1 when it is held back too. */
    synchronized long take() {
      long now = System.nanoTime();
      if (any && now - lastNanos < periodNanos) {
        held++;
        return -1;
      }
      any = true;
      lastNanos = now;
      long before = held;
      held = 0;
      return before;
    }
  }

  private AttuneServer(ServerConfig config, Store store, ModelTrainer trainer, LongSupplier clock) {
    // before anything is read or served: under another key no stored user could be reached
    new UserIds(config.userIdKey()).requireTheStoresKey(store, "ATTUNE_USER_ID_KEY (or userIdKey in --config)");
    this.config = config;
    this.store = store;
    this.json = new ObjectMapper()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Catalog catalog = Catalog.load(store);
    ItemCounters counters = new ItemCounters(config.trendingHours(), clock, catalog::likes);
    store.forEachEvent(e -> counters.add(e.event()));
    // the store's active version, when its directory can be read, wins over the configured directory (#7: a
    // published or activated version survives a restart)
    ServingModel model = null;
    Path servedDir = config.modelDir();
    Store.ModelVersion active = store.activeModel().orElse(null);
    if (active != null && Files.isRegularFile(Path.of(active.path()).resolve("model.json"))) {
      try {
        model = ServingModel.read(Path.of(active.path()), this::readStartupEvents);
        servedDir = Path.of(active.path());
        boolean another = config.modelDir() != null
            && !config.modelDir().toAbsolutePath().normalize().equals(servedDir.toAbsolutePath().normalize());
        LOG.info("serving the store's active model version {} ({}){}", active.id(), active.path(),
            another ? " instead of the configured " + config.modelDir() : "");
      } catch (IOException | RuntimeException e) {
        LOG.warn("the store's active model version {} ({}) cannot be read ({}); serving the newest readable registered"
            + " version, else the configured one", active.id(), active.path(), e.getMessage());
      }
    } else if (active != null) {
      LOG.warn("the store's active model version {} has no model directory at {}; serving the newest readable"
          + " registered version, else the configured one", active.id(), active.path());
    }
    if (model == null && active != null) {
      // the newest other registered version the gate did not reject, rather than popularity alone
      List<Store.ModelVersion> others = new ArrayList<>(store.modelVersions());
      others.sort(Comparator.comparingLong(Store.ModelVersion::createdAtMillis).reversed());
      for (Store.ModelVersion v : others) {
        Path dir = Path.of(v.path());
        if (v.id().equals(active.id()) || !ModelDirectory.isComplete(dir) || rejectedByGate(dir)) continue;
        try {
          model = ServingModel.read(dir, this::readStartupEvents);
        } catch (IOException | RuntimeException e) {
          LOG.warn("registered model version {} ({}) cannot be read either: {}", v.id(), v.path(), e.getMessage());
          continue;
        }
        servedDir = dir;
        store.activateModel(v.id());
        LOG.warn("serving {} ({}), the newest readable registered version, in place of {}, and marked it active",
            v.id(), v.path(), active.id());
        break;
      }
    }
    if (model == null && config.modelDir() != null) {
      try {
        model = ServingModel.read(config.modelDir(), this::readStartupEvents);
        servedDir = config.modelDir();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the model directory " + config.modelDir(), e);
      } catch (IllegalArgumentException e) {
        // "it holds a 'din' model": said of which directory
        throw new IllegalArgumentException("cannot serve the model directory " + config.modelDir() + ": "
            + e.getMessage(), e);
      }
    }
    this.recommendations = new Recommendations(catalog, counters, config, model);
    // mean requests per pass over the item matrix = requests / passes (see BatchedScoring); reset on a model swap
    FunctionCounter.builder("attune_scoring_passes", recommendations, r -> scoringStat(r, 0))
        .description("passes of the served model over its item matrix").register(metrics);
    FunctionCounter.builder("attune_scoring_requests", recommendations, r -> scoringStat(r, 1))
        .description("requests scored by the served model, several per pass when they arrive together")
        .register(metrics);
    RecentHistory history = new RecentHistory(store, config.recentEvents(), config.cachedUsers(), catalog::likes,
        catalog::sharedId);
    this.clock = clock;
    this.stats = new ServiceStats(metrics);
    this.adminKey = config.adminKey() != null ? config.adminKey() : randomKey();
    this.served = new ServedVersion(recommendations, store, model == null ? null : servedDir, config.modelDir());
    if (model != null) warnIfNotThisStoresModel(model, catalog, servedDir);
    this.startedFromActiveVersion = model != null && config.modelDir() != null
        && !servedDir.toAbsolutePath().normalize().equals(config.modelDir().toAbsolutePath().normalize());
    this.lifecycle = new ModelLifecycle(store, trainer, config.lifecycle(), served, recommendations, json, clock);
    // the users a job's abuse review quarantines count in neither popular nor trending, nor in what is fitted on the
    // store here (the fallback, a pipeline's retrievers, a transfer model's neighbours), as they do not in training:
    // refitted at once, whatever the job's outcome (one that fails after the review would leave them in)
    lifecycle.onAbuseReviewed(() -> {
      if (applyQuarantine(counters)) {
        served.storeChanged();
        reloadServedFromStore.set(true);
        fitFallback(null);
      }
    });
    // training jobs by outcome, with their durations (attune_training_seconds_count / _sum / _max)
    lifecycle.onJobFinished((outcome, millis) -> {
      Timer.builder("attune_training_seconds").description("training jobs of the model lifecycle, by outcome")
          .tag("outcome", outcome).register(metrics).record(millis, TimeUnit.MILLISECONDS);
      // the classic fallback learns from the events that arrived since it was fitted, as the job's model did
      if (!outcome.equals("failed")) {
        releaseAfterFit.set(true);
        fitFallback(null);
      }
    });
    this.api = new Api(store, json, config, catalog, history, counters, recommendations, metrics, clock, stats,
        served, lifecycle);
    this.access = new AccessControl(store, config.access(), adminKey, System::nanoTime);
    // a version read from the store while a user was deleted (or quarantined), then served, still holds them: read
    // again (a review: an activation's read of seconds let a deletion in between pass it by)
    served.onStaleRead(() -> {
      reloadServedFromStore.set(true);
      fitFallback(null);
    });
    api.onUserDeleted(() -> {
      applyQuarantine(counters); // a deleted user leaves the quarantine, so an id used again counts afresh
      served.storeChanged();
      // co-occurrence only they made must not outlive them: in the fallback, and in a served model fitted on the
      // store's events when it was read (a two-stage pipeline's retrievers, a transfer model's neighbours)
      reloadServedFromStore.set(true);
      fitFallback(null);
    });
    // a store kept under one setting and served under the other: warn, the users affected are out of reach
    if (config.userIdKey() != null) {
      // named by count only: the ids themselves are what the key keeps out of logs
      int plain = store.stats().userIdsWithoutPrefix(UserIds.PSEUDONYM_PREFIX, StoreStats.MAX_ROWS).size();
      if (plain > 0) {
        LOG.warn("user ids are pseudonymised (ATTUNE_USER_ID_KEY), but the store holds {}{} users under plain ids"
            + " (stored before the key was set): requests name users by their own ids, which now map to pseudonyms,"
            + " so these users cannot be reached, exported or deleted through the API", plain,
            plain == StoreStats.MAX_ROWS ? " or more" : "");
      }
    } else if (store.stats().userIds(UserIds.PSEUDONYM_PREFIX, 100).stream().anyMatch(UserIds::hasPseudonymForm)) {
      // by the pseudonym's whole form, not its prefix: a client's own id "p:..." warned at every start (A/B QA)
      LOG.warn("the store holds pseudonymised users ('" + UserIds.PSEUDONYM_PREFIX + "...'), but ATTUNE_USER_ID_KEY is"
          + " not set: user ids are now stored as given, so their new events start new users under plain ids, and"
          + " the pseudonymised ones cannot be reached by their own ids; set the key the store was kept with");
    }
  }

  /**
   * Leaves the users the latest abuse review quarantined out of the counters and the store's data fitted here;
   * returns whether the set changed.
   */
  private boolean applyQuarantine(ItemCounters counters) {
    // one at a time: a deletion racing a review must not apply the set from before the review last
    synchronized (quarantineLock) {
      java.util.Set<String> users = lifecycle.quarantinedUserIds();
      boolean changed = served.quarantine(users);
      counters.exclude(users, id -> store.recentEvents(id, RecentHistory.MAX_LOADED_EVENTS).stream()
          .map(Store.StoredEvent::event).toList());
      return changed;
    }
  }

  private final Object quarantineLock = new Object();

  /** Reads the store's events for start-up and keeps them for the fallback model ({@link #startupEvents}). */
  private TrainingSet readStartupEvents() {
    TrainingSet events = ServedVersion.storeEvents(store);
    startupEvents = events;
    return events;
  }

  /** 32 random hex digits from a strong generator. */
  private static String randomKey() {
    byte[] bytes = new byte[16];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  /** The HTTP-level client error (4xx) that caused {@code e}, such as a body that ended early, or null. */
  /** Whether {@code e} comes of the connection closing under the request being read. */
  private static boolean connectionClosed(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.ClosedChannelException || t instanceof org.eclipse.jetty.io.EofException) {
        return true;
      }
    }
    return false;
  }

  private static HttpException clientProtocolFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) return h;
    }
    return null;
  }

  private static double scoringStat(Recommendations r, int which) {
    ServingModel m = r.model();
    return m == null ? 0 : m.passesAndRequests()[which];
  }

  /**
   * A server over {@code store} (not started). Reads the catalogue and the event counts from the store, and the
   * model directory when the configuration names one.
   *
   * @throws UncheckedIOException if the model directory cannot be read
   * @throws IllegalArgumentException if it holds no servable model (a sequential network, or a two-stage pipeline
   *     over a store with events)
   */
  public static AttuneServer create(ServerConfig config, Store store) {
    return new AttuneServer(config, store, null, System::currentTimeMillis);
  }

  /**
   * A server over {@code store} (not started) that retrains with {@code trainer} ({@link ModelLifecycle}: train now
   * from the admin route, and the schedule and event trigger of {@link ServerConfig#lifecycle}). On start it serves
   * the store's active model version when its directory can be read, else the configured directory.
   *
   * @param trainer the training engine, or null (then the server cannot train)
   * @throws UncheckedIOException if the configured model directory cannot be read
   * @throws IllegalArgumentException if the store's users were pseudonymised under another user-id key than the
   *     configured one, or under one while none is ({@link UserIds#requireTheStoresKey})
   */
  public static AttuneServer create(ServerConfig config, Store store, ModelTrainer trainer) {
    return new AttuneServer(config, store, trainer, System::currentTimeMillis);
  }

  /**
   * Starts listening on the configured host and port (0 = a free port, see {@link #port()}), and fits the
   * fallback model in the background (requests are served meanwhile, by the attention model and popularity).
   */
  public AttuneServer start() {
    // the key it serves under is the store's from now on (checked, before anything was read, by the constructor)
    new UserIds(config.userIdKey()).recordTheStoresKey(store);
    TrainingSet events = startupEvents;
    startupEvents = null;
    // a running experiment's arms answer from the first request on (the fallback reaches them once it is fitted)
    api.experiments().restore();
    fitFallback(events);
    // the quarantine is not stored: it is found again at start (in the background), or a restart would count a
    // quarantined crowd in popular, trending and the fallback again until the next training job
    Thread.ofVirtual().name("attune-abuse-review").start(() -> {
      try {
        Dataset stored = events != null ? events.dataset() : store.toDataset("store");
        if (stored.events().size() > 0) lifecycle.review(stored);
      } catch (RuntimeException e) {
        LOG.warn("the abuse review at start failed; the next training job reviews again: {}", e.toString());
      }
    });
    lifecycle.restore(); // the last job and its event count, before any request can start a job
    app = Javalin.create(c -> {
      c.concurrency.useVirtualThreads = true;
      c.http.maxRequestSize = config.maxBodyBytes();
      c.http.defaultContentType = "application/json";
      c.http.prefer405over404 = true; // a known path with another method: 405, not "no route"
      c.startup.showJavalinBanner = false;
      c.jsonMapper(new JavalinJackson(json, true));
      // requests Jetty refuses before routing (a malformed path) get the API's JSON error, not an HTML page
      c.jetty.modifyServer(server -> {
        server.setErrorHandler(new JsonErrorHandler());
        // counts the requests being answered, so that stop() lets them finish (Javalin puts its handler inside)
        server.setHandler(graceful);
        // the system's default backlog of 50 reset connections when a few hundred clients connected at once (a QA
        // run: 21 of 300); set on the connectors Javalin adds, before they bind
        server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
          @Override
          public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
            for (var connector : server.getConnectors()) {
              if (connector instanceof org.eclipse.jetty.server.ServerConnector sc) sc.setAcceptQueueSize(ACCEPT_QUEUE);
              if (connector instanceof org.eclipse.jetty.server.AbstractConnector ac) {
                ac.addEventListener(new StalledConnections(ac.getScheduler(), connectionCheckMillis));
              }
            }
          }
        });
        // a client holding 20,000 connections open used up the process's file descriptors (a QA run)
        server.addBean(new ClosingConnectionLimit(config.access().connectionLimit(), server));
      });
      c.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorHandler()));
      // the key check first: a client without access learns nothing from the query check
      for (Route r : api.routes()) c.routes.addHttpHandler(r.method(), r.path(), access.wrap(r.checkingQuery()));
      CorsPolicy cors = config.access().corsOrigins().isEmpty() ? null : new CorsPolicy(config.access().corsOrigins());
      HostPolicy hosts = new HostPolicy(config.access().allowedHosts(), config.host());
      c.routes.before(ctx -> {
        // JSON is never to be read as another type; answers name users and change with every event: not cached
        ctx.header("X-Content-Type-Options", "nosniff");
        if (ctx.path().startsWith("/v1/") || ctx.path().equals("/health") || ctx.path().equals("/metrics")) {
          ctx.header("Cache-Control", "no-store");
        }
        // two of a header the server decides by are ambiguous: the first won, so a proxy's added Authorization or
        // Content-Type decided what a request was allowed to do, or how its body was read (QA); two Host headers
        // Jetty refuses itself (400 "Duplicate Host Header")
        for (String header : SINGLE_HEADERS) {
          java.util.Enumeration<String> values = ctx.req().getHeaders(header);
          if (values != null && values.hasMoreElements() && values.nextElement() != null && values.hasMoreElements()) {
            throw new ApiException(400, "bad_request", "the request has more than one " + header + " header; send one",
                header);
          }
        }
        // DNS rebinding: a page of another site, its name pointed here, names its own host; probes may name any
        String path = ctx.path();
        // without a Host header (HTTP/1.0), the name an absolute request target gives (else the local address)
        String named = ctx.header("Host") != null ? ctx.header("Host") : ctx.req().getServerName();
        if (!hosts.allows(named) && !path.equals("/health") && !path.equals("/metrics")) {
          hosts.refused(named);
          throw new ApiException(403, "host_not_allowed", "this server does not answer for host '" + named
              + "': IP addresses, localhost and the names in ATTUNE_ALLOWED_HOSTS (file key allowedHosts) only", "Host");
        }
        if (path.equals(DASHBOARD_PATH) && ctx.method() == io.javalin.http.HandlerType.GET) {
          // served without its slash, the page's relative links would name /app.js and /style.css: a blank page
          ctx.redirect("/dashboard/", io.javalin.http.HttpStatus.MOVED_PERMANENTLY);
          ctx.skipRemainingHandlers();
          return;
        }
        // HEAD would answer 200 without running the route or its key check
        if (ctx.method() == io.javalin.http.HandlerType.HEAD) {
          String allow = allowedMethods(api.routes(), path, cors != null);
          if (!allow.isEmpty()) ctx.header("Allow", allow);
          throw new ApiException(405, "method_not_allowed", "HEAD is not served; use GET", null);
        }
        if (cors == null && ctx.method() == io.javalin.http.HandlerType.OPTIONS && ctx.header("Origin") != null
            && ctx.header("Access-Control-Request-Method") != null && !Route.allowed(api.routes(), path, false).isEmpty()) {
          // a browser's preflight: refused as one from an unlisted origin is when origins are listed, not as a method
          throw new ApiException(403, "origin_not_allowed", "origin " + ctx.header("Origin") + " is not among the"
              + " server's CORS origins (ATTUNE_CORS_ORIGINS, none set)", "Origin");
        }
        // a Content-Length far past the limit is refused from the header: the body was read up to the limit first,
        // and a client that declared more than it sent waited out the idle timeout for a 408 with no body (QA). Only
        // far past it: refused at once, a body a little over the limit that the client was still sending met a
        // closed connection instead of the 413 (a CI run); read up to the limit, it gets the 413 as before
        if (ctx.req().getContentLengthLong() > 2L * config.maxBodyBytes()) {
          throw new ApiException(413, "body_too_large", "the body is larger than " + config.maxBodyBytes()
              + " bytes (Content-Length " + ctx.req().getContentLengthLong() + ")", null);
        }
        if (WRITES.contains(ctx.method().name())) requireJsonBody(ctx);
        // A write from a page of another site is refused before it runs: keys are optional by default, and a form
        // or text/plain POST reaches the server without a preflight (CORS would only hide the answer). Clients that
        // are not browsers send no Origin; the dashboard's own requests come from the server's origin.
        String origin = ctx.header("Origin");
        if (origin != null && WRITES.contains(ctx.method().name()) && !sameOrigin(origin, ctx)
            && (cors == null || !cors.allows(origin))) {
          throw new ApiException(403, "origin_not_allowed", "a write from origin " + origin + ", which is neither"
              + " this server's nor among its CORS origins (ATTUNE_CORS_ORIGINS)", "Origin");
        }
      });
      // a 204 has no content, so no content type either (the default JSON one was sent with it; API QA)
      c.routes.after(ctx -> {
        if (ctx.status().getCode() == 204) ctx.res().setContentType(null);
      });
      if (cors != null) {
        // not Javalin's CORS plugin: it answered a request from another origin 400 after running it
        c.routes.before(cors::decorate);
        for (String path : api.routes().stream().map(Route::path).distinct().toList()) {
          c.routes.addHttpHandler(io.javalin.http.HandlerType.OPTIONS, path, cors::preflight);
        }
      }
      // the dashboard: static files from the classpath, same origin as the API (its pages call /v1/admin/...)
      c.staticFiles.add(files -> {
        files.hostedPath = DASHBOARD_PATH;
        files.directory = "/dashboard"; // the classpath folder
        files.location = Location.CLASSPATH;
        // its own scripts and styles only (it loads nothing else), never framed, never sniffed as another type
        files.headers = Map.of("Cache-Control", "max-age=0",
            "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
                + " frame-ancestors 'none'",
            "X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer");
      });
      c.routes.exception(ApiException.class, (e, ctx) -> rejected(ctx, e.status(), e.error(), e.getMessage(), e.field()));
      c.routes.exception(HttpResponseException.class, (e, ctx) -> rejected(ctx, e.getStatus(),
          e.getStatus() == 413 ? "body_too_large" : "http_" + e.getStatus(),
          e.getStatus() == 413 ? "the body is larger than " + config.maxBodyBytes() + " bytes" : e.getMessage(), null));
      c.routes.exception(Exception.class, (e, ctx) -> {
        HttpException unreadable = clientProtocolFailure(e);
        if (unreadable != null) {
          // the client broke the request (a body shorter than its Content-Length, a bad chunk): its mistake
          error(ctx, unreadable.getCode(), "bad_request", "the request could not be read: " + unreadable.getReason(),
              null);
          return;
        }
        if (connectionClosed(e)) {
          // the connection closed under the request (the client went, or was closed as a trickle): one line, no trace
          LOG.info("{} {}: the connection closed before the request was read", method(ctx), loggedRoute(ctx));
          error(ctx, 400, "bad_request", "the connection closed before the request was read", null);
          return;
        }
        if (e instanceof dev.attune.store.StoreException s && s.retryable()) {
          // a database restart, a stop, or a store too busy for now: the client should retry (events with an id or a
          // time are never stored twice), not report a bug
          // the route, not the path: a path names the client's own user id, which must not reach the log when ids
          // are pseudonymised
          long unlogged = unavailableLog.take();
          if (unlogged >= 0) {
            LOG.warn("{} {}: the store is unavailable: {}{}", method(ctx), loggedRoute(ctx), s.getMessage(),
                unlogged == 0 ? "" : " (and " + unlogged + " more such answers since the last line)");
          }
          ctx.header("Retry-After", "5");
          error(ctx, 503, "unavailable", "the store is unavailable or busy; retry shortly", null);
          return;
        }
        LOG.error("{} {} failed", method(ctx), loggedRoute(ctx), e);
        error(ctx, 500, "internal", INTERNAL_MESSAGE, null);
      });
      c.routes.error(404, ctx -> {
        if (matchedRoute(ctx) == null) error(ctx, 404, "not_found", "no route " + ctx.method() + " " + ctx.path(), null);
      });
      c.routes.error(405, ctx -> {
        String allow = allowedMethods(api.routes(), ctx.path(), cors != null); // a 405 must say what is allowed
        if (!allow.isEmpty()) ctx.header("Allow", allow);
        error(ctx, 405, "method_not_allowed", "method " + ctx.method() + " is not allowed on " + ctx.path()
            + (allow.isEmpty() ? "" : "; allowed: " + allow), null);
      });
      c.requestLogger.http((ctx, ms) -> Timer.builder("attune_http_requests")
          .description("HTTP requests by method, route and status")
          .tag("method", method(ctx)) // the client's token for an unknown method: one series per token otherwise
          .tag("route", matchedRoute(ctx) == null ? "unmatched" : matchedRoute(ctx))
          .tag("status", Integer.toString(ctx.statusCode()))
          .register(metrics).record((long) (ms * 1e6), TimeUnit.NANOSECONDS));
    }).start(config.host(), config.port());
    lifecycle.start();
    LOG.info("Attune serving on http://{}:{} (model: {})", config.host().contains(":") && !config.host().startsWith("[")
        ? "[" + config.host() + "]" : config.host(), app.port(),
        recommendations.model() == null ? withoutModel(config.fallbackModel()) : recommendations.model().version());
    if (config.adminKey() == null) {
      // the key itself only where the operator reads it (attune serve prints it), never in a log a collector ships
      LOG.info("dashboard http://{}:{}/dashboard/ ; admin key generated at start (set ATTUNE_ADMIN_KEY to choose one)",
          config.host(), app.port());
    } else {
      LOG.info("dashboard http://{}:{}/dashboard/ (admin key from the configuration)", config.host(), app.port());
    }
    return this;
  }

  /**
   * The key the admin routes and the dashboard require ({@code Authorization: Bearer <key>}): the configured one
   * ({@link ServerConfig#adminKey}), or the one generated when the configuration has none.
   */
  public String adminKey() {
    return adminKey;
  }

  /** Writes an error answer; a 4xx on an ingestion route also counts as a rejected request by reason. */
  private void rejected(Context ctx, int status, String error, String message, String field) {
    String route = matchedRoute(ctx);
    if (route == null) {
      // refused before its route ran (a body of another format, a write from another origin): still a reject of it
      for (Route r : api.routes()) {
        if (r.method() == ctx.method() && r.matches(ctx.path())) route = r.path();
      }
    }
    if (status >= 400 && status < 500 && route != null
        && Admin.INGESTION_ROUTES.contains(ctx.method().name() + " " + route)) {
      // kept for the dashboard: with pseudonymised ids, what the message quotes of the body (a user id sent
      // unquoted, in a parse error) is left out, or the review list would hold the raw ids the store never does
      String keptField = field;
      String kept = message;
      if (config.userIdKey() != null) {
        // a map's keys are the client's own text (a user's attributes may be keyed by an e-mail address): the field
        // keeps the map's name only, and so does the message where it names the field (a review)
        java.util.regex.Matcher key = field == null ? null : MAP_KEY.matcher(field);
        if (key != null && key.find()) {
          keptField = field.substring(0, key.end()) + "…";
          if (kept != null) kept = kept.replace(field, keptField);
        }
        if (kept != null) kept = QUOTED.matcher(kept).replaceAll("'…'");
      }
      stats.rejected(clock.getAsLong(), ctx.method().name() + " " + route, error, keptField, kept);
    }
    error(ctx, status, error, message, field);
  }

  /** Where a field's path goes on with a key of a client's map ({@code attributes}, an event's {@code context}). */
  private static final java.util.regex.Pattern MAP_KEY = java.util.regex.Pattern.compile(
      "(?:^|[.\\]])(?:attributes|context)\\.");

  /** Text quoted in a message: what it echoes of the request. */
  private static final java.util.regex.Pattern QUOTED = java.util.regex.Pattern.compile("'[^']*'|\"[^\"]*\"");

  /** The request headers the server decides by, which a request may hold once only. */
  private static final List<String> SINGLE_HEADERS =
      List.of("Authorization", "Content-Type", "Content-Encoding", "Origin");

  private static final java.util.Set<String> WRITES = java.util.Set.of("POST", "PUT", "DELETE", "PATCH");

  /**
   * Refuses (415) a body the server would misread: compressed ({@code Content-Encoding} other than identity: its
   * bytes are not JSON) or declared as another format (XML, a multipart form, HTML). JSON, and the types clients give
   * a body by default ({@code application/x-www-form-urlencoded} for curl, {@code text/plain} for fetch, {@code
   * application/octet-stream} for byte-array bodies), are read as JSON, as is a body without a type; a request
   * without a body is not checked.
   */
  private static void requireJsonBody(Context ctx) {
    // no body, nothing to misread: a DELETE may carry a client's default Content-Type
    if (ctx.contentLength() == 0 || ctx.contentLength() < 0 && ctx.header("Transfer-Encoding") == null) return;
    String encoding = ctx.header("Content-Encoding");
    if (encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")) {
      throw new ApiException(415, "unsupported_media_type", "the body is sent with Content-Encoding '" + encoding
          + "'; send it uncompressed", "Content-Encoding");
    }
    String type = ctx.header("Content-Type");
    if (type == null || type.isBlank()) return;
    String media = type.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
    boolean json = media.equals("application/json") || media.equals("text/json")
        || media.startsWith("application/") && media.endsWith("+json");
    if (!json && !media.equals("application/x-www-form-urlencoded") && !media.equals("text/plain")
        && !media.equals("application/octet-stream")) {
      throw new ApiException(415, "unsupported_media_type", "the body is declared as '" + media + "'; the API reads"
          + " JSON: send it with Content-Type: application/json", "Content-Type");
    }
    // JSON is UTF-8 (RFC 8259): a body declared in another charset was read as UTF-8 and failed as "Invalid UTF-8
    // middle byte" without saying why (a QA run's charset=latin1)
    java.util.regex.Matcher charset = CHARSET.matcher(type);
    if (charset.find()) {
      String declared = charset.group(1).replace("\"", "").strip();
      if (!declared.equalsIgnoreCase("utf-8") && !declared.equalsIgnoreCase("utf8")
          && !declared.equalsIgnoreCase("us-ascii")) {
        throw new ApiException(415, "unsupported_media_type", "the body is declared in charset '" + declared
            + "'; the API reads UTF-8 only: send it encoded as UTF-8 (charset=utf-8)", "Content-Type");
      }
    }
  }

  private static final java.util.regex.Pattern CHARSET =
      java.util.regex.Pattern.compile("(?i);\\s*charset\\s*=\\s*(\"?[^;\\s]+\"?)");

  /** Where the dashboard's static files are served: GET only, and no entry in the route table. */
  static final String DASHBOARD_PATH = "/dashboard";

  /**
   * The methods served at {@code path}, for a 405's {@code Allow} header: the route table's ({@link Route#allowed}),
   * else {@code GET} for the dashboard's files, which are served outside the table (a QA run saw {@code HEAD
   * /dashboard/} answer 405 without {@code Allow}); "" when none.
   */
  static String allowedMethods(List<Route> routes, String path, boolean preflight) {
    String allowed = Route.allowed(routes, path, preflight);
    if (!allowed.isEmpty()) return allowed;
    return path.equals(DASHBOARD_PATH) || path.startsWith(DASHBOARD_PATH + "/") ? "GET" : "";
  }

  /** Whether a browser's {@code Origin} names this server as the request reached it ({@code Host}). */
  private static boolean sameOrigin(String origin, Context ctx) {
    try {
      java.net.URI uri = java.net.URI.create(origin);
      String host = ctx.host();
      return uri.getRawAuthority() != null && host != null && uri.getRawAuthority().equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return false; // "null" (a sandboxed page) or garbage
    }
  }

  private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "POST", "PUT", "DELETE", "HEAD",
      "OPTIONS", "PATCH", "TRACE");

  /** The request's method for logs and metrics: one of the HTTP methods, else "other". */
  private static String method(Context ctx) {
    String m = ctx.method().name();
    return METHODS.contains(m) ? m : "other";
  }

  /** The route template that matched (ids as {@code {id}}), or "unmatched". */
  private static String loggedRoute(Context ctx) {
    String route = matchedRoute(ctx);
    return route == null ? "unmatched" : route;
  }

  /** The route table path that matched the request, or null when none did. */
  private static String matchedRoute(Context ctx) {
    var endpoints = ctx.endpoints().list();
    for (int k = endpoints.size() - 1; k >= 0; k--) {
      if (endpoints.get(k).method.isHttpMethod()) return endpoints.get(k).path;
    }
    return null;
  }

  private static void error(Context ctx, int status, String error, String message, String field) {
    ctx.status(status).json(errorBody(error, message, field));
  }

  /** What a server failure says to the client: no more (the cause goes to the log). */
  static final String INTERNAL_MESSAGE = "the server failed to answer; the cause is in its log";

  /** The body of every error answer: {@code {error, message, field}} ({@code field} may be null). */
  static Map<String, Object> errorBody(String error, String message, String field) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("message", message);
    body.put("field", field);
    return body;
  }

  /**
   * Fits the classic fallback model in the background on {@code events} (null: the store's events now) and swaps it
   * in; at start, and again after every training job that did not fail (a server started on an empty store would
   * otherwise never have one), and after a user's deletion. Fits run one at a time, and requests for a refit while
   * one waits join it (a burst of deletions costs one more fit, not one each).
   */
  private void fitFallback(TrainingSet events) {
    boolean none = config.fallbackModel().equals("none");
    if (none) {
      fallbackReady.countDown();
      // no fallback to fit, perhaps a served version to read again (a deletion's): queued and rested as refits are,
      // so that a burst of deletions shares one read of the store, where each started its own (a review)
      if (!reloadServedFromStore.get()) return;
      events = null;
    }
    if (events == null && !refitQueued.compareAndSet(false, true)) return;
    TrainingSet given = events;
    Thread.ofVirtual().name(none ? "attune-reload" : "attune-fallback-fit").start(() -> {
      synchronized (fallbackFit) {
        if (given == null) {
          // Refits come in bursts (a user deleted every few ms): one covers every request made before it reads the
          // store, so it first rests twice the last fit's time, taking the requests of that while, and refits
          // take a third of a core at most. Each fit read every event: at 12 deletions a second on 1.2 M events,
          // fitting took 52-62 s of every minute, and ingestion fell from 6,000 to 3,700 events/s.
          long rest = lastFitEndNanos + 2 * lastFitNanos - System.nanoTime();
          if (rest > 0) {
            try {
              TimeUnit.NANOSECONDS.sleep(rest);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          refitQueued.set(false); // from here on a new request needs a fit of its own
          long reloadStart = System.nanoTime();
          if (reloadServedFromStore.getAndSet(false)) {
            // the arms of a running experiment too: a review found a deleted user kept in them without a fallback
            reloadServedFittedOnTheStore();
            api.experiments().reloadArmsFittedOnTheStore();
          }
          if (none) {
            lastFitEndNanos = System.nanoTime();
            lastFitNanos = lastFitEndNanos - reloadStart; // the rest before the next follows the reload's time
            return;
          }
        }
        fitFallbackNow(given);
      }
      // the fit after a training job: what it read of the store is garbage now, and so is what the job left after
      // its own release (which ran while this fit read the store: about 400 MB of heap on Beauty)
      if (releaseAfterFit.getAndSet(false)) ModelLifecycle.releaseMemory();
    });
  }

  /** Set when a training job ends: the fallback fit that follows it then gives the memory back. */
  private final java.util.concurrent.atomic.AtomicBoolean releaseAfterFit =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Fits the fallback on {@code given}, or on the store's events when null, and serves it. */
  private void fitFallbackNow(TrainingSet given) {
    long t0 = System.nanoTime();
    try {
      TrainingSet data = given != null ? given : served.storeEvents();
      FallbackModel fitted = FallbackModel.fit(data, config.fallbackModel(), 42L);
      recommendations.fallback(fitted);
      api.experiments().fallback(fitted);
      LOG.info("fallback model {} fitted in {} ms", config.fallbackModel(), (System.nanoTime() - t0) / 1_000_000);
    } catch (RuntimeException | LinkageError e) {
      LOG.error("fallback model {} could not be fitted; serving without it", config.fallbackModel(), e);
    } finally {
      lastFitEndNanos = System.nanoTime();
      lastFitNanos = lastFitEndNanos - t0;
      fallbackReady.countDown();
    }
  }

  /**
   * Refuses, from its {@code model.json} alone, a model directory the server would refuse to serve (missing, not a
   * model, a kind it does not serve), so that a command can say so before it makes a store for it.
   *
   * @throws IllegalArgumentException naming the directory and what is wrong
   * @throws IOException if its model.json cannot be read
   */
  public static void requireServable(Path modelDir) throws IOException {
    try {
      Object kind = dev.attune.infer.ModelDirectory.readInfo(modelDir).get("model");
      ServingModel.requireServableKind(String.valueOf(kind));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot serve the model directory " + modelDir + ": " + e.getMessage(), e);
    }
  }

  /** The users whose recent windows are cached, for tests. */
  int cachedUsers() {
    return api.cachedUsers();
  }

  /**
   * Waits until the fallback model is fitted (or failed, or is off); for tests and benchmarks.
   *
   * @return false if the timeout passed first
   */
  public boolean awaitFallback(long timeout, TimeUnit unit) throws InterruptedException {
    return fallbackReady.await(timeout, unit);
  }

  /**
   * Only items of the store's catalogue are recommended (they carry the metadata, scenes and rules), so a model
   * served over a store that lacks most of its items recommends little; say so at start rather than leave it silent.
   * A model whose items the store holds, but of another data set that numbers its items alike, is said too
   * ({@link ServedVersion#otherDataSetWarning}).
   */
  private void warnIfNotThisStoresModel(ServingModel model, Catalog catalog, Path dir) {
    int known = model.itemsKnownTo(catalog);
    if (known < model.items().size() / 2) {
      LOG.warn("the store knows {} of the served model's {} items; only those can be recommended: post the items"
          + " (POST /v1/items) or the events the model was trained on (POST /v1/events)", known, model.items().size());
      return;
    }
    String otherDataSet = served.otherDataSetWarning(dir);
    if (otherDataSet != null) LOG.warn("the served model {}: {}", model.version(), otherDataSet);
  }

  /** Whether the version in {@code dir} was trained by a job whose model gate rejected it, or that failed after. */
  private static boolean rejectedByGate(Path dir) {
    try {
      return ModelDirectory.readInfo(dir).get("gate") instanceof Map<?, ?> gate
          && ("rejected".equals(gate.get("decision")) || "failed".equals(gate.get("decision")));
    } catch (IOException | RuntimeException e) {
      return true; // unreadable: not one to fall back on
    }
  }

  /**
   * Whether the server started with the store's active version rather than the configured model directory (a
   * version published or activated before a restart wins; the configured one is listed and can be activated).
   */
  public boolean startedFromActiveVersion() {
    return startedFromActiveVersion;
  }

  /** The served model version (its directory's name), or null when none is served. */
  public String modelVersion() {
    ServingModel m = recommendations.model();
    return m == null ? null : m.version();
  }

  /**
   * Says whether another server has taken this one's claim on the store (after a database restart ended this one's
   * session, before it took the claim again): {@code /health} then answers 503, so that a load balancer stops sending
   * this server requests whose caches and counters the other server no longer shares.
   */
  public void claimTakenByAnother(boolean taken) {
    api.claimTakenByAnother(taken);
  }

  /** The port listened on. */
  public int port() {
    return app.port();
  }

  /** Connections waiting to be accepted that the listening socket holds before the system refuses more. */
  static final int ACCEPT_QUEUE = 1024;

  /**
   * How often each connection is checked by {@link StalledConnections}: a new one must have sent a whole request's
   * headers by the first check, and one that trickles through {@link StalledConnections#STALLED_CHECKS} checks in a row
   * without an answer starting is closed. Tests shorten it.
   */
  static long connectionCheckMillis = 10_000;

  /**
   * Jetty's {@link org.eclipse.jetty.server.NetworkConnectionLimit}, except that at the limit it keeps accepting and
   * closes each connection past the limit at once. Jetty's own pauses accepting instead: new connections then wait in
   * the system's accept queue ({@link #ACCEPT_QUEUE} deep, first come first served), and while one client holds more
   * connections than the limit, each slot a closed connection frees goes to that client's next queued one, so every
   * other client waits (queue / limit) idle timeouts or gives up: it looked as if accepting had stopped for good. A
   * refused client now fails at once and may retry.
   */
  static final class ClosingConnectionLimit extends org.eclipse.jetty.server.NetworkConnectionLimit {
    private long reached;
    private long warnedAt;
    private boolean warned;

    ClosingConnectionLimit(int max, org.eclipse.jetty.server.Server server) {
      super(max, server);
    }

    @Override
    protected void limit() { // under the limit's lock; under a flood it is reached again with each slot freed
      reached++;
      long now = System.nanoTime();
      if (!warned || now - warnedAt >= TimeUnit.MINUTES.toNanos(1)) {
        warned = true;
        warnedAt = now;
        LOG.warn("{} connections are open, the most this server holds (ATTUNE_MAX_CONNECTIONS): new ones are closed"
            + " until some end (reached {} times since start)", getMaxNetworkConnectionCount(), reached);
      }
    }

    @Override
    protected void unlimit() {
      // accepting was never paused
    }
  }

  /**
   * Closes connections that hold a place without being served: one that has not sent a whole request's headers by its
   * first check ({@code millis} after it opened), and one that trickles, sending some bytes but fewer than {@link
   * #MIN_BYTES_PER_CHECK} between checks, through {@link #STALLED_CHECKS} checks in a row while no answer on it starts
   * (a request's headers or body a few bytes at a time, after an earlier request or not). The idle timeout alone
   * restarts with every byte: a byte every 10 s held a connection for good, and with the connection limit, 64 such
   * connections after one request each kept every other client out. An idle keep-alive connection (no bytes) is left to
   * the idle timeout; a request the server is still answering to a client that sends nothing more is not touched; an
   * upload faster than {@link #MIN_BYTES_PER_CHECK} per check goes on however long it takes.
   */
  static final class StalledConnections implements org.eclipse.jetty.io.Connection.Listener {
    /** Checks in a row with a trickle coming in and no answer started, after which a connection is closed. */
    static final int STALLED_CHECKS = 3;
    /** Fewer bytes than this between two checks, but some, is a trickle (6.4 KB/s at the 10 s checks). */
    static final long MIN_BYTES_PER_CHECK = 64 * 1024;

    private final org.eclipse.jetty.util.thread.Scheduler scheduler;
    private final long millis;

    StalledConnections(org.eclipse.jetty.util.thread.Scheduler scheduler, long millis) {
      this.scheduler = scheduler;
      this.millis = millis;
    }

    @Override
    public void onOpened(org.eclipse.jetty.io.Connection connection) {
      Watch watch = new Watch(connection);
      connection.addEventListener(watch); // its onClosed cancels the next check: a closed connection is not kept
      watch.schedule();
    }

    /** One connection's checks. */
    private final class Watch implements org.eclipse.jetty.io.Connection.Listener {
      private final org.eclipse.jetty.io.Connection connection;
      private volatile org.eclipse.jetty.util.thread.Scheduler.Task next;
      private volatile boolean closed;
      private long bytesIn;
      private long answered;
      private int stalled;

      Watch(org.eclipse.jetty.io.Connection connection) {
        this.connection = connection;
      }

      void schedule() {
        if (!closed) next = scheduler.schedule(this::check, millis, TimeUnit.MILLISECONDS);
      }

      private void check() {
        if (closed) return;
        if (connection.getMessagesIn() == 0) { // no whole request's headers since it opened
          connection.getEndPoint().close();
          return;
        }
        long bytes = connection.getBytesIn();
        long out = connection.getMessagesOut();
        // Jetty counts an answer out once it is committed
        long arrived = bytes - bytesIn;
        stalled = arrived > 0 && arrived < MIN_BYTES_PER_CHECK && out == answered ? stalled + 1 : 0;
        bytesIn = bytes;
        answered = out;
        if (stalled >= STALLED_CHECKS) {
          connection.getEndPoint().close();
          return;
        }
        schedule();
      }

      @Override
      public void onClosed(org.eclipse.jetty.io.Connection c) {
        closed = true;
        var task = next;
        if (task != null) task.cancel();
      }
    }
  }

  /** How long a stop waits for the requests being answered. */
  static final long STOP_MILLIS = 10_000;
  private final org.eclipse.jetty.server.handler.GracefulHandler graceful =
      new org.eclipse.jetty.server.handler.GracefulHandler();

  /**
   * Stops listening, lets the requests being answered finish (up to {@link #STOP_MILLIS}), and stops any training
   * job; the store stays open (the caller owns it).
   */
  public void stop() {
    if (app != null) {
      // new requests are refused (503) and those being answered finish: they were cut off with their batches
      // committed, and the store was closed under them. Waiting here rather than through Jetty's stop timeout, which
      // also waits on idle keep-alive connections (a second more per stop)
      try {
        graceful.shutdown().get(STOP_MILLIS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        LOG.warn("requests still running after {} ms are cut off", STOP_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException e) {
        LOG.warn("waiting for running requests failed", e);
      }
    }
    lifecycle.close();
    api.experiments().close(); // after the last answers: their exposures are written
    if (app != null) app.stop();
  }

  /**
   * What answers without a served model: the classic fallback once it is fitted on the store, popular items until
   * then (a QA run read "popularity only" while ALS answers came 11 s later), or popular items alone.
   */
  public static String withoutModel(String fallbackModel) {
    return fallbackModel == null || fallbackModel.equals("none") ? "none: popular items only"
        : "none: the " + fallbackModel + " fallback once it is fitted on the store, popular items until then";
  }
}
