package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.store.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a user-id key, the store only ever holds pseudonyms, while clients keep using their own ids. (#7) */
class PseudonymisedUserIdsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_KEY = "test-admin-key-0123456789";
  @TempDir Path dir;

  @Test
  void clientsUseTheirIdsAndTheStoreHoldsOnlyKeyedPseudonyms() throws Exception {
    String key = "user-id-secret-0123456789";
    String alice = new UserIds(key).stored("alice");
    assertTrue(alice.startsWith("p:") && alice.length() == 24, alice);
    assertEquals(alice, new UserIds(key).stored("alice"), "the same id maps to the same pseudonym");
    assertNotEquals(alice, new UserIds("another-secret-0123456789").stored("alice"), "the key matters");
    assertNotEquals(alice, new UserIds(key).stored("bob"));

    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("attune.db"))) {
      AttuneServer server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none")
          .withUserIdKey(key).withAdminKey(ADMIN_KEY), store).start();
      try {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        assertEquals(200, send(http, "POST", base + "/v1/users", "{\"id\":\"alice\",\"attributes\":{\"age\":\"30\"}}")
            .statusCode());
        assertEquals(200, send(http, "POST", base + "/v1/events", "[{\"userId\":\"alice\",\"itemId\":\"song1\","
            + "\"type\":\"play\"},{\"userId\":\"alice\",\"itemId\":\"song2\",\"type\":\"like\"}]").statusCode());

        assertEquals(200, send(http, "PUT", base + "/v1/users/alice", "{\"id\":\"alice\",\"attributes\":{\"age\":\"30\"}}")
            .statusCode(), "the body may repeat the client's own id");
        assertTrue(store.user("alice").isEmpty(), "the client's id is never stored");
        assertEquals(Map.of("age", "30"), store.user(alice).orElseThrow().attributes());
        assertEquals(2, store.recentEvents(alice, 10).size());
        JsonNode events = JSON.readTree(send(http, "GET", base + "/v1/users/alice/events", null).body());
        assertEquals(2, events.get("events").size(), "the client reads with its own id");
        assertEquals("alice", events.get("userId").asText(), "and is answered with it");
        assertEquals("alice", JSON.readTree(send(http, "GET", base + "/v1/users/alice/recommendations", null).body())
            .get("userId").asText());
        assertEquals("alice", JSON.readTree(send(http, "GET", base + "/v1/users/alice", null).body()).get("id").asText());
        // the dashboard lists pseudonyms and opens a user by one: taken as stored for the admin only
        JsonNode listed = JSON.readTree(send(http, "GET", base + "/v1/admin/users?prefix=p:", null, true).body());
        assertEquals(alice, listed.get("users").get(0).asText(), listed.toString());
        // the store holds no "alice" to match a prefix of, but the whole client id finds her pseudonym
        JsonNode byClientId = JSON.readTree(send(http, "GET", base + "/v1/admin/users?prefix=alice", null, true).body());
        assertEquals(alice, byClientId.get("users").get(0).asText(), byClientId.toString());
        assertEquals(0, JSON.readTree(send(http, "GET", base + "/v1/admin/users?prefix=ali", null, true).body())
            .get("users").size());
        HttpResponse<String> unknown = send(http, "GET", base + "/v1/users/nobody/events", null);
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("'nobody'"), "named as sent, not by its pseudonym: " + unknown.body());
        JsonNode byPseudonym = JSON.readTree(send(http, "GET", base + "/v1/users/" + alice + "/events", null, true)
            .body());
        assertEquals(2, byPseudonym.get("events").size(), byPseudonym.toString());
        assertEquals(404, send(http, "GET", base + "/v1/users/" + alice + "/events", null).statusCode(),
            "without the admin key a pseudonym is a client id like any other, pseudonymised again");
        // a user id sent unquoted is echoed to its client by the parse error, but not kept for the dashboard
        HttpResponse<String> malformed = send(http, "POST", base + "/v1/events",
            "{\"userId\":bobsecret123,\"itemId\":\"song1\",\"type\":\"play\"}");
        assertEquals(400, malformed.statusCode());
        String quality = send(http, "GET", base + "/v1/admin/quality", null, true).body();
        assertTrue(quality.contains("invalid_json") && !quality.contains("bobsecret123"), quality);
        // a map keyed by the client's own text: the review list keeps the map's name, not the key (a review)
        assertEquals(400, send(http, "PUT", base + "/v1/users/ivan", "{\"attributes\":{\"ivan.secret@example.com\":"
            + "{\"x\":1}}}").statusCode());
        assertEquals(400, send(http, "POST", base + "/v1/events", "{\"userId\":\"ivan\",\"itemId\":\"song1\","
            + "\"type\":\"play\",\"context\":{\"ivan@mail.example\":[1]}}").statusCode());
        quality = send(http, "GET", base + "/v1/admin/quality", null, true).body();
        assertTrue(quality.contains("attributes.…") && quality.contains("context.…")
            && !quality.contains("secret@example.com") && !quality.contains("ivan@mail.example"), quality);
        // QA: the admin's events for a pseudonym were stored under its hash, and not found where the admin read them
        String pseudonym = "p:AAAAAAAAAAAAAAAAAAAAAA";
        assertEquals(200, send(http, "POST", base + "/v1/events", "{\"userId\":\"" + pseudonym + "\",\"itemId\":"
            + "\"song3\",\"type\":\"play\"}", true).statusCode());
        JsonNode adminWritten = JSON.readTree(send(http, "GET", base + "/v1/users/" + pseudonym + "/events", null, true)
            .body());
        assertEquals(1, adminWritten.path("events").size(), "read back where it was written: " + adminWritten);
        assertEquals(1, store.recentEvents(pseudonym, 10).size(), "stored under the pseudonym, as the admin named it");
        assertEquals(200, send(http, "POST", base + "/v1/events", "{\"userId\":\"" + alice + "\",\"itemId\":"
            + "\"song4\",\"type\":\"like\"}", true).statusCode());
        assertEquals(3, store.recentEvents(alice, 10).size(), "an admin adds to the user a pseudonym names");
        assertEquals(200, send(http, "POST", base + "/v1/users", "{\"id\":\"" + alice + "\",\"attributes\":"
            + "{\"age\":\"31\"}}", true).statusCode());
        assertEquals(Map.of("age", "31"), store.user(alice).orElseThrow().attributes(), "and to the profile");
        // without the admin key a pseudonym is a client id like any other, on writes as on reads
        assertEquals(200, send(http, "POST", base + "/v1/events", "{\"userId\":\"" + pseudonym + "\",\"itemId\":"
            + "\"song5\",\"type\":\"play\"}").statusCode());
        assertEquals(1, store.recentEvents(pseudonym, 10).size());
        assertEquals(1, JSON.readTree(send(http, "GET", base + "/v1/users/" + pseudonym + "/events", null).body())
            .path("events").size(), "read back by the client under its own id");
        JsonNode export = JSON.readTree(send(http, "GET", base + "/v1/users/alice/export", null).body());
        assertEquals(alice, export.get("userId").asText());
        assertTrue(export.get("pseudonymised").asBoolean());
        assertEquals(204, send(http, "DELETE", base + "/v1/users/alice", null).statusCode());
        assertTrue(store.user(alice).isEmpty() && store.recentEvents(alice, 10).isEmpty());
      } finally {
        server.stop();
      }
    }
  }

  /**
   * A store remembers the key it was first served with (a check of it, not the key): a server under another key, or
   * none, is refused before it serves (QA: it started, and answered 404 to the erasure of every stored user).
   */
  @Test
  void aServerUnderAnotherKeyOrNoneIsRefusedByAStoreKeptUnderOne() throws Exception {
    String key = "user-id-secret-0123456789";
    ServerConfig config = ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none").withAdminKey(ADMIN_KEY);
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("kept.db"))) {
      AttuneServer first = AttuneServer.create(config.withUserIdKey(key), store).start();
      assertEquals(200, send(HttpClient.newHttpClient(), "POST", "http://127.0.0.1:" + first.port() + "/v1/events",
          "{\"userId\":\"alice\",\"itemId\":\"song1\",\"type\":\"play\"}").statusCode());
      first.stop();
      String check = store.setting(UserIds.KEY_CHECK_SETTING).orElseThrow();
      assertFalse(check.contains(key), "a check of the key, not the key");
      IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
          () -> AttuneServer.create(config.withUserIdKey("another-secret-0123456789"), store));
      assertTrue(other.getMessage().startsWith("ATTUNE_USER_ID_KEY (or userIdKey in --config) is not the key this"
          + " store's user ids were pseudonymised with"), other.getMessage());
      IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
          () -> AttuneServer.create(config, store));
      assertTrue(none.getMessage().contains("pseudonymised with a key, and ATTUNE_USER_ID_KEY"), none.getMessage());
      AttuneServer.create(config.withUserIdKey(key), store).start().stop(); // the same key serves
      assertEquals(check, store.setting(UserIds.KEY_CHECK_SETTING).orElseThrow());
    }
    try (Store plain = Store.open("jdbc:sqlite:" + dir.resolve("plain.db"))) {
      AttuneServer.create(config, plain).start().stop();
      assertTrue(plain.setting(UserIds.KEY_CHECK_SETTING).isEmpty(), "a store without a key records none");
      // a key tried on an empty store, then dropped: nobody was out of reach, and the store takes no key again
      AttuneServer.create(config.withUserIdKey(key), plain).start().stop();
      assertTrue(plain.setting(UserIds.KEY_CHECK_SETTING).isPresent());
      AttuneServer.create(config, plain).start().stop();
      assertTrue(plain.setting(UserIds.KEY_CHECK_SETTING).isEmpty(), "the empty store's record follows its use");
      // a store of plain ids served once with a key (a review: that locked it to the key for good) records none
      plain.upsertUsers(java.util.List.of(new dev.attune.events.User("bob", Map.of())));
      AttuneServer.create(config.withUserIdKey(key), plain).start().stop();
      assertTrue(plain.setting(UserIds.KEY_CHECK_SETTING).isEmpty(), "plain ids: kept without a key");
      AttuneServer.create(config, plain).start().stop(); // serves as it always did
    }
    // a load decides the key of a store that had no users, whatever an earlier server recorded (a review: the stale
    // record refused the key the load stored its users under); an export's pseudonyms record none
    try (Store loaded = Store.open("jdbc:sqlite:" + dir.resolve("loaded.db"))) {
      AttuneServer.create(config.withUserIdKey("an-earlier-key-0123456789"), loaded).start().stop();
      new UserIds(key).recordTheStoresKeyAfterLoad(loaded, false, false);
      assertEquals(new UserIds(key).keyCheck(), loaded.setting(UserIds.KEY_CHECK_SETTING).orElseThrow());
      new UserIds(key).recordTheStoresKeyAfterLoad(loaded, false, true);
      assertTrue(loaded.setting(UserIds.KEY_CHECK_SETTING).isEmpty(), "an export's pseudonyms tell no key");
    }
  }

  /**
   * Without a key, a start warns of pseudonymised users only for ids of a pseudonym's whole form: a client's own id
   * that starts with "p:" warned at every start (A/B QA).
   */
  @Test
  void onlyIdsOfThePseudonymsFormWarnOfPseudonymisedUsers() throws Exception {
    ServerConfig config = ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none").withAdminKey(ADMIN_KEY);
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AttuneServer.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
        new ch.qos.logback.core.read.ListAppender<>();
    log.start();
    logger.addAppender(log);
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("ids.db"))) {
      store.upsertUsers(java.util.List.of(new dev.attune.events.User("p:notapseudonym", Map.of())));
      AttuneServer.create(config, store).start().stop();
      assertFalse(warned(log), "a plain id that starts with p: is no pseudonym");
      String pseudonymForm = "p:" + "A".repeat(22);
      assertTrue(UserIds.hasPseudonymForm(pseudonymForm));
      store.upsertUsers(java.util.List.of(new dev.attune.events.User(pseudonymForm, Map.of())));
      AttuneServer.create(config, store).start().stop();
      assertTrue(warned(log), "an id of a pseudonym's form warns");
    } finally {
      logger.detachAppender(log);
    }
  }

  private static boolean warned(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log) {
    synchronized (log) {
      return log.list.stream().anyMatch(e -> e.getFormattedMessage().startsWith("the store holds pseudonymised users"));
    }
  }

  private static HttpResponse<String> send(HttpClient http, String method, String url, String body) throws Exception {
    return send(http, method, url, body, false);
  }

  private static HttpResponse<String> send(HttpClient http, String method, String url, String body, boolean admin)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
    if (admin) b.header("Authorization", "Bearer " + ADMIN_KEY);
    return http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
