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
    PLAY_SECONDS;

    /**
     * Whether {@code value} lies in the range this rule defines: 0 to 1 for {@link #PLAY_RATIO} (a share of the item),
     * at least 0 for {@link #SCALE}, {@link #LOG1P} and {@link #PLAY_SECONDS} (a quantity, a count, seconds: a refund
     * sent as a negative purchase would weigh as the strongest dislike), any number for {@link #IGNORE}, which does
     * not read it. NaN is in no range but {@link #IGNORE}'s.
     */
    public boolean accepts(float value) {
      return switch (this) {
        case IGNORE -> true;
        case PLAY_RATIO -> value >= 0f && value <= 1f;
        case SCALE, LOG1P, PLAY_SECONDS -> value >= 0f;
      };
    }

    /** What the value is and the range {@link #accepts} allows, for a message ({@code "a share of the item, 0 to 1"}). */
    public String range() {
      return switch (this) {
        case IGNORE -> "any number (not read)";
        case SCALE -> "a quantity, at least 0";
        case LOG1P -> "a count, at least 0";
        case PLAY_RATIO -> "the share of the item played, 0 to 1";
        case PLAY_SECONDS -> "seconds played, at least 0";
      };
    }
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
