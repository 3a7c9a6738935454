package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.store.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event writes against a user's deletion that takes long, over real HTTP. */
class IngestionWaitIT {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  // QA: a deletion held up by another process's lock on the store held every event write behind it, which then
  // waited on the store in turn: 503 after 20 s where the README says about 10; a slow deletion held them unbounded
  @Test
  void anEventWriteBehindASlowDeletionAnswers503WithinTheStoresWaitAndIsServedAfter() throws Exception {
    CountDownLatch deleting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (Store store = Store.open("jdbc:sqlite:" + dir.resolve("attune.db"))) {
      Store slow = (Store) java.lang.reflect.Proxy.newProxyInstance(Store.class.getClassLoader(),
          new Class<?>[] {Store.class}, (proxy, method, args) -> {
            if (method.getName().equals("deleteUser")) {
              deleting.countDown();
              assertTrue(release.await(60, TimeUnit.SECONDS));
            }
            try {
              return method.invoke(store, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
      AttuneServer server = AttuneServer.create(ServerConfig.DEFAULTS.withPort(0).withFallbackModel("none"), slow)
          .start();
      try {
        String base = "http://127.0.0.1:" + server.port();
        assertEquals(200, send(base, "POST", "/v1/events", "{\"userId\":\"gone\",\"itemId\":\"i1\",\"type\":\"play\"}")
            .statusCode());
        CompletableFuture<HttpResponse<String>> deletion = CompletableFuture.supplyAsync(() -> {
          try {
            return send(base, "DELETE", "/v1/users/gone", null);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        assertTrue(deleting.await(30, TimeUnit.SECONDS), "the deletion started");
        long start = System.nanoTime();
        HttpResponse<String> held = send(base, "POST", "/v1/events",
            "{\"userId\":\"other\",\"itemId\":\"i2\",\"type\":\"play\"}");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(503, held.statusCode(), held.body());
        assertEquals("5", held.headers().firstValue("Retry-After").orElse(null));
        assertTrue(held.body().contains("\"error\":\"unavailable\""), held.body());
        // bounded by the store's wait (10 s), where it waited for the deletion (here 60 s); wide for a busy machine
        assertTrue(seconds > 9 && seconds < 40, "answered after " + seconds + " s");
        release.countDown();
        assertEquals(204, deletion.get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(200, send(base, "POST", "/v1/events", "{\"userId\":\"other\",\"itemId\":\"i2\",\"type\":\"play\"}")
            .statusCode(), "served once the deletion ended");
        assertEquals(1, store.recentEvents("other", 10).size(), "the refused write stored nothing");
      } finally {
        release.countDown();
        server.stop();
      }
    }
  }

  private HttpResponse<String> send(String base, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
