package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How request bodies' numbers are read: integers as JSON Schema counts them. */
class RequestBodiesTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode json(String body) {
    return RequestBodies.readJson(MAPPER, body.getBytes(StandardCharsets.UTF_8));
  }

  // QA: a client holding milliseconds in a float (Python's float(ms)) sent 1700000000000.0 and got 400, though the
  // OpenAPI document (JSON Schema 2020-12) says an integer is any number without a fraction
  @Test
  void eventTimestampWithoutFractionIsAnIntegerInAnyNotation() {
    for (String t : new String[] {"1700000000000", "1700000000000.0", "1.7e12", "17E11"}) {
      var e = RequestBodies.event("",
          json("{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"view\",\"timestamp\":" + t + "}"), NOW);
      assertEquals(1_700_000_000_000L, e.event().timestamp(), t);
    }
  }

  @Test
  void eventTimestampWithFractionIsRefusedNamingTheField() {
    ApiException e = assertThrows(ApiException.class, () -> RequestBodies.event("",
        json("{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"view\",\"timestamp\":1700000000000.5}"), NOW));
    assertEquals(400, e.status());
    assertEquals("timestamp", e.field());
    assertTrue(e.getMessage().contains("must be an integer"), e.getMessage());
  }

  // a review: read as doubles, a fraction below their precision was lost and the number passed as an integer
  @Test
  void aFractionTooSmallForADoubleIsStillAFraction() {
    for (String t : new String[] {"1700000000000.0000001", "-1e-400", "9007199254740993.5"}) {
      ApiException e = assertThrows(ApiException.class, () -> RequestBodies.event("",
          json("{\"userId\":\"u\",\"itemId\":\"i\",\"type\":\"view\",\"timestamp\":" + t + "}"), NOW), t);
      assertEquals("timestamp", e.field(), t);
    }
  }

  @Test
  void attributeNumbersAreKeptAsText() {
    var attributes = RequestBodies.user("", json("{\"id\":\"u\",\"attributes\":{\"year\":2020,\"share\":0.5,"
        + "\"big\":1e3,\"member\":true}}"), null).attributes();
    assertEquals(java.util.Map.of("year", "2020", "share", "0.5", "big", "1E+3", "member", "true"), attributes);
  }

  @Test
  void countsAcceptWholeNumbersWrittenAsDecimalsAndRefuseFractionsAndRange() {
    assertEquals(10, RequestBodies.optionalInt(json("{\"k\":10.0}"), "k", 1, 1000, 5));
    assertEquals(10, RequestBodies.optionalInt(json("{\"k\":1e1}"), "k", 1, 1000, 5));
    assertEquals(5, RequestBodies.optionalInt(json("{}"), "k", 1, 1000, 5));
    ApiException fraction = assertThrows(ApiException.class,
        () -> RequestBodies.optionalInt(json("{\"k\":10.5}"), "k", 1, 1000, 5));
    assertEquals("k must be an integer", fraction.getMessage());
    ApiException range = assertThrows(ApiException.class,
        () -> RequestBodies.optionalInt(json("{\"k\":1e12}"), "k", 1, 1000, 5));
    assertTrue(range.getMessage().startsWith("k must be in [1, 1000]"), range.getMessage());
    assertThrows(ApiException.class, () -> RequestBodies.optionalInt(json("{\"k\":\"10\"}"), "k", 1, 1000, 5));
  }

  @Test
  void releaseTimeInExponentNotationIsRead() {
    assertEquals(1_000_000_000_000L,
        RequestBodies.item("", json("{\"id\":\"a\",\"releaseTime\":1e12}"), null).releaseTime());
  }
}
