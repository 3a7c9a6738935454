package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Holds answers to the API document's schemas, for the tests: a field an answer has must be a property of its schema
 * (or allowed by {@code additionalProperties}), of a type the schema states and, where it lists them, one of its
 * {@code enum} values; every {@code required} property must be there; nested objects and arrays are checked alike,
 * {@code $ref}s followed. {@code anyOf} and {@code oneOf} pass when one option fits; {@code allOf} takes the union of
 * its parts' properties. Bounds and patterns are not checked (the request tests check what the server refuses).
 */
final class ApiSchemas {
  private ApiSchemas() {}

  static void assertFits(JsonNode value, JsonNode schema, JsonNode schemas, String at) {
    schema = resolve(schema, schemas);
    if (schema.has("anyOf") || schema.has("oneOf")) {
      List<String> failures = new ArrayList<>();
      for (JsonNode option : schema.has("anyOf") ? schema.get("anyOf") : schema.get("oneOf")) {
        try {
          assertFits(value, option, schemas, at);
          return;
        } catch (AssertionError e) {
          failures.add(e.getMessage());
        }
      }
      throw new AssertionError(at + " fits none of its schemas: " + failures);
    }
    if (schema.has("allOf")) {
      // the parts together describe one object: their properties and requirements are joined
      Map<String, JsonNode> properties = new java.util.LinkedHashMap<>();
      Set<String> required = new HashSet<>();
      for (JsonNode part : schema.get("allOf")) {
        JsonNode p = resolve(part, schemas);
        if (p.has("properties")) p.get("properties").fields().forEachRemaining(f -> properties.put(f.getKey(), f.getValue()));
        if (p.has("required")) p.get("required").forEach(r -> required.add(r.asText()));
      }
      assertTrue(value.isObject(), at + " is not an object: " + value);
      for (String name : required) assertTrue(value.has(name), at + " lacks " + name);
      for (var field : (Iterable<Map.Entry<String, JsonNode>>) value::fields) {
        assertTrue(properties.containsKey(field.getKey()), at + "." + field.getKey() + " is not in the document");
        assertFits(field.getValue(), properties.get(field.getKey()), schemas, at + "." + field.getKey());
      }
      return;
    }
    JsonNode type = schema.get("type");
    if (type != null) {
      List<String> types = new ArrayList<>();
      if (type.isArray()) type.forEach(t -> types.add(t.asText()));
      else types.add(type.asText());
      String actual = value.isNull() ? "null" : value.isIntegralNumber() ? "integer" : value.isNumber() ? "number"
          : value.isTextual() ? "string" : value.isBoolean() ? "boolean" : value.isArray() ? "array" : "object";
      assertTrue(types.contains(actual) || actual.equals("integer") && types.contains("number"),
          at + " is " + actual + ", the document says " + types + ": " + value);
    }
    if (schema.has("enum") && !value.isNull()) {
      boolean listed = false;
      for (JsonNode allowed : schema.get("enum")) listed |= allowed.equals(value);
      assertTrue(listed, at + " is " + value + ", not one of " + schema.get("enum"));
    }
    if (value.isObject()) {
      JsonNode properties = schema.get("properties");
      JsonNode extra = schema.get("additionalProperties");
      if (schema.has("required")) {
        for (JsonNode name : schema.get("required")) assertTrue(value.has(name.asText()), at + " lacks " + name);
      }
      for (var field : (Iterable<Map.Entry<String, JsonNode>>) value::fields) {
        String path = at + "." + field.getKey();
        if (properties != null && properties.has(field.getKey())) {
          assertFits(field.getValue(), properties.get(field.getKey()), schemas, path);
        } else if (extra != null && extra.isObject()) {
          assertFits(field.getValue(), extra, schemas, path);
        } else {
          // JSON Schema allows any other field unless additionalProperties is false; the document means its lists
          // to be complete, so a field outside one is drift, unless the schema says more may come
          assertTrue(properties == null && (extra == null || extra.asBoolean()) || extra != null && extra.asBoolean(),
              path + " is not in the document");
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int k = 0; k < value.size(); k++) assertFits(value.get(k), schema.get("items"), schemas, at + "[" + k + "]");
    }
  }

  private static JsonNode resolve(JsonNode schema, JsonNode schemas) {
    while (schema.has("$ref")) {
      schema = schemas.get(schema.get("$ref").asText().substring("#/components/schemas/".length()));
    }
    return schema;
  }
}
