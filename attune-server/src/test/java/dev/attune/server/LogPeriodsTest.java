package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.store.StoreStats;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Where the whole-log charts cut a log into periods. */
class LogPeriodsTest {
  private static final long DAY = LogPeriods.DAY;

  private static StoreStats.Buckets days(long... days) {
    return new StoreStats.Buckets(days, LongStream.range(0, days.length).map(k -> k + 1).toArray());
  }

  @Test
  void aShortOutageDoesNotCutButDecadesBetweenTwoDataSetsDo() {
    assertEquals(1, LogPeriods.of(days(0, 1, 40, 41, 90), 0).size(), "38 empty days of a 91-day log");
    // of 2,601 days: 999 and 1,099 empty days cut, 499 (under a quarter of the span) do not
    assertEquals(List.of(0L, 1000 * DAY, 2600 * DAY), LogPeriods.of(days(0, 1000, 1500, 2600), 0).stream()
        .map(p -> (Long) p.get("fromMillis")).toList());
    assertEquals(0, LogPeriods.of(days(), 0).size());
    // MovieLens's months in 1997-98 and today's live events, 28 years later
    long origin = 874_713_600_000L; // 1997-09-20
    List<Map<String, Object>> two = LogPeriods.of(days(0, 1, 200, 10_300, 10_301), origin);
    assertEquals(2, two.size());
    assertEquals(List.of(origin, origin + 201 * DAY, DAY, 6L), List.of(two.get(0).get("fromMillis"),
        two.get(0).get("toMillis"), two.get(0).get("bucketMillis"), two.get(0).get("total")));
    assertEquals(201, ((long[]) two.get(0).get("counts")).length);
    assertArrayEquals(new long[] {4, 5}, (long[]) two.get(1).get("counts"));
    assertEquals(origin + 10_300 * DAY, two.get(1).get("fromMillis"));
  }

  @Test
  void stretchesShorterThanAQuarterOfTheSpanStayInsideAPeriodAndLongPeriodsTakeBucketsOfSeveralDays() {
    // empty stretches of 999, 2,999, 4,999 and 4,999 days in a span of 14,001: the two under 3,500 do not cut
    List<Map<String, Object>> periods = LogPeriods.of(days(0, 1000, 4000, 9000, 14_000), 0);
    assertEquals(List.of(0L, 9000 * DAY, 14_000 * DAY), periods.stream().map(p -> (Long) p.get("fromMillis")).toList());
    long[] first = (long[]) periods.get(0).get("counts");
    assertEquals(List.of(2001, 1L, 2L, 3L, 6L), List.of(first.length, first[0], first[500], first[2000],
        periods.get(0).get("total")), "days 0 to 4,000 in buckets of 2 days");
    assertEquals(2 * DAY, periods.get(0).get("bucketMillis"));
    assertTrue(first.length <= Admin.MAX_DAY_BUCKETS);
    assertArrayEquals(new long[] {5}, (long[]) periods.get(2).get("counts"));
  }
}
