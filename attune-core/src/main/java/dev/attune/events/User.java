package dev.attune.events;

import java.util.Map;

/**
 * A user and their profile attributes (age, gender, occupation, country...).
 *
 * @param id external user id, non-blank
 * @param attributes profile attributes by name, never null
 */
public record User(String id, Map<String, String> attributes) {
  public User {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("user id must not be blank");
    }
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }
}
