package dev.attune.server;

import dev.attune.store.Store;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * API keys with scopes, and a rate limit per key.
 *
 * <p>A key reads {@code atk_<id>_<secret>}; the store keeps its id, scopes and the SHA-256 of the secret, never the
 * secret ({@link Store.ApiKey}; {@code attune keys create} makes one). A request names its key in {@code Authorization:
 * Bearer <key>}. Each route needs one scope: {@code admin} for {@code /v1/admin/...}, {@code read} for the other GET
 * routes, {@code POST /v1/recommendations} and {@code POST /v1/items/lookup}, {@code write} for every other change;
 * {@code /health}, {@code /metrics} and {@code /v1/openapi.json} need none. An {@code admin} key may do everything, and
 * so may the server's admin key ({@link ServerConfig#adminKey}); this is the only check of admin routes. Without {@link
 * AccessConfig#requireApiKeys}, a request with no key is served (admin routes still need the admin key or an admin API
 * key); a key that is given is always checked. Answers: 401 for a missing, unknown, malformed or revoked key, 403 for a
 * key without the scope, 429 with {@code Retry-After} (seconds) past the key's rate (a token bucket of {@code burst}
 * tokens refilled at {@code requestsPerSecond}); requests without a key, when they are served, share a bucket per
 * client address if {@link AccessConfig#anonymousPerSecond} is set; and tries at the admin key (any key not shaped as
 * an API key) are held off per address after {@link #FAILED_KEYS_BURST} wrong ones (429, the right key too).
 *
 * <p>Keys are read from the store at most once per {@link #RELOAD_NANOS}, so a new or revoked key takes effect
 * within that time. A read waits at most {@link #RELOAD_WAIT}: when the store does not answer (a database restart),
 * the keys read last stand, so that a request which needs nothing else of the store (popular items) is served at once
 * and the others meet the store's own 503. Thread-safe.
 */
final class AccessControl {
  /** How long the keys read from the store are used before they are read again. */
  static final long RELOAD_NANOS = 2_000_000_000L;
  /** How long a request waits for the keys to be read again before it uses those read last. */
  private static final java.time.Duration RELOAD_WAIT = java.time.Duration.ofSeconds(1);
  private final Store store;
  private final AccessConfig config;
  /** The POST routes that only read (their questions are too large for a URL). */
  private static final Set<String> READ_POSTS = Set.of("/v1/recommendations", "/v1/items/lookup");

  /** Request attribute set to true when the request carries the admin key or an API key with the admin scope. */
  static final String ADMIN_ATTRIBUTE = "attune.admin";
  private final byte[] adminKey;
  private final LongSupplier nanos;
  private volatile Map<String, Store.ApiKey> keys = Map.of();
  private volatile long loadedAt;
  private volatile boolean loaded;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  /** The buckets of requests without a key, by client address. */
  private final AddressBuckets anonymous = new AddressBuckets();
  /** Wrong admin keys, by client address and IPv6 network: each 401 for a key that is not an API key takes tokens. */
  private final AdminTries adminTries = new AdminTries();
  private final SharedCall<Map<String, Store.ApiKey>> reload = new SharedCall<>(this::readKeys);

  AccessControl(Store store, AccessConfig config, String adminKey, LongSupplier nanos) {
    this.store = store;
    this.config = config;
    this.adminKey = adminKey == null ? null : adminKey.getBytes(StandardCharsets.UTF_8);
    this.nanos = nanos;
  }

  /** The scope a route needs, or null for none. */
  static String scopeOf(HandlerType method, String path) {
    if (path.equals("/health") || path.equals("/metrics") || path.equals("/v1/openapi.json")) return null;
    if (path.startsWith("/v1/admin")) return "admin";
    if (method == HandlerType.GET || method == HandlerType.POST && READ_POSTS.contains(path)) return "read";
    return "write";
  }

  /** {@code handler} behind the key check of {@code route}. */
  Handler wrap(Route route) {
    String scope = scopeOf(route.method(), route.path());
    if (scope == null) return route.handler();
    return ctx -> {
      check(ctx, scope);
      route.handler().handle(ctx);
    };
  }

  private void check(Context ctx, String scope) {
    String auth = ctx.header("Authorization");
    // "Bearer" alone (an empty key, its space trimmed on the way) is no key
    if (auth != null && (auth.isBlank() || auth.strip().equalsIgnoreCase("Bearer"))) auth = null;
    if (auth != null && !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      // a key sent another way (Token, Basic, bare) is still a key: served as anonymous, it escaped its scope
      throw unauthorized(ctx, "send the key as 'Authorization: Bearer <key>'");
    }
    String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
    if (given == null || given.isEmpty()) {
      if (scope.equals("admin")) {
        throw unauthorized(ctx, "admin routes need the header 'Authorization: Bearer <admin key>' (ATTUNE_ADMIN_KEY,"
            + " or the key the server printed at start when that is not set) or an API key with the admin scope");
      }
      if (config.requireApiKeys()) {
        throw unauthorized(ctx, "this route needs an API key with the '" + scope + "' scope in 'Authorization: Bearer"
            + " <key>'");
      }
      if (config.anonymousPerSecond() > 0) limitAnonymous(ctx);
      return;
    }
    if (given.startsWith(ApiKeys.PREFIX)) {
      // an API key's secret is 192 random bits, past guessing: not throttled, so a client behind the same proxy
      // retrying a stale key, or a key used before the server has read it, holds nobody else off
      checkKey(ctx, scope, given);
      return;
    }
    // anything else is a try at the admin key, which an operator chose (16 characters at least): guessable. Tries
    // are throttled per address, a right one too while the address is held off, or the throttle would tell right
    // from wrong at full speed
    String ip = ctx.ip();
    long now = nanos.getAsLong();
    long refusedFor = adminTries.waitNanos(ip, now);
    if (refusedFor > 0) {
      throw rateLimited(ctx, refusedFor, (adminTries.clientHeld(ip, now)
          ? "too many wrong admin keys from this address (" + FAILED_KEYS_BURST + ", then one a second)"
          : "too many wrong admin keys from this address's IPv6 /48 network (" + FAILED_KEYS_NETWORK_BURST
              + ", then five a second)") + "; retry after the Retry-After header's seconds");
    }
    try {
      checkKey(ctx, scope, given);
    } catch (ApiException e) {
      if (e.status() == 401) adminTries.failed(ip, nanos.getAsLong());
      throw e;
    }
  }

  private void checkKey(Context ctx, String scope, String given) {
    // constant-time comparison: the time taken says nothing about how much of the key was right
    if (adminKey != null && MessageDigest.isEqual(adminKey, given.getBytes(StandardCharsets.UTF_8))) {
      ctx.attribute(ADMIN_ATTRIBUTE, Boolean.TRUE);
      return; // the server's admin key may do everything
    }
    if (!given.startsWith(ApiKeys.PREFIX)) {
      throw unauthorized(ctx, scope.equals("admin") ? "the admin key is wrong"
          : "not an API key (they start with '" + ApiKeys.PREFIX + "')");
    }
    int sep = given.indexOf('_', ApiKeys.PREFIX.length());
    Store.ApiKey key = sep < 0 ? null : key(given.substring(ApiKeys.PREFIX.length(), sep));
    boolean secretMatches = key != null && MessageDigest.isEqual(key.secretHash().getBytes(StandardCharsets.US_ASCII),
        ApiKeys.sha256Hex(given.substring(sep + 1)).getBytes(StandardCharsets.US_ASCII));
    // "revoked" only to the key's holder: to anyone else, which ids exist or were revoked is not for telling
    if (!secretMatches) throw unauthorized(ctx, "unknown API key");
    if (key.revoked()) throw unauthorized(ctx, "this API key was revoked");
    if (key.scopes().contains("admin")) ctx.attribute(ADMIN_ATTRIBUTE, Boolean.TRUE);
    if (!key.scopes().contains(scope) && !key.scopes().contains("admin")) {
      throw new ApiException(403, "forbidden", "this API key has the scopes " + new java.util.TreeSet<>(key.scopes())
          + ", and this route needs '" + scope + "'", "Authorization");
    }
    long waitNanos = buckets.computeIfAbsent(key.id(), id -> new Bucket(config.burst(), nanos.getAsLong()))
        .take(config.requestsPerSecond(), config.burst(), nanos.getAsLong());
    if (waitNanos > 0) {
      throw rateLimited(ctx, waitNanos, "this API key made more than " + perSecond(config.requestsPerSecond())
          + " requests per second (bursts of " + config.burst() + "); retry after the Retry-After header's seconds");
    }
  }

  /** A rate as an operator set it: 200, not 200.0 (shop QA), 12.5 as 12.5. */
  private static String perSecond(double rate) {
    return new java.math.BigDecimal(Double.toString(rate)).stripTrailingZeros().toPlainString();
  }

  /** The 429 for a request {@code waitNanos} too early: {@code Retry-After} in whole seconds, at least 1. */
  private static ApiException rateLimited(Context ctx, long waitNanos, String message) {
    ctx.header("Retry-After", Long.toString(Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L)));
    return new ApiException(429, "rate_limited", message, null);
  }

  /** The most client addresses an {@link AddressBuckets} keeps; past it, the full (idle) ones are dropped. */
  static final int MAX_CLIENT_ADDRESSES = 100_000;
  /** Wrong admin keys an address may send at once, then per second: an operator's typos are told quickly. */
  static final int FAILED_KEYS_BURST = 20;
  static final double FAILED_KEYS_PER_SECOND = 1;
  /**
   * Wrong admin keys an IPv6 /48 may send at once, then per second, whatever its /64s: a site is given a /48, so
   * one client could otherwise guess from 65,536 /64s at 20 a burst and one a second each (a review).
   */
  static final int FAILED_KEYS_NETWORK_BURST = 100;
  static final double FAILED_KEYS_NETWORK_PER_SECOND = 5;

  /**
   * The throttle of wrong admin keys: a bucket per client address ({@link #clientKey}: an IPv6 /64), and for IPv6 one
   * more per /48 that all its /64s share. A try is refused while either is empty.
   */
  static final class AdminTries {
    private final AddressBuckets byClient = new AddressBuckets();
    private final AddressBuckets byNetwork = new AddressBuckets();

    /** 0 when {@code ip} may try an admin key now, else how long until it may. */
    long waitNanos(String ip, long now) {
      long client = byClient.waitNanos(clientKey(ip), FAILED_KEYS_PER_SECOND, FAILED_KEYS_BURST, now);
      String network = networkKey(ip);
      long shared = network == null ? 0
          : byNetwork.waitNanos(network, FAILED_KEYS_NETWORK_PER_SECOND, FAILED_KEYS_NETWORK_BURST, now);
      return Math.max(client, shared);
    }

    /** Whether {@code ip}'s own bucket (not its network's) holds it off. */
    boolean clientHeld(String ip, long now) {
      return byClient.waitNanos(clientKey(ip), FAILED_KEYS_PER_SECOND, FAILED_KEYS_BURST, now) > 0;
    }

    /** Counts a wrong admin key from {@code ip}. */
    void failed(String ip, long now) {
      byClient.take(clientKey(ip), FAILED_KEYS_PER_SECOND, FAILED_KEYS_BURST, now);
      String network = networkKey(ip);
      if (network != null) {
        byNetwork.take(network, FAILED_KEYS_NETWORK_PER_SECOND, FAILED_KEYS_NETWORK_BURST, now);
      }
    }
  }

  /** 429 for a request without a key past its client address's rate ({@link AccessConfig#anonymousPerSecond}). */
  private void limitAnonymous(Context ctx) {
    long waitNanos = anonymous.take(clientKey(ctx.ip()), config.anonymousPerSecond(), config.anonymousBurst(),
        nanos.getAsLong());
    if (waitNanos > 0) {
      throw rateLimited(ctx, waitNanos, "requests without an API key from this address exceed "
          + perSecond(config.anonymousPerSecond()) + " per second (bursts of " + config.anonymousBurst() + "); retry"
          + " after the Retry-After header's seconds, or use an API key ('attune keys create')");
    }
  }

  /**
   * The bucket key of a client address: the address, or for IPv6 its /64 network (one host is given a whole /64, and
   * could otherwise take a fresh address, and a fresh bucket, for every request).
   */
  static String clientKey(String ip) {
    String network = ipv6Prefix(ip, 64);
    return network != null ? network : String.valueOf(ip);
  }

  /** The /{@code bits} network of an IPv6 address ({@code bits} a multiple of 8), or null for any other address. */
  private static String ipv6Prefix(String ip, int bits) {
    if (ip == null || ip.indexOf(':') < 0) return null;
    try {
      byte[] a = java.net.InetAddress.getByName(ip).getAddress(); // a literal address: parsed, never looked up
      return a.length != 16 ? null : java.util.HexFormat.of().formatHex(a, 0, bits / 8) + "::/" + bits;
    } catch (java.net.UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }

  /** The /48 network of an IPv6 address ({@link AdminTries}), or null for any other address. */
  static String networkKey(String ip) {
    return ipv6Prefix(ip, 48);
  }

  private static ApiException unauthorized(Context ctx, String message) {
    ctx.header("WWW-Authenticate", "Bearer realm=\"attune\"");
    return new ApiException(401, "unauthorized", message, "Authorization");
  }

  private Store.ApiKey key(String id) {
    if (loaded && nanos.getAsLong() - loadedAt <= RELOAD_NANOS) return keys.get(id);
    try {
      return reload.get(RELOAD_WAIT).get(id); // also picks up revocations
    } catch (java.util.concurrent.TimeoutException | dev.attune.store.StoreException e) {
      if (!loaded) {
        if (e instanceof dev.attune.store.StoreException s) throw s; // the server's 503
        throw new dev.attune.store.StoreException("reading the API keys took over " + RELOAD_WAIT.toMillis() + " ms",
            new java.sql.SQLTransientConnectionException("the store did not answer in time")); // so: 503
      }
      return keys.get(id); // the keys read last stand while the store does not answer
    }
  }

  /** Reads every key from the store and makes them the current ones. */
  private Map<String, Store.ApiKey> readKeys() {
    Map<String, Store.ApiKey> fresh = new ConcurrentHashMap<>();
    for (Store.ApiKey a : store.apiKeys()) fresh.put(a.id(), a);
    keys = fresh;
    loadedAt = nanos.getAsLong();
    loaded = true;
    return fresh;
  }

  /**
   * Token buckets by client address, at most {@link #MAX_CLIENT_ADDRESSES} of them: past that, the full (idle) ones
   * are dropped, at most once a second, and a new address shares one bucket with the others past the cap rather than
   * grow the map without end.
   */
  private static final class AddressBuckets {
    /** The key of every address past the cap. */
    private static final String OVERFLOW = "overflow";
    private final ConcurrentHashMap<String, Bucket> byAddress = new ConcurrentHashMap<>();
    /** When the buckets were last swept for refilled ones (nanos). */
    private final java.util.concurrent.atomic.AtomicLong sweptAt = new java.util.concurrent.atomic.AtomicLong();

    /** Takes a token of {@code client}'s bucket; returns 0, or how long until one is there. */
    long take(String client, double perSecond, int burst, long now) {
      return bucket(client, perSecond, burst, now).take(perSecond, burst, now);
    }

    /** 0 when {@code client}'s bucket holds a token (none is taken), else how long until one is there. */
    long waitNanos(String client, double perSecond, int burst, long now) {
      Bucket b = byAddress.get(client);
      if (b == null && byAddress.size() >= MAX_CLIENT_ADDRESSES) b = byAddress.get(OVERFLOW);
      return b == null ? 0 : b.waitNanos(perSecond, burst, now);
    }

    private Bucket bucket(String client, double perSecond, int burst, long now) {
      long swept = sweptAt.get();
      if (byAddress.size() >= MAX_CLIENT_ADDRESSES && now - swept > 1_000_000_000L
          && sweptAt.compareAndSet(swept, now)) {
        // those whose bucket has refilled are the same as new ones; swept once a second at most, for a sweep that
        // frees nothing would otherwise run on every request
        byAddress.values().removeIf(b -> b.isFull(perSecond, burst, now));
      }
      String key = byAddress.size() >= MAX_CLIENT_ADDRESSES && !byAddress.containsKey(client) ? OVERFLOW : client;
      return byAddress.computeIfAbsent(key, ip -> new Bucket(burst, now));
    }
  }

  /** A token bucket: tokens refill continuously up to the burst. */
  private static final class Bucket {
    private double tokens;
    private long at;

    Bucket(int burst, long now) {
      this.tokens = burst;
      this.at = now;
    }

    /** Takes a token; returns 0, or how long until one is there. */
    synchronized long take(double perSecond, int burst, long now) {
      tokens = Math.min(burst, tokens + (now - at) / 1e9 * perSecond);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - tokens) / perSecond * 1e9);
    }

    /** 0 when a token is there (none is taken), else how long until one is. */
    synchronized long waitNanos(double perSecond, int burst, long now) {
      double available = Math.min(burst, tokens + (now - at) / 1e9 * perSecond);
      return available >= 1 ? 0 : (long) Math.ceil((1 - available) / perSecond * 1e9);
    }

    /** Whether the bucket has refilled by {@code now}: it is then the same as a new one. */
    synchronized boolean isFull(double perSecond, int burst, long now) {
      return tokens + (now - at) / 1e9 * perSecond >= burst;
    }
  }
}
