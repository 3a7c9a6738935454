package dev.attune.data.importers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one {@link Importer#importInto} call read, kept and dropped, and how long it took.
 *
 * <p>Counts:
 * <ul>
 *   <li>{@link #rowsRead()}: non-blank rows of the event files (one row may hold many events, as in S3Rec
 *       sequence files); {@link #metadataRows()}: non-blank rows of user, item and tag files. Header lines
 *       are not counted.</li>
 *   <li>{@link #eventsAccepted()}: events added to the data set, {@link #givenTestEvents()} of them to its
 *       {@linkplain dev.attune.data.Dataset#givenTest() given test part}. Counted before duplicates are
 *       collapsed, so an import into an empty data set leaves {@code eventsAccepted() - duplicatesCollapsed()}
 *       events.</li>
 *   <li>{@link #rejected()}: rows skipped in lenient mode, by reason (the constants of this class);
 *       a rejected row adds no event, even when it held several.</li>
 *   <li>{@link #duplicatesCollapsed()}: events removed by
 *       {@link dev.attune.data.EventLog#collapseDuplicates()}, called on the data set's logs at the end of
 *       every import.</li>
 * </ul>
 *
 * <p>Filled by one import, then read-only. The accessors are safe to call from any thread once the import
 * has returned.
 */
public final class ImportReport {

  /** A field the format requires is absent or empty. */
  public static final String MISSING_FIELD = "missing field";
  /** A row has more fields than the format defines. */
  public static final String EXTRA_FIELD = "extra field";
  /** A field that must be a number (ids in numeric formats, values, timestamps) is not one. */
  public static final String BAD_NUMBER = "bad number";
  /** A timestamp, count or age is negative. */
  public static final String NEGATIVE_VALUE = "negative value";
  /** A value outside the format's range, such as a MovieLens rating outside 1 to 5. */
  public static final String OUT_OF_RANGE = "out of range";
  /** An event type the options' {@link dev.attune.events.EventWeights} does not accept. */
  public static final String UNKNOWN_EVENT_TYPE = "unknown event type";
  /** Bytes that are not valid in the file's character encoding. */
  public static final String BAD_ENCODING = "bad encoding";
  /** A date or date-time that cannot be parsed. */
  public static final String BAD_DATE = "bad date";
  /** A JSON line or file that cannot be parsed, or is not shaped as the format requires. */
  public static final String BAD_JSON = "bad json";
  /** A CSV record that cannot be parsed (an unclosed quote), or a header naming a mapped column twice. */
  public static final String BAD_CSV = "bad csv";
  /** An id that a mapping or lookup file does not define. */
  public static final String UNKNOWN_ID = "unknown id";
  /** An id the API could never name: over 256 characters, or with a control character ({@link dev.attune.events.Ids}). */
  public static final String BAD_ID = "bad id";
  /** An id defined twice in a mapping file. */
  public static final String DUPLICATE_ID = "duplicate id";
  /** A line longer than any text format allows (256 MiB); always fatal, since the file is not of the format. */
  public static final String LINE_TOO_LONG = "line too long";

  private static final int MAX_SAMPLES = 10;

  private final String format;
  private final Path input;
  private long rowsRead;
  private long metadataRows;
  private long eventsAccepted;
  private long givenTestEvents;
  private final Map<String, Long> rejected = new LinkedHashMap<>();
  private final List<String> rejectionSamples = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private long duplicatesCollapsed;
  private long elapsedNanos;

  ImportReport(String format, Path input) {
    this.format = format;
    this.input = input;
  }

  /** Hears the rows read every {@link ImportOptions#PROGRESS_EVERY_ROWS}; null for nobody. */
  private java.util.function.LongConsumer progress;

  void reportProgressTo(java.util.function.LongConsumer progress) {
    this.progress = progress;
  }

  void countRow(boolean metadata) {
    if (metadata) {
      metadataRows++;
    } else {
      rowsRead++;
    }
    if (progress != null && (rowsRead + metadataRows) % ImportOptions.PROGRESS_EVERY_ROWS == 0) {
      progress.accept(rowsRead + metadataRows);
    }
  }

  void countEvent(boolean givenTest) {
    eventsAccepted++;
    if (givenTest) {
      givenTestEvents++;
    }
  }

  void countRejected(String reason, String message) {
    rejected.merge(reason, 1L, Long::sum);
    if (rejectionSamples.size() < MAX_SAMPLES) {
      rejectionSamples.add(message);
    }
  }

  void note(String note) {
    notes.add(note);
  }

  void finish(long duplicates, long nanos) {
    this.duplicatesCollapsed = duplicates;
    this.elapsedNanos = nanos;
  }

  /** The format name, as accepted by {@link Importer#forFormat}. */
  public String format() {
    return format;
  }

  /** The input path the import was given. */
  public Path input() {
    return input;
  }

  /** Non-blank rows read from event files, including rejected ones; headers excluded. */
  public long rowsRead() {
    return rowsRead;
  }

  /** Non-blank rows read from metadata files (users, items, tags, id maps), including rejected ones. */
  public long metadataRows() {
    return metadataRows;
  }

  /** Events added to the data set (main log plus given test part), before collapsing duplicates. */
  public long eventsAccepted() {
    return eventsAccepted;
  }

  /** Of {@link #eventsAccepted()}, those added to the given test part. */
  public long givenTestEvents() {
    return givenTestEvents;
  }

  /** Rejected rows by reason, in order of first occurrence (unmodifiable; empty after a clean import). */
  public Map<String, Long> rejected() {
    return Collections.unmodifiableMap(rejected);
  }

  /** Rejected rows with {@code reason}, 0 if none. */
  public long rejected(String reason) {
    return rejected.getOrDefault(reason, 0L);
  }

  /** All rejected rows. */
  public long rejectedRows() {
    long n = 0;
    for (long c : rejected.values()) {
      n += c;
    }
    return n;
  }

  /** Messages ({@code file:line: detail}) of the first few rejected rows, to show what went wrong. */
  public List<String> rejectionSamples() {
    return Collections.unmodifiableList(rejectionSamples);
  }

  /** Remarks such as optional files that were absent or metadata that matched no item. */
  public List<String> notes() {
    return Collections.unmodifiableList(notes);
  }

  /** Events removed as duplicates at the end of the import. */
  public long duplicatesCollapsed() {
    return duplicatesCollapsed;
  }

  /** Wall-clock time of the whole import, metadata and duplicate collapsing included. */
  public long elapsedNanos() {
    return elapsedNanos;
  }

  /** {@link #eventsAccepted()} per second of {@link #elapsedNanos()}; 0 if nothing was timed. */
  public double eventsPerSecond() {
    return elapsedNanos <= 0 ? 0 : eventsAccepted * 1e9 / elapsedNanos;
  }

  /** A readable multi-line summary. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(format).append(" import of ").append(input).append('\n');
    sb.append(String.format(Locale.ROOT, "  rows read:            %,d (+ %,d metadata rows)\n", rowsRead, metadataRows));
    sb.append(String.format(Locale.ROOT, "  events accepted:      %,d", eventsAccepted));
    if (givenTestEvents > 0) {
      sb.append(String.format(Locale.ROOT, " (%,d to the given test part)", givenTestEvents));
    }
    sb.append('\n');
    sb.append(String.format(Locale.ROOT, "  rows rejected:        %,d\n", rejectedRows()));
    for (Map.Entry<String, Long> e : rejected.entrySet()) {
      sb.append(String.format(Locale.ROOT, "    %-20s%,d\n", e.getKey() + ":", e.getValue()));
    }
    for (String s : rejectionSamples) {
      sb.append("    e.g. ").append(s).append('\n');
    }
    sb.append(String.format(Locale.ROOT, "  duplicates collapsed: %,d\n", duplicatesCollapsed));
    sb.append(String.format(Locale.ROOT, "  time:                 %,.1f ms (%,.0f events/s)", elapsedNanos / 1e6,
        eventsPerSecond()));
    for (String n : notes) {
      sb.append("\n  note: ").append(n);
    }
    return sb.toString();
  }
}
