package dev.attune.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EventWeightsTest {
  private final EventWeights w = EventWeights.defaults();

  @Test
  void negativeFeedbackIsNegative() {
    assertTrue(w.weight("skip", 1, Float.NaN) < 0);
    assertTrue(w.weight("dislike", 1, Float.NaN) < w.weight("skip", 1, Float.NaN));
    assertTrue(w.weight("purchase", 1, Float.NaN) > w.weight("view", 1, Float.NaN));
  }

  @Test
  void playCompletionMapsToWeight() {
    // Below 25% a play is a skip (-0.5); otherwise weight x completion.
    assertEquals(-0.5f, w.weight("play", 0.1f, Float.NaN));
    assertEquals(0.8f, w.weight("play", 0.8f, Float.NaN), 1e-6);
    assertEquals(1f, w.weight("play", 1.5f, Float.NaN));
    // 60 of 240 seconds = 25%: not a skip; 30 of 240 = 12.5%: a skip.
    assertEquals(0.25f, w.weight("play_seconds", 60, 240), 1e-6);
    assertEquals(-0.5f, w.weight("play_seconds", 30, 240));
    // Unknown duration: a play counts fully.
    assertEquals(1f, w.weight("play_seconds", 30, Float.NaN));
  }

  /** The ranges the API refuses values outside of: what each rule reads the value as. */
  @Test
  void eachRuleAcceptsTheValuesItDefines() {
    assertTrue(EventType.ValueRule.PLAY_RATIO.accepts(0f) && EventType.ValueRule.PLAY_RATIO.accepts(1f));
    assertTrue(!EventType.ValueRule.PLAY_RATIO.accepts(-0.01f) && !EventType.ValueRule.PLAY_RATIO.accepts(1.01f));
    for (EventType.ValueRule r : new EventType.ValueRule[] {EventType.ValueRule.SCALE, EventType.ValueRule.LOG1P,
        EventType.ValueRule.PLAY_SECONDS}) {
      assertTrue(r.accepts(0f) && r.accepts(3e38f), r.name());
      assertTrue(!r.accepts(-1f) && !r.accepts(Float.NaN), r.name() + ": a negative quantity, count or time");
    }
    assertTrue(EventType.ValueRule.IGNORE.accepts(-1e30f), "a value not read may be anything");
  }

  @Test
  void oneEventsWeightIsBounded() {
    assertEquals(8f, w.weight("purchase", 2f, Float.NaN), "quantities scale");
    assertEquals(EventWeights.MAX_WEIGHT, w.weight("purchase", 3e38f, Float.NaN));
    assertEquals(-EventWeights.MAX_WEIGHT, w.weight("purchase", -3e38f, Float.NaN));
  }

  @Test
  void playCountsAreLogScaled() {
    assertEquals((float) Math.log1p(99), w.weight("play_count", 99, Float.NaN), 1e-6);
  }

  @Test
  void typesAreConfigurable() {
    EventWeights custom = w.with(new EventType("download", 5f, EventType.ValueRule.IGNORE)).withSkipRule(0.5f, -2f);
    assertEquals(5f, custom.weight("DOWNLOAD", 1, Float.NaN));
    assertEquals(-2f, custom.weight("play", 0.4f, Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> w.weight("teleport", 1, Float.NaN));
    assertEquals(0.3f, w.withUnknownTypeWeight(0.3f).weight("teleport", 1, Float.NaN));
  }

  @Test
  void eventsValidateTheirFields() {
    assertThrows(IllegalArgumentException.class, () -> new Event(" ", "i", "view", 1, 0, "s"));
    assertThrows(IllegalArgumentException.class, () -> new Event("u", "i", "view", Float.NaN, 0, "s"));
    assertEquals(Map.of(), new Event("u", "i", "view", 1, 0, "s").context());
    assertThrows(IllegalArgumentException.class, () -> new Item("x", "music", null, null, null, null, null, -1f, 0, null, null));
  }
}
