package dev.attune.server;

import io.javalin.http.Context;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Cross-origin access for the browser origins of {@link AccessConfig#corsOrigins} (e.g. {@code
 * https://app.example.com}; a bare host means https). An allowed origin is told it may read every answer, and its
 * preflights ({@code OPTIONS} with {@code Access-Control-Request-Method}) are answered 204 with the methods and
 * headers the API takes. A request from another origin is served as if it came from no browser, without those
 * headers, so the browser keeps the answer from the page: the API authenticates by {@code Authorization} keys, not
 * cookies, so another site has no credentials of the user's to ride on, and refusing such requests would also refuse
 * the dashboard's own (a browser sends {@code Origin} on a same-origin POST too). Only a preflight from another origin
 * is refused, 403 {@code origin_not_allowed}, which says why in the browser's network log.
 *
 * <p>Immutable and thread-safe.
 */
final class CorsPolicy {
  private static final String METHODS = "GET, POST, PUT, DELETE";
  private static final String HEADERS = "Authorization, Content-Type";
  private final Set<String> origins;

  /** A URI scheme (RFC 3986): an origin's is http or https, or an app's own, such as {@code capacitor}. */
  private static final java.util.regex.Pattern SCHEME = java.util.regex.Pattern.compile("[a-z][a-z0-9+.-]*");

  /**
   * Checks one configured origin: {@code scheme://host[:port]} (a trailing slash is taken) or a bare {@code
   * host[:port]}, read as https. A browser's {@code Origin} has no path, user or query, so an entry with one could
   * never match, and a mistyped entry allowed nothing without a word (a QA run's {@code 'not a url'}); {@code *} is
   * refused rather than read as any origin, which would let every site's pages write to the API while keys are
   * optional (the origin check of writes, {@link AttuneServer}, is what stops them).
   *
   * @throws IllegalArgumentException naming the setting and the entry, when it is not an origin
   */
  static void checkOrigin(String configured) {
    String o = configured.strip();
    String why = null;
    if (o.equals("*")) {
      why = "any origin, which is not taken: it would let every site's pages call the API with the browser's"
          + " credentials (earlier builds read '*' as an origin that never matched, so listing the real ones loses"
          + " nothing)";
    } else if (o.equalsIgnoreCase("null")) {
      // earlier builds read it as https://null, which matched nothing
      why = "the origin browsers send from sandboxed frames and local files, which any site's page can take on, so"
          + " it is not taken; serve the app from an origin of its own";
    } else {
      String full = normalise(o.contains("://") ? o : "https://" + o);
      try {
        java.net.URI uri = new java.net.URI(full);
        if (uri.getScheme() == null || !SCHEME.matcher(uri.getScheme()).matches() || uri.getHost() == null
            || uri.getRawUserInfo() != null || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null
            || uri.getRawFragment() != null || uri.getPort() == 0 || uri.getPort() > 65535) {
          why = "not an origin";
        }
      } catch (java.net.URISyntaxException e) {
        why = "not an origin";
      }
    }
    if (why != null) {
      throw new IllegalArgumentException("ATTUNE_CORS_ORIGINS (file key corsOrigins): '" + configured + "' is " + why
          + "; give scheme://host[:port], such as https://app.example.com or http://localhost:3000, or a bare host"
          + " (read as https), comma-separated");
    }
  }

  /** @param origins origins as configured: {@code scheme://host[:port]} or a bare host (https) */
  CorsPolicy(List<String> origins) {
    Set<String> normalised = new LinkedHashSet<>();
    for (String o : origins) normalised.add(normalise(o.contains("://") ? o : "https://" + o));
    this.origins = Set.copyOf(normalised);
  }

  /**
   * Lower case, without a trailing slash, a host in another script in its ASCII form: the form a browser's {@code
   * Origin} header has.
   */
  private static String normalise(String origin) {
    String o = origin.trim().toLowerCase(Locale.ROOT);
    int authority = o.indexOf("://");
    if (authority >= 0) o = o.substring(0, authority + 3) + HostPolicy.asciiHost(o.substring(authority + 3));
    // an IPv6 address as a browser writes it (RFC 5952): https://[2001:0DB8:0::1] never matched [2001:db8::1] (QA)
    int open = o.indexOf("://[");
    int close = o.indexOf(']');
    if (open >= 0 && close > open) {
      String canonical = canonicalIpv6(o.substring(open + 4, close));
      if (canonical != null) o = o.substring(0, open + 4) + canonical + o.substring(close);
    }
    o = o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    // a browser leaves the scheme's default port out of Origin: https://a.example:443 must match https://a.example
    if (o.startsWith("https://") && o.endsWith(":443")) return o.substring(0, o.length() - ":443".length());
    if (o.startsWith("http://") && o.endsWith(":80")) return o.substring(0, o.length() - ":80".length());
    return o;
  }

  /**
   * An IPv6 address in RFC 5952's form, which browsers write in {@code Origin}: lower case, no leading zeros, the
   * longest run of two or more zero groups as {@code ::} (the first of equal runs); null for text that is not one.
   */
  static String canonicalIpv6(String address) {
    if (!address.matches("[0-9a-fA-F:.]+") || address.indexOf(':') < 0) return null; // no name lookups
    byte[] bytes;
    try {
      bytes = java.net.InetAddress.getByName(address).getAddress();
    } catch (java.net.UnknownHostException e) {
      return null;
    }
    if (bytes.length != 16) return null;
    int[] groups = new int[8];
    for (int g = 0; g < 8; g++) groups[g] = (bytes[2 * g] & 0xff) << 8 | bytes[2 * g + 1] & 0xff;
    int bestStart = -1;
    int bestLength = 1; // a single zero group is written as 0, not ::
    for (int g = 0; g < 8; ) {
      if (groups[g] != 0) {
        g++;
        continue;
      }
      int start = g;
      while (g < 8 && groups[g] == 0) g++;
      if (g - start > bestLength) {
        bestStart = start;
        bestLength = g - start;
      }
    }
    StringBuilder b = new StringBuilder();
    for (int g = 0; g < 8; g++) {
      if (g == bestStart) {
        b.append("::");
        g += bestLength - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') b.append(':');
      b.append(Integer.toHexString(groups[g]));
    }
    return b.toString();
  }

  boolean allows(String origin) {
    return origin != null && origins.contains(normalise(origin));
  }

  /** Before every request: an allowed origin may read the answer (and its {@code Retry-After}). */
  void decorate(Context ctx) {
    String origin = ctx.header("Origin");
    ctx.header("Vary", "Origin"); // a cache must not give one origin's answer to another
    if (!allows(origin)) return;
    ctx.header("Access-Control-Allow-Origin", origin);
    ctx.header("Access-Control-Expose-Headers", "Retry-After");
  }

  /** {@code OPTIONS} on an API path: a preflight from an allowed origin is answered; from another, refused. */
  void preflight(Context ctx) {
    if (!allows(ctx.header("Origin"))) {
      ctx.status(403).json(Map.of("error", "origin_not_allowed", "message", "origin " + ctx.header("Origin")
          + " is not among the server's CORS origins (ATTUNE_CORS_ORIGINS)", "field", "Origin"));
      return;
    }
    ctx.header("Access-Control-Allow-Methods", METHODS);
    ctx.header("Access-Control-Allow-Headers", HEADERS);
    ctx.header("Access-Control-Max-Age", "600");
    ctx.status(204);
  }
}
