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

  /** {@code id} as a message shows it: each control character a '?', so that a NUL or a line break breaks no line. */
  public static String printable(String id) {
    return id.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
  }

  /** Whether the surrogate at {@code k} is half of a valid pair. */
  public static boolean validSurrogateAt(String s, int k) {
    char c = s.charAt(k);
    if (Character.isHighSurrogate(c)) return k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1));
    return k > 0 && Character.isHighSurrogate(s.charAt(k - 1));
  }
}
