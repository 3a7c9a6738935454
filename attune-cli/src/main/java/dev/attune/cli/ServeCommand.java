package dev.attune.cli;

import dev.attune.server.AccessConfig;
import dev.attune.server.AttuneServer;
import dev.attune.server.LifecycleConfig;
import dev.attune.server.ModelTrainer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune serve}: the HTTP service over a store, serving a model directory. Settings come from options,
 * then environment variables, then a properties file, then defaults (in that order of precedence):
 *
 * <pre>
 * option      environment       file key     default
 * --store     ATTUNE_STORE      store        jdbc:sqlite:attune-data/attune.db
 * --model     ATTUNE_MODEL      model        (none: the classic fallback, popular items until it is fitted)
 * --host      ATTUNE_HOST       host         127.0.0.1
 * --port      ATTUNE_PORT       port         8080
 * --fallback  ATTUNE_FALLBACK   fallback     itemknn
 *             ATTUNE_ADMIN_KEY  adminKey     (generated at start and printed)
 *             ATTUNE_USER_ID_KEY  userIdKey  off (user ids stored as given)
 *             ATTUNE_REQUIRE_API_KEYS  requireApiKeys  false (keys optional; admin routes always need one)
 *             ATTUNE_ALLOW_ANONYMOUS   allowAnonymous  false (without required keys, a --host other machines
 *                                                     reach is refused unless this is true)
 *             ATTUNE_RATE_LIMIT   rateLimit  200 requests per second per API key
 *             ATTUNE_RATE_BURST   rateBurst  400
 *             ATTUNE_ANONYMOUS_RATE_LIMIT  anonymousRateLimit  0 (off; else requests per second per client address
 *                                                             without a key, bursts of twice that)
 *             ATTUNE_CORS_ORIGINS corsOrigins (none: same origin only; comma-separated origins)
 *             ATTUNE_ALLOWED_HOSTS allowedHosts (none: IP addresses, localhost and --host only; comma-separated)
 *             ATTUNE_MAX_CONNECTIONS  maxConnections  half the process's file descriptors, 64 to 10,000
 *             ATTUNE_FRESHNESS_BOOST  freshnessBoost  0 (off; else a released item's score times 1 + this while it
 *                                                      is newer than newItemDays)
 *             ATTUNE_NEW_ITEM_DAYS    newItemDays     30 (how recent /v1/new's items and boosted releases are)
 *             ATTUNE_CACHED_USERS     cachedUsers     100000 (users whose newest events are kept in memory, the
 *                                                      least recently served dropped first)
 *             ATTUNE_DISLIKE_PENALTY  dislikePenalty  2 (a sequence network's candidate like a skipped or disliked
 *                                                      item moves down this many score deviations; 0 = off)
 *             ATTUNE_CONTENT_WEIGHT   contentWeight   1 (a content candidate's rank score is 0.5 + 0.5 x this x its
 *                                                      affinity; 0 = no content candidates)
 * --model-root            ATTUNE_MODEL_ROOT            modelRoot           (the served model's folder, else models)
 * --train-every           ATTUNE_TRAIN_EVERY           trainEvery          off (e.g. 6h, 30m, 1d, PT6H)
 * --retrain-after-events  ATTUNE_RETRAIN_AFTER_EVENTS  retrainAfterEvents  0 (off)
 * --gate-margin           ATTUNE_GATE_MARGIN           gateMargin          0 (a candidate must not be worse)
 * --train-epochs          ATTUNE_TRAIN_EPOCHS          trainEpochs         12
 * --refit-published       ATTUNE_REFIT_PUBLISHED       refitPublished      true (serve a published candidate trained
 *                                                                          again on every event)
 * --keep-versions         ATTUNE_KEEP_VERSIONS         keepVersions        10 (versions built by jobs kept, the
 *                                                                          newest; 0 = every one)
 *             ATTUNE_LOG_FORMAT   (environment only)  text; json = one JSON object per log line
 *             ATTUNE_LOG_LEVEL    (environment only)  INFO
 * </pre>
 *
 * <p>The server retrains on the store (see {@link dev.attune.server.LifecycleConfig}) the kind it serves: a
 * scene-transfer model as one ({@link SceneTransferTrainer}), a sasrec, bert4rec or gru-attn model as its kind with
 * its settings, anything else as SASRec; when the admin asks
 * ("train now"), on the schedule, and after the number of new events; each candidate is published only if the
 * model gate passes. At start it serves the store's active model version when its directory exists, else
 * {@code --model}.
 *
 * <p>One server per store: the server keeps the catalogue, counters and recent histories in memory, so a second
 * server on the same store is refused at start ({@link dev.attune.store.Store#tryLockForServing}).
 *
 * <p>The admin key (for the dashboard and {@code /v1/admin/...}) and the user-id key (HMAC secret that
 * pseudonymises user ids as they enter) have no option, so that they never show in a process list.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Serve the HTTP API (see docs/serving.md) over a store, with a model directory from 'attune train'.",
        "Precedence: options > environment (ATTUNE_STORE, ATTUNE_MODEL, ATTUNE_HOST, ATTUNE_PORT, ATTUNE_FALLBACK)"
            + " > --config file (the keys of --config below) > defaults.",
        "The dashboard is at /dashboard/; its admin key comes from ATTUNE_ADMIN_KEY (or the file's adminKey),"
            + " else one is generated and printed at start. ATTUNE_USER_ID_KEY (file key userIdKey) pseudonymises user ids"
            + " with HMAC-SHA256 as they enter (clients keep using their own ids). API keys ('attune keys create'):"
            + " ATTUNE_REQUIRE_API_KEYS (without it, a --host other machines reach is refused unless"
            + " ATTUNE_ALLOW_ANONYMOUS=true), ATTUNE_RATE_LIMIT, ATTUNE_RATE_BURST, ATTUNE_ANONYMOUS_RATE_LIMIT"
            + " (requests"
            + " per second per client address without a key; default 0, off), ATTUNE_CORS_ORIGINS (file keys"
            + " requireApiKeys, allowAnonymous, rateLimit, rateBurst, anonymousRateLimit, corsOrigins). Requests are"
            + " answered for IP"
            + " addresses, localhost"
            + " and --host; a server reached by another name lists it in ATTUNE_ALLOWED_HOSTS (file key allowedHosts)."
            + " ATTUNE_MAX_CONNECTIONS (file key maxConnections) caps the connections held open at once (default: half"
            + " the process's file descriptors, 64 to 10,000). ATTUNE_FRESHNESS_BOOST (file key freshnessBoost; default"
            + " 0, off) raises the scores of items released within ATTUNE_NEW_ITEM_DAYS (file key newItemDays; 30)."
            + " ATTUNE_CACHED_USERS (file key cachedUsers; 100,000) caps the users whose newest events are kept in"
            + " memory (about 60 bytes of heap per event). ATTUNE_DISLIKE_PENALTY (file key dislikePenalty; 2; 0 off)"
            + " moves a sequence network's candidates that resemble a skipped or disliked item down by that many"
            + " standard deviations of the candidates' scores. ATTUNE_CONTENT_WEIGHT (file key contentWeight; 1; 0 off)"
            + " weighs new items that resemble a user's history (content candidates) against the model's.",
        "Retraining (on the store; a served scene-transfer, sasrec, bert4rec or gru-attn model as its kind with its"
            + " settings, anything else as SASRec; published only if the model gate passes): --train-every,"
            + " --retrain-after-events, --gate-margin, --train-epochs, --refit-published, --model-root,"
            + " --keep-versions (env ATTUNE_TRAIN_EVERY ... ATTUNE_KEEP_VERSIONS, file keys trainEvery,"
            + " retrainAfterEvents, gateMargin, trainEpochs, refitPublished, modelRoot, keepVersions); the admin can"
            + " always train now.",
        "At start the store's active model version is served when its directory exists, else the newest other"
            + " registered version the gate did not reject, else --model.",
        "Logs go to standard error: ATTUNE_LOG_FORMAT=json writes one JSON object per line, ATTUNE_LOG_LEVEL sets the"
            + " level (default INFO)."})
final class ServeCommand implements Callable<Integer> {
  static final String DEFAULT_STORE = "jdbc:sqlite:attune-data/attune.db";

  /** The store a command other than serve names: its --store, else ATTUNE_STORE, else {@link #DEFAULT_STORE}. */
  static String storeUrl(String option) {
    return chosenStore(option, System.getenv("ATTUNE_STORE"), null);
  }

  /**
   * The store from {@code --store}, else ATTUNE_STORE, else the config file's {@code store} (serve), else {@link
   * #DEFAULT_STORE}. One that is given but blank is refused, in every command alike: a script or a service unit that
   * leaves {@code ATTUNE_STORE=} empty meant some store, and serve took the default while the others refused ''.
   */
  static String chosenStore(String option, String env, String fileValue) {
    if (option != null) {
      if (option.isBlank()) throw new IllegalArgumentException("--store is empty: give a store's JDBC URL");
      return option;
    }
    if (env != null) {
      if (env.isBlank()) {
        throw new IllegalArgumentException("ATTUNE_STORE is set but empty: give a store's JDBC URL, or unset it for"
            + " the default " + DEFAULT_STORE);
      }
      return env;
    }
    if (fileValue != null) {
      if (fileValue.isBlank()) throw new IllegalArgumentException("the config file's store is empty: give a store's"
          + " JDBC URL, or leave the key out for the default " + DEFAULT_STORE);
      return fileValue;
    }
    return DEFAULT_STORE;
  }

  /** The SQLite file of {@code url} (null for PostgreSQL), refused when missing: for a command that only reads. */
  static Path existingSqliteFile(String url) {
    Path file = Store.sqliteFile(url).orElse(null);
    if (file != null && !Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no store at " + file + " (--store)");
    }
    return file;
  }
  /** The keys a --config file may hold. */
  static final java.util.List<String> FILE_KEYS = java.util.List.of("store", "model", "host", "port", "fallback",
      "adminKey", "userIdKey", "requireApiKeys", "allowAnonymous", "rateLimit", "rateBurst", "anonymousRateLimit",
      "corsOrigins",
      "allowedHosts", "maxConnections", "freshnessBoost", "newItemDays", "cachedUsers", "dislikePenalty",
      "contentWeight", "modelRoot",
      "trainEvery",
      "retrainAfterEvents", "gateMargin", "trainEpochs", "refitPublished", "keepVersions");

  @Spec CommandSpec spec;

  @Option(names = "--store", description = "JDBC URL: jdbc:sqlite:<file> (default " + DEFAULT_STORE
      + ") or jdbc:postgresql://host:port/db?user=...")
  String store;

  @Option(names = "--model", description = "Model directory written by 'attune train' (default: none).")
  Path model;

  @Option(names = "--host", description = "Interface to listen on (default 127.0.0.1).")
  String host;

  @Option(names = "--port", description = "Port (default 8080; 0 = any free port).")
  Integer port;

  @Option(names = "--fallback", description = "Classic model fitted on the store at start for histories the"
      + " attention model cannot read: itemknn (default), als, none.")
  String fallback;

  @Option(names = "--config", description = "Properties file with keys store, model, host, port, fallback, adminKey,"
      + " userIdKey, requireApiKeys, allowAnonymous, rateLimit, rateBurst, anonymousRateLimit, corsOrigins,"
      + " allowedHosts,"
      + " maxConnections, freshnessBoost, newItemDays, cachedUsers, dislikePenalty, contentWeight, modelRoot,"
      + " trainEvery,"
      + " retrainAfterEvents,"
      + " gateMargin, trainEpochs, refitPublished, keepVersions (any other key is refused).")
  Path config;

  @Option(names = "--model-root", description = "Folder for newly trained versions (default: the served model's"
      + " folder, else models).")
  Path modelRoot;

  @Option(names = "--train-every", description = "Retrain on this schedule: 90s, 30m, 6h, 1d or PT6H (default off).")
  String trainEvery;

  @Option(names = "--retrain-after-events", description = "Retrain after this many new events (default 0: off).")
  Long retrainAfterEvents;

  @Option(names = "--gate-margin", description = "Publish a candidate only if its NDCG@10 on the newest events is at"
      + " least the active version's minus this (default 0).")
  Double gateMargin;

  @Option(names = "--train-epochs", description = "Epochs per retraining of a sequential model (sasrec, bert4rec,"
      + " gru-attn; default 12; a scene-transfer model retrains with the epochs it was trained with).")
  Integer trainEpochs;

  @Option(names = "--refit-published", arity = "1", paramLabel = "true|false", description = "Train a published"
      + " candidate again on every event, the held-out newest ones too, and serve that (default true: the served"
      + " model knows the newest events and items; a job takes about twice as long); false serves the candidate as"
      + " it was measured.")
  String refitPublished;

  @Option(names = "--keep-versions", description = "Keep this many of the versions training jobs built, the newest;"
      + " older ones are removed at start and after each job, directory and registry row, but never the served one,"
      + " the registry's active one, the --model directory or one a running experiment's arm serves (default "
      + LifecycleConfig.DEFAULT_KEEP_VERSIONS + "; 0 keeps every version).")
  String keepVersions;

  @Override
  public Integer call() throws Exception {
    Settings settings = settings(System.getenv());
    serveUntilStopped(settings.storeUrl(), settings.config(), spec.commandLine().getOut(), null,
        new SasRecTrainer(settings.trainEpochs(), SasRecTrainer.backgroundThreads()));
    return 0;
  }

  /**
   * What {@code attune serve} runs with.
   *
   * @param storeUrl the store's JDBC URL
   * @param config the server's settings, lifecycle and access included
   * @param trainEpochs epochs per retraining of a sequential model
   */
  record Settings(String storeUrl, ServerConfig config, int trainEpochs) {}

  /** ServerConfig's field names in its messages, as a user sets them (see the table above). */
  private static final Map<String, String> SETTING_NAMES = Map.ofEntries(
      Map.entry("host", "--host (ATTUNE_HOST, file key host)"),
      Map.entry("port", "--port (ATTUNE_PORT, file key port)"),
      Map.entry("fallbackModel", "--fallback (ATTUNE_FALLBACK, file key fallback)"),
      Map.entry("adminKey", "ATTUNE_ADMIN_KEY (file key adminKey)"),
      Map.entry("freshnessBoost", "ATTUNE_FRESHNESS_BOOST (file key freshnessBoost)"),
      Map.entry("newItemDays", "ATTUNE_NEW_ITEM_DAYS (file key newItemDays)"),
      Map.entry("cachedUsers", "ATTUNE_CACHED_USERS (file key cachedUsers)"),
      Map.entry("dislikePenalty", "ATTUNE_DISLIKE_PENALTY (file key dislikePenalty)"),
      Map.entry("contentWeight", "ATTUNE_CONTENT_WEIGHT (file key contentWeight)"),
      Map.entry("gateMargin", "--gate-margin (ATTUNE_GATE_MARGIN, file key gateMargin)"),
      Map.entry("trainEvery", "--train-every (ATTUNE_TRAIN_EVERY, file key trainEvery)"),
      Map.entry("retrainAfterEvents", "--retrain-after-events (ATTUNE_RETRAIN_AFTER_EVENTS, file key retrainAfterEvents)"),
      Map.entry("keepVersions", "--keep-versions (ATTUNE_KEEP_VERSIONS, file key keepVersions)"));

  /** {@code message} with a leading ServerConfig field name replaced by the option, variable and file key. */
  static String withSettingNames(String message) {
    int space = message.indexOf(' ');
    String field = space < 0 ? message : message.substring(0, space);
    String named = SETTING_NAMES.get(field);
    return named == null ? message : named + message.substring(field.length());
  }

  /**
   * The settings from the options, then {@code env}, then the {@code --config} file, then the defaults.
   *
   * @throws IllegalArgumentException naming the setting, when a value is not valid
   * @throws IOException when the config file cannot be read
   */
  Settings settings(Map<String, String> env) throws IOException {
    Properties file = new Properties();
    if (config != null) {
      if (!Files.isRegularFile(config)) throw new IllegalArgumentException("no config file " + config);
      try (InputStream in = Files.newInputStream(config)) {
        file.load(in);
      }
      for (String key : file.stringPropertyNames()) {
        // a misspelt key would otherwise leave its setting at the default without a word
        if (!FILE_KEYS.contains(key)) {
          throw new IllegalArgumentException("unknown key '" + key + "' in " + config + "; known: " + FILE_KEYS);
        }
      }
    }
    String url = chosenStore(store, env.get("ATTUNE_STORE"), file.getProperty("store"));
    String modelDir = pick(model == null ? null : model.toString(), env.get("ATTUNE_MODEL"), file.getProperty("model"), null);
    String listenHost = pick(host, env.get("ATTUNE_HOST"), file.getProperty("host"), "127.0.0.1");
    String listenPort = pick(port == null ? null : port.toString(), env.get("ATTUNE_PORT"), file.getProperty("port"), "8080");
    int portNumber;
    try {
      portNumber = Integer.parseInt(listenPort.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(withSettingNames("port must be a number: " + listenPort));
    }
    ServerConfig cfg;
    try {
      cfg = new ServerConfig(listenHost, portNumber, ServerConfig.DEFAULTS.maxBatch(),
          ServerConfig.DEFAULTS.maxBodyBytes(), ServerConfig.DEFAULTS.recentEvents(),
          // the heap the recent histories take grows with it (about 60 bytes per cached event: HistoryCacheMemory)
          count("ATTUNE_CACHED_USERS (file key cachedUsers)", pick(env.get("ATTUNE_CACHED_USERS"),
              file.getProperty("cachedUsers"), Integer.toString(ServerConfig.DEFAULTS.cachedUsers()))),
          ServerConfig.DEFAULTS.trendingHours(),
          count("ATTUNE_NEW_ITEM_DAYS (file key newItemDays)", pick(env.get("ATTUNE_NEW_ITEM_DAYS"),
              file.getProperty("newItemDays"), Integer.toString(ServerConfig.DEFAULTS.newItemDays()))),
          number("freshnessBoost", pick(env.get("ATTUNE_FRESHNESS_BOOST"), file.getProperty("freshnessBoost"),
              Double.toString(ServerConfig.DEFAULTS.freshnessBoost()))).doubleValue(),
          modelDir == null ? null : Path.of(modelDir),
          pick(fallback, env.get("ATTUNE_FALLBACK"), file.getProperty("fallback"), "itemknn"),
          pick(env.get("ATTUNE_ADMIN_KEY"), file.getProperty("adminKey")))
          .withDislikePenalty(number("dislikePenalty", pick(env.get("ATTUNE_DISLIKE_PENALTY"),
              file.getProperty("dislikePenalty"), Double.toString(ServerConfig.DEFAULT_DISLIKE_PENALTY)))
              .doubleValue())
          .withContentWeight(number("contentWeight", pick(env.get("ATTUNE_CONTENT_WEIGHT"),
              file.getProperty("contentWeight"), Double.toString(ServerConfig.DEFAULT_CONTENT_WEIGHT))).doubleValue());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(withSettingNames(e.getMessage()), e);
    }
    String root = pick(modelRoot == null ? null : modelRoot.toString(), env.get("ATTUNE_MODEL_ROOT"),
        file.getProperty("modelRoot"));
    java.time.Duration every;
    try {
      every = LifecycleConfig.parseDuration(pick(trainEvery, env.get("ATTUNE_TRAIN_EVERY"),
          file.getProperty("trainEvery")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--train-every (ATTUNE_TRAIN_EVERY, file key trainEvery): " + e.getMessage(),
          e);
    }
    LifecycleConfig lifecycle;
    try {
      lifecycle = new LifecycleConfig(root == null ? null : Path.of(root), every,
          number("retrainAfterEvents", pick(retrainAfterEvents == null ? null : retrainAfterEvents.toString(),
              env.get("ATTUNE_RETRAIN_AFTER_EVENTS"), file.getProperty("retrainAfterEvents"), "0")).longValue(),
          number("gateMargin", pick(gateMargin == null ? null : gateMargin.toString(), env.get("ATTUNE_GATE_MARGIN"),
              file.getProperty("gateMargin"), "0")).doubleValue(),
          LifecycleConfig.DEFAULTS.holdoutFraction(), LifecycleConfig.DEFAULTS.seed(),
          flag("--refit-published (ATTUNE_REFIT_PUBLISHED, file key refitPublished)", pick(refitPublished,
              env.get("ATTUNE_REFIT_PUBLISHED"), file.getProperty("refitPublished"), "true")),
          versionsKept(number("keepVersions", pick(keepVersions,
              env.get("ATTUNE_KEEP_VERSIONS"), file.getProperty("keepVersions"),
              String.valueOf(LifecycleConfig.DEFAULT_KEEP_VERSIONS))).longValue()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(withSettingNames(e.getMessage()), e);
    }
    int epochs = count("--train-epochs (ATTUNE_TRAIN_EPOCHS, file key trainEpochs)", pick(
        trainEpochs == null ? null : trainEpochs.toString(), env.get("ATTUNE_TRAIN_EPOCHS"),
        file.getProperty("trainEpochs"), "12"));
    // an empty key is a mistake, not a choice: read as "off" it would store plain ids in a store of pseudonyms
    dev.attune.server.UserIds.requireUsableKey("ATTUNE_USER_ID_KEY", env.get("ATTUNE_USER_ID_KEY"));
    if (env.get("ATTUNE_USER_ID_KEY") == null) {
      dev.attune.server.UserIds.requireUsableKey("the --config file's userIdKey", file.getProperty("userIdKey"));
    }
    cfg = cfg.withUserIdKey(pick(env.get("ATTUNE_USER_ID_KEY"), file.getProperty("userIdKey")));
    String origins = java.util.Objects.requireNonNullElse(
        pick(env.get("ATTUNE_CORS_ORIGINS"), file.getProperty("corsOrigins")), "");
    double rate = number("rateLimit", pick(env.get("ATTUNE_RATE_LIMIT"), file.getProperty("rateLimit"),
        Double.toString(AccessConfig.DEFAULTS.requestsPerSecond()))).doubleValue();
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("ATTUNE_RATE_LIMIT (file key rateLimit) must be a number of requests per"
          + " second > 0: " + rate);
    }
    double anonymousRate = number("anonymousRateLimit", pick(env.get("ATTUNE_ANONYMOUS_RATE_LIMIT"),
        file.getProperty("anonymousRateLimit"), "0")).doubleValue();
    if (!(anonymousRate >= 0) || Double.isInfinite(anonymousRate)) {
      throw new IllegalArgumentException("ATTUNE_ANONYMOUS_RATE_LIMIT (file key anonymousRateLimit) must be a number"
          + " of requests per second >= 0 (0 = off): " + anonymousRate);
    }
    boolean requireApiKeys = flag("ATTUNE_REQUIRE_API_KEYS (file key requireApiKeys)",
        pick(env.get("ATTUNE_REQUIRE_API_KEYS"), file.getProperty("requireApiKeys"), "false"));
    boolean allowAnonymous = flag("ATTUNE_ALLOW_ANONYMOUS (file key allowAnonymous)",
        pick(env.get("ATTUNE_ALLOW_ANONYMOUS"), file.getProperty("allowAnonymous"), "false"));
    if (!requireApiKeys && !allowAnonymous && !onlyThisMachineReaches(listenHost)) {
      // keys optional means a request without one may write events, hide items, delete and export users: fine where
      // only this machine connects (the default 127.0.0.1), not on an address others reach (a security review)
      throw new IllegalArgumentException("--host " + listenHost + " (ATTUNE_HOST, file key host) can be reached from"
          + " other machines, and without API keys anyone who reaches it may write events and read, export or delete"
          + " any user: set ATTUNE_REQUIRE_API_KEYS=true (file key requireApiKeys) and give clients keys from"
          + " 'attune keys create', or set ATTUNE_ALLOW_ANONYMOUS=true (file key allowAnonymous) to serve without keys"
          + " where something in front checks callers");
    }
    cfg = cfg.withAccess(new AccessConfig(
        requireApiKeys,
        rate,
        count("ATTUNE_RATE_BURST (file key rateBurst)", pick(env.get("ATTUNE_RATE_BURST"),
            file.getProperty("rateBurst"), Integer.toString(AccessConfig.DEFAULTS.burst()))),
        java.util.Arrays.stream(origins.split(",")).map(String::strip).filter(o -> !o.isEmpty()).toList(),
        java.util.Arrays.stream(java.util.Objects.requireNonNullElse(pick(env.get("ATTUNE_ALLOWED_HOSTS"),
            file.getProperty("allowedHosts")), "").split(",")).map(String::strip).filter(h -> !h.isEmpty()).toList(),
        anonymousRate,
        count("ATTUNE_MAX_CONNECTIONS (file key maxConnections)", pick(env.get("ATTUNE_MAX_CONNECTIONS"),
            file.getProperty("maxConnections"), Integer.toString(AccessConfig.automaticMaxConnections())))));
    return new Settings(url, cfg.withLifecycle(lifecycle), epochs);
  }

  /**
   * Whether {@code host} is an address only this machine connects to: a loopback address, or a name whose every
   * address is one (localhost). A name that does not resolve counts as such: the server cannot listen on it, and says
   * so when it tries.
   */
  static boolean onlyThisMachineReaches(String host) {
    String bare = host.strip();
    if (bare.startsWith("[") && bare.endsWith("]")) bare = bare.substring(1, bare.length() - 1);
    try {
      for (java.net.InetAddress address : java.net.InetAddress.getAllByName(bare)) {
        if (!address.isLoopbackAddress()) return false;
      }
      return true;
    } catch (java.net.UnknownHostException e) {
      return true;
    }
  }

  /**
   * A switch: true, yes, on or 1; false, no, off or 0 (any case). Anything else is refused: a security switch such
   * as requireApiKeys read as off because it said "yes" would leave the API open without a word.
   */
  static boolean flag(String name, String text) {
    return switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException(name + " must be true or false (or yes/no, on/off, 1/0): " + text);
    };
  }

  /** A setting that counts something: a whole number from 1 to 2,147,483,647 (a larger one wrapped around). */
  private static int count(String name, String text) {
    try {
      long value = Long.parseLong(text.trim());
      if (value >= 1 && value <= Integer.MAX_VALUE) return (int) value;
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(name + " must be a whole number from 1 to " + Integer.MAX_VALUE + ": " + text);
  }

  /** The number of versions to keep, as an int: above 2^31 - 1 is every version anyway. */
  private static int versionsKept(long keep) {
    return (int) Math.min(keep, Integer.MAX_VALUE); // a negative one is refused by LifecycleConfig, with its name
  }

  /** A setting's number: whole for counts, decimal for the margin and the rate. */
  private static Number number(String name, String text) {
    String where = switch (name) { // named as the user may have given it
      case "retrainAfterEvents" -> "--retrain-after-events (ATTUNE_RETRAIN_AFTER_EVENTS, file key retrainAfterEvents)";
      case "gateMargin" -> "--gate-margin (ATTUNE_GATE_MARGIN, file key gateMargin)";
      case "keepVersions" -> "--keep-versions (ATTUNE_KEEP_VERSIONS, file key keepVersions)";
      case "rateLimit" -> "ATTUNE_RATE_LIMIT (file key rateLimit)";
      case "anonymousRateLimit" -> "ATTUNE_ANONYMOUS_RATE_LIMIT (file key anonymousRateLimit)";
      case "freshnessBoost" -> "ATTUNE_FRESHNESS_BOOST (file key freshnessBoost)";
      case "dislikePenalty" -> "ATTUNE_DISLIKE_PENALTY (file key dislikePenalty)";
      case "contentWeight" -> "ATTUNE_CONTENT_WEIGHT (file key contentWeight)";
      default -> name;
    };
    try {
      return name.equals("gateMargin") || name.equals("rateLimit") || name.equals("anonymousRateLimit")
          || name.equals("freshnessBoost") || name.equals("dislikePenalty") || name.equals("contentWeight")
          ? (Number) Double.parseDouble(text.trim())
          : (Number) Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + " must be a number: " + text);
    }
  }

  /**
   * Seconds between checks that this server still holds its claim on the store (a round trip): after a database
   * restart ended its session, another server starting in this time could take the claim.
   */
  static final int CLAIM_CHECK_SECONDS = 2;

  /**
   * {@code claim} while it holds; else the claim taken again, logged as a warning, or, when another server has taken
   * the store meanwhile (or the store does not answer), {@code claim} as it is, logged as an error, to be tried again
   * at the next check. Never throws: it runs on a timer.
   */
  static Store.ServingLock keepClaim(Store store, String url, Store.ServingLock claim) {
    return checkClaim(store, url, claim, true).claim();
  }

  /** Checks between two error lines while the claim stays lost (once a minute, not at every check). */
  static final int CLAIM_ERROR_EVERY = 30;

  /**
   * What a check of the claim found: the claim to keep, and whether another server holds the store's claim.
   *
   * @param claim the claim held now, or the lost one to try again next time
   * @param held whether {@code claim} is held
   * @param takenByAnother whether another server took the claim (not when the store did not answer)
   */
  record ClaimCheck(Store.ServingLock claim, boolean held, boolean takenByAnother) {}

  /** As {@link #keepClaim}, saying whether another server holds the claim, logging a failure only when asked. */
  static ClaimCheck checkClaim(Store store, String url, Store.ServingLock claim, boolean logFailure) {
    if (claim.held()) return new ClaimCheck(claim, true, false);
    claim.close();
    try {
      var again = store.tryLockForServing();
      if (again.isPresent()) {
        CLAIM_LOG.warn("this server's claim on its store was lost (its database session ended) and is taken again");
        return new ClaimCheck(again.get(), true, false);
      }
      if (logFailure) {
        CLAIM_LOG.error("{}: this server lost its claim on the store and another server now holds it; their caches"
            + " and counters disagree, and /health answers 503 here: stop one of them", anotherServerMessage(url));
      }
      return new ClaimCheck(claim, false, true);
    } catch (RuntimeException e) {
      if (logFailure) {
        CLAIM_LOG.error("this server lost its claim on the store and cannot take it again yet: {}", e.getMessage());
      }
      return new ClaimCheck(claim, false, false);
    }
  }

  private static final org.slf4j.Logger CLAIM_LOG = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);

  /**
   * Fails when the server could not listen at {@code cfg}'s host and port (taken, or a host that is no address
   * here); port 0 (any free one) always can.
   */
  static void requireFreePort(ServerConfig cfg) throws IOException {
    if (cfg.port() == 0) return;
    var address = new java.net.InetSocketAddress(cfg.host(), cfg.port());
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("--host (ATTUNE_HOST, file key host) " + cfg.host() + " is not an address"
          + " of this machine, nor a name it can resolve");
    }
    try (var probe = new java.net.ServerSocket()) {
      probe.bind(address);
    } catch (java.net.SocketException e) { // a BindException, or EINVAL (fe80::1 without its zone) as a plain one
      throw portTaken(cfg, e);
    }
  }

  /**
   * A taken port, or an address this machine does not have, is the caller's to fix, not an internal error: one line,
   * the usage exit code.
   */
  private static IllegalArgumentException portTaken(ServerConfig cfg, java.net.SocketException e) {
    String why = String.valueOf(e.getMessage());
    String at = hostInUrl(cfg.host()) + ":" + cfg.port();
    if (why.contains("assign requested address") || why.equals("Invalid argument")) {
      // EINVAL: an IPv6 link-local address without its zone (fe80::1), which no interface can take
      // EADDRNOTAVAIL: a --host of another machine (a QA run's 10.255.255.1 was blamed on the port)
      return new IllegalArgumentException("cannot listen on " + at + " (" + why + "): "
          + cfg.host() + " is not an address of this machine; give --host one of its addresses (127.0.0.1, the"
          + " default, or 0.0.0.0 for all; a link-local IPv6 address with its zone, such as fe80::1%eth0)");
    }
    return new IllegalArgumentException("cannot listen on " + at + " (" + why
        + "): another process may hold the port; choose one with --port");
  }

  /** A host as a URL writes it: an IPv6 address in brackets ({@code [::1]}), once. */
  static String hostInUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /**
   * Refuses a model root that a training job could not write a version into, at start rather than at each job's
   * end (where the job failed with only the path as its error). Like the jobs, it accepts a folder that does not
   * exist yet when it can be created: the nearest folder above it that exists must be writable.
   *
   * @param root the configured model root, or null (the default: beside the served model, chosen at start)
   * @throws IllegalArgumentException naming the setting, the path and what is wrong with it
   */
  static void requireWritableModelRoot(Path root) {
    if (root == null) return;
    Path absolute = root.toAbsolutePath().normalize();
    Path existing = absolute;
    while (existing.getParent() != null && !Files.exists(existing)) existing = existing.getParent();
    String setting = "--model-root (ATTUNE_MODEL_ROOT, file key modelRoot) " + root;
    String where = existing.equals(absolute) ? "" : " cannot be created: " + existing;
    String wrong = !Files.isDirectory(existing) ? " is a file, not a folder"
        : !Files.isWritable(existing) ? " is not writable" : null;
    if (wrong != null) {
      throw new IllegalArgumentException(setting + where + wrong + "; each training job writes its version into a"
          + " new folder there");
    }
    // permissions alone pass where no folder can be made (/proc, a read-only mount): try it for real, then undo it
    try {
      AttuneCli.requireWritableFolder(root, setting);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + "; each training job writes its version into a new folder"
          + " there", e);
    }
  }

  /**
   * Claims the store for this process before anything migrates its schema: opened as it is (a new, empty database
   * made a store when {@code existingOnly} is false), claimed, and closed again, the claim living on (it is not the
   * store's). Migrating first, a new build's load, compact or second server upgraded the schema under an earlier
   * build's running server and only then was refused, leaving that server unable to restart (a review).
   *
   * @throws IllegalArgumentException with {@code refusal} when another process holds the claim
   */
  static Store.ServingLock claimBeforeMigrating(String url, boolean existingOnly, String refusal) {
    try (Store unmigrated = existingOnly ? Store.openAsItIs(url) : Store.openAsItIsOrNew(url)) {
      return unmigrated.tryLockForServing().orElseThrow(() -> new IllegalArgumentException(refusal
          + heldBy(unmigrated)));
    }
  }

  /**
   * " (the claim is held by process 4242 since ...)" for a refusal, or "" when the holder cannot be read (QA: an
   * operator could not tell which process to stop).
   */
  static String heldBy(Store store) {
    return store.servingClaimHolder().map(h -> " (the claim is held by " + h + ")").orElse("");
  }

  /**
   * What a second server on a claimed store is told ({@link Store#tryLockForServing}). {@code url} without its
   * parameters, which may carry a password.
   */
  static String anotherServerMessage(String url) {
    // the claim is one lock for servers, loads and compactions alike: which of them holds it is not recorded
    return "another attune server is serving this store, or an 'attune load', 'compact' or 'copy' is running on it ("
        + withoutParameters(url) + "); one at a time per store: a server's caches and counters live in memory";
  }

  /**
   * A store URL as messages show it: without its parameters, which may carry a password, but for {@code
   * currentSchema}, which says which of a database's stores is meant (a QA run's refusal named only the database).
   */
  static String withoutParameters(String url) {
    int query = url.indexOf('?');
    if (query < 0) return url;
    String schema = java.util.Arrays.stream(url.substring(query + 1).split("&"))
        .filter(p -> p.regionMatches(true, 0, "currentSchema=", 0, "currentSchema=".length())).findFirst().orElse(null);
    return url.substring(0, query) + (schema == null ? "" : "?" + schema);
  }

  /**
   * Checks the model root, opens the store, claims it for this server ({@link Store#tryLockForServing}: a second
   * server on the same store is refused), starts the server (retraining with {@code trainer}, or not when null),
   * prints where it listens (and {@code examples}), and blocks until killed; the claim ends with the process.
   *
   * @throws IllegalArgumentException when the port is taken, the model root is not a writable folder, or another
   *     server holds the store
   */
  static void serveUntilStopped(String url, ServerConfig cfg, PrintWriter out, String examples, ModelTrainer trainer)
      throws InterruptedException, IOException {
    if (trainer != null) requireWritableModelRoot(cfg.lifecycle().modelRoot());
    // tried before the store opens and the server starts: the web server would log its own error first
    requireFreePort(cfg);
    // a SQLite store that does not exist yet is not made for a model the server would refuse (QA: a 'din' model
    // left a new store and its lock file behind)
    if (cfg.modelDir() != null && Store.sqliteFile(url).map(f -> !Files.exists(f)).orElse(false)) {
      AttuneServer.requireServable(cfg.modelDir());
    }
    // before the server loads the store into its caches (a second server's would go stale at once), and before the
    // store is migrated
    Store.ServingLock serving = claimBeforeMigrating(url, false, anotherServerMessage(url));
    Store st;
    try {
      st = Store.open(url);
    } catch (RuntimeException e) {
      serving.close();
      throw e;
    }
    AttuneServer server;
    try {
      server = AttuneServer.create(cfg, st, trainer).start();
    } catch (RuntimeException e) {
      st.close();
      serving.close();
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof java.net.SocketException b) throw portTaken(cfg, b); // taken since the probe
      }
      throw e;
    }
    // a PostgreSQL claim ends with its session (a database restart): checked and taken again while the server runs
    java.util.concurrent.atomic.AtomicReference<Store.ServingLock> claim =
        new java.util.concurrent.atomic.AtomicReference<>(serving);
    var keeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("attune-store-claim").unstarted(r));
    java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
    keeper.scheduleWithFixedDelay(() -> {
      ClaimCheck check = checkClaim(st, url, claim.get(), checks.getAndIncrement() % CLAIM_ERROR_EVERY == 0);
      if (check.held()) checks.set(0); // the next loss is logged at once
      claim.set(check.claim());
      server.claimTakenByAnother(check.takenByAnother());
    }, CLAIM_CHECK_SECONDS, CLAIM_CHECK_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      keeper.shutdownNow();
      server.stop();
      st.close();
      claim.get().close();
      stopped.countDown();
    }, "attune-shutdown"));
    // an IPv6 address is written in brackets in a URL (http://[::1]:8080)
    String base = "http://" + hostInUrl(cfg.host()) + ":" + server.port();
    String version = server.modelVersion();
    out.println("Attune is serving on " + base + " (store " + withoutParameters(url) + ", model "
        + (version == null ? AttuneServer.withoutModel(cfg.fallbackModel()) : version) + "); Ctrl-C stops it.");
    if (server.startedFromActiveVersion()) {
      out.println("The store's active version " + version + " is served rather than " + cfg.modelDir()
          + " (a version published or activated before wins); the dashboard's Models page activates either.");
    }
    out.println("API document: " + base + "/v1/openapi.json");
    out.println("Dashboard: " + base + "/dashboard/  admin key: "
        + (cfg.adminKey() == null ? server.adminKey() : "the configured one (ATTUNE_ADMIN_KEY, or the adminKey of"
            + " serve's --config file)"));
    if (examples != null) out.print(examples.replace("$BASE", base));
    out.flush();
    stopped.await();
  }

  private static String pick(String... inOrder) {
    for (String s : inOrder) if (s != null && !s.isBlank()) return s;
    return null;
  }
}
