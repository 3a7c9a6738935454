package dev.attune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EventLogTest {
  @Test
  void collapsesSameUserItemTypeAndTimeKeepingTheLastValue() {
    EventLog log = new EventLog();
    log.add(0, 1, 0, 3f, 100, 0);
    log.add(0, 1, 0, 4f, 100, 0); // same event again, corrected value: wins
    log.add(0, 1, 0, 5f, 200, 0); // a later play of the same item: kept
    log.add(0, 1, 1, 1f, 100, 0); // another type at the same time: kept
    log.add(1, 1, 0, 3f, 100, 0); // another user: kept
    assertEquals(1, log.collapseDuplicates());
    assertEquals(4, log.size());
    assertEquals(4f, log.value(0)); // input order preserved for survivors
    assertEquals(5f, log.value(1));
  }
}
