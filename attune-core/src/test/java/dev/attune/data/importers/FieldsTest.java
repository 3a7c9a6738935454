package dev.attune.data.importers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FieldsTest {

  private static String reason(Executable e) {
    try {
      e.run();
    } catch (BadRow b) {
      return b.reason;
    }
    throw new AssertionError("no BadRow");
  }

  private interface Executable {
    void run() throws BadRow;
  }

  @Test
  void splitsKeepEmptyFieldsAndNameThem() throws BadRow {
    Fields f = new Fields("a", "b", "c");
    assertEquals(4, f.split("1||3|", '|'));
    assertEquals("", f.text(1));
    assertEquals("", f.text(3));
    assertEquals(3, f.split("x::y::z", "::"));
    assertEquals("z", f.text(2));
    assertEquals(3, f.splitWhitespace("  1 \t 2   3 "));
    assertEquals("3", f.text(2));
    assertEquals("c", f.name(7)); // past the end: the last name
    f.split("1|2", '|');
    BadRow missing = assertThrows(BadRow.class, () -> f.require(3));
    assertEquals("missing field 'c'", missing.getMessage());
  }

  @Test
  void parsesIntegersStrictly() throws BadRow {
    assertEquals(-42, Fields.parseLong("-42", 0, 3, "n"));
    assertEquals(Long.MAX_VALUE, Fields.parseLong("9223372036854775807", 0, 19, "n"));
    assertEquals(ImportReport.BAD_NUMBER, reason(() -> Fields.parseLong("9223372036854775808", 0, 19, "n")));
    assertEquals(ImportReport.BAD_NUMBER, reason(() -> Fields.parseLong("-", 0, 1, "n")));
    assertEquals(ImportReport.BAD_NUMBER, reason(() -> Fields.parseLong("+1", 0, 2, "n")));
    assertEquals(ImportReport.BAD_NUMBER, reason(() -> Fields.parseLong(" 1", 0, 2, "n")));
    assertEquals(ImportReport.MISSING_FIELD, reason(() -> Fields.parseLong("", 0, 0, "n")));
    assertEquals(ImportReport.BAD_NUMBER, reason(() -> Fields.parseId("-1", 0, 2, "id")));
  }

  @Test
  void parsesFiniteDecimalsOnly() throws BadRow {
    assertEquals(4f, Fields.parseFloat("4", 0, 1, "v"));
    assertEquals(-0.5f, Fields.parseFloat("-0.5", 0, 4, "v"));
    assertEquals(1000f, Fields.parseFloat("1e3", 0, 3, "v"));
    assertEquals(5f, Fields.parseFloat("+5", 0, 2, "v"));
    assertEquals(123456789f, Fields.parseFloat("123456789", 0, 9, "v")); // past the integer fast path
    for (String bad : new String[] {"NaN", "Infinity", "1f", "0x1p3", "1e99", "1.2.3", "-", "1,5"}) {
      assertEquals(ImportReport.BAD_NUMBER, reason(() -> Fields.parseFloat(bad, 0, bad.length(), "v")), bad);
    }
  }

  @Test
  void canonicalisesNumericIds() throws BadRow {
    NumericIds ids = new NumericIds();
    Fields f = new Fields("id");
    f.split("007", '|');
    String a = f.numericId(0, ids);
    f.split("7", '|');
    assertSame(a, f.numericId(0, ids));
    assertEquals("7", a);
    assertEquals("book:12", new NumericIds("book:").get(12));
    assertEquals("5000000000", ids.get(5_000_000_000L));
    // two ids sharing a slot both come out right
    assertEquals("1", ids.get(1));
    assertEquals(Long.toString(1 + NumericIds.SLOTS), ids.get(1 + NumericIds.SLOTS));
    assertEquals("1", ids.get(1));
  }

  @Test
  void parsesIsoTimes() {
    assertEquals(1511611200000L, GenericEvents.parseIso("2017-11-25T12:00:00Z"));
    assertEquals(1511611200000L, GenericEvents.parseIso("2017-11-25T20:00:00+08:00"));
    assertEquals(1511611200500L, GenericEvents.parseIso("2017-11-25 12:00:00.5"));
    assertEquals(1511568000000L, GenericEvents.parseIso("2017-11-25"));
  }
}
