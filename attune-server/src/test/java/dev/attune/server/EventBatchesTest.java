package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.store.Store;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The streaming fast path of POST /v1/events against the tree path it must agree with. */
class EventBatchesTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final int MAX = 50;
  /** Configured as the server's. */
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** What the tree path makes of a body; throws ApiException (or a parse error) when it refuses it. */
  private static List<Store.NewEvent> tree(String body) throws Exception {
    List<Store.NewEvent> out = new ArrayList<>();
    JsonNode parsed = RequestBodies.readJson(MAPPER, body.getBytes(StandardCharsets.UTF_8)); // as the server reads it
    for (var e : RequestBodies.oneOrMany(parsed, "events", MAX)) {
      out.add(RequestBodies.event(e.getKey(), e.getValue(), NOW, NOW + out.size()));
    }
    return out;
  }

  private static List<Store.NewEvent> fast(String body) {
    return EventBatches.read(body.getBytes(StandardCharsets.UTF_8), MAX, NOW);
  }

  private static String quoted(String s) throws Exception {
    return MAPPER.writeValueAsString(s);
  }

  /** A random valid event object: fields in random order, optional ones present, absent or null. */
  private static String randomEvent(SplittableRandom r) throws Exception {
    String[] ids = {"u1", "item-7", "é", "日本", "😀x", "a b", "x".repeat(256), "'; DROP TABLE events; --"};
    List<String> fields = new ArrayList<>();
    fields.add("\"userId\":" + quoted(ids[r.nextInt(ids.length)]));
    fields.add("\"itemId\":" + quoted(ids[r.nextInt(ids.length)]));
    String type = new String[] {"play", "skip", "purchase"}[r.nextInt(3)];
    fields.add("\"type\":" + quoted(type));
    switch (r.nextInt(3)) {
      case 0 -> fields.add("\"id\":" + quoted("e" + r.nextInt(1_000_000)));
      case 1 -> fields.add("\"id\":null");
      default -> { }
    }
    // values in the type's range: a play's share is 0 to 1, a quantity at least 0, a skip reads none
    boolean play = type.equals("play");
    boolean signed = type.equals("skip");
    switch (r.nextInt(5)) {
      case 0 -> fields.add("\"value\":" + (play ? r.nextInt(0, 2) : r.nextInt(signed ? -100 : 0, 100)));
      case 1 -> fields.add("\"value\":" + (play ? r.nextDouble() : r.nextDouble() * 10 - (signed ? 5 : 0)));
      case 2 -> fields.add("\"value\":null");
      case 3 -> fields.add("\"value\":" + (play ? "1.0" : "3.4e38"));
      default -> { }
    }
    switch (r.nextInt(3)) {
      case 0 -> fields.add("\"timestamp\":" + r.nextLong(0, NOW + 86_400_000L));
      case 1 -> fields.add("\"timestamp\":null");
      default -> { }
    }
    switch (r.nextInt(3)) {
      case 0 -> fields.add("\"scene\":" + quoted(r.nextBoolean() ? "music" : "podcasts"));
      case 1 -> fields.add("\"scene\":null");
      default -> { }
    }
    switch (r.nextInt(3)) {
      case 0 -> fields.add("\"context\":{\"device\":\"phone\",\"page\":" + quoted(ids[r.nextInt(ids.length)]) + "}");
      case 1 -> fields.add("\"context\":null");
      default -> { }
    }
    Collections.shuffle(fields, new java.util.Random(r.nextLong()));
    return "{" + String.join(",", fields) + "}";
  }

  @Test
  void validBatchesReadExactlyAsTheTreePathReadsThem() throws Exception {
    SplittableRandom r = new SplittableRandom(11);
    for (int trial = 0; trial < 300; trial++) {
      List<String> events = new ArrayList<>();
      int n = 1 + r.nextInt(MAX);
      for (int k = 0; k < n; k++) events.add(randomEvent(r));
      String array = "[" + String.join(",", events) + "]";
      String body = r.nextBoolean() ? array : " { \"events\" : " + array + " } ";
      List<Store.NewEvent> fast = fast(body);
      assertNotNull(fast, body);
      assertEquals(withoutReceiptIds(tree(body)), withoutReceiptIds(fast), body);
      for (Store.NewEvent e : fast) {
        // a server id only for an event without id and time (those take the receipt time, NOW + position)
        if (e.eventId() != null && e.eventId().startsWith("r:")) {
          org.junit.jupiter.api.Assertions.assertTrue(e.event().timestamp() >= NOW, body);
        }
      }
    }
  }

  /** The events with every server-made receipt id ({@code r:...}, unique per call) replaced by one marker. */
  private static List<Store.NewEvent> withoutReceiptIds(List<Store.NewEvent> events) {
    return events.stream().map(e -> e.eventId() != null && e.eventId().startsWith("r:")
        ? new Store.NewEvent("r:", e.event()) : e).toList();
  }

  @Test
  void validShapesOutsideTheFastPathAreLeftToTheTreePath() throws Exception {
    for (String body : List.of(
        "{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"play\"}", // one event, not a batch
        "[{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"play\",\"context\":{\"n\":1,\"b\":true,\"f\":1.5e3}}]",
        "[{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"play\",\"context\":{\"n\":null}}]")) {
      assertNull(fast(body), body);
      assertEquals(1, tree(body).size(), body);
    }
  }

  @Test
  void everyInvalidBodyIsLeftToTheTreePathWhichRefusesIt() {
    String ok = "\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"play\"";
    List<String> bodies = new ArrayList<>(List.of(
        "", "   ", "null", "[]", "{\"events\":[]}", "{\"events\":{}}", "[1]", "[[]]", "[null]", "\"text\"",
        "[{" + ok + "}", "[{" + ok + "}]]", "[{" + ok + "}] [1]", "[{" + ok + ",}]",
        "[{" + ok + ",\"userId\":\"v\"}]", // repeated field
        "[{" + ok + ",\"colour\":\"red\"}]", // unknown field
        "[{\"itemId\":\"i\",\"type\":\"play\"}]", // userId missing
        "[{\"userId\":null,\"itemId\":\"i\",\"type\":\"play\"}]",
        "[{\"userId\":7,\"itemId\":\"i\",\"type\":\"play\"}]",
        "[{\"userId\":\" \",\"itemId\":\"i\",\"type\":\"play\"}]",
        "[{\"userId\":\"a\\u0000b\",\"itemId\":\"i\",\"type\":\"play\"}]",
        "[{\"userId\":\"\\ud800\",\"itemId\":\"i\",\"type\":\"play\"}]",
        "[{\"userId\":\"" + "x".repeat(257) + "\",\"itemId\":\"i\",\"type\":\"play\"}]",
        "[{" + ok + ",\"id\":5}]", "[{" + ok + ",\"id\":\"\"}]",
        "[{" + ok + ",\"value\":\"1\"}]", "[{" + ok + ",\"value\":1e400}]", "[{" + ok + ",\"value\":3.5e38}]",
        // values outside the type's range (QA: a refund sent as a purchase of -1e30 weighed as the strongest dislike)
        "[{" + ok + ",\"value\":-5}]", "[{" + ok + ",\"value\":1.5}]",
        "[{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"purchase\",\"value\":-1e30}]",
        "[{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"Play_Seconds\",\"value\":-100}]",
        "[{\"value\":-1,\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"play_count\"}]",
        "[{" + ok + ",\"timestamp\":1.5}]", "[{" + ok + ",\"timestamp\":-1}]",
        "[{" + ok + ",\"timestamp\":" + (NOW + 86_400_001L) + "}]", "[{" + ok + ",\"timestamp\":99999999999999999999}]",
        "[{" + ok + ",\"scene\":1}]", "[{" + ok + ",\"timestamp\":null,\"timestamp\":5}]",
        "[{" + ok + ",\"context\":[\"a\"]}]", "[{" + ok + ",\"context\":{\"a\":\"1\",\"a\":\"2\"}}]",
        "[{" + ok + ",\"context\":{\" \":\"1\"}}]", "[{" + ok + ",\"context\":{\"a\":{\"b\":\"c\"}}}]",
        "[{" + ok + ",\"context\":{\"a\":\"" + "y".repeat(10_001) + "\"}}]",
        "[{" + ok + "},7]", "[{" + ok + ",\"id\":\"onboard:1:u:i\"}]", // an onboarding choice's id
        "{\"events\":[{" + ok + "}],\"note\":\"a field beside events\"}", "{\"note\":1,\"events\":[{" + ok + "}]}",
        "{\"events\":[{" + ok + "}],\"note\":null}", "{\"events\":null}", "[{" + ok + ",\"colour\":null}]"));
    StringBuilder tooMany = new StringBuilder("[");
    for (int k = 0; k <= MAX; k++) tooMany.append(k == 0 ? "" : ",").append("{").append(ok).append("}");
    bodies.add(tooMany.append("]").toString());
    for (String body : bodies) {
      assertNull(fast(body), body);
      assertThrows(Exception.class, () -> tree(body), body);
    }
  }
}
