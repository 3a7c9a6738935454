package dev.attune.events;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Configurable table from event type to preference weight.
 *
 * <p>The defaults follow common practice for implicit feedback: consumption and explicit approval are
 * positive and grow with commitment (view &lt; like &lt; favourite &lt; purchase); skips and dislikes are
 * negative. Music plays weigh by completion: a play heard to less than {@code skipBelow} of its length counts
 * as a skip ({@code skipWeight}), otherwise as {@code weight × completion}. Play counts weigh by
 * {@code ln(1 + count)} so one obsessive listener does not dominate an item. A weight is at most {@link
 * #MAX_WEIGHT} in size, whatever the value: one event (a purchase of 10^38 units) must not outweigh every other, nor
 * overflow the sums of squares the similarity models take.
 *
 * <p>Immutable and thread-safe; {@link #with} returns a modified copy.
 */
public final class EventWeights {

  /** Default share of a track below which a play counts as a skip. */
  public static final float DEFAULT_SKIP_BELOW = 0.25f;
  /** Default weight of a play that counts as a skip. */
  public static final float DEFAULT_SKIP_WEIGHT = -0.5f;
  /** The largest size of one event's weight (a thousand views); a larger one is cut to it. */
  public static final float MAX_WEIGHT = 1000f;

  private final Map<String, EventType> types;
  private final float skipBelow;
  private final float skipWeight;
  private final Float unknownTypeWeight;

  private EventWeights(Map<String, EventType> types, float skipBelow, float skipWeight, Float unknownTypeWeight) {
    if (!(skipBelow >= 0 && skipBelow <= 1)) {
      throw new IllegalArgumentException("skipBelow must be in [0, 1]: " + skipBelow);
    }
    this.types = Map.copyOf(types);
    this.skipBelow = skipBelow;
    this.skipWeight = skipWeight;
    this.unknownTypeWeight = unknownTypeWeight;
  }

  /** The default table; unknown types are rejected. */
  public static EventWeights defaults() {
    Map<String, EventType> m = new LinkedHashMap<>();
    put(m, "view", 1f, EventType.ValueRule.IGNORE);
    put(m, "click", 1f, EventType.ValueRule.IGNORE);
    put(m, "pv", 1f, EventType.ValueRule.IGNORE);
    put(m, "search", 0.5f, EventType.ValueRule.IGNORE);
    put(m, "play", 1f, EventType.ValueRule.PLAY_RATIO);
    put(m, "play_seconds", 1f, EventType.ValueRule.PLAY_SECONDS);
    put(m, "play_count", 1f, EventType.ValueRule.LOG1P);
    put(m, "rating", 1f, EventType.ValueRule.IGNORE);
    put(m, "tag", 1f, EventType.ValueRule.IGNORE);
    put(m, "like", 2f, EventType.ValueRule.IGNORE);
    put(m, "comment", 2f, EventType.ValueRule.IGNORE);
    put(m, "cart", 2f, EventType.ValueRule.IGNORE);
    put(m, "favourite", 3f, EventType.ValueRule.IGNORE);
    put(m, "fav", 3f, EventType.ValueRule.IGNORE);
    put(m, "share", 3f, EventType.ValueRule.IGNORE);
    put(m, "purchase", 4f, EventType.ValueRule.SCALE);
    put(m, "buy", 4f, EventType.ValueRule.IGNORE);
    put(m, "skip", -1f, EventType.ValueRule.IGNORE);
    put(m, "dislike", -2f, EventType.ValueRule.IGNORE);
    return new EventWeights(m, DEFAULT_SKIP_BELOW, DEFAULT_SKIP_WEIGHT, null);
  }

  private static void put(Map<String, EventType> m, String name, float w, EventType.ValueRule rule) {
    m.put(name, new EventType(name, w, rule));
  }

  /** A copy with {@code type} added or replaced. */
  public EventWeights with(EventType type) {
    Map<String, EventType> m = new LinkedHashMap<>(types);
    m.put(type.name().toLowerCase(Locale.ROOT), type);
    return new EventWeights(m, skipBelow, skipWeight, unknownTypeWeight);
  }

  /** A copy with a different skip rule for plays. */
  public EventWeights withSkipRule(float skipBelow, float skipWeight) {
    return new EventWeights(types, skipBelow, skipWeight, unknownTypeWeight);
  }

  /** A copy that gives unknown types {@code weight} instead of rejecting them. */
  public EventWeights withUnknownTypeWeight(float weight) {
    return new EventWeights(types, skipBelow, skipWeight, weight);
  }

  /** The type named {@code name} (case-insensitive), if configured. */
  public Optional<EventType> type(String name) {
    return Optional.ofNullable(types.get(name.toLowerCase(Locale.ROOT)));
  }

  /** Whether events of this type can be weighed (configured, or unknown types allowed). */
  public boolean accepts(String name) {
    return unknownTypeWeight != null || types.containsKey(name.toLowerCase(Locale.ROOT));
  }

  /** All configured types. */
  public Collection<EventType> types() {
    return types.values();
  }

  /**
   * The type named {@code name}, or a plain type of the unknown-type weight when unknown types are allowed.
   *
   * @throws IllegalArgumentException if the type is unknown and unknown types are rejected
   */
  public EventType resolve(String name) {
    EventType t = types.get(name.toLowerCase(Locale.ROOT));
    if (t != null) {
      return t;
    }
    if (unknownTypeWeight == null) {
      throw new IllegalArgumentException("unknown event type: " + name + " (known: " + types.keySet() + ")");
    }
    return new EventType(name.toLowerCase(Locale.ROOT), unknownTypeWeight, EventType.ValueRule.IGNORE);
  }

  /**
   * The signed weight of one event.
   *
   * @param type event type name
   * @param value the event's value
   * @param itemDurationSeconds the item's duration, or NaN; used only by {@link EventType.ValueRule#PLAY_SECONDS}
   * @throws IllegalArgumentException if the type is unknown and unknown types are rejected
   */
  public float weight(String type, float value, float itemDurationSeconds) {
    return weight(resolve(type), value, itemDurationSeconds);
  }

  /** The signed weight of an event of resolved type {@code t}; see {@link #weight(String, float, float)}. */
  public float weight(EventType t, float value, float itemDurationSeconds) {
    float w = switch (t.rule()) {
      case IGNORE -> t.weight();
      case SCALE -> t.weight() * value;
      case LOG1P -> t.weight() * (float) Math.log1p(Math.max(0f, value));
      case PLAY_RATIO -> playWeight(t.weight(), value);
      case PLAY_SECONDS -> Float.isNaN(itemDurationSeconds) || itemDurationSeconds <= 0
          ? t.weight() // duration unknown: a play is a play
          : playWeight(t.weight(), value / itemDurationSeconds);
    };
    return Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, w));
  }

  /**
   * Weight of a play heard to {@code completion} of its length: {@code skipWeight} below
   * {@code skipBelow}, else {@code weight × min(completion, 1)}.
   */
  public float playWeight(float weight, float completion) {
    if (completion < skipBelow) {
      return skipWeight;
    }
    return weight * Math.min(1f, completion);
  }
}
