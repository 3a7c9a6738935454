package dev.attune.data.importers;

import dev.attune.events.Event;
import dev.attune.events.EventType;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.TemporalAccessor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

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
    String u = id(required(user, m.user()), m.user());
    String i = id(required(item, m.item()), m.item());
    // a database export leaves a cell it has no value for empty, or writes NULL (\\N in MySQL): the type, value and
    // scene take their defaults there; a type absent from the row (a short CSV row, a JSON field left out) is missing
    boolean typeDefaulted = m.type() != null && isNull(present(type, m.type()));
    String t = m.type() == null || typeDefaulted ? m.defaultType() : trimSpaces(type);
    if (!cx.acceptsType(t)) {
      throw BadRow.unknownType(m.type() == null ? "default-type" : m.type(), t, cx.options.weights().types().stream()
          .map(EventType::name).sorted().toList());
    }
    String typeName = id(t, m.type() == null ? "default-type" : m.type()).toLowerCase(Locale.ROOT); // as kept
    // looked up once per row: the rule says what the row's value means, its absence that the type is unknown
    EventType.ValueRule rule = cx.options.weights().type(t).map(EventType::rule).orElse(null);
    boolean unknownType = rule == null;
    if (unknownType && !unknownTypes.containsKey(typeName) && unknownTypes.size() == MAX_UNKNOWN_TYPES) {
      // a column of titles or ids mapped as the type would make every row a type of its own
      throw new IllegalArgumentException("column '" + m.type() + "' holds more than " + MAX_UNKNOWN_TYPES + " event"
          + " types the weight table does not name (such as " + String.join(", ", unknownTypes.keySet().stream()
              .limit(5).toList()) + "): is it the column of event types? Map type= to it in --columns");
    }
    float v = m.defaultValue();
    // a value left out takes the default too (JSON lines whose purchases alone carry a quantity); the note counts it,
    // so a misspelt name shows as every row without one
    boolean valueDefaulted = m.value() != null && isNull(value);
    if (m.value() != null && !valueDefaulted) {
      String text = value.trim();
      if (m.decimalComma()) {
        // 1.234,5 is 1234.5 where a comma marks the fraction, the dots grouping thousands; a value written with a
        // point (1.5, as JSON numbers are) is not one of those, and read so it would silently be 15
        if (!DECIMAL_COMMA.matcher(text).matches()) {
          throw BadRow.badNumber(m.value(), text, "with decimal=comma a value is written 1234,5 or 1.234,5");
        }
        text = text.replace(".", "").replace(',', '.');
      }
      try {
        v = Fields.parseFloat(text, 0, text.length(), m.value());
      } catch (BadRow e) {
        throw withCommaHint(m.value(), text, e);
      }
    }
    // a value outside its type's range, which POST /v1/events refuses too: a refund written as a purchase of -1
    // would weigh as the strongest dislike, and seconds written as a play's share (1260) as a full play; the default
    // value too, where a row takes it (a QA run's default-value=2 stored plays the API refuses)
    if (rule != null && !rule.accepts(v)) {
      String field = m.value() != null && !valueDefaulted ? m.value() : "default-value";
      String text = m.value() != null && !valueDefaulted ? value.trim() : Float.toString(m.defaultValue());
      if (v < 0) throw BadRow.negative(field, text);
      throw BadRow.outOfRange(field, text, rule.range() + (rule == EventType.ValueRule.PLAY_RATIO
          ? "; seconds heard are the type play_seconds, with the item's duration" : ""));
    }
    boolean sceneDefaulted = m.scene() != null && isNull(scene);
    String s = isNull(scene) ? defaultScene : id(trimSpaces(scene), m.scene());
    long ts = switch (m.timeFormat()) {
      case EPOCH_SECONDS -> epochSeconds(required(time, m.timestamp()));
      case EPOCH_MILLIS -> epochMillis(required(time, m.timestamp()));
      case ISO -> iso(required(time, m.timestamp()));
      case ORDINAL -> cx.nextPosition(u);
      case NONE -> 0L;
    };
    cx.add(new Event(u, i, t, v, ts, s));
    rowsTaken++;
    // counted once the row is in: a row refused further on takes no part in the notes
    switch (m.timeFormat()) {
      case EPOCH_SECONDS -> oldestSecondsMillis = Math.min(oldestSecondsMillis, ts);
      case EPOCH_MILLIS -> {
        newestMillis = Math.max(newestMillis, ts);
        oldestMillis = Math.min(oldestMillis, ts);
      }
      case ISO -> {
        if (rowZoneless) zonelessTimes++;
      }
      default -> { }
    }
    if (typeDefaulted) typesDefaulted++;
    if (valueDefaulted) valuesDefaulted++;
    if (sceneDefaulted) scenesDefaulted++;
    if (unknownType) unknownTypes.merge(typeName, 1L, Long::sum);
    if (v != Math.rint(v) && rule == EventType.ValueRule.SCALE) {
      fractionalScaled.merge(typeName, 1L, Long::sum); // an amount of money where a quantity is meant
    }
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

  /** A value as decimal=comma reads it: digits, or dots between groups of three, then a comma and the fraction. */
  private static final Pattern DECIMAL_COMMA = Pattern.compile("[-+]?(\\d+|\\d{1,3}(\\.\\d{3})+)(,\\d+)?");
  /** A number written with a decimal comma or a thousands separator, as spreadsheets in many locales save it. */
  private static final Pattern NUMBER_WITH_COMMA = Pattern.compile("-?\\d[\\d.]*(,\\d+)+");
  /** The start of an ISO-8601 date, for a hint when one is read as a number. */
  private static final Pattern ISO_DATE_START = Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*");
  /**
   * Most event types the weight table does not name that one file may hold: past it, the mapped type column is most
   * likely another (titles, ids), and the data set could not hold its types (at most 32,767).
   */
  static final int MAX_UNKNOWN_TYPES = 1000;

  /** The newest epoch-millis timestamp read, or -1. */
  private long newestMillis = -1;
  /** The oldest epoch-millis timestamp read, or Long.MAX_VALUE. */
  private long oldestMillis = Long.MAX_VALUE;
  /** The oldest epoch-seconds timestamp read (in milliseconds), or Long.MAX_VALUE. */
  private long oldestSecondsMillis = Long.MAX_VALUE;
  /** ISO times read without a zone or offset (taken in the mapping's time zone, UTC by default). */
  private long zonelessTimes;
  /** Empty or NULL cells of the value column, read as the default value. */
  private long valuesDefaulted;
  /** Empty or NULL cells of the type column, read as the default type. */
  private long typesDefaulted;
  /** Rows without a scene in the scene column (left out, empty or NULL), put in the default scene. */
  private long scenesDefaulted;
  /** Rows taken, for notes that say "every row". */
  private long rowsTaken;
  /** Events of types the weight table does not name, by type (accepted when the weights weigh unknown types). */
  private final Map<String, Long> unknownTypes = new TreeMap<>();
  /** Values that are not whole numbers of types whose weight scales by the value (a purchase's quantity), by type. */
  private final Map<String, Long> fractionalScaled = new TreeMap<>();

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
    if (newestMillis > MILLIS_LIKELY_ABOVE_SECONDS && oldestMillis > MILLIS_LIKELY_ABOVE_SECONDS) {
      cx.report.note("every timestamp read as epoch milliseconds (the default) falls after the year 3000 (the oldest is "
          + java.time.Instant.ofEpochMilli(oldestMillis) + "); microseconds or nanoseconds must be divided to"
          + " milliseconds first");
    }
    if (oldestSecondsMillis != Long.MAX_VALUE && oldestSecondsMillis > MILLIS_LIKELY_ABOVE_SECONDS) {
      cx.report.note("every timestamp read as epoch seconds falls after the year 3000 (the oldest is "
          + java.time.Instant.ofEpochMilli(oldestSecondsMillis) + "); if they are epoch milliseconds, import again"
          + " with time-format=epoch-millis in --columns");
    }
    if (zonelessTimes > 0) {
      boolean utc = m.timeZone().equals(ZoneOffset.UTC);
      cx.report.note(zonelessTimes + (zonelessTimes == 1 ? " time had no zone or offset and was"
          : " times had no zone or offset and were") + " read as " + (utc ? "UTC"
          : m.timeZone().getId()) + (utc ? (zonelessTimes == 1 ? "; if it is a local time" : "; if they are local"
              + " times") + ", add time-zone=<zone> (such as time-zone=Europe/Berlin) to --columns" : ""));
    }
    if (valuesDefaulted > 0) {
      cx.report.note(rows(valuesDefaulted) + " no '" + m.value() + "' (left out, empty or NULL) and took the default"
          + " value " + m.defaultValue() + " (default-value in --columns)" + everyRow(valuesDefaulted));
    }
    if (scenesDefaulted > 0) {
      cx.report.note(rows(scenesDefaulted) + " no '" + m.scene() + "' (left out, empty or NULL) and took the scene "
          + defaultScene + everyRow(scenesDefaulted));
    }
    if (typesDefaulted > 0) {
      cx.report.note(rows(typesDefaulted) + " an empty or NULL '" + m.type() + "' and took the default type "
          + m.defaultType() + " (default-type in --columns)");
    }
    fractionalScaled.forEach((type, n) -> cx.report.note(n + " " + type + " value" + (n == 1 ? " is" : "s are")
        + " not a whole number: a " + type + " weighs as many times as its value says (a quantity), so an amount of"
        + " money such as 20.99 weighs as 21 of them; map value to a quantity, or leave it out"));
    if (!unknownTypes.isEmpty()) {
      StringBuilder list = new StringBuilder();
      unknownTypes.entrySet().stream().limit(LISTED_TYPES).forEach(e -> list.append(list.isEmpty() ? "" : ", ")
          .append(e.getKey()).append(" (").append(e.getValue()).append(')'));
      if (unknownTypes.size() > LISTED_TYPES) list.append(" and ").append(unknownTypes.size() - LISTED_TYPES)
          .append(" more");
      cx.report.note("event types the weight table does not name, each counted as a positive event of weight 1, as"
          + " the server counts them: " + list);
    }
  }

  /** Unknown types named in the note; the rest are counted. */
  private static final int LISTED_TYPES = 20;

  /** When every row taken lacked the column: most likely its name is wrong. */
  private String everyRow(long n) {
    return n == rowsTaken ? "; every row did: is the column's name right?" : "";
  }

  /** "1 row had" or "n rows had". */
  private static String rows(long n) {
    return n + (n == 1 ? " row had" : " rows had");
  }

  /** Whether a cell says nothing: absent, blank, or the NULL a database export writes ({@code \\N} in MySQL's). */
  private static boolean isNull(String cell) {
    if (cell == null || cell.isBlank()) return true;
    String text = cell.strip();
    return text.equalsIgnoreCase("null") || text.equals("\\N");
  }

  /**
   * {@code value} of {@code column} when it keeps the rules of ids ({@link dev.attune.events.Ids}), as the API's do:
   * a NUL or a line break in an id, or one over 256 characters, made a user no request could name (nor delete), and a
   * load into PostgreSQL fail part-way (QA).
   */
  private static String id(String value, String column) throws BadRow {
    String problem = dev.attune.events.Ids.problem(value);
    if (problem != null) throw BadRow.badId(column, value, problem);
    return value;
  }

  /** A cell that must hold something: absent, blank and NULL are missing (a NULL user id is nobody). */
  private static String required(String cell, String column) throws BadRow {
    if (isNull(cell)) {
      throw BadRow.missing(column);
    }
    return trimSpaces(cell);
  }

  /**
   * {@code cell} without the spaces around it, and nothing else: trim() also cut control characters off its ends (a NUL
   * after an id), and strip() tabs, line breaks and the separators U+001C-U+001F, which an id may not hold and which
   * then passed unseen (QA).
   */
  private static String trimSpaces(String cell) {
    int from = 0;
    int to = cell.length();
    while (from < to && cell.charAt(from) == ' ') from++;
    while (to > from && cell.charAt(to - 1) == ' ') to--;
    return cell.substring(from, to);
  }

  /** A cell that must be in the row, though it may say nothing (empty, NULL). */
  private static String present(String cell, String column) throws BadRow {
    if (cell == null) {
      throw BadRow.missing(column);
    }
    return cell;
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
        : withCommaHint(m.timestamp(), text, e);
  }

  /** {@code e}, or for a number written with a decimal comma or thousands separators the bad number saying so. */
  private BadRow withCommaHint(String field, String text, BadRow e) {
    if (!NUMBER_WITH_COMMA.matcher(text).matches()) return e;
    // decimal=comma reads values; a time is an integer (or a fraction of a second, with a point)
    String fix = field.equals(m.value()) ? "add decimal=comma to --columns when a comma marks the fraction, or write"
        + " numbers without separators" : "write times without separators and with a decimal point";
    return BadRow.badNumber(field, text, "a decimal comma or a thousands separator (a spreadsheet saved in a locale"
        + " that writes 15,50 does this): " + fix);
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

  /** Whether the last ISO time read named no zone (it was read in the mapping's). */
  private boolean rowZoneless;

  /** Epoch milliseconds of an ISO text; sets {@link #rowZoneless}. */
  private long iso(String text) throws BadRow {
    rowZoneless = false;
    long ms;
    try {
      TemporalAccessor t = parseIsoTemporal(text);
      if (t instanceof LocalDateTime local) {
        rowZoneless = true;
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
  private static final List<DateTimeFormatter> LOCAL_WITH_OFFSET = List.of(
      // strict, as ISO_DATE_TIME is: the default smart resolver took 2024-02-31 for 2024-02-29 (a QA run)
      new DateTimeFormatterBuilder().append(DateTimeFormatter.ISO_LOCAL_DATE_TIME).appendOffset("+HHMM", "Z")
          .toFormatter().withResolverStyle(ResolverStyle.STRICT),
      new DateTimeFormatterBuilder().append(DateTimeFormatter.ISO_LOCAL_DATE_TIME).appendOffset("+HH", "Z")
          .toFormatter().withResolverStyle(ResolverStyle.STRICT));

  /** Epoch milliseconds of an ISO-8601 text, one without a zone read as UTC ({@link ColumnMapping.TimeFormat#ISO}). */
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
      // one offset, whole: each form on its own, so that "ZZ" or "+02:00+0200" is no date
      for (DateTimeFormatter withOffset : LOCAL_WITH_OFFSET) {
        try {
          return OffsetDateTime.parse(s, withOffset);
        } catch (DateTimeParseException other) {
          e.addSuppressed(other);
        }
      }
      throw e;
    }
  }

  private static long toEpochMillis(TemporalAccessor zonedOrOffset) {
    return zonedOrOffset instanceof ZonedDateTime z ? z.toInstant().toEpochMilli()
        : ((OffsetDateTime) zonedOrOffset).toInstant().toEpochMilli();
  }
}
