package dev.attune.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attune.events.Event;
import dev.attune.events.EventType;
import dev.attune.events.Item;
import dev.attune.events.User;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns request JSON into core objects, checking every field and naming the one at fault ({@link
 * ApiException#invalid}). Unknown fields are refused, so a misspelt field never passes silently.
 */
final class RequestBodies {
  /** Ids: 1 to 256 characters, no control characters. */
  static final int MAX_ID_LENGTH = dev.attune.events.Ids.MAX_LENGTH;
  /** Timestamps must lie between 1970 and one day from now. */
  static final long MAX_CLOCK_SKEW_MILLIS = 24L * 3600 * 1000;
  /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, the range of an item's release time. */
  static final long FIRST_RELEASE_MILLIS = -62_135_596_800_000L;
  static final long LAST_RELEASE_MILLIS = 253_402_300_799_999L;

  static final Set<String> EVENT_FIELDS =
      Set.of("id", "userId", "itemId", "type", "value", "timestamp", "scene", "context");
  static final Set<String> ITEM_FIELDS = Set.of("id", "scene", "title", "creator", "album", "categories",
      "tags", "durationSeconds", "releaseTime", "text", "attributes");
  static final Set<String> USER_FIELDS = Set.of("id", "attributes");
  /** Every field name an ingestion body may hold (events, items, users, and a batch's wrapper). */
  static final Set<String> INGESTION_FIELDS;

  static {
    Set<String> all = new java.util.HashSet<>(EVENT_FIELDS);
    all.addAll(ITEM_FIELDS);
    all.addAll(USER_FIELDS);
    all.addAll(Set.of("events", "items", "users"));
    INGESTION_FIELDS = Set.copyOf(all);
  }

  private RequestBodies() {}

  /** A single object or an array of objects, at most {@code max}, as a list of (path, node). */
  static List<Map.Entry<String, JsonNode>> oneOrMany(JsonNode body, String arrayField, int max) {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    if (body == null || body.isNull() || body.isMissingNode()) throw ApiException.invalid(null, "the body is empty");
    JsonNode array = body.isArray() ? body : body.isObject() && body.has(arrayField) ? body.get(arrayField) : null;
    if (array == null) {
      if (!body.isObject()) throw ApiException.invalid(null, "the body must be a JSON object or array");
      out.add(Map.entry("", body));
      return out;
    }
    String prefix = body.isArray() ? "" : arrayField;
    if (body.isObject()) requireObject("", body, Set.of(arrayField)); // {"events": [...], "evnts": ...} is a typo
    if (!array.isArray()) throw ApiException.invalid(arrayField, arrayField + " must be an array");
    if (array.isEmpty()) throw ApiException.invalid(prefix.isEmpty() ? null : prefix, "the batch is empty");
    if (array.size() > max) {
      throw new ApiException(413, "batch_too_large", "a batch holds at most " + max + " entries, got " + array.size(),
          prefix.isEmpty() ? null : prefix);
    }
    for (int k = 0; k < array.size(); k++) out.add(Map.entry(prefix + "[" + k + "]", array.get(k)));
    return out;
  }

  static Store.NewEvent event(String path, JsonNode n, long nowMillis) {
    return event(path, n, nowMillis, nowMillis);
  }

  /**
   * A request body as JSON: 400 {@code invalid_json} naming the parser's reason and where (line, column), without
   * the parser's internals, or 400 {@code invalid_field} for an empty body or {@code null}.
   */
  static JsonNode readJson(com.fasterxml.jackson.databind.ObjectMapper json, byte[] bytes) {
    if (bytes.length == 0) throw ApiException.invalid(null, "the body is empty; expected JSON");
    JsonNode body;
    try {
      // decimals exactly as sent: read as doubles, 1700000000000.0000001 lost its fraction and passed as an integer
      // (a review), and a large one was named in an error as a number the client never sent
      body = json.readerFor(JsonNode.class)
          .with(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readValue(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ApiException(400, "invalid_json", "the body is not valid JSON: "
          + dev.attune.data.importers.JacksonErrors.describeAt(e, "body"), null);
    } catch (java.io.IOException e) {
      throw new ApiException(400, "invalid_json", "the body is not valid JSON", null);
    }
    if (body == null || body.isNull() || body.isMissingNode()) {
      throw ApiException.invalid(null, "the body is null; expected a JSON object or array");
    }
    return body;
  }

  /** The start of the ids of the events onboarding stores ({@link #onboardEventId}). */
  static final String ONBOARD_ID_PREFIX = "onboard:";

  /** An onboarding event's id, {@code onboard:<length of the user id>:...}, a shape client events may not use. */
  private static final java.util.regex.Pattern ONBOARD_ID = java.util.regex.Pattern.compile("onboard:\\d+:.*",
      java.util.regex.Pattern.DOTALL);

  /**
   * Refuses a client event id of the onboarding events' shape: taken in advance, an onboarding choice's id would make
   * the choice a "duplicate", silently not stored. Both the batch fast path ({@link EventBatches}) and the tree path
   * call it.
   */
  static void requireClientEventId(String id, String path) {
    if (id != null && ONBOARD_ID.matcher(id).matches()) {
      throw ApiException.invalid(path, "event ids of the shape 'onboard:<number>:...' are the server's own"
          + " (onboarding choices); choose another id");
    }
  }

  /**
   * The id of the event that stores user {@code userId}'s onboarding choice of {@code itemId}: the same choice made
   * again is a duplicate, and no two (user, item) pairs share an id (the user id's length comes first, for ids may
   * hold ':').
   */
  static String onboardEventId(String userId, String itemId) {
    return ONBOARD_ID_PREFIX + userId.length() + ":" + userId + ":" + itemId;
  }

  /**
   * One event; without a timestamp it gets {@code absentTimestamp}: a batch gives its k-th event the receipt time
   * plus k milliseconds, so that repeats of the same item in one batch (three plays of a track) stay three events
   * rather than collapsing as duplicates of one content, and keep their order.
   */
  static Store.NewEvent event(String path, JsonNode n, long nowMillis, long absentTimestamp) {
    requireObject(path, n, EVENT_FIELDS);
    String id = optionalId(n, path, "id");
    requireClientEventId(id, at(path, "id"));
    String userId = requiredId(n, path, "userId");
    String itemId = requiredId(n, path, "itemId");
    String type = requiredId(n, path, "type");
    float value = eventValue(n, path, type);
    boolean timed = n.hasNonNull("timestamp");
    long timestamp = timed ? timestamp(n, path, nowMillis) : absentTimestamp;
    String scene = n.hasNonNull("scene") ? requiredId(n, path, "scene") : Event.DEFAULT_SCENE;
    Map<String, String> context = stringMap(n, path, "context");
    return new Store.NewEvent(id == null && !timed ? receiptId() : id,
        new Event(userId, itemId, type, value, timestamp, scene, context));
  }

  /** The fields of an event in a history sent with a request ({@link #historyEvent}). */
  static final Set<String> HISTORY_EVENT_FIELDS = Set.of("itemId", "type", "timestamp", "value", "scene");

  /**
   * One event of a history sent with a request (an anonymous recommendation, the influence map): {@code itemId},
   * {@code type} (default {@code view}), {@code value} (1), {@code timestamp} (checked as a stored event's; without
   * one, {@code absentTimestamp}) and {@code scene} (the default scene), for user {@code "anonymous"}.
   */
  static Event historyEvent(String path, JsonNode e, long nowMillis, long absentTimestamp) {
    requireObject(path, e, HISTORY_EVENT_FIELDS);
    String item = requiredId(e, path, "itemId");
    String type = e.has("type") ? requiredId(e, path, "type") : "view";
    long timestamp = e.hasNonNull("timestamp") ? timestamp(e, path, nowMillis) : absentTimestamp;
    float value = eventValue(e, path, type);
    String scene = e.has("scene") ? requiredId(e, path, "scene") : Event.DEFAULT_SCENE;
    return new Event("anonymous", item, type, value, timestamp, scene);
  }

  /**
   * The {@code value} of an event of {@code type} (1 when left out), within the range its weight rule defines ({@link
   * EventType.ValueRule#accepts}, by the service's table {@link ModelTrainer#WEIGHTS}): a negative quantity, count or
   * time, or a play's share outside 0 to 1, would be weighed as something the client did not mean (a refund sent as
   * a purchase of -1 weighed as the strongest dislike). Types whose rule ignores the value take any number.
   */
  static float eventValue(JsonNode n, String path, String type) {
    float value = optionalFloat(n, path, "value", 1f);
    EventType.ValueRule rule = ModelTrainer.WEIGHTS.resolve(type).rule();
    if (!rule.accepts(value)) {
      throw ApiException.invalid(at(path, "value"), "the value of a '" + type + "' event is " + rule.range() + ": "
          + value);
    }
    return value;
  }

  /** Whether {@code value} is in the range of {@code type}'s weight rule (see {@link #eventValue}). */
  static boolean acceptsValue(String type, float value) {
    return ModelTrainer.WEIGHTS.resolve(type).rule().accepts(value);
  }

  /** How a message states {@link Float#MAX_VALUE}, the bound of every float field, as the docs write it. */
  static final String FLOAT_RANGE = "a number within ±3.4e38";

  /**
   * A float field: a number within float range (one beyond would become infinity in the model), or {@code absent}
   * when left out. The message states the range ({@link #FLOAT_RANGE}): "out of range" alone left the client to
   * guess which one.
   */
  static float optionalFloat(JsonNode n, String path, String field, float absent) {
    JsonNode given = n.get(field);
    // 1e400 reads as infinity: beyond the same range, said as such rather than as "not finite"
    double v = given != null && given.isNumber() && Double.isInfinite(given.asDouble()) ? given.asDouble()
        : optionalNumber(n, path, field, absent);
    if (Math.abs(v) > Float.MAX_VALUE) { // infinity too; an absent NaN passes, meaning "not given"
      // a number beyond double range (1e400) reads as infinity, which is not what was sent: then only the bound
      throw ApiException.invalid(at(path, field), field + " must be " + FLOAT_RANGE + " (float range)"
          + (Double.isInfinite(v) ? "" : ": " + v));
    }
    return (float) v;
  }

  /**
   * The required {@code timestamp} of an event, in a stored event or a history sent for recommendations alike:
   * milliseconds since 1970 (0: the time is not known) and not more than a day ahead of {@code nowMillis}. The
   * message gives the latest time taken, in milliseconds and as a date, so a client sending seconds or microseconds
   * sees how far off it is.
   */
  static long timestamp(JsonNode n, String path, long nowMillis) {
    long timestamp = requiredLong(n, path, "timestamp");
    long latest = nowMillis + MAX_CLOCK_SKEW_MILLIS;
    if (timestamp < 0 || timestamp > latest) {
      throw ApiException.invalid(at(path, "timestamp"), "timestamp must be milliseconds since 1970, from 0 to a day"
          + " ahead of the server's clock (now at most " + latest + ", "
          + java.time.Instant.ofEpochMilli(latest).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "): "
          + timestamp);
    }
    return timestamp;
  }

  /** This process's prefix of {@link #receiptId}s: a restart draws another. */
  private static final String RECEIPT_PREFIX = "r:" + java.util.UUID.randomUUID() + ":";
  private static final java.util.concurrent.atomic.AtomicLong RECEIPTS = new java.util.concurrent.atomic.AtomicLong();

  /** Whether {@code id} is one a client gave (not absent, not a receipt id of this server's). */
  static boolean isClientEventId(String id) {
    return id != null && !id.startsWith(RECEIPT_PREFIX);
  }

  /**
   * A new id for an event that came with neither id nor timestamp: its content, timed at receipt, would equal that of
   * the same action received in the same millisecond by another request, and be stored once (such an event is never
   * a retry's duplicate: without id or time nothing says it is the same event).
   */
  static String receiptId() {
    return RECEIPT_PREFIX + RECEIPTS.incrementAndGet();
  }

  static Item item(String path, JsonNode n, String idFromPath) {
    requireObject(path, n, ITEM_FIELDS);
    String id = idFromPath != null ? idFromPath : requiredId(n, path, "id");
    if (idFromPath != null && n.has("id") && !idFromPath.equals(n.get("id").asText())) {
      throw ApiException.invalid(at(path, "id"), "id in the body differs from the id in the path");
    }
    String scene = n.hasNonNull("scene") ? requiredId(n, path, "scene") : Event.DEFAULT_SCENE;
    float duration = optionalFloat(n, path, "durationSeconds", Float.NaN);
    if (!Float.isNaN(duration) && duration < 0) {
      throw ApiException.invalid(at(path, "durationSeconds"), "durationSeconds must be >= 0");
    }
    boolean dated = n.has("releaseTime") && !n.get("releaseTime").isNull();
    long release = dated ? requiredLong(n, path, "releaseTime") : Item.UNKNOWN_TIME;
    // years 1 to 9999: before 1970 is fine (old recordings), and Long.MIN_VALUE is the "no date" marker
    if (dated && (release < FIRST_RELEASE_MILLIS || release > LAST_RELEASE_MILLIS)) {
      throw ApiException.invalid(at(path, "releaseTime"), "releaseTime must be milliseconds since 1970 between the"
          + " years 1 and 9999 (" + FIRST_RELEASE_MILLIS + " to " + LAST_RELEASE_MILLIS + "): " + release);
    }
    // the creator is what onboarding and recommendation requests choose by, as ids are checked: one they could never
    // name (over 256 characters, a control character) made an item no choice could reach (QA); a blank one is none
    String creator = optionalText(n, path, "creator");
    if (creator != null && creator.isBlank()) creator = null;
    if (creator != null) checkId(creator, at(path, "creator"));
    return new Item(id, scene, optionalText(n, path, "title"), creator,
        optionalText(n, path, "album"), stringList(n, path, "categories"), stringList(n, path, "tags"),
        duration, release, optionalText(n, path, "text"), stringMap(n, path, "attributes"));
  }

  static User user(String path, JsonNode n, String idFromPath) {
    requireObject(path, n, USER_FIELDS);
    String id = idFromPath != null ? idFromPath : requiredId(n, path, "id");
    return new User(id, stringMap(n, path, "attributes"));
  }

  /** Checks an id taken from a URL path. */
  static String pathId(String value, String name) {
    checkId(value, name);
    return value;
  }

  /**
   * Checks that {@code n} is an object of {@code allowed} fields only (a misspelt field, null or not, never passes
   * silently), then removes its fields sent as {@code null}: an optional field sent as null is left out, on every
   * route, and a required one is then said to be missing.
   */
  static void requireObject(String path, JsonNode n, Set<String> allowed) {
    if (n == null || !n.isObject()) {
      throw ApiException.invalid(path.isEmpty() ? null : path, "expected a JSON object" + (n == null ? ""
          : ", not " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
    }
    List<String> nulls = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String name = field.getKey();
      if (!allowed.contains(name)) {
        throw ApiException.invalid(at(path, name), "unknown field '" + name + "'; allowed: " + String.join(", ",
            allowed.stream().sorted().toList()));
      }
      if (field.getValue().isNull()) nulls.add(name);
    }
    ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove(nulls);
  }

  static String at(String path, String field) {
    return path == null || path.isEmpty() ? field : path + "." + field;
  }

  static String requiredId(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) throw ApiException.invalid(at(path, field), field + " is required");
    if (!v.isTextual()) throw ApiException.invalid(at(path, field), field + " must be a string");
    checkId(v.asText(), at(path, field));
    return v.asText();
  }

  static String optionalId(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : requiredId(n, path, field);
  }

  static void checkId(String id, String field) {
    if (id == null || id.isBlank()) throw ApiException.invalid(field, field + " must not be blank");
    // the rules an import and a load apply too (Ids); characters as JSON Schema's maxLength counts them (code points)
    String problem = dev.attune.events.Ids.problem(id);
    if (problem != null) throw ApiException.invalid(field, field + " " + problem);
  }

  /** The longest free text a body may hold in one field (a title, a description, an attribute's value). */
  static final int MAX_TEXT_LENGTH = 10_000;

  /**
   * Whether {@code text} holds more than {@value #MAX_TEXT_LENGTH} characters, counted as JSON Schema's maxLength
   * counts them: by code point, so an emoji is one (QA: 5,001 emoji, 10,002 UTF-16 units, were refused).
   */
  static boolean tooLong(String text) {
    return text.length() > MAX_TEXT_LENGTH && text.codePointCount(0, text.length()) > MAX_TEXT_LENGTH;
  }

  static String optionalText(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw ApiException.invalid(at(path, field), field + " must be a string");
    if (tooLong(v.asText())) {
      throw ApiException.invalid(at(path, field), field + " is too long (at most 10,000 characters)");
    }
    checkText(v.asText(), at(path, field));
    return v.asText();
  }

  /**
   * Free text (titles, attribute and context values): anything but NUL and broken surrogate pairs, which no UTF-8
   * text can hold (PostgreSQL refuses them, and the whole batch with them).
   */
  static void checkText(String text, String field) {
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      if (c == 0 || Character.isSurrogate(c) && !dev.attune.events.Ids.validSurrogateAt(text, k)) {
        throw ApiException.invalid(field, field + " contains a NUL character or a broken surrogate pair");
      }
    }
  }

  static double optionalNumber(JsonNode n, String path, String field, double absent) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return absent;
    if (!v.isNumber()) throw ApiException.invalid(at(path, field), field + " must be a number");
    double d = v.asDouble();
    if (!Double.isFinite(d)) throw ApiException.invalid(at(path, field), field + " must be finite");
    return d;
  }

  /**
   * Top-level integer field {@code field} of {@code n} in {@code [min, max]}, {@code absent} when it is left out or
   * null (400 for another type or a value out of range).
   */
  static int optionalInt(JsonNode n, String field, int min, int max, int absent) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return absent;
    if (!isInteger(v)) throw ApiException.invalid(field, field + " must be an integer");
    // an integer past int's range is one, out of this field's range (QA: 10^12 was told "must be an integer")
    if (!v.canConvertToInt()) {
      throw ApiException.invalid(field, field + " must be in [" + min + ", " + max + "]: " + v.asText());
    }
    int i = v.asInt();
    if (i < min || i > max) throw ApiException.invalid(field, field + " must be in [" + min + ", " + max + "]: " + i);
    return i;
  }

  /**
   * Whether {@code v} is an integer as JSON Schema (and so the OpenAPI document) counts one: any number with no
   * fraction, {@code 10.0} and {@code 1.7e12} too, which clients holding milliseconds in a float send (QA: Python's
   * {@code float(ms)} was refused). A fraction stays refused; an integer out of a field's range is refused as such.
   */
  static boolean isInteger(JsonNode v) {
    return v.isNumber() && v.canConvertToExactIntegral();
  }

  static long requiredLong(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v == null || !isInteger(v)) {
      throw ApiException.invalid(at(path, field), field + " must be an integer (milliseconds since 1970)");
    }
    if (!v.canConvertToLong()) { // an integer, out of any time's range (QA: 1e19 was told it was none)
      throw ApiException.invalid(at(path, field), field + " is out of range: " + v.asText());
    }
    return v.asLong();
  }

  /** The most entries a list or an object of a body holds, as a batch does. */
  static final int MAX_ENTRIES = 1000;

  /**
   * Refuses a list or object of more than {@value #MAX_ENTRIES} entries as a batch that large is refused: 413, the
   * request too large, not a mistake in a value (ids to look up, onboarding choices, an item's tags alike).
   */
  private static void requireAtMostMaxEntries(JsonNode v, String path, String field) {
    if (v.size() > MAX_ENTRIES) {
      throw new ApiException(413, "batch_too_large", field + " holds at most " + MAX_ENTRIES + " entries, got "
          + v.size(), at(path, field));
    }
  }

  static List<String> stringList(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return List.of();
    if (!v.isArray()) throw ApiException.invalid(at(path, field), field + " must be an array of strings");
    requireAtMostMaxEntries(v, path, field);
    List<String> out = new ArrayList<>(v.size());
    for (int k = 0; k < v.size(); k++) {
      JsonNode e = v.get(k);
      String p = at(path, field) + "[" + k + "]";
      if (!e.isTextual()) throw ApiException.invalid(p, "must be a string");
      checkId(e.asText(), p);
      out.add(e.asText());
    }
    return out;
  }

  static Map<String, String> stringMap(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return Map.of();
    if (!v.isObject()) throw ApiException.invalid(at(path, field), field + " must be an object of strings");
    requireAtMostMaxEntries(v, path, field);
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = v.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String p = at(path, field) + "." + e.getKey();
      checkId(e.getKey(), p);
      if (e.getValue().isNull()) continue; // left out, as an optional field sent as null is
      if (!e.getValue().isTextual() && !e.getValue().isNumber() && !e.getValue().isBoolean()) {
        throw ApiException.invalid(p, "must be a string, number or boolean");
      }
      if (tooLong(e.getValue().asText())) {
        throw ApiException.invalid(p, p + " is too long (at most 10,000 characters)");
      }
      checkText(e.getValue().asText(), p);
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }
}
