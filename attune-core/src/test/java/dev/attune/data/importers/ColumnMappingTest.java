package dev.attune.data.importers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.data.Dataset;
import org.junit.jupiter.api.Test;

class ColumnMappingTest {

  @Test
  void parsesTheDocumentedExample() {
    ColumnMapping m = ColumnMapping.parse("user=uid,item=iid,type=action,value=v,timestamp=ts");
    assertEquals("uid", m.user());
    assertEquals("iid", m.item());
    assertEquals("action", m.type());
    assertEquals("v", m.value());
    assertEquals("ts", m.timestamp());
    assertNull(m.scene());
    assertEquals(ColumnMapping.TimeFormat.EPOCH_MILLIS, m.timeFormat()); // default with a timestamp column
    assertEquals(Dataset.TimeKind.CLOCK, m.timeFormat().timeKind());
    assertEquals(',', m.delimiter());
  }

  @Test
  void aTimeZoneIsForIsoTimesAndRoundTrips() {
    ColumnMapping berlin = ColumnMapping.parse("timestamp=ts,time-format=iso,time-zone=Europe/Berlin");
    assertEquals(java.time.ZoneId.of("Europe/Berlin"), berlin.timeZone());
    assertEquals(berlin, ColumnMapping.parse(berlin.toSpec()));
    ColumnMapping comma = ColumnMapping.parse("value=v,decimal=comma,delimiter=semicolon");
    org.junit.jupiter.api.Assertions.assertTrue(comma.decimalComma());
    assertEquals(comma, ColumnMapping.parse(comma.toSpec()), "the spec written says it too");
    // epoch times name their instant: a zone for them would be ignored, so it is refused
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ColumnMapping.parse("timestamp=ts,time-format=epoch-seconds,time-zone=Europe/Berlin"));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("time-format=iso"), e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ColumnMapping.parse("timestamp=ts,time-format=iso,time-zone=Mars/Olympus"));
  }

  @Test
  void emptySpecGivesDefaults() {
    assertEquals(ColumnMapping.DEFAULTS, ColumnMapping.parse(""));
    assertEquals(ColumnMapping.DEFAULTS, ColumnMapping.parse(null));
    assertEquals(Dataset.TimeKind.NONE, ColumnMapping.DEFAULTS.timeFormat().timeKind());
  }

  @Test
  void specRoundTrips() {
    ColumnMapping m = ColumnMapping.parse(" user = u , item=i, scene=s, default-type=play, default-value=0.5,"
        + "default-scene=music, timestamp=t, time-format=ISO, delimiter=semicolon, header=no");
    assertEquals(m, ColumnMapping.parse(m.toSpec()));
    assertEquals(';', m.delimiter());
    assertEquals(ColumnMapping.TimeFormat.ISO, m.timeFormat());
  }

  @Test
  void rejectsInconsistentSpecs() {
    assertThrows(IllegalArgumentException.class, () -> ColumnMapping.parse("colour=red"));
    assertThrows(IllegalArgumentException.class, () -> ColumnMapping.parse("user"));
    assertThrows(IllegalArgumentException.class, () -> ColumnMapping.parse("time-format=iso"));
    assertThrows(IllegalArgumentException.class, () -> ColumnMapping.parse("timestamp=ts,time-format=none"));
    assertThrows(IllegalArgumentException.class, () -> ColumnMapping.parse("delimiter=ab"));
    assertThrows(IllegalArgumentException.class, () -> ColumnMapping.parse("user="));
    assertThrows(IllegalArgumentException.class, () -> ColumnMapping.parse("default-value=lots"));
  }
}
