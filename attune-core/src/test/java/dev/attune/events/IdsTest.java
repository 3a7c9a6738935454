package dev.attune.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void printableEscapesWhatWouldBreakOrHideInALine() {
    assertEquals("x\\u000aadmin\\u0009", Ids.printable("x\nadmin\t"));
    assertEquals("app\\u202eevil", Ids.printable("app\u202Eevil"), "a right-to-left override would read backwards");
    assertEquals("a\\u2028b\\u200bc", Ids.printable("a\u2028b\u200Bc"), "line separator, zero-width space");
    assertEquals("half \\ud83c", Ids.printable("half \uD83C"), "a broken surrogate pair");
    assertEquals("caf\u00e9 \uD83C\uDFB5", Ids.printable("caf\u00e9 \uD83C\uDFB5"), "letters and whole pairs stay");
  }

  @Test
  void aShortenedIdIsCutBetweenCharactersNeverInsideAPair() {
    String notes = "\uD83C\uDFB5".repeat(70); // 70 characters, 140 chars
    String shown = Ids.printable(notes, 60);
    assertEquals("\uD83C\uDFB5".repeat(60) + "...", shown);
    assertFalse(Ids.hasControlOrBrokenSurrogate(shown));
    assertEquals("short", Ids.printable("short", 60), "nothing to cut, no dots");
    assertEquals("a".repeat(60), Ids.printable("a".repeat(60), 60));
  }

  @Test
  void problemNamesEachBrokenRule() {
    assertNull(Ids.problem("user-1"));
    assertEquals("is blank", Ids.problem(" "));
    assertTrue(Ids.problem("x".repeat(257)).startsWith("is longer than 256 characters"));
    assertNull(Ids.problem("\uD83C\uDFB5".repeat(256)), "256 characters of two chars each are 256, not 512");
    assertEquals("contains a control character or a broken surrogate pair", Ids.problem("a\u0000"));
    assertEquals("contains a control character or a broken surrogate pair", Ids.problem("\uDFB5a"));
  }
}
