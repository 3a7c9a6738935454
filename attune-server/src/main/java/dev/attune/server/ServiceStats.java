package dev.attune.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * What the service counts about its own traffic since it started, for the dashboard and {@code /metrics}:
 * ingestion requests rejected by reason (with the latest few kept for inspection), and how each recommendation
 * answer was served (by the attention model, the classic fallback, or cold start only).
 *
 * <p>Counts live in memory and start at 0 with the process; {@code /metrics} exports the same counts
 * ({@code attune_ingestion_rejected_total{reason}}, {@code attune_recommendations_total{served_by}}) for
 * anything that must outlive a restart.
 *
 * <p>Thread-safe.
 */
final class ServiceStats {
  /** Rejected requests kept for the data-quality page. */
  static final int RECENT_REJECTS = 50;
  /** Recommendation answers where some item came from the attention model. */
  static final String SERVED_BY_MODEL = "model";
  /** Answers with no model item but some from the classic fallback model. */
  static final String SERVED_BY_FALLBACK = "fallback";
  /** Answers from content matches and popularity only: the cold-start path. */
  static final String SERVED_BY_COLD_START = "cold-start";

  /** The batch element a field is in: {@code events[3].} or {@code [3].}. */
  private static final Pattern BATCH_ELEMENT = Pattern.compile("^[A-Za-z]*\\[\\d+]\\.");

  /**
   * One rejected ingestion request.
   *
   * @param timeMillis when it was answered
   * @param route the route, such as {@code POST /v1/events}
   * @param reason {@link #reason} of the error
   * @param field the field at fault as the client sent it ({@code events[3].timestamp}), or null
   * @param message the message the client got
   */
  record Reject(long timeMillis, String route, String reason, String field, String message) {}

  private final PrometheusMeterRegistry metrics;
  private final Map<String, LongAdder> rejects = new ConcurrentHashMap<>();
  private final Deque<Reject> recent = new ArrayDeque<>();
  private final Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> itemsBySource = new ConcurrentHashMap<>();

  ServiceStats(PrometheusMeterRegistry metrics) {
    this.metrics = metrics;
  }

  /**
   * The reason a rejected request is counted under: the error code, and the field at fault without batch
   * indices ({@code invalid_field: timestamp} for {@code events[3].timestamp}), so one kind of mistake in many
   * batches counts as one reason. A field no ingestion body has (a client's misspelling, or made-up names) counts
   * as {@code <error>: unknown field}, so clients cannot add reasons, and metric series, without bound.
   */
  static String reason(String error, String field) {
    // the checks of headers name the header (Authorization, Origin, Content-Type), upper-case unlike every body field:
    // "unauthorized", not "unauthorized: unknown field"
    if (field == null || field.isEmpty() || Character.isUpperCase(field.charAt(0))) return error;
    String f = BATCH_ELEMENT.matcher(field).replaceFirst("");
    // keep the first name only: what follows may be a client's own key (context.x, attributes.y)
    for (int k = 0; k < f.length(); k++) {
      if (f.charAt(k) == '.' || f.charAt(k) == '[') {
        f = f.substring(0, k);
        break;
      }
    }
    if (f.isEmpty()) return error;
    return RequestBodies.INGESTION_FIELDS.contains(f) ? error + ": " + f : error + ": unknown field";
  }

  /** Counts an ingestion request answered with a 4xx. */
  void rejected(long nowMillis, String route, String error, String field, String message) {
    String reason = reason(error, field);
    rejects.computeIfAbsent(reason, r -> new LongAdder()).increment();
    if (metrics != null) {
      Counter.builder("attune_ingestion_rejected").description("ingestion requests answered 4xx, by reason")
          .tag("reason", reason).register(metrics).increment();
    }
    synchronized (recent) {
      if (recent.size() == RECENT_REJECTS) recent.removeLast();
      recent.addFirst(new Reject(nowMillis, route, reason, field, message));
    }
  }

  /** Rejected requests per reason, sorted by reason. */
  Map<String, Long> rejectsByReason() {
    return snapshot(rejects);
  }

  /** The latest rejected requests, newest first. */
  List<Reject> recentRejects() {
    synchronized (recent) {
      return new ArrayList<>(recent);
    }
  }

  /**
   * Counts one recommendation answer by how it was served: {@link #SERVED_BY_MODEL} when any item came from
   * {@code modelKind}, else {@link #SERVED_BY_FALLBACK} when any came from {@code fallbackKind}, else {@link
   * #SERVED_BY_COLD_START}; and every item by its source.
   */
  void served(List<Recommendations.Recommended> items, String modelKind, String fallbackKind) {
    boolean model = false;
    boolean fallback = false;
    for (Recommendations.Recommended r : items) {
      model |= r.source().equals(modelKind);
      fallback |= r.source().equals(fallbackKind);
      itemsBySource.computeIfAbsent(r.source(), s -> new LongAdder()).increment();
    }
    String by = model ? SERVED_BY_MODEL : fallback ? SERVED_BY_FALLBACK : SERVED_BY_COLD_START;
    servedBy.computeIfAbsent(by, s -> new LongAdder()).increment();
    if (metrics != null) {
      Counter.builder("attune_recommendations").description("recommendation answers by what served them")
          .tag("served_by", by).register(metrics).increment();
    }
  }

  /** Recommendation answers by how they were served, sorted by key. */
  Map<String, Long> answersByServedBy() {
    return snapshot(servedBy);
  }

  /** Recommended items by source ({@code sasrec}, {@code itemknn}, {@code content}, {@code popular} ...). */
  Map<String, Long> itemsBySource() {
    return snapshot(itemsBySource);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
