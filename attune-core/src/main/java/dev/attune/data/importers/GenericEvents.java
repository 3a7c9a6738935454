package dev.attune.data.importers;

import dev.attune.events.Event;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;

/**
 * Turns the cells of one generic row ({@link CsvImporter}, {@link JsonLinesImporter}) into an event under a
 * {@link ColumnMapping}, validating each part.
 */
final class GenericEvents {
  private final ImportContext cx;
  private final ColumnMapping m;
  private final String defaultScene;

  GenericEvents(ImportContext cx) {
    this.cx = cx;
    this.m = cx.options.columns();
    this.defaultScene = m.defaultScene() != null ? m.defaultScene() : cx.options.sceneOr(Event.DEFAULT_SCENE);
  }

  /**
   * Validates one row and adds its event. Each argument is the raw cell text, or null when the column is
   * not mapped or the row lacks it.
   *
   * @throws BadRow if a required cell is missing or a cell is malformed
   */
  void add(String user, String item, String type, String value, String time, String scene) throws BadRow {
    String u = required(user, m.user());
    String i = required(item, m.item());
    String t;
    if (m.type() == null) {
      t = m.defaultType();
    } else if (isNull(type)) {
      t = m.defaultType(); // a database export leaves a cell it has no value for empty, or writes NULL
      typesDefaulted++;
    } else {
      t = type.trim();
    }
    if (!cx.acceptsType(t)) {
      throw BadRow.unknownType(m.type() == null ? "default-type" : m.type(), t, cx.options.weights().types().stream()
          .map(dev.attune.events.EventType::name).sorted().toList());
    }
    if (cx.options.weights().type(t).isEmpty()) unknownTypes.merge(t, 1L, Long::sum);
    float v = m.defaultValue();
    if (m.value() != null) {
      if (isNull(value)) {
        valuesDefaulted++; // an amount set on purchases only: the views' cells are empty
      } else {
        String text = value.trim();
        try {
          v = Fields.parseFloat(text, 0, text.length(), m.value());
        } catch (BadRow e) {
          if (DECIMAL_COMMA.matcher(text).matches()) {
            throw BadRow.badNumber(m.value(), text, "a decimal comma: write decimals with a point (a spreadsheet"
                + " saved in a locale that writes 15,50 does this; save it as CSV in an English locale, or replace"
                + " the commas)");
          }
          throw e;
        }
      }
    }
    if (v != Math.rint(v) && cx.options.weights().type(t)
        .filter(known -> known.rule() == dev.attune.events.EventType.ValueRule.SCALE).isPresent()) {
      fractionalScaled.merge(t, 1L, Long::sum); // an amount of money where a quantity is meant
    }
    String s = scene == null || scene.isBlank() ? defaultScene : scene.trim();
    long ts = switch (m.timeFormat()) {
      case EPOCH_SECONDS -> {
        long ms = epochSeconds(required(time, m.timestamp()));
        oldestSecondsMillis = Math.min(oldestSecondsMillis, ms);
        yield ms;
      }
      case EPOCH_MILLIS -> {
        long ms = epochMillis(required(time, m.timestamp()));
        newestMillis = Math.max(newestMillis, ms);
        yield ms;
      }
      case ISO -> iso(required(time, m.timestamp()));
      case ORDINAL -> cx.nextPosition(u);
      case NONE -> 0L;
    };
    cx.add(new Event(u, i, t, v, ts, s));
  }

  /**
   * Epoch milliseconds before this (1973-03-03) are rarely meant: epoch seconds of any date since 1973 are smaller,
   * so a file of them read as milliseconds lands wholly before it.
   */
  static final long SECONDS_LIKELY_BELOW_MILLIS = 100_000_000_000L;

  /**
   * Epoch seconds after this (the year 3000, in milliseconds) are rarely meant: epoch milliseconds of any date since
   * 2001 read as seconds land after it.
   */
  static final long MILLIS_LIKELY_ABOVE_SECONDS = 32_503_680_000_000L;

  /** A number written with a decimal comma, as spreadsheets in many locales save it. */
  private static final java.util.regex.Pattern DECIMAL_COMMA = java.util.regex.Pattern.compile("-?\\d+,\\d+");
  /** The start of an ISO-8601 date, for a hint when one is read as a number. */
  private static final java.util.regex.Pattern ISO_DATE_START = java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*");

  /** The newest epoch-millis timestamp read, or -1. */
  private long newestMillis = -1;
  /** The oldest epoch-seconds timestamp read (in milliseconds), or Long.MAX_VALUE. */
  private long oldestSecondsMillis = Long.MAX_VALUE;
  /** ISO times read without a zone or offset (taken in the mapping's time zone, UTC by default). */
  private long zonelessTimes;
  /** Empty or NULL cells of the value and type columns, read as the defaults. */
  private long valuesDefaulted;
  private long typesDefaulted;
  /** Events of types the weight table does not name, by type (accepted when the weights weigh unknown types). */
  private final java.util.Map<String, Long> unknownTypes = new java.util.TreeMap<>();
  /** Values that are not whole numbers of types whose weight scales by the value (a purchase's quantity), by type. */
  private final java.util.Map<String, Long> fractionalScaled = new java.util.TreeMap<>();

  /**
   * Adds the import's notes on what the rows as a whole suggest: timestamps read as epoch milliseconds that all fall
   * in 1970-1973 are most likely epoch seconds, and epoch seconds that all fall after the year 3000 most likely
   * milliseconds (each read as given, for such times are possible); times read without a zone; empty value and type
   * cells read as the defaults; types the weight table does not name.
   */
  void noteWholeFile() {
    if (newestMillis > 0 && newestMillis < SECONDS_LIKELY_BELOW_MILLIS) {
      cx.report.note("every timestamp read as epoch milliseconds (the default) falls before 1973-03-03 (the newest, "
          + newestMillis + ", is " + java.time.Instant.ofEpochMilli(newestMillis) + "); if they are epoch seconds,"
          + " import again with time-format=epoch-seconds in --columns");
    }
    if (oldestSecondsMillis != Long.MAX_VALUE && oldestSecondsMillis > MILLIS_LIKELY_ABOVE_SECONDS) {
      cx.report.note("every timestamp read as epoch seconds falls after the year 3000 (the oldest is "
          + java.time.Instant.ofEpochMilli(oldestSecondsMillis) + "); if they are epoch milliseconds, import again"
          + " with time-format=epoch-millis in --columns");
    }
    if (zonelessTimes > 0) {
      boolean utc = m.timeZone().equals(ZoneOffset.UTC);
      cx.report.note(zonelessTimes + " times had no zone or offset and were read as " + (utc ? "UTC"
          : m.timeZone().getId()) + (utc ? "; if they are local times, add time-zone=<zone> (such as"
              + " time-zone=Europe/Berlin) to --columns" : ""));
    }
    if (valuesDefaulted > 0) {
      cx.report.note(valuesDefaulted + " rows had an empty or NULL '" + m.value() + "' and took the default value "
          + m.defaultValue() + " (default-value in --columns)");
    }
    if (typesDefaulted > 0) {
      cx.report.note(typesDefaulted + " rows had an empty or NULL '" + m.type() + "' and took the default type "
          + m.defaultType() + " (default-type in --columns)");
    }
    fractionalScaled.forEach((type, n) -> cx.report.note(n + " " + type + " values are not whole numbers: a " + type
        + " weighs as many times as its value says (a quantity), so an amount of money such as 20.99 weighs as 21 of"
        + " them; map value to a quantity, or leave it out"));
    if (!unknownTypes.isEmpty()) {
      StringBuilder list = new StringBuilder();
      unknownTypes.forEach((type, n) -> list.append(list.isEmpty() ? "" : ", ").append(type).append(" (").append(n)
          .append(')'));
      cx.report.note("event types the weight table does not name, each counted as a positive event of weight 1, as"
          + " the server counts them: " + list);
    }
  }

  /** Whether a cell says nothing: absent, blank, or the NULL a database export writes. */
  private static boolean isNull(String cell) {
    return cell == null || cell.isBlank() || cell.strip().equalsIgnoreCase("null");
  }

  private static String required(String cell, String column) throws BadRow {
    if (cell == null || cell.isBlank()) {
      throw BadRow.missing(column);
    }
    return cell.trim();
  }

  /**
   * Epoch milliseconds of {@code seconds[.fraction]}: the first three fraction digits are milliseconds and
   * further digits are dropped. Every message quotes the whole text, not the part that failed.
   */
  private long epochSeconds(String text) throws BadRow {
    try {
      return epochSecondsOrBad(text);
    } catch (BadRow e) {
      throw badTime(text, e);
    }
  }

  private long epochSecondsOrBad(String text) throws BadRow {
    String field = m.timestamp();
    int dot = text.indexOf('.');
    if (dot < 0) {
      return Fields.secondsToMillis(Fields.parseLong(text, 0, text.length(), field), field, text);
    }
    int start = text.charAt(0) == '-' ? 1 : 0;
    if (!isDigits(text, start, dot) || !isDigits(text, dot + 1, text.length()) || dot + 1 == text.length()) {
      throw BadRow.badNumber(field, text);
    }
    if (start > 0) {
      throw BadRow.negative(field, text);
    }
    long whole;
    try {
      whole = dot == 0 ? 0 : Fields.parseLong(text, 0, dot, field);
    } catch (BadRow tooManyDigits) {
      throw BadRow.badNumber(field, text);
    }
    long millis = Fields.secondsToMillis(whole, field, text);
    long fraction = 0;
    for (int k = dot + 1; k <= dot + 3; k++) {
      fraction = fraction * 10 + (k < text.length() ? text.charAt(k) - '0' : 0);
    }
    if (millis > Long.MAX_VALUE - fraction) {
      throw BadRow.outOfRange(field, text, "epoch seconds up to " + Long.MAX_VALUE / 1000);
    }
    return millis + fraction;
  }

  private static boolean isDigits(String s, int from, int to) {
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** A number that would not parse, with a hint when it is an ISO date-time (the commonest export format). */
  private BadRow badTime(String text, BadRow e) {
    return ISO_DATE_START.matcher(text).matches()
        ? BadRow.badNumber(m.timestamp(), text, "it is a date-time: add time-format=iso to --columns")
        : e;
  }

  private long epochMillis(String text) throws BadRow {
    long ms;
    try {
      ms = Fields.parseLong(text, 0, text.length(), m.timestamp());
    } catch (BadRow e) {
      throw badTime(text, e);
    }
    if (ms < 0) {
      throw BadRow.negative(m.timestamp(), text);
    }
    return ms;
  }

  private long iso(String text) throws BadRow {
    long ms;
    try {
      TemporalAccessor t = parseIsoTemporal(text);
      if (t instanceof LocalDateTime local) {
        zonelessTimes++;
        ms = local.atZone(m.timeZone()).toInstant().toEpochMilli();
      } else {
        ms = toEpochMillis(t);
      }
    } catch (DateTimeException | ArithmeticException e) {
      throw BadRow.badDate(m.timestamp(), text);
    }
    if (ms < 0) {
      throw BadRow.negative(m.timestamp(), text);
    }
    return ms;
  }

  /**
   * ISO-8601 local date-times with the offsets databases write beside the extended {@code +02:00}: PostgreSQL's
   * {@code +02} (its default text of a timestamptz) and the basic {@code +0200}.
   */
  private static final DateTimeFormatter LOCAL_WITH_ANY_OFFSET = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
      .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
      .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
      .optionalStart().appendOffset("+HH", "Z").optionalEnd()
      .toFormatter();

  /** Epoch milliseconds of an ISO-8601 text, a time without zone taken as UTC; see {@link ColumnMapping.TimeFormat#ISO}. */
  static long parseIso(String text) {
    TemporalAccessor t = parseIsoTemporal(text);
    return t instanceof LocalDateTime local ? local.toInstant(ZoneOffset.UTC).toEpochMilli() : toEpochMillis(t);
  }

  /** An ISO-8601 text as a zoned or offset date-time, or a local one when it names no zone. */
  private static TemporalAccessor parseIsoTemporal(String text) {
    String s = text;
    if (s.length() > 10 && s.charAt(10) == ' ') {
      s = s.substring(0, 10) + 'T' + s.substring(11);
    }
    if (s.length() == 10) {
      return LocalDate.parse(s).atStartOfDay();
    }
    try {
      return DateTimeFormatter.ISO_DATE_TIME.parseBest(s, ZonedDateTime::from, LocalDateTime::from);
    } catch (DateTimeParseException e) {
      return LOCAL_WITH_ANY_OFFSET.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
    }
  }

  private static long toEpochMillis(TemporalAccessor zonedOrOffset) {
    return zonedOrOffset instanceof ZonedDateTime z ? z.toInstant().toEpochMilli()
        : ((OffsetDateTime) zonedOrOffset).toInstant().toEpochMilli();
  }
}
