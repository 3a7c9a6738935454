package dev.attune.events;

import java.util.List;
import java.util.Map;

/**
 * An item and its metadata. Every field but {@code id} and {@code scene} may be unknown.
 *
 * @param id external item id, non-blank
 * @param scene the scene the item belongs to, non-blank
 * @param title display title, or null
 * @param creator artist, author, brand or host, or null
 * @param album album, series, show or collection, or null
 * @param categories genres or categories, never null
 * @param tags free tags, never null
 * @param durationSeconds length in seconds, or {@code NaN} when unknown or not meaningful
 * @param releaseTime release time in epoch milliseconds, or {@link #UNKNOWN_TIME}
 * @param text free text (description, lyrics excerpt), or null
 * @param attributes other attributes by name (S3Rec attribute ids, price band...), never null
 */
public record Item(
    String id, String scene, String title, String creator, String album, List<String> categories,
    List<String> tags, float durationSeconds, long releaseTime, String text, Map<String, String> attributes) {

  /** Marks an unknown release time. */
  public static final long UNKNOWN_TIME = Long.MIN_VALUE;

  public Item {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("item id must not be blank");
    }
    if (scene == null || scene.isBlank()) {
      throw new IllegalArgumentException("item scene must not be blank: " + id);
    }
    if (!Float.isNaN(durationSeconds) && !(durationSeconds >= 0 && Float.isFinite(durationSeconds))) {
      throw new IllegalArgumentException("durationSeconds must be >= 0 or NaN: " + durationSeconds);
    }
    categories = categories == null ? List.of() : List.copyOf(categories);
    tags = tags == null ? List.of() : List.copyOf(tags);
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** An item known only by id and scene. */
  public static Item bare(String id, String scene) {
    return new Item(id, scene, null, null, null, List.of(), List.of(), Float.NaN, UNKNOWN_TIME, null, Map.of());
  }

  /** Whether the release time is known. */
  public boolean hasReleaseTime() {
    return releaseTime != UNKNOWN_TIME;
  }
}
