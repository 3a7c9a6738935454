package dev.attune.data.importers;

import dev.attune.events.Event;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
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
    } else {
      t = required(type, m.type());
    }
    if (!cx.acceptsType(t)) {
      throw BadRow.unknownType(m.type() == null ? "default-type" : m.type(), t);
    }
    float v = m.defaultValue();
    if (m.value() != null) {
      String text = required(value, m.value());
      v = Fields.parseFloat(text, 0, text.length(), m.value());
    }
    String s = scene == null || scene.isBlank() ? defaultScene : scene.trim();
    long ts = switch (m.timeFormat()) {
      case EPOCH_SECONDS -> epochSeconds(required(time, m.timestamp()));
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

  /** The newest epoch-millis timestamp read, or -1. */
  private long newestMillis = -1;

  /**
   * Adds the import's notes on what the rows as a whole suggest: timestamps read as epoch milliseconds that all fall
   * in 1970-1973 are most likely epoch seconds (read as given, for times of that age are possible).
   */
  void noteWholeFile() {
    if (newestMillis > 0 && newestMillis < SECONDS_LIKELY_BELOW_MILLIS) {
      cx.report.note("every timestamp read as epoch milliseconds (the default) falls before 1973-03-03 (the newest, "
          + newestMillis + ", is " + java.time.Instant.ofEpochMilli(newestMillis) + "); if they are epoch seconds,"
          + " import again with time-format=epoch-seconds in --columns");
    }
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

  private long epochMillis(String text) throws BadRow {
    long ms = Fields.parseLong(text, 0, text.length(), m.timestamp());
    if (ms < 0) {
      throw BadRow.negative(m.timestamp(), text);
    }
    return ms;
  }

  private long iso(String text) throws BadRow {
    long ms;
    try {
      ms = parseIso(text);
    } catch (DateTimeException | ArithmeticException e) {
      throw BadRow.badDate(m.timestamp(), text);
    }
    if (ms < 0) {
      throw BadRow.negative(m.timestamp(), text);
    }
    return ms;
  }

  /** Epoch milliseconds of an ISO-8601 text; see {@link ColumnMapping.TimeFormat#ISO}. */
  static long parseIso(String text) {
    String s = text;
    if (s.length() > 10 && s.charAt(10) == ' ') {
      s = s.substring(0, 10) + 'T' + s.substring(11);
    }
    if (s.length() == 10) {
      return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
    TemporalAccessor t = DateTimeFormatter.ISO_DATE_TIME.parseBest(s, ZonedDateTime::from, LocalDateTime::from);
    if (t instanceof ZonedDateTime z) {
      return z.toInstant().toEpochMilli();
    }
    return ((LocalDateTime) t).toInstant(ZoneOffset.UTC).toEpochMilli();
  }
}
