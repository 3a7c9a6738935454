package dev.attune.data.importers;

import java.util.Arrays;

/**
 * Splits one line into fields by position (no regex, no substrings until asked) and parses them with
 * messages that name the field.
 *
 * <p>Field {@code i} is named {@code names[i]}, or the last name for positions past the end (so a
 * sequence line {@code user item item ...} names all later fields {@code item}).
 *
 * <p>Not thread-safe; one instance per file being read, reused for every line.
 */
final class Fields {
  private final String[] names;
  private String line = "";
  private int count;
  private int[] starts = new int[16];
  private int[] ends = new int[16];
  private String[] scratch = new String[16];

  Fields(String... names) {
    assert names.length > 0;
    this.names = names;
  }

  /** Splits on every {@code sep}; n separators give n + 1 fields, empty ones included. */
  int split(String line, char sep) {
    this.line = line;
    count = 0;
    int start = 0;
    for (;;) {
      int end = line.indexOf(sep, start);
      if (end < 0) {
        add(start, line.length());
        return count;
      }
      add(start, end);
      start = end + 1;
    }
  }

  /** Splits on every occurrence of {@code sep} (such as {@code ::}). */
  int split(String line, String sep) {
    this.line = line;
    count = 0;
    int start = 0;
    for (;;) {
      int end = line.indexOf(sep, start);
      if (end < 0) {
        add(start, line.length());
        return count;
      }
      add(start, end);
      start = end + sep.length();
    }
  }

  /** Splits on runs of spaces and tabs, ignoring leading and trailing ones. */
  int splitWhitespace(String line) {
    this.line = line;
    count = 0;
    int n = line.length();
    int i = 0;
    while (i < n) {
      while (i < n && isBlank(line.charAt(i))) {
        i++;
      }
      if (i == n) {
        break;
      }
      int start = i;
      while (i < n && !isBlank(line.charAt(i))) {
        i++;
      }
      add(start, i);
    }
    return count;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }

  private void add(int start, int end) {
    if (count == starts.length) {
      starts = Arrays.copyOf(starts, count * 2);
      ends = Arrays.copyOf(ends, count * 2);
    }
    starts[count] = start;
    ends[count] = end;
    count++;
  }

  /**
   * A reusable array of at least {@code n} slots for values derived from the current line; its contents are
   * overwritten by the next call.
   */
  String[] scratch(int n) {
    if (scratch.length < n) {
      scratch = new String[Math.max(n, scratch.length * 2)];
    }
    return scratch;
  }

  /** Number of fields of the current line. */
  int count() {
    return count;
  }

  /** The name of field {@code i}. */
  String name(int i) {
    return names[Math.min(i, names.length - 1)];
  }

  /**
   * Requires exactly {@code n} fields.
   *
   * @throws BadRow {@link ImportReport#MISSING_FIELD} naming the first absent field, or
   *     {@link ImportReport#EXTRA_FIELD}
   */
  void require(int n) throws BadRow {
    if (count < n) {
      throw BadRow.missing(name(count));
    }
    if (count > n) {
      throw BadRow.extra(n, count);
    }
  }

  /** Requires at least {@code n} fields. */
  void requireAtLeast(int n) throws BadRow {
    if (count < n) {
      throw BadRow.missing(name(count));
    }
  }

  /** Field {@code i} as a string. */
  String text(int i) {
    return line.substring(starts[i], ends[i]);
  }

  /** Field {@code i} as a non-empty string. */
  String requireText(int i) throws BadRow {
    if (starts[i] == ends[i]) {
      throw BadRow.missing(name(i));
    }
    return text(i);
  }

  /** Whether field {@code i} is empty. */
  boolean isEmpty(int i) {
    return starts[i] == ends[i];
  }

  /** Field {@code i} as a decimal integer; see {@link #parseLong(String, int, int, String)}. */
  long parseLong(int i) throws BadRow {
    return parseLong(line, starts[i], ends[i], name(i));
  }

  /** Field {@code i} as a finite number; see {@link #parseFloat(String, int, int, String)}. */
  float parseFloat(int i) throws BadRow {
    return parseFloat(line, starts[i], ends[i], name(i));
  }

  /**
   * Field {@code i} as a finite number in {@code [min, max]}.
   *
   * @throws BadRow {@link ImportReport#OUT_OF_RANGE} if outside, or as {@link #parseFloat(int)}
   */
  float parseFloatIn(int i, float min, float max) throws BadRow {
    float v = parseFloat(i);
    if (!(v >= min && v <= max)) {
      throw BadRow.outOfRange(name(i), text(i), fmt(min) + " to " + fmt(max));
    }
    return v;
  }

  private static String fmt(float v) {
    return v == (long) v ? Long.toString((long) v) : Float.toString(v);
  }

  /** Field {@code i} as a non-negative decimal id: digits only; see {@link #parseId(String, int, int, String)}. */
  long parseId(int i) throws BadRow {
    return parseId(line, starts[i], ends[i], name(i));
  }

  /**
   * Field {@code i} as a non-negative decimal id, in canonical form (no leading zeros) from {@code ids}.
   *
   * @throws BadRow {@link ImportReport#MISSING_FIELD} if empty, {@link ImportReport#BAD_NUMBER} if not
   *     digits only
   */
  String numericId(int i, NumericIds ids) throws BadRow {
    return ids.get(parseId(line, starts[i], ends[i], name(i)));
  }

  /** Field {@code i} as epoch milliseconds from epoch seconds; see {@link #secondsToMillis}. */
  long epochSecondsAsMillis(int i) throws BadRow {
    long seconds = parseLong(i);
    return secondsToMillis(seconds, name(i), line.substring(starts[i], ends[i]));
  }

  /**
   * Epoch seconds to milliseconds.
   *
   * @throws BadRow {@link ImportReport#NEGATIVE_VALUE} if negative, {@link ImportReport#OUT_OF_RANGE} if
   *     the milliseconds overflow a long
   */
  static long secondsToMillis(long seconds, String field, String text) throws BadRow {
    if (seconds < 0) {
      throw BadRow.negative(field, text);
    }
    if (seconds > Long.MAX_VALUE / 1000) {
      throw BadRow.outOfRange(field, text, "epoch seconds up to " + Long.MAX_VALUE / 1000);
    }
    return seconds * 1000;
  }

  /**
   * Parses {@code s[from, to)} as a decimal {@code long}: an optional {@code -} and digits, nothing else.
   *
   * @throws BadRow {@link ImportReport#MISSING_FIELD} if empty, {@link ImportReport#BAD_NUMBER} otherwise
   */
  static long parseLong(String s, int from, int to, String field) throws BadRow {
    if (from == to) {
      throw BadRow.missing(field);
    }
    int p = from;
    boolean negative = s.charAt(p) == '-';
    if (negative) {
      p++;
    }
    if (p == to) {
      throw BadRow.badNumber(field, s.substring(from, to));
    }
    long v = 0;
    for (; p < to; p++) {
      int d = s.charAt(p) - '0';
      if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) {
        throw BadRow.badNumber(field, s.substring(from, to));
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  /** Parses {@code s[from, to)} as a non-negative decimal id: digits only. */
  static long parseId(String s, int from, int to, String field) throws BadRow {
    if (from == to) {
      throw BadRow.missing(field);
    }
    long v = 0;
    for (int p = from; p < to; p++) {
      int d = s.charAt(p) - '0';
      if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) {
        throw BadRow.badNumber(field, s.substring(from, to));
      }
      v = v * 10 + d;
    }
    return v;
  }

  /**
   * Parses {@code s[from, to)} as a finite decimal number ({@code 4}, {@code -0.5}, {@code 1e3}). Plain
   * integers up to 2^24 take a fast path; other forms go to {@link Float#parseFloat} after a check that
   * only digits, signs, {@code .}, {@code e} and {@code E} occur (so {@code NaN}, {@code Infinity},
   * hex floats and suffixes such as {@code 1f} are refused).
   *
   * @throws BadRow {@link ImportReport#MISSING_FIELD} if empty, {@link ImportReport#BAD_NUMBER} otherwise
   */
  static float parseFloat(String s, int from, int to, String field) throws BadRow {
    if (from == to) {
      throw BadRow.missing(field);
    }
    int p = from;
    boolean negative = s.charAt(p) == '-';
    if (negative) {
      p++;
    }
    int v = 0;
    boolean simple = p < to && to - p <= 7;
    for (int q = p; simple && q < to; q++) {
      int d = s.charAt(q) - '0';
      if (d < 0 || d > 9) {
        simple = false;
      } else {
        v = v * 10 + d;
      }
    }
    if (simple) {
      return negative ? -v : v;
    }
    for (int q = from; q < to; q++) {
      char c = s.charAt(q);
      if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
        throw BadRow.badNumber(field, s.substring(from, to));
      }
    }
    try {
      float f = Float.parseFloat(s.substring(from, to));
      if (Float.isFinite(f)) {
        return f;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw BadRow.badNumber(field, s.substring(from, to));
  }
}
