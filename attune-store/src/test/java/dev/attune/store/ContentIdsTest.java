package dev.attune.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.attune.events.Event;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ContentIdsTest {

  private static final Event EVENT = new Event("user-1", "item-1", "play", 0.5f, 1_700_000_000_000L, "music");

  @Test
  void encodingIsPinned() {
    // Stored ids depend on this value: if it changes, retries of old events would be stored twice.
    // Worked out apart from this code, from the encoding in ContentIds' javadoc:
    //   def f(s): b = s.encode(); return struct.pack('>i', len(b)) + b
    //   '%016x' % 1700000000000 + sha256(f('attune-event-v1') + f('user-1') + f('item-1') + f('play')
    //          + struct.pack('>f', 0.5) + struct.pack('>q', 1700000000000) + f('music')).hexdigest()[:48]
    assertEquals("h:" + "0000018bcfe56800" + "1569dd0b0fd261ea6810e05a03202ffee868e8f4b5135505", ContentIds.of(EVENT));
  }

  @Test
  void everyFieldButTheContextCounts() {
    String id = ContentIds.of(EVENT);
    assertEquals(id, ContentIds.of(new Event("user-1", "item-1", "play", 0.5f, 1_700_000_000_000L, "music",
        Map.of("device", "phone"))));
    List<Event> others = List.of(
        new Event("user-2", "item-1", "play", 0.5f, 1_700_000_000_000L, "music"),
        new Event("user-1", "item-2", "play", 0.5f, 1_700_000_000_000L, "music"),
        new Event("user-1", "item-1", "skip", 0.5f, 1_700_000_000_000L, "music"),
        new Event("user-1", "item-1", "play", 0.25f, 1_700_000_000_000L, "music"),
        new Event("user-1", "item-1", "play", 0.5f, 1_700_000_000_001L, "music"),
        new Event("user-1", "item-1", "play", 0.5f, 1_700_000_000_000L, "shop"),
        new Event("user-1", "item-1", "PLAY", 0.5f, 1_700_000_000_000L, "music"));
    for (Event other : others) {
      assertNotEquals(id, ContentIds.of(other), other.toString());
    }
  }

  @Test
  void fieldBoundariesAreKept() {
    // Without length prefixes "ab"+"c" and "a"+"bc" would hash alike.
    assertNotEquals(ContentIds.of(new Event("ab", "c", "play", 1f, 0L, "music")),
        ContentIds.of(new Event("a", "bc", "play", 1f, 0L, "music")));
  }

  @Test
  void negativeZeroHashesAsZero() {
    assertEquals(ContentIds.of(new Event("u", "i", "play", 0f, 0L, "music")),
        ContentIds.of(new Event("u", "i", "play", -0f, 0L, "music")));
  }
}
