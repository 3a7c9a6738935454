package dev.attune.server;

import java.util.List;

/**
 * Who may call the API and how often ({@link AccessControl}).
 *
 * @param requireApiKeys whether every route but {@code /health}, {@code /metrics} and {@code /v1/openapi.json}
 *     needs an API key with the route's scope; when false, requests without a key are served as before and only
 *     a key that is given is checked (and rate-limited)
 * @param requestsPerSecond sustained requests per second allowed per key, &gt; 0
 * @param burst requests a key may make at once above the sustained rate, &ge; 1
 * @param corsOrigins origins whose browsers may call the API (CORS), such as {@code https://app.example.com};
 *     empty = same origin only; each {@code scheme://host[:port]} or a bare host ({@link CorsPolicy#checkOrigin})
 * @param allowedHosts host names requests may name in {@code Host} besides IP addresses, localhost and the host the
 *     server listens on ({@link HostPolicy}: {@code .example.com} allows its subdomains, {@code *} any host;
 *     {@link HostPolicy#checkAllowed})
 * @param anonymousPerSecond sustained requests per second allowed per client address for requests without a key
 *     (when keys are optional), with bursts of twice that; 0 = not limited. Behind a proxy every client shares the
 *     proxy's address, so the limit is then the proxy's to set.
 * @param maxConnections the most connections the server holds open at once; past it a new one is closed as soon as it
 *     is accepted. 0 = {@link #automaticMaxConnections()}, from the process's file descriptors.
 */
public record AccessConfig(boolean requireApiKeys, double requestsPerSecond, int burst, List<String> corsOrigins,
    List<String> allowedHosts, double anonymousPerSecond, int maxConnections) {
  /**
   * Keys optional, 200 requests per second per key with bursts of 400, requests without a key not limited, no
   * cross-origin callers.
   */
  public static final AccessConfig DEFAULTS = new AccessConfig(false, 200, 400, List.of(), List.of(), 0, 0);

  /** With the automatic connection limit. */
  public AccessConfig(boolean requireApiKeys, double requestsPerSecond, int burst, List<String> corsOrigins,
      List<String> allowedHosts, double anonymousPerSecond) {
    this(requireApiKeys, requestsPerSecond, burst, corsOrigins, allowedHosts, anonymousPerSecond, 0);
  }

  /** Without host names of its own (IP addresses, localhost and the host the server listens on), no anonymous limit. */
  public AccessConfig(boolean requireApiKeys, double requestsPerSecond, int burst, List<String> corsOrigins) {
    this(requireApiKeys, requestsPerSecond, burst, corsOrigins, List.of(), 0);
  }

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException for a rate, burst or limit out of range, or an origin or host name that is
   *     none (the message names the setting)
   */
  public AccessConfig {
    if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond) || burst < 1) {
      throw new IllegalArgumentException("requestsPerSecond must be > 0 and burst >= 1: " + requestsPerSecond + ", "
          + burst);
    }
    if (!(anonymousPerSecond >= 0) || Double.isInfinite(anonymousPerSecond)) {
      throw new IllegalArgumentException("anonymousPerSecond must be >= 0 (0 = off): " + anonymousPerSecond);
    }
    if (maxConnections < 0) throw new IllegalArgumentException("maxConnections must be >= 0 (0 = automatic)");
    corsOrigins = corsOrigins == null ? List.of() : List.copyOf(corsOrigins);
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    // a misspelt entry would allow nothing without a word: refused, as every other bad setting is
    corsOrigins.forEach(CorsPolicy::checkOrigin);
    allowedHosts.forEach(HostPolicy::checkAllowed);
  }

  /** The connection limit in force: {@link #maxConnections}, or {@link #automaticMaxConnections()} for 0. */
  public int connectionLimit() {
    return maxConnections > 0 ? maxConnections : automaticMaxConnections();
  }

  /**
   * Half of the file descriptors the process may open (the rest are the store's, the model files' and the logs'), at
   * least 64 and at most 10,000 (each connection also holds buffers: a limit of a million would run out of memory
   * before it ran out of descriptors); 10,000 where the system does not say.
   */
  public static int automaticMaxConnections() {
    long descriptors = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 20_000;
    return (int) Math.max(64, Math.min(10_000, descriptors / 2));
  }

  /** The burst of requests without a key one client address may make at once: twice its rate, at least 1. */
  public int anonymousBurst() {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(2 * anonymousPerSecond)));
  }
}
