package dev.attune.server;

import dev.attune.events.Ids;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One row of the route table ({@link Api#routes}): the table is the only place routes are registered, and {@link
 * OpenApi} documents exactly its rows, so the served document cannot drift from the served routes.
 *
 * @param method HTTP method
 * @param path path with {@code {name}} parameters
 * @param summary one line for the API document
 * @param queryParams query parameters: name, type ({@code string}, {@code integer}, {@code number}, {@code
 *     boolean}) and description
 * @param requestBody description of the JSON body, or null when the route takes none
 * @param successStatus the status of a successful answer
 * @param handler the handler
 */
record Route(HandlerType method, String path, String summary, List<Param> queryParams, String requestBody,
    int successStatus, Handler handler) {

  /** Whether request path {@code requestPath} is one of this route's ({@code {name}} stands for one segment). */
  boolean matches(String requestPath) {
    // the router ignores one trailing slash: /v1/popular/ is /v1/popular
    String normal = requestPath.length() > 1 && requestPath.endsWith("/")
        ? requestPath.substring(0, requestPath.length() - 1) : requestPath;
    String[] template = path.split("/", -1);
    String[] given = normal.split("/", -1);
    if (template.length != given.length) return false;
    for (int k = 0; k < template.length; k++) {
      boolean parameter = template[k].startsWith("{") && template[k].endsWith("}");
      if (parameter ? given[k].isEmpty() : !template[k].equals(given[k])) return false;
    }
    return true;
  }

  /**
   * The methods {@code routes} serve at {@code requestPath}, for a 405's {@code Allow} header ("GET, PUT"), with
   * OPTIONS when {@code preflight} (the CORS preflight answers every path); "" when none.
   */
  static String allowed(List<Route> routes, String requestPath, boolean preflight) {
    Set<String> methods = new java.util.TreeSet<>();
    for (Route r : routes) if (r.matches(requestPath)) methods.add(r.method().name());
    if (preflight && !methods.isEmpty()) methods.add("OPTIONS");
    return String.join(", ", methods);
  }

  /**
   * A documented query parameter; a numeric one may carry its bounds and default, which the handler reads from it
   * ({@link Api#intParam(io.javalin.http.Context, Param)}), so the document states what is enforced.
   *
   * @param minimum the least value taken, or null
   * @param maximum the largest value taken, or null
   * @param defaultValue the value when it is absent, or null
   * @param values the only values a string parameter takes, or an empty list
   */
  record Param(String name, String type, String description, Number minimum, Number maximum, Number defaultValue,
      List<String> values) {
    Param(String name, String type, String description) {
      this(name, type, description, null, null, null, List.of());
    }

    Param(String name, String type, String description, Number minimum, Number maximum, Number defaultValue) {
      this(name, type, description, minimum, maximum, defaultValue, List.of());
    }

    /** A string parameter that takes one of {@code values}. */
    static Param oneOf(String name, String description, String... values) {
      return new Param(name, "string", description, null, null, null, List.of(values));
    }

    /** An integer parameter of {@code [minimum, maximum]}, {@code defaultValue} when absent. */
    static Param integer(String name, String description, int minimum, int maximum, int defaultValue) {
      return new Param(name, "integer", description, minimum, maximum, defaultValue);
    }

    /** A number parameter of {@code [minimum, maximum]}, {@code defaultValue} when absent. */
    static Param number(String name, String description, double minimum, double maximum, double defaultValue) {
      return new Param(name, "number", description, minimum, maximum, defaultValue);
    }
  }

  /**
   * This route with its handler behind {@link #checkQuery}: a misspelt parameter ({@code exlude=}) would otherwise
   * be ignored without a word, as unknown JSON fields are not; and, for a route that takes no body, behind a check
   * that none came (what it said would be ignored: a body meant for another route, or a misread of this one).
   */
  Route checkingQuery() {
    Handler inner = handler;
    boolean takesBody = requestBody != null;
    return new Route(method, path, summary, queryParams, requestBody, successStatus, ctx -> {
      checkQuery(ctx.queryString());
      if (!takesBody && saysSomething(ctx.bodyAsBytes())) {
        throw ApiException.invalid(null, method + " " + path + " takes no body; send its request without one");
      }
      inner.handle(ctx);
    });
  }

  /**
   * Whether a body sent to a route that takes none says anything: blank, {@code {}} and {@code null} are what client
   * wrappers send for "no body", and are let through.
   */
  static boolean saysSomething(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return !text.isEmpty() && !text.equals("{}") && !text.equals("null");
  }

  /** The query parameter every route ignores: a client library's cache-buster ({@code _=1733480000000}). */
  static final String CACHE_BUSTER = "_";

  /**
   * Checks a raw query string: valid percent-encoding, only the documented parameters, each at most once (and
   * {@link #CACHE_BUSTER}, any number of times).
   *
   * @throws ApiException 400 {@code invalid_query} otherwise
   */
  void checkQuery(String query) {
    if (query == null || query.isEmpty()) return;
    Set<String> seen = new HashSet<>();
    for (String part : query.split("&")) {
      if (part.isEmpty()) continue;
      int eq = part.indexOf('=');
      String name;
      try {
        name = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
        if (eq >= 0) URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        // the decoder's own words name Java's internals ("URLDecoder: Illegal hex characters ..."): said plainly
        throw new ApiException(400, "invalid_query", "the query string is not valid percent-encoding near '"
            + Ids.printable(part, 40) + "': '%' must be followed by two hex"
            + " digits (a '%' itself is written %25)", eq < 0 ? null : part.substring(0, eq));
      }
      // "_" is the cache-buster a browser library adds to every GET (jQuery's cache: false), not a misspelling;
      // answers are not cached anyway (no-store)
      if (name.equals(CACHE_BUSTER)) continue;
      if (queryParams.stream().noneMatch(p -> p.name().equals(name))) {
        // the field names it, as for a body's unknown field (a reject reason counts it as "unknown field", so names a
        // client makes up add no reasons)
        String shown = Ids.printable(name, 40);
        throw new ApiException(400, "invalid_query", "unknown query parameter '" + shown + "'; " + method + " " + path
            + (queryParams.isEmpty() ? " takes none"
                : " takes " + String.join(", ", queryParams.stream().map(Param::name).toList())), shown);
      }
      if (!seen.add(name)) {
        throw new ApiException(400, "invalid_query", "the query parameter '" + name + "' is given twice", name);
      }
    }
  }
}
