package dev.attune.data.importers;

/**
 * A row failed validation. Internal control flow between a row parser and {@link ImportContext#reject}:
 * carries no stack trace, so lenient imports of dirty files stay fast.
 */
final class BadRow extends Exception {
  private static final long serialVersionUID = 1L;
  private static final int MAX_VALUE_CHARS = 60;

  /** The category, one of the reason constants of {@link ImportReport}. */
  final String reason;

  BadRow(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  static BadRow missing(String field) {
    return new BadRow(ImportReport.MISSING_FIELD, "missing field '" + field + "'");
  }

  static BadRow extra(int expected, int got) {
    return new BadRow(ImportReport.EXTRA_FIELD, "extra field: expected " + expected + " fields, found " + got);
  }

  static BadRow badNumber(String field, String value) {
    return inField(ImportReport.BAD_NUMBER, field, value);
  }

  /** A bad number with what it looks like instead ({@code hint}): a date-time, a decimal comma. */
  static BadRow badNumber(String field, String value, String hint) {
    return new BadRow(ImportReport.BAD_NUMBER, ImportReport.BAD_NUMBER + " in field '" + field + "': " + quote(value)
        + "; " + hint);
  }

  static BadRow negative(String field, String value) {
    return inField(ImportReport.NEGATIVE_VALUE, field, value);
  }

  static BadRow outOfRange(String field, String value, String allowed) {
    return new BadRow(ImportReport.OUT_OF_RANGE,
        "out of range in field '" + field + "': " + quote(value) + " (allowed: " + allowed + ")");
  }

  static BadRow unknownType(String field, String value) {
    return inField(ImportReport.UNKNOWN_EVENT_TYPE, field, value);
  }

  /** An unknown type, with the known ones (the first 20) so the message says what would be taken. */
  static BadRow unknownType(String field, String value, java.util.List<String> known) {
    return new BadRow(ImportReport.UNKNOWN_EVENT_TYPE, ImportReport.UNKNOWN_EVENT_TYPE + " in field '" + field + "': "
        + quote(value) + " (known: " + String.join(", ", known.subList(0, Math.min(20, known.size())))
        + (known.size() > 20 ? ", ..." : "") + ")");
  }

  static BadRow unknownId(String field, String value, String where) {
    return new BadRow(ImportReport.UNKNOWN_ID,
        "unknown id in field '" + field + "': " + quote(value) + " (not in " + where + ")");
  }

  /** An id that breaks the rules of ids ({@link dev.attune.events.Ids}): {@code problem} says how. */
  static BadRow badId(String field, String value, String problem) {
    return new BadRow(ImportReport.BAD_ID, ImportReport.BAD_ID + " in field '" + field + "': "
        + quote(value) + " " + problem);
  }

  static BadRow badDate(String field, String value) {
    return inField(ImportReport.BAD_DATE, field, value);
  }

  /** {@code <reason> in field '<field>': "<value>"}. */
  static BadRow inField(String reason, String field, String value) {
    return new BadRow(reason, reason + " in field '" + field + "': " + quote(value));
  }

  /** The value in double quotes, cut to a readable length. */
  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    return '"' + dev.attune.events.Ids.printable(value, MAX_VALUE_CHARS) + '"';
  }
}
