package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/** Calls a test server with an admin key: a route with its expected status, and "train now" to the job's end. */
record AdminCalls(String base, String key) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Calls {@code path} with no body, checks the status and returns the JSON body. */
  JsonNode call(String method, String path, int status) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key)
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(status, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** Starts a training job (202) and returns it once it is published, rejected or failed (at most 5 minutes). */
  JsonNode trainNowAndWait() throws Exception {
    call("POST", "/v1/admin/models/train", 202);
    JsonNode job = null;
    for (int i = 0; i < 3000; i++) {
      job = call("GET", "/v1/admin/training", 200).get("job");
      if (List.of("published", "rejected", "failed").contains(job.get("state").asText())) break;
      Thread.sleep(100);
    }
    return job;
  }
}
