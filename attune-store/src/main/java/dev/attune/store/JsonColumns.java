package dev.attune.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Map;

/**
 * How lists and maps are written to and read from JSON text columns (users' and items' attributes, categories,
 * tags, event context, model metrics).
 *
 * <p>Map keys are written in sorted order, so equal maps give equal text whatever their iteration order. An
 * empty map or list is written as {@code {}} or {@code []}; the event context, usually empty, is written as
 * SQL NULL instead (see {@link #contextOrNull}). A NULL column reads as empty.
 *
 * <p>Thread-safe.
 */
final class JsonColumns {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
  private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};
  private static final TypeReference<Map<String, Double>> NUMBER_MAP = new TypeReference<>() {};

  private JsonColumns() {}

  /** A map of strings as a JSON object. */
  static String write(Map<String, ?> map) {
    return map.isEmpty() ? "{}" : toJson(map);
  }

  /** A list of strings as a JSON array. */
  static String write(List<String> list) {
    return list.isEmpty() ? "[]" : toJson(list);
  }

  /** An event context as a JSON object, or null when empty (most events carry none). */
  static String contextOrNull(Map<String, String> context) {
    return context.isEmpty() ? null : toJson(context);
  }

  /**
   * A JSON object of strings, or an empty map for SQL NULL.
   *
   * @throws StoreException if the text is not such an object
   */
  static Map<String, String> stringMap(String json) {
    return json == null ? Map.of() : fromJson(json, STRING_MAP);
  }

  /**
   * A JSON array of strings, or an empty list for SQL NULL.
   *
   * @throws StoreException if the text is not such an array
   */
  static List<String> stringList(String json) {
    return json == null ? List.of() : fromJson(json, STRING_LIST);
  }

  /**
   * A JSON object of numbers, or an empty map for SQL NULL. Non-finite metrics, which JSON cannot hold as
   * numbers, were written as the strings {@code "NaN"} and {@code "Infinity"} and read back as such.
   *
   * @throws StoreException if the text is not such an object
   */
  static Map<String, Double> numberMap(String json) {
    // by name: PostgreSQL's jsonb keeps keys in its own order (shortest first), SQLite's text as written
    return json == null ? Map.of() : new java.util.TreeMap<>(fromJson(json, NUMBER_MAP));
  }

  private static String toJson(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      // Only strings and numbers go in, which Jackson always writes.
      throw new IllegalStateException("cannot write JSON column value", e);
    }
  }

  private static <T> T fromJson(String json, TypeReference<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored JSON column is not a " + type.getType().getTypeName() + ": "
          + abbreviate(json), e);
    }
  }

  private static String abbreviate(String s) {
    return dev.attune.events.Ids.printable(s, 80);
  }
}
