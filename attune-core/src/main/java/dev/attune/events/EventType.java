package dev.attune.events;

/**
 * How one kind of event turns into a preference weight.
 *
 * @param name type name as it appears in events, lower case
 * @param weight base weight; negative for negative feedback (skip, dislike)
 * @param rule how the event's value modifies the base weight
 */
public record EventType(String name, float weight, ValueRule rule) {

  /** How an event's {@code value} enters its weight. */
  public enum ValueRule {
    /** weight, whatever the value (views, clicks, likes, ratings used as implicit feedback). */
    IGNORE,
    /** weight × value (quantities, counts). */
    SCALE,
    /** weight × ln(1 + value): play counts, whose raw scale spans several orders of magnitude. */
    LOG1P,
    /** value is a completion ratio in [0, 1]; see {@link EventWeights#playWeight}. */
    PLAY_RATIO,
    /** value is seconds played; divided by the item's duration it becomes a completion ratio. */
    PLAY_SECONDS
  }

  public EventType {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("event type name must not be blank");
    }
    if (!Float.isFinite(weight)) {
      throw new IllegalArgumentException("event type weight must be finite: " + name);
    }
    if (rule == null) {
      throw new IllegalArgumentException("event type rule must not be null: " + name);
    }
  }
}
