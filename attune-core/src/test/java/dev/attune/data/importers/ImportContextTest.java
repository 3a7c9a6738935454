package dev.attune.data.importers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.EventLog;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImportContextTest {

  @Test
  void duplicateCheckFindsExactlyTheLogsWithDuplicates() {
    long seed = 20240611L;
    Random random = new Random(seed);
    for (int trial = 0; trial < 50; trial++) {
      EventLog log = new EventLog();
      int n = 1 + random.nextInt(200);
      for (int r = 0; r < n; r++) {
        log.add(random.nextInt(20), random.nextInt(20), random.nextInt(2), 1f, random.nextInt(5), 0);
      }
      EventLog copy = new EventLog();
      for (int r = 0; r < n; r++) {
        copy.add(log.user(r), log.item(r), log.type(r), log.value(r), log.time(r), log.scene(r));
      }
      int expected = copy.collapseDuplicates();
      assertEquals(expected > 0, ImportContext.mayHaveDuplicates(log), "seed " + seed + " trial " + trial);
      assertEquals(expected, ImportContext.collapse(log), "seed " + seed + " trial " + trial);
      assertEquals(copy.size(), log.size());
    }
  }

  @Test
  void eventsDifferingOnlyInTimeAreNotDuplicates() {
    EventLog log = new EventLog();
    log.add(1, 2, 0, 1f, 10, 0);
    log.add(1, 2, 0, 1f, 11, 0);
    log.add(1, 2, 1, 1f, 10, 0);
    assertFalse(ImportContext.mayHaveDuplicates(log));
    log.add(1, 2, 0, 5f, 10, 0);
    assertTrue(ImportContext.mayHaveDuplicates(log));
    assertEquals(1, ImportContext.collapse(log));
    assertEquals(3, log.size());
  }
}
