package dev.attune.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.attune.events.Event;
import dev.attune.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fast path of {@code POST /v1/events}: reads a well-formed batch straight from the body's bytes with a
 * streaming parser, without building a JSON tree. Ingestion is the busiest write route, and the tree (with
 * Jackson's duplicate-key detection) was about a sixth of the server's CPU per ingested event.
 *
 * <p>The contract is narrow on purpose: {@link #read} returns the events exactly as {@link
 * RequestBodies#oneOrMany} and {@link RequestBodies#event} would, or {@code null} whenever the body is anything
 * but a valid batch of the common shape ({@code {"events": [...]}} or a bare array of event objects, string
 * or absent contexts). The caller then takes the tree path, which accepts the rare valid shapes (a single
 * event object, numbers or booleans in a context, a null beside {@code events}) and words every error;
 * so this class never decides what a client is told. {@code EventBatchesTest} holds both paths equal.
 *
 * <p>Thread-safe (no state besides the immutable factory).
 */
final class EventBatches {
  /** No duplicate detection in the parser: each event object tracks its own fields, as a bit mask. */
  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  private static final String[] FIELDS = {"id", "userId", "itemId", "type", "value", "timestamp", "scene", "context"};

  private EventBatches() {}

  /**
   * The batch's events, or null when the tree path must decide.
   *
   * @param body the request body
   * @param max most events a batch may hold
   * @param nowMillis the server's clock, for absent timestamps and the clock-skew check
   */
  static List<Store.NewEvent> read(byte[] body, int max, long nowMillis) {
    try (JsonParser p = FACTORY.createParser(body)) {
      JsonToken root = p.nextToken();
      if (root == JsonToken.START_OBJECT) {
        if (p.nextToken() != JsonToken.FIELD_NAME || !p.currentName().equals("events")) return null;
        if (p.nextToken() != JsonToken.START_ARRAY) return null;
      } else if (root != JsonToken.START_ARRAY) {
        return null;
      }
      List<Store.NewEvent> events = new ArrayList<>();
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
        if (events.size() == max) return null; // 413 with the count: the tree path says it
        Store.NewEvent e = event(p, nowMillis, nowMillis + events.size());
        if (e == null) return null;
        events.add(e);
      }
      if (t != JsonToken.END_ARRAY || events.isEmpty()) return null;
      if (root == JsonToken.START_OBJECT && p.nextToken() != JsonToken.END_OBJECT) return null;
      return p.nextToken() == null ? events : null; // trailing tokens are refused by the tree path
    } catch (IOException | ApiException | IllegalArgumentException e) {
      return null; // malformed JSON or an invalid field: the tree path words the error
    }
  }

  /**
   * One event object, the parser on its START_OBJECT; null when it is not a valid event of the common shape. An
   * absent timestamp is {@code absentTimestamp} (see {@link
   * RequestBodies#event(String, com.fasterxml.jackson.databind.JsonNode, long, long)}).
   */
  private static Store.NewEvent event(JsonParser p, long nowMillis, long absentTimestamp) throws IOException {
    int seen = 0;
    String id = null;
    String userId = null;
    String itemId = null;
    String type = null;
    double value = 1.0;
    long timestamp = absentTimestamp;
    boolean timed = false;
    String scene = Event.DEFAULT_SCENE;
    Map<String, String> context = Map.of();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      int field = fieldIndex(p.currentName());
      if (field < 0 || (seen & (1 << field)) != 0) return null; // unknown or repeated
      seen |= 1 << field;
      JsonToken v = p.nextToken();
      switch (field) {
        case 0 -> {
          if (v == JsonToken.VALUE_NULL) break;
          id = id(p, v, "id");
          RequestBodies.requireClientEventId(id, "id"); // throws ApiException, caught in read: the tree path says it
        }
        case 1 -> userId = id(p, v, "userId");
        case 2 -> itemId = id(p, v, "itemId");
        case 3 -> type = id(p, v, "type");
        case 4 -> {
          if (v == JsonToken.VALUE_NULL) break;
          if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) return null;
          value = p.getDoubleValue();
          if (!Double.isFinite(value) || Math.abs(value) > Float.MAX_VALUE) return null;
        }
        case 5 -> {
          if (v == JsonToken.VALUE_NULL) break; // null is no timestamp, as for the other optional fields
          if (v != JsonToken.VALUE_NUMBER_INT) return null;
          JsonParser.NumberType type5 = p.getNumberType();
          if (type5 != JsonParser.NumberType.INT && type5 != JsonParser.NumberType.LONG) return null;
          timestamp = p.getLongValue();
          timed = true;
        }
        case 6 -> {
          if (v == JsonToken.VALUE_NULL) break;
          scene = id(p, v, "scene");
        }
        default -> {
          if (v == JsonToken.VALUE_NULL) break;
          context = context(p, v);
          if (context == null) return null;
        }
      }
    }
    if (t != JsonToken.END_OBJECT || userId == null || itemId == null || type == null) return null;
    if (!RequestBodies.acceptsValue(type, (float) value)) return null;
    if (timestamp < 0 || timestamp > nowMillis + RequestBodies.MAX_CLOCK_SKEW_MILLIS) return null;
    return new Store.NewEvent(id == null && !timed ? RequestBodies.receiptId() : id,
        new Event(userId, itemId, type, (float) value, timestamp, scene, context));
  }

  private static int fieldIndex(String name) {
    for (int k = 0; k < FIELDS.length; k++) if (FIELDS[k].equals(name)) return k;
    return -1;
  }

  /** A string id checked like the tree path checks it; anything else throws (and {@link #read} gives up). */
  private static String id(JsonParser p, JsonToken v, String field) throws IOException {
    if (v != JsonToken.VALUE_STRING) throw new IllegalArgumentException(field + " is not a string");
    String s = p.getText();
    RequestBodies.checkId(s, field); // throws ApiException, caught in read
    return s;
  }

  /** A context of string values (as the tree path builds it); null for any other shape. */
  private static Map<String, String> context(JsonParser p, JsonToken v) throws IOException {
    if (v != JsonToken.START_OBJECT) return null;
    Map<String, String> out = new LinkedHashMap<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      RequestBodies.checkId(key, "context." + key);
      if (p.nextToken() != JsonToken.VALUE_STRING) return null; // numbers and booleans: the tree path's text
      String text = p.getText();
      RequestBodies.checkText(text, "context." + key);
      if (text.length() > 10_000 || out.put(key, text) != null || out.size() > 1000) return null;
    }
    return t == JsonToken.END_OBJECT ? out : null;
  }
}
