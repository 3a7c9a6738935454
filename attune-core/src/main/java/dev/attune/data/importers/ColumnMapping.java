package dev.attune.data.importers;

import dev.attune.data.Dataset;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * Which columns (CSV) or fields (JSON lines) of a generic event file hold which part of an event.
 *
 * <p>Column components name a CSV header cell (exact match after trimming), or a 0-based column index when
 * the CSV has no header; for JSON lines they name a top-level field, or a JSON pointer when they start with
 * {@code /} (for example {@code /context/item}). A null column means the file has none: {@code type},
 * {@code value} and {@code scene} then take their defaults, and {@code timestamp} must be null exactly when
 * the time format is {@code ordinal} or {@code none}.
 *
 * <p>Written as text for command lines and configuration ({@link #parse}), as comma-separated
 * {@code key=value} pairs applied on top of {@link #DEFAULTS}:
 * <pre>
 *   user=uid,item=iid,type=action,value=v,timestamp=ts,time-format=epoch-seconds
 * </pre>
 * <table>
 *   <caption>Keys of a mapping spec</caption>
 *   <tr><th>key</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>{@code user}, {@code item}</td><td>user and item id columns (required)</td><td>{@code user}, {@code item}</td></tr>
 *   <tr><td>{@code type}, {@code value}, {@code timestamp}, {@code scene}</td><td>optional columns; an empty value
 *       ({@code type=}) removes the column</td><td>none</td></tr>
 *   <tr><td>{@code default-type}</td><td>event type without a type column, or for an empty or NULL cell</td>
 *       <td>{@code view}</td></tr>
 *   <tr><td>{@code default-value}</td><td>event value without a value column, or for an empty or NULL cell</td>
 *       <td>{@code 1}</td></tr>
 *   <tr><td>{@code default-scene}</td><td>scene when there is no scene column or its cell is empty; otherwise
 *       {@link ImportOptions#scene()}, else {@code default}</td><td>none</td></tr>
 *   <tr><td>{@code time-format}</td><td>{@code epoch-seconds}, {@code epoch-millis}, {@code iso}, {@code ordinal}
 *       or {@code none} (see {@link TimeFormat})</td><td>{@code epoch-millis} with a timestamp column,
 *       {@code none} without</td></tr>
 *   <tr><td>{@code delimiter}</td><td>CSV separator: {@code comma}, {@code tab}, {@code semicolon}, {@code pipe},
 *       {@code space} or any single character but a comma or a quote</td><td>{@code comma}</td></tr>
 *   <tr><td>{@code header}</td><td>whether the first CSV record names the columns</td><td>{@code true}</td></tr>
 *   <tr><td>{@code time-zone}</td><td>the zone of ISO times written without one ({@code Europe/Berlin},
 *       {@code +02:00})</td><td>{@code UTC}</td></tr>
 *   <tr><td>{@code decimal}</td><td>how values mark their fraction: {@code point} ({@code 1234.5}) or {@code comma}
 *       ({@code 1.234,5}, {@code 1234,5})</td><td>{@code point}</td></tr>
 * </table>
 * Keys and values are trimmed; column names given in a spec cannot contain commas or {@code =} (build the
 * record directly for those).
 *
 * @param user user id column, non-blank
 * @param item item id column, non-blank
 * @param type event type column, or null for {@code defaultType}
 * @param value event value column, or null for {@code defaultValue}
 * @param timestamp timestamp column, or null when {@code timeFormat} is {@code ORDINAL} or {@code NONE}
 * @param scene scene column, or null
 * @param defaultType event type used without a type column, non-blank
 * @param defaultValue event value used without a value column, finite
 * @param defaultScene scene used without a scene column or for an empty cell, or null for
 *     {@link ImportOptions#scene()} and then {@code default}
 * @param timeFormat how timestamps are written, non-null
 * @param delimiter CSV field separator; not a quote, CR or LF
 * @param header whether the first CSV record is a header naming the columns
 * @param timeZone the zone of ISO times written without a zone or offset; null for UTC
 * @param decimalComma whether values are written with a decimal comma and dots between thousands ({@code 1.234,5}),
 *     as spreadsheets save them in many locales
 */
public record ColumnMapping(String user, String item, String type, String value, String timestamp, String scene,
    String defaultType, float defaultValue, String defaultScene, TimeFormat timeFormat, char delimiter,
    boolean header, ZoneId timeZone, boolean decimalComma) {

  /** Columns {@code user} and {@code item}, type {@code view}, value 1, no time, comma-separated with a header. */
  public static final ColumnMapping DEFAULTS =
      new ColumnMapping("user", "item", null, null, null, null, "view", 1f, null, TimeFormat.NONE, ',', true,
          ZoneOffset.UTC, false);

  /** The mapping before {@code timeZone} was one: local ISO times read as UTC. */
  public ColumnMapping(String user, String item, String type, String value, String timestamp, String scene,
      String defaultType, float defaultValue, String defaultScene, TimeFormat timeFormat, char delimiter,
      boolean header) {
    this(user, item, type, value, timestamp, scene, defaultType, defaultValue, defaultScene, timeFormat, delimiter,
        header, ZoneOffset.UTC);
  }

  /** The mapping before {@code decimalComma} was one: values written with a decimal point. */
  public ColumnMapping(String user, String item, String type, String value, String timestamp, String scene,
      String defaultType, float defaultValue, String defaultScene, TimeFormat timeFormat, char delimiter,
      boolean header, ZoneId timeZone) {
    this(user, item, type, value, timestamp, scene, defaultType, defaultValue, defaultScene, timeFormat, delimiter,
        header, timeZone, false);
  }

  /** How a timestamp column is written. */
  public enum TimeFormat {
    /** Seconds since the epoch, optionally with a fraction ({@code 1511544070}, {@code 1511544070.25}). */
    EPOCH_SECONDS("epoch-seconds"),
    /** Milliseconds since the epoch ({@code 1511544070000}). */
    EPOCH_MILLIS("epoch-millis"),
    /**
     * ISO-8601: an instant or offset date-time ({@code 2017-11-25T12:00:00Z}, {@code 2017-11-25T20:00:00+08:00},
     * {@code +0800}, PostgreSQL's {@code +08}), a local date-time read in {@link #timeZone()} (UTC by default;
     * {@code 2017-11-25T12:00:00} or with a space instead of {@code T}), or a date, read as its midnight there
     * ({@code 2017-11-25}).
     */
    ISO("iso"),
    /**
     * No timestamp column: each user's accepted events are numbered 0, 1, 2... in file order, starting again
     * at 0 with every import.
     */
    ORDINAL("ordinal"),
    /** No timestamp column and no order: every timestamp is 0. */
    NONE("none");

    private final String id;

    TimeFormat(String id) {
      this.id = id;
    }

    /** The name used in mapping specs, such as {@code epoch-seconds}. */
    public String id() {
      return id;
    }

    /** Whether this format reads a timestamp column. */
    public boolean needsColumn() {
      return this == EPOCH_SECONDS || this == EPOCH_MILLIS || this == ISO;
    }

    /** The data set time kind of events with timestamps in this format. */
    public Dataset.TimeKind timeKind() {
      return switch (this) {
        case EPOCH_SECONDS, EPOCH_MILLIS, ISO -> Dataset.TimeKind.CLOCK;
        case ORDINAL -> Dataset.TimeKind.ORDINAL;
        case NONE -> Dataset.TimeKind.NONE;
      };
    }

    /**
     * The format named {@code id} (case-insensitive).
     *
     * @throws IllegalArgumentException if unknown
     */
    public static TimeFormat of(String id) {
      for (TimeFormat f : values()) {
        if (f.id.equalsIgnoreCase(id.trim())) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown time format '" + id
          + "'; known: epoch-seconds, epoch-millis, iso, ordinal, none");
    }
  }

  /**
   * Checks the components; blank optional column names become null.
   *
   * @throws IllegalArgumentException if a required component is missing or the timestamp column does not
   *     fit the time format
   */
  public ColumnMapping {
    if (user == null || user.isBlank() || item == null || item.isBlank()) {
      throw new IllegalArgumentException("the user and item columns must be named");
    }
    type = blankToNull(type);
    value = blankToNull(value);
    timestamp = blankToNull(timestamp);
    scene = blankToNull(scene);
    defaultScene = blankToNull(defaultScene);
    if (defaultType == null || defaultType.isBlank()) {
      throw new IllegalArgumentException("defaultType must not be blank");
    }
    if (!Float.isFinite(defaultValue)) {
      throw new IllegalArgumentException("default-value must be a finite number: " + defaultValue);
    }
    if (timeFormat == null) {
      throw new IllegalArgumentException("timeFormat must not be null");
    }
    if (timeFormat.needsColumn() && timestamp == null) {
      throw new IllegalArgumentException("time format " + timeFormat.id() + " needs a timestamp column");
    }
    if (!timeFormat.needsColumn() && timestamp != null) {
      throw new IllegalArgumentException("time format " + timeFormat.id() + " takes no timestamp column, but '"
          + timestamp + "' was given");
    }
    timeZone = timeZone == null ? ZoneOffset.UTC : timeZone;
    if (!timeZone.equals(ZoneOffset.UTC) && timeFormat != TimeFormat.ISO) {
      // epoch times name their instant: a zone given for them would be ignored without a word
      throw new IllegalArgumentException("time-zone applies to ISO times written without a zone (time-format=iso),"
          + " not to " + timeFormat.id());
    }
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException("delimiter must not be a quote, CR or LF");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  /**
   * Parses a mapping spec (see the class description), applying it on top of {@link #DEFAULTS}. An empty
   * or null spec gives {@link #DEFAULTS}.
   *
   * @throws IllegalArgumentException for an unknown key, a pair without {@code =}, or an invalid value
   */
  public static ColumnMapping parse(String spec) {
    ColumnMapping d = DEFAULTS;
    String user = d.user;
    String item = d.item;
    String type = d.type;
    String value = d.value;
    String timestamp = d.timestamp;
    String scene = d.scene;
    String defaultType = d.defaultType;
    float defaultValue = d.defaultValue;
    String defaultScene = d.defaultScene;
    TimeFormat timeFormat = null;
    char delimiter = d.delimiter;
    boolean header = d.header;
    ZoneId timeZone = d.timeZone;
    boolean decimalComma = d.decimalComma;
    if (spec != null) {
      for (String pair : spec.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq < 0) {
          throw new IllegalArgumentException("expected key=value in column mapping, got '" + pair.trim() + "'");
        }
        String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String v = pair.substring(eq + 1).trim();
        switch (key) {
          case "user" -> user = v;
          case "item" -> item = v;
          case "type" -> type = v;
          case "value" -> value = v;
          case "timestamp", "time" -> timestamp = v;
          case "scene" -> scene = v;
          case "default-type" -> defaultType = v;
          case "default-value" -> defaultValue = parseValue(v);
          case "default-scene" -> defaultScene = v;
          case "time-format" -> timeFormat = TimeFormat.of(v);
          case "delimiter" -> delimiter = parseDelimiter(v);
          case "header" -> header = parseBoolean(v);
          case "time-zone" -> timeZone = parseZone(v);
          case "decimal" -> decimalComma = switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "point" -> false;
            case "comma" -> true;
            default -> throw new IllegalArgumentException("decimal must be point (1234.5) or comma (1.234,5): '" + v
                + "'");
          };
          default -> throw new IllegalArgumentException("unknown column mapping key '" + key + "'; known: user, "
              + "item, type, value, timestamp, scene, default-type, default-value, default-scene, time-format, "
              + "time-zone, decimal, delimiter, header");
        }
      }
    }
    if (timeFormat == null) {
      timeFormat = timestamp == null || timestamp.isBlank() ? TimeFormat.NONE : TimeFormat.EPOCH_MILLIS;
    }
    return new ColumnMapping(user, item, type, value, timestamp, scene, defaultType, defaultValue, defaultScene,
        timeFormat, delimiter, header, timeZone, decimalComma);
  }

  private static ZoneId parseZone(String v) {
    try {
      return ZoneId.of(v);
    } catch (java.time.DateTimeException e) {
      throw new IllegalArgumentException("time-zone must be a zone such as Europe/Berlin, UTC or +02:00: '" + v + "'",
          e);
    }
  }

  private static float parseValue(String v) {
    try {
      return Float.parseFloat(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("default-value must be a number: '" + v + "'", e);
    }
  }

  private static boolean parseBoolean(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException("header must be true or false: '" + v + "'");
    };
  }

  private static char parseDelimiter(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "comma" -> ',';
      case "tab", "\\t" -> '\t';
      case "semicolon" -> ';';
      case "pipe" -> '|';
      case "space" -> ' ';
      default -> {
        if (v.length() != 1) {
          throw new IllegalArgumentException("delimiter must be comma, tab, semicolon, pipe, space or one "
              + "character: '" + v + "'");
        }
        yield v.charAt(0);
      }
    };
  }

  /** This mapping as a spec that {@link #parse} turns back into an equal mapping. */
  public String toSpec() {
    StringBuilder sb = new StringBuilder();
    sb.append("user=").append(user).append(",item=").append(item);
    if (type != null) {
      sb.append(",type=").append(type);
    }
    if (value != null) {
      sb.append(",value=").append(value);
    }
    if (timestamp != null) {
      sb.append(",timestamp=").append(timestamp);
    }
    if (scene != null) {
      sb.append(",scene=").append(scene);
    }
    sb.append(",default-type=").append(defaultType);
    sb.append(",default-value=").append(defaultValue);
    if (defaultScene != null) {
      sb.append(",default-scene=").append(defaultScene);
    }
    sb.append(",time-format=").append(timeFormat.id());
    sb.append(",delimiter=").append(switch (delimiter) {
      case ',' -> "comma";
      case '\t' -> "tab";
      case ' ' -> "space";
      default -> String.valueOf(delimiter);
    });
    sb.append(",header=").append(header);
    if (!timeZone.equals(ZoneOffset.UTC)) {
      sb.append(",time-zone=").append(timeZone.getId());
    }
    if (decimalComma) {
      sb.append(",decimal=comma");
    }
    return sb.toString();
  }
}
