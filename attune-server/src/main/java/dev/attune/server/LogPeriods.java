package dev.attune.server;

import dev.attune.store.StoreStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The busy periods of an event log, for the dashboard's whole-log charts: a store that holds a data set of past events
 * (MovieLens's 1997-98, or S3Rec's positions, which export as times in January 1970) and live events of today spans
 * decades, and one chart over all of it squeezes each part into a few pixels at either end. The log is cut at its
 * long empty stretches, each period drawn on its own.
 *
 * <p>A stretch without events is a cut when it lasts at least {@link #MIN_GAP_DAYS} days and a quarter of the whole
 * span (so there are at most three cuts, four periods). A period's buckets are days, or several days when it is
 * longer than {@link Admin#MAX_DAY_BUCKETS}.
 */
final class LogPeriods {
  private LogPeriods() {}

  static final long DAY = 86_400_000L;
  /** Shortest empty stretch that cuts the log: an outage of weeks or months is part of its story, not a cut. */
  static final int MIN_GAP_DAYS = 365;

  /**
   * The periods of a log whose events fall on {@code days} (days since {@code originMillis}, a UTC midnight, in
   * order, each with its count), as JSON-ready maps: {@code fromMillis}, {@code toMillis} (the day after its last),
   * {@code bucketMillis}, {@code counts} and {@code total}. One period when there is no cut; none for no events.
   */
  static List<Map<String, Object>> of(StoreStats.Buckets days, long originMillis) {
    int busyDays = days.size();
    List<Map<String, Object>> periods = new ArrayList<>();
    if (busyDays == 0) return periods;
    long[] dayNumbers = days.buckets();
    long span = dayNumbers[busyDays - 1] - dayNumbers[0] + 1;
    // where the periods start: the first busy day, and each one after a stretch that cuts
    List<Integer> starts = new ArrayList<>(List.of(0));
    for (int k = 1; k < busyDays; k++) {
      long empty = dayNumbers[k] - dayNumbers[k - 1] - 1;
      if (empty >= MIN_GAP_DAYS && empty * 4 >= span) starts.add(k);
    }
    for (int p = 0; p < starts.size(); p++) {
      int first = starts.get(p);
      int end = p + 1 < starts.size() ? starts.get(p + 1) : busyDays; // exclusive
      long fromDay = dayNumbers[first];
      long spanDays = dayNumbers[end - 1] - fromDay + 1;
      long daysPerBucket = Admin.daysPerBucket(spanDays);
      long[] counts = new long[(int) ((spanDays + daysPerBucket - 1) / daysPerBucket)];
      long total = 0;
      for (int k = first; k < end; k++) {
        counts[(int) ((dayNumbers[k] - fromDay) / daysPerBucket)] += days.counts()[k];
        total += days.counts()[k];
      }
      Map<String, Object> period = new LinkedHashMap<>();
      period.put("fromMillis", originMillis + fromDay * DAY);
      period.put("toMillis", originMillis + (dayNumbers[end - 1] + 1) * DAY);
      period.put("bucketMillis", daysPerBucket * DAY);
      period.put("counts", counts);
      period.put("total", total);
      periods.add(period);
    }
    return periods;
  }
}
