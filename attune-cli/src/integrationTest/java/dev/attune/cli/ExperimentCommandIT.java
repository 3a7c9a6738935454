package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attune experiment} against a server in this JVM (its fallback model answering both arms of an A/A
 * experiment): the whole life of an experiment from the command line, and every way a call can fail said in one line
 * with the right exit code.
 */
class ExperimentCommandIT {
  private static final String KEY = "experiment-command-test-admin-key";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Store store;
  AttuneServer server;
  String base;
  Path keyFile;

  @BeforeEach
  void start() throws Exception {
    store = Store.open("jdbc:sqlite:" + dir.resolve("store.db"));
    server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0).withAdminKey(KEY), store).start();
    base = "http://127.0.0.1:" + server.port();
    keyFile = dir.resolve("admin.key");
    Files.writeString(keyFile, KEY + "\n");
    List<String> plays = new ArrayList<>();
    for (int u = 0; u < 60; u++) {
      for (int i = 0; i < 3; i++) {
        plays.add("{\"userId\":\"u" + u + "\",\"itemId\":\"song" + (u + i) % 20 + "\",\"type\":\"play\"}");
      }
    }
    assertEquals(200, send("POST", "/v1/events", "[" + String.join(",", plays) + "]").statusCode());
  }

  @AfterEach
  void stop() {
    if (server != null) server.stop();
    if (store != null) store.close();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + KEY);
    r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) r.header("Content-Type", "application/json");
    return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private CliRun experiment(String... args) {
    List<String> all = new ArrayList<>(List.of("experiment"));
    all.addAll(List.of(args));
    all.addAll(List.of("--server", base, "--key-file", keyFile.toString()));
    return CliRun.run(all.toArray(String[]::new));
  }

  @Test
  void anExperimentIsStartedWatchedStoppedAndDeletedFromTheCommandLine() throws Exception {
    CliRun started = experiment("start", "--name", "the same model twice", "--id", "ab-cli", "--arm",
        "control=active", "--arm", "again=active", "--min-users-per-arm", "20", "--window-minutes", "30");
    assertEquals(0, started.code(), started.err());
    assertTrue(started.out().startsWith("experiment ab-cli started: control = active"), started.out());

    CliRun second = experiment("start", "--name", "another", "--arm", "a=active", "--arm", "b=active");
    assertEquals(2, second.code());
    assertTrue(second.err().startsWith("attune: experiment 'ab-cli' is running; stop it first (attune experiment stop"
        + " ab-cli)") && second.err().lines().count() == 1, second.err());

    assertTrue(server.awaitFallback(60, TimeUnit.SECONDS), "the fallback model is fitted");
    List<String> uses = new ArrayList<>();
    for (int u = 0; u < 60; u++) {
      JsonNode answer = JSON.readTree(send("GET", "/v1/users/u" + u + "/recommendations?k=5", null).body());
      assertEquals("ab-cli", answer.path("experiment").path("id").asText(), answer.toString());
      if (u % 3 == 0) {
        uses.add("{\"userId\":\"u" + u + "\",\"itemId\":\"" + answer.path("items").get(0).path("itemId").asText()
            + "\",\"type\":\"like\",\"timestamp\":" + (System.currentTimeMillis() + 1_000) + "}");
      }
    }
    assertEquals(200, send("POST", "/v1/events", "[" + String.join(",", uses) + "]").statusCode());

    CliRun shown = experiment("show", "ab-cli");
    assertEquals(0, shown.code(), shown.err());
    JsonNode results = JSON.readTree(send("GET", "/v1/admin/experiments/ab-cli", null).body()).get("results");
    long users = results.get("arms").get(0).get("users").asLong();
    String out = shown.out();
    assertTrue(out.startsWith("experiment ab-cli: the same model twice (running since ")
        && out.contains("window 30 min; 20 users per arm planned"), out);
    // the arms' table: the server's figures, aligned under their headers
    String controlRow = out.lines().filter(l -> l.startsWith("control (control)")).findFirst().orElseThrow();
    JsonNode control = results.get("arms").get(0);
    assertTrue(controlRow.matches("control \\(control\\)\\s+active( -> \\S+)?\\s+" + users + "\\s+\\d+\\s+"
        + control.get("itemsShown").asLong() + "\\s+" + control.get("conversions").asLong() + "\\s+"
        + control.get("convertedUsers").asLong() + "\\s+.*"), controlRow);
    assertTrue(out.contains("again vs control") && out.contains("p (any look)") && out.contains("Welch")
        && out.contains("guardrail, liked events per user (shown or not), again vs control: ")
        && out.contains("answers by version (none: the fallback or popularity): control: "), out);
    assertTrue(out.contains("verdict: " + results.get("verdict").asText()), out);
    assertTrue(out.contains("state: " + results.get("state").asText()), out);
    assertEquals(60, results.get("arms").get(0).get("users").asLong() + results.get("arms").get(1).get("users")
        .asLong());

    CliRun asJson = experiment("show", "ab-cli", "--json");
    assertEquals(0, asJson.code(), asJson.err());
    assertEquals(users, JSON.readTree(asJson.out()).get("results").get("arms").get(0).get("users").asLong());

    CliRun listed = experiment("list");
    assertTrue(listed.code() == 0 && listed.out().startsWith("ab-cli  running  "), listed.out() + listed.err());

    CliRun deleteRunning = experiment("delete", "ab-cli");
    assertEquals(2, deleteRunning.code());
    assertTrue(deleteRunning.err().startsWith("attune: experiment 'ab-cli' is running; stop it first"),
        deleteRunning.err());

    // --watch shows the results again until the experiment stops: one JSON object per line with --json
    assertEquals(2, experiment("show", "ab-cli", "--watch", "1").code(), "under the shortest interval");
    java.util.concurrent.CompletableFuture<CliRun> watched = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> experiment("show", "ab-cli", "--watch", "5", "--json"));
    Thread.sleep(3_000); // its first look is done: the stop comes before its second

    CliRun stopped = experiment("stop", "ab-cli");
    assertEquals(0, stopped.code(), stopped.err());
    CliRun watch = watched.get(60, TimeUnit.SECONDS);
    assertEquals(0, watch.code(), watch.err());
    List<String> looks = watch.out().lines().toList();
    // a look before the stop (unless a loaded machine took 3 s for it) and the one after, which ends the watch
    assertTrue(looks.size() == 2 || looks.size() == 1, "a look before the stop and one after: " + watch.out());
    if (looks.size() == 2) assertTrue(JSON.readTree(looks.get(0)).path("stoppedAtMillis").isNull(), looks.get(0));
    assertFalse(JSON.readTree(looks.getLast()).path("stoppedAtMillis").isNull(), "it ends with the stopped results");
    assertTrue(JSON.readTree(looks.getLast()).path("lookedAtMillis").asLong() > 0, "each look says when: " + looks);
    assertTrue(stopped.out().contains(": the same model twice (started ") && stopped.out().contains(", stopped "),
        stopped.out());
    CliRun deleted = experiment("delete", "ab-cli", "--json");
    assertEquals(0, deleted.code(), deleted.err());
    assertEquals("ab-cli", JSON.readTree(deleted.out()).get("id").asText(), "--json gives an object: " + deleted.out());
    CliRun gone = experiment("show", "ab-cli");
    assertEquals(2, gone.code());
    assertEquals("attune: experiment 'ab-cli' does not exist", gone.err().strip());
    CliRun none = experiment("list");
    assertEquals("no experiments on " + base, none.out().strip());
  }

  /** A watch goes on through a server restart: a look that finds no server is a note, and the next one answers. */
  @Test
  void aWatchLooksAgainAfterTheServerRestarts() throws Exception {
    CliRun started = experiment("start", "--name", "through a restart", "--id", "ab-restart", "--arm", "a=active",
        "--arm", "b=active");
    assertEquals(0, started.code(), started.err());
    java.util.concurrent.CompletableFuture<CliRun> watched = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> experiment("show", "ab-restart", "--watch", "5", "--json"));
    Thread.sleep(2_000); // its first look is done; the second, at 5 s, finds no server
    int port = server.port();
    server.stop();
    Thread.sleep(6_000);
    server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(port).withAdminKey(KEY), store).start();
    assertEquals(0, experiment("stop", "ab-restart").code());
    CliRun watch = watched.get(60, TimeUnit.SECONDS);
    assertEquals(0, watch.code(), watch.err());
    assertTrue(watch.err().contains("; looking again in 5 s (1 of 3)"), watch.err());
    assertFalse(JSON.readTree(watch.out().lines().toList().getLast()).path("stoppedAtMillis").isNull(),
        "it ends with the stopped results: " + watch.out());
  }

  /** What a fake server does with its {@code n}th connection (from 0), the request read already. */
  @FunctionalInterface
  private interface Answer {
    void to(int n, java.net.Socket socket) throws java.io.IOException;
  }

  /** Reads each connection's request and answers it as {@code answer} says, then closes it, until {@code listener} is. */
  private static Thread answerEach(ServerSocket listener, Answer answer) {
    return Thread.ofVirtual().start(() -> {
      for (int n = 0; !listener.isClosed(); n++) {
        try (var socket = listener.accept()) {
          socket.getInputStream().read(new byte[8192]);
          answer.to(n, socket);
          socket.getOutputStream().flush();
        } catch (java.io.IOException ignored) {
          // the client went away, or the listener closed: nothing to answer
        }
      }
    });
  }

  /** What 'attune experiment list' said against a fake server at {@code url}. */
  private record Listed(String url, CliRun run) {}

  private Listed listAgainst(Answer answer) throws Exception {
    try (ServerSocket listener = new ServerSocket(0)) {
      Thread answering = answerEach(listener, answer);
      String url = "http://127.0.0.1:" + listener.getLocalPort();
      CliRun run = CliRun.run("experiment", "list", "--server", url, "--key-file", keyFile.toString());
      listener.close();
      answering.join(10_000);
      return new Listed(url, run);
    }
  }

  /** Writes an HTTP answer of {@code status} ("403 Forbidden") with a JSON body. */
  private static void json(java.net.Socket socket, String status, String body) throws java.io.IOException {
    socket.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes());
  }

  @Test
  void everyFailureIsOneLineWithTheRightExitCode() throws Exception {
    // what the server refuses: its message, exit 2
    CliRun oneArm = experiment("start", "--name", "n", "--arm", "a=active");
    assertEquals(2, oneArm.code());
    assertEquals("attune: an experiment has 2 to 10 arms, not 1 (field arms)", oneArm.err().strip());
    CliRun unknownVersion = experiment("start", "--name", "n", "--arm", "a=active", "--arm", "b=no-such-version");
    assertEquals(2, unknownVersion.code());
    assertTrue(unknownVersion.err().startsWith("attune: ") && unknownVersion.err().contains("no-such-version")
        && unknownVersion.err().strip().endsWith("(field arms[1].version)") && unknownVersion.err().lines().count() == 1,
        unknownVersion.err());
    // what the command itself refuses
    // a version id may hold ':' (the share is what follows the last ':' when it is a number): v:half is a version
    CliRun badArm = experiment("start", "--name", "n", "--arm", "a=active", "--arm", "b=v:half");
    assertEquals(2, badArm.code());
    assertTrue(badArm.err().contains("v:half") && badArm.err().strip().endsWith("(field arms[1].version)"),
        badArm.err());
    assertEquals("{\"name\":\"b\",\"version\":\"v1:beta\"}", ExperimentCommand.Start.arm("b=v1:beta").toString());
    assertEquals("{\"name\":\"b\",\"share\":0.5,\"version\":\"v1:beta\"}",
        ExperimentCommand.Start.arm("b=v1:beta:0.5").toString());
    // a conversion type nothing has nor weighs: started, with a warning (a misspelling would count nothing)
    CliRun misspelt = experiment("start", "--name", "n", "--id", "typo", "--arm", "a=active", "--arm", "b=active",
        "--conversion-types", "klick,play");
    assertEquals(0, misspelt.code(), misspelt.err());
    assertTrue(misspelt.err().startsWith("attune: warning: no stored event has the conversion type klick, and the"
        + " weight table does not name it") && misspelt.err().contains("stored types: play"), misspelt.err());
    assertEquals(0, experiment("stop", "typo").code());
    // shop QA: a second stop answered as the first, with no word that it had been stopped already
    CliRun again = experiment("stop", "typo");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().startsWith("attune: note: experiment typo was stopped already, at "), again.err());
    // and a share as a percentage was looked up as a version named "active:50%"
    CliRun percent = experiment("start", "--name", "n", "--arm", "a=active:50%", "--arm", "b=active:50%");
    assertEquals(2, percent.code());
    assertTrue(percent.err().contains("a share is a fraction, not a percentage (active:0.5)"), percent.err());
    CliRun noVersion = experiment("start", "--name", "n", "--arm", "a=active", "--arm", "b=:0.5");
    assertEquals(2, noVersion.code());
    assertTrue(noVersion.err().contains("names no version"), noVersion.err());
    CliRun nothing = CliRun.run("experiment");
    assertEquals(2, nothing.code());
    assertTrue(nothing.err().contains("list, start, show <id>, stop <id> or delete <id>"), nothing.err());
    // the key
    Path wrong = dir.resolve("wrong.key");
    Files.writeString(wrong, "not-the-key");
    CliRun refused = CliRun.run("experiment", "list", "--server", base, "--key-file", wrong.toString());
    assertEquals(2, refused.code());
    assertTrue(refused.err().startsWith("attune: the server at " + base + " refused the admin key: ")
        && refused.err().lines().count() == 1, refused.err());
    CliRun noKeyFile = CliRun.run("experiment", "list", "--server", base, "--key-file", dir.resolve("none").toString());
    assertEquals(2, noKeyFile.code());
    assertTrue(noKeyFile.err().contains("no such file"), noKeyFile.err());
    Path blankFirst = dir.resolve("blank-first.key");
    Files.writeString(blankFirst, "\n" + KEY + "\n");
    CliRun blank = CliRun.run("experiment", "list", "--server", base, "--key-file", blankFirst.toString());
    assertEquals(2, blank.code());
    assertTrue(blank.err().contains("its first line is blank"), blank.err());
    // a port that speaks something else than HTTP (a database's, a broker's): named, not Java's parser message
    Listed notHttpServer = listAgainst((n, socket) -> socket.getOutputStream().write(
        "INFO {\"server_id\":\"x\"}\r\n".getBytes()));
    assertEquals(2, notHttpServer.run().code());
    assertTrue(notHttpServer.run().err().startsWith("attune: the server at " + notHttpServer.url() + " did not answer"
        + " as an Attune server over http (") && notHttpServer.run().err().lines().count() == 1,
        notHttpServer.run().err());
    // QA: a server refusing the host name the command used (403 host_not_allowed) was said to refuse the key
    Listed hostRefused = listAgainst((n, socket) -> json(socket, "403 Forbidden", "{\"error\":\"host_not_allowed\","
        + "\"message\":\"this server does not answer for host 'vm' (ATTUNE_ALLOWED_HOSTS)\",\"field\":\"Host\"}"));
    assertEquals(2, hostRefused.run().code());
    assertTrue(hostRefused.run().err().startsWith("attune: the server at " + hostRefused.url() + " refused the request"
        + " (host_not_allowed): this server does not answer for host 'vm'") && !hostRefused.run().err()
        .contains("key"), hostRefused.run().err());
    // a connection closed without an answer: on first contact a port of another protocol (TLS, a database's), said
    // as such; from a server that answered before (a look of --watch), a failure looked at again
    try (ServerSocket other = new ServerSocket(0)) {
      boolean[] answerFirst = {false};
      int[] firstAnswered = {-1};
      // the first connection once answerFirst is set is answered; every other is closed unanswered (the client tries
      // a GET again once, on a new one)
      Thread closer = answerEach(other, (n, socket) -> {
        if (answerFirst[0] && firstAnswered[0] < 0) {
          firstAnswered[0] = n;
          json(socket, "200 OK", "{\"experiments\":[]}");
        }
      });
      String url = "http://127.0.0.1:" + other.getLocalPort();
      CliRun dropped = CliRun.run("experiment", "list", "--server", url, "--key-file", keyFile.toString());
      assertEquals(2, dropped.code(), dropped.err());
      assertTrue(dropped.err().contains("did not answer as an Attune server"), dropped.err());
      answerFirst[0] = true;
      ExperimentCommand.ServerOptions client = new ExperimentCommand.ServerOptions();
      client.server = url;
      client.keyFile = keyFile;
      assertEquals(0, client.call("GET", "/v1/admin/experiments", null).get("experiments").size());
      ExperimentCommand.ServerFailed failed = org.junit.jupiter.api.Assertions.assertThrows(
          ExperimentCommand.ServerFailed.class, () -> client.call("GET", "/v1/admin/experiments", null));
      assertTrue(failed.getMessage().contains("closed the connection without an answer"), failed.getMessage());
      other.close();
      closer.join(10_000);
    }
    // no server, or not one
    int free;
    try (ServerSocket socket = new ServerSocket(0)) {
      free = socket.getLocalPort();
    }
    CliRun noServer = CliRun.run("experiment", "list", "--server", "http://127.0.0.1:" + free, "--key-file",
        keyFile.toString());
    assertEquals(2, noServer.code());
    assertEquals("attune: no server answers at http://127.0.0.1:" + free + " (start one with 'attune serve' or"
        + " 'attune demo', or give --server)", noServer.err().strip());
    // a name that resolves to nothing (.invalid never does) is said as such, not as a server that is down
    CliRun unresolved = CliRun.run("experiment", "list", "--server", "http://attune.invalid:" + free, "--key-file",
        keyFile.toString());
    assertEquals(2, unresolved.code());
    assertTrue(unresolved.err().startsWith("attune: the name attune.invalid does not resolve to an address"),
        "and no warning that the key went there: " + unresolved.err());
    CliRun notHttp = CliRun.run("experiment", "list", "--server", "ftp://example", "--key-file", keyFile.toString());
    assertEquals(2, notHttp.code());
    assertTrue(notHttp.err().startsWith("attune: --server must be an http or https URL"), notHttp.err());
    CliRun notAttune = CliRun.run("experiment", "show", "x", "--server", base + "/dashboard", "--key-file",
        keyFile.toString());
    assertEquals(2, notAttune.code());
    assertTrue(notAttune.err().contains("is --server the server's base address"), notAttune.err());
    for (CliRun r : List.of(refused, noKeyFile, blank, noServer, unresolved, notHttp, notAttune)) {
      assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    }
    CliRun oddId = experiment("show", "../admin");
    assertEquals(2, oddId.code());
    assertTrue(oddId.err().contains("no experiment can have the id '../admin'"), oddId.err());
  }

  /** A server failing (5xx) or answering not as Attune does: exit code 1, one line. */
  @Test
  void aServersFailureExitsWithOne() throws Exception {
    com.sun.net.httpserver.HttpServer stub = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    stub.createContext("/v1/admin/experiments", exchange -> {
      // /x: a page, not JSON; /y: running (the stop looks first); /y/stop: JSON without an experiment's fields;
      // anything else: a failure
      String path = exchange.getRequestURI().getPath();
      String text = path.endsWith("/x") ? "<html>maintenance</html>" : path.endsWith("/y/stop") ? "{}"
          : path.endsWith("/y") ? "{\"id\":\"y\",\"results\":{}}" : "{\"error\":\"internal\",\"message\":\"boom\"}";
      byte[] body = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      boolean ok = path.endsWith("/x") || path.endsWith("/y") || path.endsWith("/y/stop");
      exchange.sendResponseHeaders(ok ? 200 : 500, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    stub.start();
    try {
      String url = "http://127.0.0.1:" + stub.getAddress().getPort();
      CliRun failed = CliRun.run("experiment", "list", "--server", url, "--key-file", keyFile.toString());
      assertEquals(AttuneCli.INTERNAL_ERROR, failed.code());
      assertEquals("attune: the server failed (HTTP 500): boom", failed.err().strip());
      CliRun notJson = CliRun.run("experiment", "show", "x", "--server", url, "--key-file", keyFile.toString());
      assertEquals(AttuneCli.INTERNAL_ERROR, notJson.code());
      assertTrue(notJson.err().startsWith("attune: the server at " + url + " answered GET /v1/admin/experiments/x with"
          + " HTTP 200 but no JSON"), notJson.err());
      CliRun shapeless = CliRun.run("experiment", "stop", "y", "--server", url, "--key-file", keyFile.toString());
      assertEquals(AttuneCli.INTERNAL_ERROR, shapeless.code(), shapeless.err());
      assertTrue(shapeless.err().contains("without 'results': not as an Attune server does"), shapeless.err());
    } finally {
      stub.stop(0);
    }
  }

  /** Nobody converted in either arm: the server sends no interval, and the table says so rather than "0 to 0". */
  @Test
  void aDifferenceWithoutAnIntervalSaysSo() throws Exception {
    assertEquals("+0.00 points (no interval yet)",
        ExperimentCommand.points(JSON.readTree("{\"difference\":0,\"lower\":null,\"upper\":null}")));
    assertEquals("+1.00 points (-2.00 to +4.00)",
        ExperimentCommand.points(JSON.readTree("{\"difference\":0.01,\"lower\":-0.02,\"upper\":0.04}")));
  }
}
