package dev.attune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code attune experiment list|start|show|stop|delete}: the A/B experiments of a running server, over its admin API
 * ({@code /v1/admin/experiments}), for operators and scripts without a browser. An experiment lives in the server
 * (it assigns the users and records what each arm showed), so this command talks to one rather than to its store.
 *
 * <p>Errors: a refusal by the server (400, 404, 409) is the user's mistake and says what the server said, with exit
 * code 2; so are an address where no server accepts a connection or none speaks HTTP, and a refused key; a server's
 * own failure (5xx, no answer within 2 minutes, an answer not shaped as Attune's) exits with 1.
 */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {
        "Start, watch and stop the A/B experiments of a running server (its /v1/admin/experiments API).",
        "The server is --server, else ATTUNE_SERVER, else " + ExperimentCommand.DEFAULT_SERVER + "; the admin key"
            + " comes from ATTUNE_ADMIN_KEY or the first line of --key-file (never from the command line, where"
            + " other users of the machine would see it)."},
    subcommands = {
        ExperimentCommand.ListExperiments.class, ExperimentCommand.Start.class, ExperimentCommand.Show.class,
        ExperimentCommand.Stop.class, ExperimentCommand.Delete.class})
final class ExperimentCommand implements Callable<Integer> {

  static final String DEFAULT_SERVER = "http://localhost:8080";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter UTC_MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'",
      Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter UTC_SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss",
      Locale.ROOT).withZone(ZoneOffset.UTC);

  @Override
  public Integer call() {
    throw new IllegalArgumentException("'attune experiment' needs what to do: list, start, show <id>, stop <id> or"
        + " delete <id>");
  }

  /** Where the server is and the key to it: every subcommand's options. */
  static final class ServerOptions {
    @Option(names = "--server", description = "The server's base URL (default: ATTUNE_SERVER, else "
        + DEFAULT_SERVER + ").")
    String server;

    @Option(names = "--key-file", description = "A file whose first line is the admin key (default: the"
        + " ATTUNE_ADMIN_KEY variable).")
    Path keyFile;

    @Option(names = "--json", description = "Print the server's answer as JSON instead of tables.")
    boolean json;

    /** Where a warning goes (the command's standard error, set by the subcommand). */
    PrintWriter warnings = new PrintWriter(System.err, true);
    private boolean warnedPlainHttp;
    /** Whether the server answered as an Attune server before, in this run (an earlier look of --watch). */
    private boolean answeredBefore;

    private static boolean loopback(String host) {
      String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
      return h.equalsIgnoreCase("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    String base() {
      String url = server != null ? server : System.getenv().getOrDefault("ATTUNE_SERVER", DEFAULT_SERVER);
      url = url.strip();
      while (url.endsWith("/")) url = url.substring(0, url.length() - 1);
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--server " + url + " is not a URL: " + e.getMessage());
      }
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException("--server must be an http or https URL such as " + DEFAULT_SERVER + ": "
            + url);
      }
      return url;
    }

    String key() throws IOException {
      if (keyFile != null) {
        if (Files.isDirectory(keyFile)) throw new IllegalArgumentException("--key-file " + keyFile + " is a folder");
        if (!Files.isRegularFile(keyFile)) throw new IllegalArgumentException("--key-file " + keyFile + ": no such file");
        List<String> lines;
        try {
          lines = Files.readAllLines(keyFile, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
          throw new IllegalArgumentException("--key-file " + keyFile + " is not UTF-8 text: the key goes on its first"
              + " line");
        }
        if (lines.isEmpty()) throw new IllegalArgumentException("--key-file " + keyFile + " is empty");
        String first = lines.get(0).strip();
        if (first.isEmpty()) {
          throw new IllegalArgumentException("--key-file " + keyFile + ": its first line is blank; the key goes on the"
              + " first line");
        }
        return first;
      }
      String key = System.getenv("ATTUNE_ADMIN_KEY");
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("no admin key: set ATTUNE_ADMIN_KEY or give --key-file (the server prints"
            + " its key at start, or takes the one set with ATTUNE_ADMIN_KEY)");
      }
      return key.strip();
    }

    /**
     * Calls the admin API and returns the answer's JSON (null for 204); a refusal throws {@link
     * IllegalArgumentException} with the server's message, a server failure {@link ServerFailed}.
     */
    JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
      String base = base();
      String key = key();
      URI uri = URI.create(base + path);
      if (uri.getScheme().equals("http") && !loopback(uri.getHost()) && !warnedPlainHttp) {
        try {
          java.net.InetAddress.getByName(uri.getHost()); // a name that resolves to nothing sends the key nowhere
        } catch (java.net.UnknownHostException e) {
          throw unresolvedName(uri, base);
        }
        // the admin key would cross the network readable by anyone on the way
        warnedPlainHttp = true;
        warnings.println("attune: warning: the admin key goes to " + uri.getHost() + " over plain http; use https"
            + " (a proxy in front of the server) for a server on another machine");
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2))
          .header("Authorization", "Bearer " + key).header("Accept", "application/json");
      if (body != null) {
        request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(
            JSON.writeValueAsString(body)));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> response;
      try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException | HttpConnectTimeoutException e) {
        if (unresolved(e)) throw unresolvedName(uri, base);
        throw new NoServer("no server answers at " + base + " (start one with 'attune serve' or 'attune demo', or"
            + " give --server)");
      } catch (HttpTimeoutException e) {
        throw new ServerFailed("the server at " + base + " did not answer within 2 minutes");
      } catch (IOException e) {
        if (answeredBefore && closedWithoutAnswer(e)) {
          // a server that answered before, killed mid-request, or a proxy that dropped the connection: a failure
          // --watch looks at again (a review: it ended the watch as "not an Attune server"); on first contact the
          // same failure is rather a port of another protocol (TLS, a database's), said as below
          throw new ServerFailed("the server at " + base + " closed the connection without an answer");
        }
        // a TLS client at a plain port, a database's or broker's port: Java's message alone names neither
        throw new IllegalArgumentException("the server at " + base + " did not answer as an Attune server over "
            + URI.create(base).getScheme() + " (" + firstLine(String.valueOf(e.getMessage()), 80) + "): is --server"
            + " right?");
      }
      int status = response.statusCode();
      if (status == 204) return null;
      JsonNode answer;
      try {
        answer = JSON.readTree(response.body());
      } catch (IOException e) {
        answer = null; // a proxy's page, or not an Attune server
      }
      boolean attuneError = answer != null && answer.hasNonNull("message");
      if (status >= 200 && status < 300 && answer != null || attuneError) answeredBefore = true;
      if (status >= 200 && status < 300) {
        if (answer != null) return answer;
        throw new ServerFailed("the server at " + base + " answered " + method + " " + path + " with HTTP " + status
            + " but no JSON: " + firstLine(response.body(), 200));
      }
      if (status >= 500) {
        throw new ServerFailed("the server failed (HTTP " + status + "): " + (attuneError
            ? answer.get("message").asText() : firstLine(response.body(), 200)));
      }
      if (!attuneError) {
        // a 404 from a server without this API, a redirect to https, a proxy's refusal
        throw new IllegalArgumentException("the server at " + base + " answered " + method + " " + path + " with HTTP "
            + status + response.headers().firstValue("Location").map(l -> " (to " + l + ")").orElse("") + ": is"
            + " --server an Attune server's address?");
      }
      // the field names the option to correct (arms[1].version: the second --arm); the routes the server's messages
      // name are said as the commands that call them
      String message = asCommands(answer.get("message").asText()) + (answer.hasNonNull("field") ? " (field "
          + answer.get("field").asText() + ")" : "");
      String error = answer.path("error").asText();
      if (status == 401 || status == 403 && error.equals("forbidden")) {
        throw new IllegalArgumentException("the server at " + base + " refused the admin key: " + message
            + "; the key comes from ATTUNE_ADMIN_KEY or --key-file");
      }
      if (status == 403) {
        // not the key: the host name the command used (host_not_allowed) or an origin; the server says what to set
        throw new IllegalArgumentException("the server at " + base + " refused the request (" + error + "): "
            + message);
      }
      if (status == 404 && message.startsWith("no route ")) {
        message += ": is --server the server's base address, such as " + DEFAULT_SERVER + "?";
      }
      throw new IllegalArgumentException(message);
    }

    /** Whether {@code e} is a connection closed or reset before any answer, not an answer of another protocol. */
    static boolean closedWithoutAnswer(IOException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        String message = String.valueOf(t.getMessage());
        if (t instanceof java.io.EOFException || message.contains("received no bytes")
            || message.contains("Connection reset") || message.contains("connection was closed")) {
          return true;
        }
      }
      return false;
    }

    /** A server message's experiment routes as this command's subcommands ("POST …/x/stop": "attune experiment stop x"). */
    static String asCommands(String message) {
      return message.replaceAll("POST /v1/admin/experiments/([A-Za-z0-9._-]+)/stop", "attune experiment stop $1")
          .replaceAll("DELETE /v1/admin/experiments/([A-Za-z0-9._-]+)", "attune experiment delete $1");
    }

    private static String firstLine(String body, int most) {
      String line = body.strip().lines().findFirst().orElse("");
      return dev.attune.events.Ids.printable(line, most);
    }

    /** {@link #call} for an answer that must be an object with {@code field}: else the server is not Attune's. */
    JsonNode callFor(String field, String method, String path, JsonNode body) throws IOException, InterruptedException {
      JsonNode answer = call(method, path, body);
      if (answer == null || !answer.isObject() || !answer.has(field)) {
        throw new ServerFailed("the server at " + base() + " answered " + method + " " + path + " without '" + field
            + "': not as an Attune server does");
      }
      return answer;
    }
  }

  /** No server accepted the connection: a wrong address (exit 2), or a server restarting under a watch. */
  static final class NoServer extends IllegalArgumentException {
    NoServer(String message) {
      super(message);
    }
  }

  /** The server failed (5xx, no answer in time): not the user's mistake, exit code 1. */
  static final class ServerFailed extends RuntimeException {
    ServerFailed(String message) {
      super(message);
    }
  }

  /** Runs {@code body}, turning a server's failure into its one line and exit code 1. */
  private static int run(CommandSpec spec, ServerOptions server, Callable<Integer> body) throws Exception {
    server.warnings = spec.commandLine().getErr();
    try {
      return body.call();
    } catch (ServerFailed e) {
      spec.commandLine().getErr().println("attune: " + e.getMessage());
      return AttuneCli.INTERNAL_ERROR;
    }
  }

  private static String path(String id) {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("give the experiment's id ('attune experiment"
        + " list' shows them)");
    // the server's own pattern: an id that cannot be one is said here, not as a URL the server cannot route
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException("no experiment can have the id '" + id + "': ids are 1-64 letters, digits,"
          + " '.', '_' or '-', starting with a letter or digit ('attune experiment list' shows them)");
    }
    return "/v1/admin/experiments/" + id;
  }

  private static void printJson(PrintWriter out, JsonNode answer) throws IOException {
    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the server's experiments, newest"
      + " first.")
  static final class ListExperiments implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServerOptions server;

    @Override
    public Integer call() throws Exception {
      return run(spec, server, () -> {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode answer = server.callFor("experiments", "GET", "/v1/admin/experiments", null);
        if (server.json) {
          printJson(out, answer);
          return 0;
        }
        JsonNode list = answer.path("experiments");
        if (list.isEmpty()) out.println("no experiments on " + server.base());
        int idWidth = 0;
        for (JsonNode e : list) idWidth = Math.max(idWidth, e.path("id").asText().length());
        for (JsonNode e : list) {
          out.printf(Locale.ROOT, "%-" + idWidth + "s  %-7s  %s  %s  (%s)%n", e.path("id").asText(),
              e.path("state").asText(), UTC_MINUTE.format(Instant.ofEpochMilli(e.path("startedAtMillis").asLong())),
              e.path("name").asText(), arms(e));
          if (e.hasNonNull("note")) out.println("    " + e.get("note").asText());
        }
        return 0;
      });
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = {
      "Start an experiment: each user who asks for their recommendations gets one arm's model version, the same"
          + " every time; the first arm is the control.",
      "Example: attune experiment start --name 'SASRec against the served model' --arm control=active"
          + " --arm sasrec=sasrec-20261206-0912 --min-users-per-arm 2000"})
  static final class Start implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServerOptions server;

    @Option(names = "--name", required = true, description = "What it tests.")
    String name;

    @Option(names = "--arm", required = true, description = "An arm as name=version[:share], two to ten, the first the"
        + " control; version is a model version id ('attune experiment' lists none: GET /v1/admin/models or the"
        + " dashboard's Models page does) or 'active'; shares for every arm or none (equal), the share what follows the"
        + " last ':' when it is a number.")
    List<String> arms = new ArrayList<>();

    @Option(names = "--id", description = "1-64 letters, digits, '.', '_', '-' (default ab-<UTC start time>).")
    String id;

    @Option(names = "--window-minutes", description = "How long after an answer a use of its items counts"
        + " (server default 1440).")
    Integer windowMinutes;

    @Option(names = "--min-users-per-arm", description = "Users each arm needs before the fixed-horizon verdict;"
        + " also where the always-valid test is tuned to be sharpest (server default 1000).")
    Integer minUsersPerArm;

    @Option(names = "--conversion-types", split = ",", description = "Event types that count as a use (server"
        + " default: every type weighed as liked but view, pv and search).")
    List<String> conversionTypes;

    @Override
    public Integer call() throws Exception {
      return run(spec, server, () -> {
        ObjectNode body = JSON.createObjectNode().put("name", name);
        if (id != null) {
          path(id); // an id no experiment can have is said before the server is called
          body.put("id", id);
        }
        ArrayNode armList = body.putArray("arms");
        for (String arm : arms) armList.add(arm(arm));
        if (windowMinutes != null) body.put("windowMinutes", windowMinutes);
        if (minUsersPerArm != null) body.put("minUsersPerArm", minUsersPerArm);
        if (conversionTypes != null) {
          ArrayNode types = body.putArray("conversionTypes");
          conversionTypes.forEach(types::add);
        }
        JsonNode e = server.callFor("arms", "POST", "/v1/admin/experiments", body);
        if (e.hasNonNull("warning")) spec.commandLine().getErr().println("attune: warning: " + e.get("warning").asText());
        PrintWriter out = spec.commandLine().getOut();
        if (server.json) {
          printJson(out, e);
          return 0;
        }
        out.printf(Locale.ROOT, "experiment %s started: %s%n", e.path("id").asText(), arms(e));
        out.printf(Locale.ROOT, "results: attune experiment show %s (the always-valid test may be read at any"
            + " look; the fixed-horizon verdict once every arm has %d users)%n", e.path("id").asText(),
            e.path("minUsersPerArm").asInt());
        return 0;
      });
    }

    private static boolean isNumber(String text) {
      try {
        Double.parseDouble(text);
        return !text.isBlank();
      } catch (NumberFormatException e) {
        return false;
      }
    }

    /** {@code name=version[:share]} as the API's arm. */
    static ObjectNode arm(String text) {
      int eq = text.indexOf('=');
      if (eq <= 0 || eq == text.length() - 1) {
        throw new IllegalArgumentException("--arm takes name=version[:share], such as control=active or"
            + " sasrec=sasrec-20261206-0912:0.2: " + text);
      }
      ObjectNode arm = JSON.createObjectNode().put("name", text.substring(0, eq));
      String version = text.substring(eq + 1);
      // the share after the last ':' when it is a number; a version id may hold ':' itself (v1:beta)
      int colon = version.lastIndexOf(':');
      if (colon >= 0 && isNumber(version.substring(colon + 1))) {
        arm.put("share", Double.parseDouble(version.substring(colon + 1)));
        version = version.substring(0, colon);
      } else if (colon >= 0 && version.endsWith("%") && isNumber(version.substring(colon + 1, version.length() - 1))) {
        // shop QA: "active:50%" was looked up as a version of that name
        double percent = Double.parseDouble(version.substring(colon + 1, version.length() - 1));
        throw new IllegalArgumentException("--arm " + text + ": a share is a fraction, not a percentage ("
            + version.substring(0, colon) + ":" + new java.math.BigDecimal(Double.toString(percent / 100))
            .stripTrailingZeros().toPlainString() + ")");
      }
      if (version.isBlank()) {
        throw new IllegalArgumentException("--arm " + text + " names no version: name=version[:share], such as"
            + " control=active");
      }
      return arm.put("version", version);
    }
  }

  /** A subcommand that answers one experiment with its results: printed as tables, or as the server's JSON. */
  abstract static class ResultsOfOne implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServerOptions server;

    @Parameters(index = "0", description = "The experiment's id.")
    String id;

    /** The server's answer: the experiment with its results. */
    abstract JsonNode answer() throws IOException, InterruptedException;

    @Override
    public Integer call() throws Exception {
      return run(spec, server, () -> {
        JsonNode e = answer();
        if (server.json) {
          printJson(spec.commandLine().getOut(), e);
        } else {
          printResults(spec.commandLine().getOut(), e);
        }
        return 0;
      });
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an experiment's results: per arm,"
      + " each arm against the control (the fixed-horizon and the always-valid test), the split's check and the"
      + " verdict.")
  static final class Show extends ResultsOfOne {
    /** The shortest interval of --watch: the server recomputes results at most once a second, each a full pass. */
    static final int MIN_WATCH_SECONDS = 5;
    /** Looks in a row a watch tries again after the server did not answer or failed, before it ends. */
    static final int WATCH_RETRIES = 3;

    @Option(names = "--watch", paramLabel = "SECONDS", description = "Show the results again every SECONDS (at least "
        + MIN_WATCH_SECONDS + ", such as 60) until the experiment stops or Ctrl-C; with --json, one JSON object per"
        + " line each time.")
    Integer watchSeconds;

    @Override
    JsonNode answer() throws IOException, InterruptedException {
      return server.callFor("results", "GET", path(id), null);
    }

    @Override
    public Integer call() throws Exception {
      if (watchSeconds == null) return super.call();
      if (watchSeconds < MIN_WATCH_SECONDS) {
        throw new IllegalArgumentException("--watch takes at least " + MIN_WATCH_SECONDS + " seconds: " + watchSeconds);
      }
      PrintWriter out = spec.commandLine().getOut();
      return run(spec, server, () -> {
        int failedLooks = 0;
        while (true) {
          JsonNode e;
          try {
            e = answer();
            failedLooks = 0;
          } catch (NoServer | ServerFailed failed) {
            // a restart or a moment's failure need not end a watch of hours; one that lasts does
            if (++failedLooks > WATCH_RETRIES) throw failed;
            spec.commandLine().getErr().println("attune: note: " + failed.getMessage() + "; looking again in "
                + watchSeconds + " s (" + failedLooks + " of " + WATCH_RETRIES + ")");
            Thread.sleep(watchSeconds * 1000L);
            continue;
          }
          if (server.json) {
            // a line each time, a script reading them as they come, with when it was looked at (gaps show)
            ObjectNode look = e.deepCopy();
            look.put("lookedAtMillis", System.currentTimeMillis());
            out.println(JSON.writeValueAsString(look));
          } else {
            out.println("-- " + UTC_SECOND.format(Instant.now()) + " UTC --");
            printResults(out, e);
            out.println();
          }
          out.flush();
          if (e.hasNonNull("stoppedAtMillis")) return 0; // its results change no more
          Thread.sleep(watchSeconds * 1000L);
        }
      });
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop an experiment (every user gets the"
      + " served version again) and show its results; uses within the window of its last answers still count.")
  static final class Stop extends ResultsOfOne {
    @Override
    JsonNode answer() throws IOException, InterruptedException {
      // the server's stop is idempotent: a second one answered as the first, and nothing said it had been (shop QA)
      JsonNode before;
      try {
        before = server.callFor("results", "GET", path(id), null);
      } catch (ServerFailed e) {
        // its results could not be read (a review): the stop is what was asked for, and it may still work
        return server.callFor("results", "POST", path(id) + "/stop", null);
      }
      if (before.hasNonNull("stoppedAtMillis")) {
        spec.commandLine().getErr().println("attune: note: experiment " + id + " was stopped already, at "
            + UTC_MINUTE.format(Instant.ofEpochMilli(before.get("stoppedAtMillis").asLong())));
        return before;
      }
      return server.callFor("results", "POST", path(id) + "/stop", null);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a stopped experiment with its"
      + " recorded exposures (its results are gone after).")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ServerOptions server;

    @Parameters(index = "0", description = "The experiment's id.")
    String id;

    @Override
    public Integer call() throws Exception {
      return run(spec, server, () -> {
        server.call("DELETE", path(id), null);
        if (server.json) {
          // the server answers 204 without a body: a script reading --json gets an object all the same
          printJson(spec.commandLine().getOut(), JSON.createObjectNode().put("id", id).put("deleted", true));
        } else {
          spec.commandLine().getOut().println("experiment " + id + " deleted, with its exposures");
        }
        return 0;
      });
    }
  }

  /** "control = active -> sasrec-1 (50%), new = model-b (50%)". */
  static String arms(JsonNode e) {
    List<String> parts = new ArrayList<>();
    for (JsonNode a : e.path("arms")) {
      parts.add(String.format(Locale.ROOT, "%s = %s (%.0f%%)", a.path("name").asText(), version(a),
          100 * a.path("share").asDouble()));
    }
    return String.join(", ", parts);
  }

  /** An arm's version as asked, and the one it serves when that differs ("active -> sasrec-1"). */
  private static String version(JsonNode arm) {
    String asked = arm.path("version").asText();
    return arm.hasNonNull("servedVersion") && !arm.get("servedVersion").asText().equals(asked)
        ? asked + " -> " + arm.get("servedVersion").asText() : asked;
  }

  /** An experiment with its results as tables. */
  static void printResults(PrintWriter out, JsonNode e) {
    String started = UTC_MINUTE.format(Instant.ofEpochMilli(e.path("startedAtMillis").asLong()));
    out.printf(Locale.ROOT, "experiment %s: %s (%s; window %d min; %d users per arm planned)%n",
        e.path("id").asText(), e.path("name").asText(), e.hasNonNull("stoppedAtMillis") ? "started " + started
            + ", stopped " + UTC_MINUTE.format(Instant.ofEpochMilli(e.get("stoppedAtMillis").asLong()))
            : e.path("state").asText() + " since " + started, e.path("windowMinutes").asInt(),
        e.path("minUsersPerArm").asInt());
    if (e.hasNonNull("note")) out.println("note: " + e.get("note").asText());
    JsonNode r = e.path("results");
    List<String[]> rows = new ArrayList<>();
    // every count the server gives (A/B QA: items shown and uses were left out), and the version an arm of "active"
    // resolved to, as the list shows it
    rows.add(new String[] {"arm", "version", "users", "answers", "items shown", "uses", "users who used one",
        "conversion rate (95%)", "uses per user", "liked per user"});
    JsonNode armsAsked = e.path("arms");
    for (int k = 0; k < r.path("arms").size(); k++) {
      JsonNode a = r.path("arms").get(k);
      JsonNode rate = a.path("conversionRate");
      rows.add(new String[] {a.path("name").asText() + (k == 0 ? " (control)" : ""), version(armsAsked.path(k)),
          a.path("users").asText(), a.path("answers").asText(), a.path("itemsShown").asText(),
          a.path("conversions").asText(), a.path("convertedUsers").asText(), rate.path("estimate").isNull() ? "-"
              : String.format(Locale.ROOT, "%s (%s to %s)", percent(rate.path("estimate")), percent(rate.path("lower")),
                  percent(rate.path("upper"))),
          number(a.path("conversionsPerUser"), "%.3f"), number(a.path("likedEventsPerUser"), "%.3f")});
    }
    printTable(out, rows, 2);
    if (!r.path("comparisons").isEmpty()) {
      String level = java.math.BigDecimal.valueOf(100 * (1 - r.path("level").asDouble()))
          .setScale(2, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
      List<String[]> compared = new ArrayList<>();
      compared.add(new String[] {"comparison", "difference (" + level + "%, fixed)", "p (read once)",
          "difference (" + level + "%, always-valid)", "p (any look)", "uses per user (" + level + "%, Welch)", "p"});
      for (JsonNode c : r.path("comparisons")) {
        JsonNode fixed = c.path("conversionRate");
        JsonNode always = c.path("conversionRateAlwaysValid");
        JsonNode perUser = c.path("conversionsPerUser");
        compared.add(new String[] {c.path("arm").asText() + " vs " + c.path("control").asText(), points(fixed),
            pValue(fixed), points(always), pValue(always), meanDifference(perUser), pValue(perUser)});
      }
      out.println();
      printTable(out, compared, 1);
      for (JsonNode c : r.path("comparisons")) {
        JsonNode liked = c.path("likedEventsPerUser");
        if (liked.isMissingNode()) continue;
        out.println("guardrail, liked events per user (shown or not), " + c.path("arm").asText() + " vs "
            + c.path("control").asText() + ": " + meanDifference(liked) + ", p " + pValue(liked));
      }
    }
    out.println();
    JsonNode split = r.path("sampleRatio");
    out.println("split check: p = " + (split.path("pValue").isNull() ? "-" : String.format(Locale.ROOT, "%.3g",
        split.path("pValue").asDouble())) + (split.path("testable").asBoolean() ? "" : " (not testable yet)")
        + (r.path("usersInTwoArms").asLong() > 0 ? "; users in two arms, left out: " + r.path("usersInTwoArms")
            .asLong() : ""));
    // which versions answered each arm (a stopped experiment's "active" names none), and where uses stop counting
    // when another experiment started after it (a QA run saw its uses fall with no word why)
    List<String> byVersion = new ArrayList<>();
    for (JsonNode a : r.path("arms")) {
      List<String> counts = new ArrayList<>();
      a.path("answersByVersion").fields().forEachRemaining(v -> counts.add(v.getKey() + " " + v.getValue().asLong()));
      byVersion.add(a.path("name").asText() + ": " + (counts.isEmpty() ? "-" : String.join(", ", counts)));
    }
    out.println("answers by version (none: the fallback or popularity): " + String.join("; ", byVersion));
    if (r.hasNonNull("usesCountedUntilMillis")) {
      out.println("uses counted until " + UTC_SECOND.format(Instant.ofEpochMilli(r.get("usesCountedUntilMillis")
          .asLong())) + " UTC, when the next experiment started (its answers would be credited to both)");
    }
    out.println("state: " + r.path("state").asText());
    out.println("verdict: " + r.path("verdict").asText());
  }

  /** Rows with aligned columns; columns from {@code numericFrom} on are aligned right. */
  private static void printTable(PrintWriter out, List<String[]> rows, int numericFrom) {
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) for (int c = 0; c < row.length; c++) width[c] = Math.max(width[c], row[c].length());
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        if (c > 0) line.append("  ");
        String cell = row[c];
        String pad = " ".repeat(width[c] - cell.length());
        line.append(c >= numericFrom ? pad + cell : cell + (c == row.length - 1 ? "" : pad));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static String percent(JsonNode share) {
    return share.isNull() || share.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * share.asDouble());
  }

  private static String number(JsonNode n, String format) {
    return n.isNull() || n.isMissingNode() ? "-" : String.format(Locale.ROOT, format, n.asDouble());
  }

  static String points(JsonNode d) {
    if (d.path("difference").isNull() || d.path("difference").isMissingNode()) return "-";
    String difference = String.format(Locale.ROOT, "%+.2f points", 100 * d.path("difference").asDouble());
    // no spread in either arm yet (nobody converted): the server sends no interval, where 0 to 0 would claim precision
    if (d.path("lower").isNull() || d.path("lower").isMissingNode()) return difference + " (no interval yet)";
    return difference + String.format(Locale.ROOT, " (%+.2f to %+.2f)", 100 * d.path("lower").asDouble(),
        100 * d.path("upper").asDouble());
  }

  /** A difference of means (uses or liked events per user) with its interval, as {@link #points} does for rates. */
  private static String meanDifference(JsonNode d) {
    if (d.path("difference").isNull() || d.path("difference").isMissingNode()) return "-";
    String difference = String.format(Locale.ROOT, "%+.3f", d.path("difference").asDouble());
    if (d.path("lower").isNull() || d.path("lower").isMissingNode()) return difference + " (no interval yet)";
    return difference + String.format(Locale.ROOT, " (%+.3f to %+.3f)", d.path("lower").asDouble(),
        d.path("upper").asDouble());
  }

  private static String pValue(JsonNode d) {
    JsonNode p = d.path("pValue");
    if (p.isNull() || p.isMissingNode()) return "-";
    return String.format(Locale.ROOT, "%.2g%s", p.asDouble(), d.path("significant").asBoolean() ? " *" : "");
  }

  private static NoServer unresolvedName(URI uri, String base) {
    return new NoServer("the name " + uri.getHost() + " does not resolve to an address (--server " + base + "): is it"
        + " spelt right?");
  }

  /** Whether a connection failed because the server's name resolves to no address (a misspelt host). */
  private static boolean unresolved(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return true;
      }
    }
    return false;
  }
}
