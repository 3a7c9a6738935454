package dev.attune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import org.junit.jupiter.api.Test;

class InteractionsTest {
  @Test
  void sumsDuplicatePairsAndSortsRows() {
    // (0,2) twice: 1 + 2 = 3; row 0 sorted as items 1, 2.
    Interactions m = Interactions.fromTriples(2, 3, new int[] {0, 0, 0, 1}, new int[] {2, 1, 2, 0},
        new float[] {1, 5, 2, 4});
    assertArrayEquals(new int[] {0, 2, 3}, m.indptr());
    assertArrayEquals(new int[] {1, 2, 0}, m.indices());
    assertArrayEquals(new float[] {5, 3, 4}, m.values());
    assertEquals(3f, m.get(0, 2));
    assertEquals(0f, m.get(1, 2));
  }

  @Test
  void transposeSwapsRoles() {
    Interactions m = Interactions.fromTriples(2, 3, new int[] {0, 0, 1}, new int[] {1, 2, 1}, new float[] {1, 2, 3});
    Interactions t = m.transpose();
    assertEquals(3, t.numUsers());
    assertEquals(2f, t.get(2, 0));
    assertEquals(3f, t.get(1, 1));
    assertArrayEquals(new int[] {0, 0, 2, 3}, t.indptr());
    assertArrayEquals(new int[] {0, 2, 1}, m.itemCounts());
  }

  @Test
  void positiveDropsNegativeEntries() {
    Interactions m = Interactions.fromTriples(1, 3, new int[] {0, 0, 0}, new int[] {0, 1, 2}, new float[] {1, -1, 0});
    assertArrayEquals(new int[] {0}, m.positive().indices());
  }

  @Test
  void rejectsUnsortedRows() {
    assertThrows(IllegalArgumentException.class,
        () -> new Interactions(1, 3, new int[] {0, 2}, new int[] {2, 1}, new float[2], new long[2]));
  }

  @Test
  void skipAfterPlayLowersTheEntry() {
    // play at full completion (+1) then skip (-1) of the same track: the entry sums to 0.
    Dataset ds = new Dataset("d", Dataset.TimeKind.CLOCK);
    ds.addEvent(new Event("u", "t", "play", 1f, 1, "music"));
    ds.addEvent(new Event("u", "t", "skip", 1f, 2, "music"));
    ds.addEvent(new Event("u", "x", "play", 0.1f, 3, "music")); // heard 10%: counts as a skip, -0.5
    TrainingSet t = DatasetBuilder.build(ds, EventWeights.defaults());
    assertEquals(0f, t.interactions().get(0, 0));
    assertEquals(-0.5f, t.interactions().get(0, 1));
    assertEquals(3, t.sequences().length(0));
  }

  @Test
  void memoryIsLinearInEvents() {
    // Column storage is 24 bytes per event (+ growth slack < 2x).
    EventLog log = new EventLog(16);
    for (int r = 0; r < 10_000; r++) log.add(r % 100, r % 37, 0, 1f, r, 0);
    assertEquals(10_000, log.size());
    double bytes = log.bytesPerEvent();
    assertEquals(true, bytes >= 24 && bytes < 48, "bytes per event " + bytes);
    log.trim();
    assertEquals(24.0, log.bytesPerEvent(), 1e-9);
  }
}
