package dev.attune.events;

/**
 * The rules every id follows (user, item and event ids, event types, scenes, categories), whichever way it comes in:
 * 1 to {@link #MAX_LENGTH} characters (code points, as JSON Schema's maxLength counts them), none of them a control
 * character or half of a broken surrogate pair. The API refuses others; an import or a load must too, or it stores a
 * user no request can name (not even to delete them) and, on PostgreSQL, a NUL the database refuses mid-load.
 */
public final class Ids {
  private Ids() {}

  /** The most characters an id may have. */
  public static final int MAX_LENGTH = 256;

  /** Characters (code points) in {@code id}. */
  public static int length(String id) {
    return id.length() > MAX_LENGTH ? id.codePointCount(0, id.length()) : id.length();
  }

  /** Whether {@code id} holds a control character or half of a broken surrogate pair. */
  public static boolean hasControlOrBrokenSurrogate(String id) {
    for (int k = 0; k < id.length(); k++) {
      char c = id.charAt(k);
      if (Character.isISOControl(c) || Character.isSurrogate(c) && !validSurrogateAt(id, k)) return true;
    }
    return false;
  }

  /** Why {@code id} breaks the rules ("is blank", "is longer than 256 characters: 301", ...), or null when it keeps them. */
  public static String problem(String id) {
    if (id == null || id.isBlank()) return "is blank";
    int length = length(id);
    if (length > MAX_LENGTH) return "is longer than " + MAX_LENGTH + " characters (ids are 1 to " + MAX_LENGTH + "): "
        + length;
    if (hasControlOrBrokenSurrogate(id)) return "contains a control character or a broken surrogate pair";
    return null;
  }

  /**
   * {@code id} as a message or a listing shows it, on one line and unambiguous: each character that would break the
   * line or hide itself (a control character, a line or paragraph separator, a format character such as a
   * right-to-left override or a zero-width space, half of a broken surrogate pair) written as its code point: a
   * backslash, 'u' and four hex digits.
   */
  public static String printable(String id) {
    StringBuilder b = new StringBuilder(id.length());
    id.codePoints().forEach(c -> {
      if (breaksALine(c)) b.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
      else b.appendCodePoint(c);
    });
    return b.toString();
  }

  /**
   * {@link #printable} of at most the first {@code maxCharacters} characters (code points, so that a cut never splits
   * a surrogate pair), "..." marking a cut.
   */
  public static String printable(String id, int maxCharacters) {
    if (id.codePointCount(0, id.length()) <= maxCharacters) return printable(id);
    return printable(id.substring(0, id.offsetByCodePoints(0, maxCharacters))) + "...";
  }

  /** Whether code point {@code c}, shown as it is, would break a line of output or hide itself. */
  public static boolean breaksALine(int c) {
    int type = Character.getType(c);
    return Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE;
  }

  /** Whether the surrogate at {@code k} is half of a valid pair. */
  public static boolean validSurrogateAt(String s, int k) {
    char c = s.charAt(k);
    if (Character.isHighSurrogate(c)) return k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1));
    return k > 0 && Character.isHighSurrogate(s.charAt(k - 1));
  }
}
