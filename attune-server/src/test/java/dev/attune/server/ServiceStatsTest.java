package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's counters and the admin key's checks (#8). */
class ServiceStatsTest {

  @Test
  void reasonsDropBatchIndicesAndClientKeys() {
    assertEquals("invalid_field: timestamp", ServiceStats.reason("invalid_field", "events[3].timestamp"));
    assertEquals("invalid_field: userId", ServiceStats.reason("invalid_field", "[0].userId"));
    assertEquals("invalid_field: userId", ServiceStats.reason("invalid_field", "userId"));
    // a client's own map keys would make one reason per key: only the first name counts
    assertEquals("invalid_field: context", ServiceStats.reason("invalid_field", "events[1].context.my-key"));
    assertEquals("invalid_field: categories", ServiceStats.reason("invalid_field", "categories[2]"));
    assertEquals("unauthorized", ServiceStats.reason("unauthorized", "Authorization"), "a header, not a body field");
    assertEquals("unsupported_media_type", ServiceStats.reason("unsupported_media_type", "Content-Type"));
    assertEquals("origin_not_allowed", ServiceStats.reason("origin_not_allowed", "Origin"));
    assertEquals("invalid_query: unknown field", ServiceStats.reason("invalid_query", "dryrun"), "a made-up parameter");
    // names a client makes up share one reason, however many there are
    assertEquals("invalid_field: unknown field", ServiceStats.reason("invalid_field", "events[0].f123"));
    assertEquals("invalid_field: unknown field", ServiceStats.reason("invalid_field", "x".repeat(3000)));
    assertEquals("invalid_json", ServiceStats.reason("invalid_json", null));
    assertEquals("batch_too_large: events", ServiceStats.reason("batch_too_large", "events"));
    assertEquals("invalid_field", ServiceStats.reason("invalid_field", "[3]"), "a whole element of a bare array");
  }

  @Test
  void keepsTheLatestRejectsNewestFirst() {
    ServiceStats stats = new ServiceStats(null);
    for (int k = 0; k < ServiceStats.RECENT_REJECTS + 5; k++) {
      stats.rejected(k, "POST /v1/events", "invalid_field", "[" + k + "].type", "type is required");
    }
    assertEquals(Map.of("invalid_field: type", (long) ServiceStats.RECENT_REJECTS + 5), stats.rejectsByReason());
    List<ServiceStats.Reject> recent = stats.recentRejects();
    assertEquals(ServiceStats.RECENT_REJECTS, recent.size());
    assertEquals(ServiceStats.RECENT_REJECTS + 4, recent.get(0).timeMillis(), "newest first");
    assertEquals("[54].type", recent.get(0).field());
  }

  @Test
  void answersCountByHowTheyWereServed() {
    ServiceStats stats = new ServiceStats(null);
    var model = new Recommendations.Recommended("a", 1, null, "sasrec", null);
    var fallback = new Recommendations.Recommended("b", 1, null, "itemknn", null);
    var popular = new Recommendations.Recommended("c", 0.4, null, "popular", null);
    var content = new Recommendations.Recommended("d", 0.6, null, "content", null);
    stats.served(List.of(model, popular), "sasrec", "itemknn");
    stats.served(List.of(fallback, popular), "sasrec", "itemknn");
    stats.served(List.of(content, popular), "sasrec", "itemknn");
    stats.served(List.of(), "sasrec", "itemknn");
    stats.served(List.of(popular), null, null); // no model at all
    assertEquals(Map.of("model", 1L, "fallback", 1L, "cold-start", 3L), stats.answersByServedBy());
    assertEquals(Map.of("sasrec", 1L, "itemknn", 1L, "popular", 4L, "content", 1L), stats.itemsBySource());
  }

  @Test
  void adminKeysAreCheckedAndNeverPrinted() {
    String key = "a-long-enough-admin-key";
    ServerConfig config = ServerConfig.DEFAULTS.withAdminKey(key);
    assertEquals(key, config.adminKey());
    assertFalse(config.toString().contains(key), config.toString());
    assertNull(ServerConfig.DEFAULTS.adminKey(), "generated at start by default");
    IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.DEFAULTS.withAdminKey("short"));
    assertFalse(shortKey.getMessage().contains("short"), "the key is not echoed");
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.DEFAULTS.withAdminKey("has a space in it here"));
    // an API key's shape would escape the throttle on admin-key tries
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.DEFAULTS.withAdminKey("atk_operator-chosen-1"));
    assertTrue(config.withPort(0).adminKey().equals(key), "copies keep the key");
  }
}
