package dev.attune.events;

import java.util.Map;
import java.util.Objects;

/**
 * One user action on one item.
 *
 * @param userId external user id, non-blank
 * @param itemId external item id, non-blank
 * @param type event type name such as {@code play}, {@code skip}, {@code purchase}; looked up in
 *     {@link EventWeights}
 * @param value the type's measurement: a rating, a play count, a completion ratio, seconds played; 1 when
 *     the type has none. Finite.
 * @param timestamp milliseconds since the epoch; data sets without clock time use each event's position in
 *     its source file instead (see {@link dev.attune.data.Dataset#timeKind()})
 * @param scene the surface or domain the event happened in ({@code music}, {@code podcast}, {@code shop}),
 *     non-blank
 * @param context optional free-form context (device, page, session id); never null, often empty
 */
public record Event(
    String userId, String itemId, String type, float value, long timestamp, String scene,
    Map<String, String> context) {

  /** The scene used when a source names none. */
  public static final String DEFAULT_SCENE = "default";

  public Event {
    requireText(userId, "userId");
    requireText(itemId, "itemId");
    requireText(type, "type");
    requireText(scene, "scene");
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException("value must be finite: " + value);
    }
    context = context == null ? Map.of() : Map.copyOf(context);
  }

  /** An event without context. */
  public Event(String userId, String itemId, String type, float value, long timestamp, String scene) {
    this(userId, itemId, type, value, timestamp, scene, Map.of());
  }

  private static void requireText(String s, String field) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    Objects.requireNonNull(s);
  }
}
