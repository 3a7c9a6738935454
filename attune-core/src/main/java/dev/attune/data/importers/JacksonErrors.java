package dev.attune.data.importers;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Short descriptions of Jackson's parse errors for messages (imports, data set files, request bodies). Jackson's own messages may embed its
 * location internals ({@code (start marker at [Source: REDACTED ...; line: 1, column: 1])}); an import message
 * already names file and line, so those are dropped, and the common cases get plain wording.
 */
public final class JacksonErrors {
  private JacksonErrors() {}

  /**
   * What went wrong ({@link #describe}) and where, for a document read whole (a request body, a model.json): for
   * example {@code the object is not closed (unexpected end of file) (line 1, column 13)}.
   */
  public static String describeAt(JsonProcessingException e, String unit) {
    var where = e.getLocation();
    return describe(e, unit) + (where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr()
        + ")");
  }

  /**
   * What went wrong, without a location: for example {@code the object is not closed (unexpected end of line)}
   * or {@code duplicate key 'user'}.
   *
   * @param unit what one parse reads, {@code line} or {@code file}, for "unexpected end of ..."
   */
  public static String describe(JsonProcessingException e, String unit) {
    String message = withoutLocation(String.valueOf(e.getOriginalMessage()));
    if (message.startsWith("Unexpected end-of-input")) {
      String end = " (unexpected end of " + unit + ")";
      if (message.contains("string value")) {
        return "a string is not closed" + end;
      }
      if (message.contains("field name")) {
        return "a key is not closed" + end;
      }
      if (message.contains("Array")) {
        return "an array is not closed" + end;
      }
      if (message.contains("Object")) {
        return "the object is not closed" + end;
      }
      return "unexpected end of " + unit;
    }
    if (message.startsWith("Duplicate field ")) {
      return "duplicate key " + message.substring("Duplicate field ".length());
    }
    if (message.startsWith("Trailing token")) {
      return "more than one value in the " + unit;
    }
    if (message.startsWith("Non-standard token '")) {
      int end = message.indexOf('\'', "Non-standard token '".length());
      return message.substring("Non-standard token ".length(), end + 1) + " is not a JSON value (numbers are finite)";
    }
    if (message.contains("ALLOW_COMMENTS")) {
      return "comments are not JSON";
    }
    if (message.contains("nesting depth")) {
      return "the " + unit + " is nested too deeply";
    }
    // the parser's own setting names (`JsonReadFeature...`) mean nothing to whoever wrote the JSON
    int tick = message.indexOf('`');
    if (tick >= 0) {
      int cut = Math.max(message.lastIndexOf(':', tick), message.lastIndexOf(" (", tick));
      return cut > 0 ? message.substring(0, cut) : "not valid JSON";
    }
    return message;
  }

  /** {@code message} up to the parenthesis holding Jackson's {@code [Source: ...]} location, if any. */
  private static String withoutLocation(String message) {
    int source = message.indexOf("[Source:");
    if (source < 0) {
      return message;
    }
    int open = message.lastIndexOf(" (", source);
    return message.substring(0, open >= 0 ? open : source).trim();
  }
}
