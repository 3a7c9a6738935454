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
 *     empty = same origin only
 * @param allowedHosts host names requests may name in {@code Host} besides IP addresses, localhost and the host the
 *     server listens on ({@link HostPolicy}: {@code .example.com} allows its subdomains, {@code *} any host)
 */
public record AccessConfig(boolean requireApiKeys, double requestsPerSecond, int burst, List<String> corsOrigins,
    List<String> allowedHosts) {
  /** Keys optional, 200 requests per second per key with bursts of 400, no cross-origin callers. */
  public static final AccessConfig DEFAULTS = new AccessConfig(false, 200, 400, List.of(), List.of());

  /** Without host names of its own: IP addresses, localhost and the host the server listens on. */
  public AccessConfig(boolean requireApiKeys, double requestsPerSecond, int burst, List<String> corsOrigins) {
    this(requireApiKeys, requestsPerSecond, burst, corsOrigins, List.of());
  }

  /** Checks the values. */
  public AccessConfig {
    if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond) || burst < 1) {
      throw new IllegalArgumentException("requestsPerSecond must be > 0 and burst >= 1: " + requestsPerSecond + ", "
          + burst);
    }
    corsOrigins = corsOrigins == null ? List.of() : List.copyOf(corsOrigins);
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
  }
}
