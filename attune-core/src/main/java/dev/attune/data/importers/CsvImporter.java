package dev.attune.data.importers;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.attune.data.Dataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Format {@code csv}: any delimited event file, one event per record, columns chosen by
 * {@link ImportOptions#columns()} (a {@link ColumnMapping}).
 *
 * <p>Input: one file, UTF-8 unless {@link ImportOptions#charset()} says otherwise, parsed with Jackson's CSV
 * parser: fields may be quoted with {@code "} (a quoted field may span lines; {@code ""} is a literal
 * quote). With {@link ColumnMapping#header()} the first record names the columns and every mapped column
 * must be among them; without it the mapping names 0-based column indices. Columns the mapping does not
 * name are ignored, repeated ones included. Blank records are skipped.
 *
 * <p>Validation per record: user and item must be present (any text: ids are not required to be numeric);
 * the type, if mapped, must be in the record (an empty or NULL cell takes the default type) and accepted by {@link
 * ImportOptions#weights()} ({@link ImportReport#UNKNOWN_EVENT_TYPE} otherwise); value and timestamp, if mapped, must
 * parse (an empty or NULL value takes the default value; see
 * {@link ColumnMapping.TimeFormat}) and timestamps must not be negative. A record holding bytes invalid in the
 * charset is rejected as {@link ImportReport#BAD_ENCODING}. An unclosed quote ends the import with an
 * {@link ImportException} ({@link ImportReport#BAD_CSV}, at the line where the quote opens) in both modes, since
 * the parser cannot find the next record reliably; so does a header that lacks a mapped column or names one
 * twice (which of the two was meant cannot be told), and a file without a header line at all (empty or blank).
 *
 * <p>Scene: the scene column, else {@link ColumnMapping#defaultScene()}, else {@link ImportOptions#scene()},
 * else {@code default}. Time kind: {@link ColumnMapping.TimeFormat#timeKind()} of the mapping.
 */
public final class CsvImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "csv";

  private static final CsvMapper MAPPER = new CsvMapper();
  private static final int USER = 0;
  private static final int ITEM = 1;
  private static final int TYPE = 2;
  private static final int VALUE = 3;
  private static final int TIME = 4;
  private static final int SCENE = 5;

  /** Creates the importer; prefer {@code Importer.forFormat("csv")}. */
  public CsvImporter() {}

  @Override
  public String formatName() {
    return FORMAT;
  }

  @Override
  public Dataset.TimeKind timeKind(ImportOptions options) {
    return options.columns().timeFormat().timeKind();
  }

  @Override
  public ImportReport importInto(Dataset dataset, Path input, ImportOptions options) throws IOException {
    ImportContext cx = new ImportContext(this, dataset, input, options);
    Inputs.singleFile(input, FORMAT, "a delimited text file", null, ".csv", ".tsv", ".txt");
    ColumnMapping m = options.columns();
    String[] names = {m.user(), m.item(), m.type(), m.value(), m.timestamp(), m.scene()};
    int[] columns = m.header() ? null : indices(names);
    int width = -1; // the header's number of fields; -1 without a header
    GenericEvents events = new GenericEvents(cx);
    CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(m.delimiter());
    List<String> cells = new ArrayList<>();
    try (DecodingReader reader = new DecodingReader(cx.open(input, StandardCharsets.UTF_8));
         CsvParser p = MAPPER.getFactory().createParser(reader)) {
      p.setSchema(schema);
      try {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.START_ARRAY) {
          cells.clear();
          long first = -1;
          while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
            if (first < 0) {
              first = p.currentTokenLocation().getLineNr();
            }
            cells.add(p.getText());
          }
          if (t != JsonToken.END_ARRAY) {
            throw new ImportException(input, Math.max(0, first), ImportReport.BAD_CSV,
                "bad csv: unexpected " + t);
          }
          if (isBlank(cells)) {
            continue;
          }
          long last = Math.max(first, p.currentLocation().getLineNr() - 1L);
          String encodingError = reader.badLine(first, last);
          if (columns == null) {
            if (encodingError != null) {
              throw new ImportException(input, first, ImportReport.BAD_ENCODING,
                  "bad encoding in the header: " + encodingError + encodingHint(options));
            }
            columns = resolveHeader(input, first, cells, names, m.delimiter());
            width = cells.size();
            String unread = unreadRoleColumns(cells, m);
            if (unread != null) cx.report.note(unread);
            continue;
          }
          cx.report.countRow(false);
          try {
            if (encodingError != null) {
              throw new BadRow(ImportReport.BAD_ENCODING, "bad encoding: " + encodingError + encodingHint(options));
            }
            // a field more than the header names (a delimiter inside an unquoted value) shifts the rest: the values
            // read from their columns would be wrong; empty ones (a trailing delimiter) shift nothing
            for (int c = Math.max(0, width); width >= 0 && c < cells.size(); c++) {
              if (!cells.get(c).isBlank()) {
                throw new BadRow(ImportReport.EXTRA_FIELD, cells.size() + " fields where the header names " + width
                    + " (is a delimiter inside an unquoted value?)");
              }
            }
            events.add(cell(cells, columns[USER]), cell(cells, columns[ITEM]), cell(cells, columns[TYPE]),
                cell(cells, columns[VALUE]), cell(cells, columns[TIME]), cell(cells, columns[SCENE]));
          } catch (BadRow b) {
            cx.reject(input, first, b);
          }
        }
      } catch (JsonProcessingException e) {
        throw csvError(input, p, e);
      }
    }
    if (columns == null) {
      throw new ImportException(input, 0, ImportReport.MISSING_FIELD, (Files.size(input) == 0 ? "the file is empty"
          : "the file holds only blank lines") + "; expected a header line naming the columns " + mapped(names));
    }
    events.noteWholeFile();
    return cx.finish();
  }

  /** A parse error as an import failure at the line where the broken field starts. */
  private static ImportException csvError(Path input, CsvParser p, JsonProcessingException e) {
    // Jackson reports where it gave up: for an unclosed quote, the end of the file, having read the rest of it
    // as one field; when a later quote closes it, the line of that quote. The token location is where the
    // field, and so the unpaired quote, starts.
    long opened = lineOf(p.currentTokenLocation());
    long at = lineOf(e.getLocation());
    String message = String.valueOf(e.getOriginalMessage());
    if (message.startsWith("Missing closing quote") && opened > 0) {
      return new ImportException(input, opened, ImportReport.BAD_CSV,
          "bad csv: a quote opened on line " + opened + " is never closed");
    }
    if (message.startsWith("Unexpected character") && opened > 0 && opened < at) {
      return new ImportException(input, opened, ImportReport.BAD_CSV, "bad csv: a quote opened on line " + opened
          + " closes only on line " + at + ", where text follows it; is the quote on line " + opened + " unpaired?");
    }
    return new ImportException(input, at, ImportReport.BAD_CSV, "bad csv: " + JacksonErrors.describe(e, "file"));
  }

  private static long lineOf(JsonLocation location) {
    return location == null ? 0 : Math.max(0, location.getLineNr());
  }

  /** A hint when a one-field header holds another common delimiter: the file is most likely delimited by it. */
  private static String otherDelimiter(List<String> header, char delimiter) {
    if (header.size() != 1) return "; name the file's columns with --columns (such as user=user_id,item=product_id)";
    for (String[] d : new String[][] {{";", "semicolon"}, {"\t", "tab"}, {"|", "pipe"}}) {
      if (d[0].charAt(0) != delimiter && header.get(0).contains(d[0])) {
        return "; the header is one field holding '" + d[1] + "' characters: add delimiter=" + d[1] + " to --columns";
      }
    }
    return "; name the file's columns with --columns (such as user=user_id,item=product_id)";
  }

  /**
   * What to try when UTF-8 (the default) does not decode: a spreadsheet saved on Windows writes windows-1252. A zip
   * archive fails here too, in its first bytes, so it is named.
   */
  private static String encodingHint(ImportOptions options) {
    return options.charset() != null ? "" : " (a file saved by a spreadsheet on Windows is most likely"
        + " windows-1252: add --encoding windows-1252; one saved as Unicode text is UTF-16, to be saved as UTF-8"
        + " first; a zip archive must be unpacked first)";
  }

  /** The mapped column names, such as {@code [user, item]}. */
  private static List<String> mapped(String[] names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (n != null) {
        out.add(n);
      }
    }
    return out;
  }

  private static boolean isBlank(List<String> cells) {
    for (String c : cells) {
      if (!c.isBlank()) {
        return false;
      }
    }
    return true;
  }

  private static String cell(List<String> cells, int column) {
    return column < 0 || column >= cells.size() ? null : cells.get(column);
  }

  private static int[] indices(String[] names) {
    int[] columns = new int[names.length];
    for (int k = 0; k < names.length; k++) {
      if (names[k] == null) {
        columns[k] = -1;
        continue;
      }
      try {
        columns[k] = Integer.parseInt(names[k]);
      } catch (NumberFormatException e) {
        columns[k] = -1;
      }
      if (columns[k] < 0) {
        throw new IllegalArgumentException("without a header, CSV columns are named by 0-based index; got '"
            + names[k] + "'");
      }
    }
    return columns;
  }

  /** Header names, lower-cased, that say a column holds an event's type, value, time or scene. */
  private static final java.util.Map<String, String> ROLE_NAMES = roleNames();

  private static java.util.Map<String, String> roleNames() {
    java.util.Map<String, String> m = new java.util.HashMap<>();
    for (String n : List.of("type", "event", "event_type", "eventtype", "action", "behavior", "behaviour")) {
      m.put(n, "type");
    }
    for (String n : List.of("value", "rating", "weight", "score")) m.put(n, "value");
    for (String n : List.of("timestamp", "time", "ts", "datetime", "date", "event_time")) m.put(n, "timestamp");
    for (String n : List.of("scene", "domain")) m.put(n, "scene");
    return m;
  }

  /**
   * A note naming the header's columns that look like an event's type, value, time or scene but are not mapped, or
   * null. Unmapped, they are not read: every event takes the default type (a skip would count as a positive view),
   * value 1 and no time, which a QA run's import did without a word.
   */
  static String unreadRoleColumns(List<String> header, ColumnMapping m) {
    java.util.Map<String, String> mapped = new java.util.HashMap<>();
    mapped.put("type", m.type());
    mapped.put("value", m.value());
    mapped.put("timestamp", m.timestamp());
    mapped.put("scene", m.scene());
    java.util.Set<String> used = new java.util.HashSet<>();
    for (String column : new String[] {m.user(), m.item(), m.type(), m.value(), m.timestamp(), m.scene()}) {
      if (column != null) used.add(column);
    }
    List<String> unread = new ArrayList<>();
    List<String> mapping = new ArrayList<>();
    List<String> defaults = new ArrayList<>();
    for (String cell : header) {
      String name = cell.trim();
      String role = ROLE_NAMES.get(name.toLowerCase(java.util.Locale.ROOT));
      if (role == null || used.contains(name) || mapped.get(role) != null) continue;
      unread.add("'" + name + "'");
      mapping.add(role + "=" + name + (role.equals("timestamp") ? ",time-format=<epoch-seconds|epoch-millis|iso>" : ""));
      float v = m.defaultValue();
      defaults.add(switch (role) {
        case "type" -> "type " + m.defaultType();
        case "value" -> "value " + (v == Math.rint(v) ? Long.toString((long) v) : Float.toString(v));
        case "timestamp" -> "no time";
        default -> "the default scene";
      });
      mapped.put(role, name); // one suggestion per role
    }
    if (unread.isEmpty()) return null;
    boolean one = unread.size() == 1;
    return "the header's column" + (one ? " " : "s ") + String.join(", ", unread) + (one ? " was" : " were")
        + " not read (every event has " + String.join(", ", defaults) + "): to read " + (one ? "it" : "them")
        + ", add " + String.join(",", mapping) + " to --columns";
  }

  private static int[] resolveHeader(Path input, long line, List<String> header, String[] names, char delimiter)
      throws ImportException {
    String shown = header.toString();
    if (shown.length() > 200) {
      shown = dev.attune.events.Ids.printable(shown, 200) + " (" + shown.length() + " characters)";
    }
    int[] columns = new int[names.length];
    for (int k = 0; k < names.length; k++) {
      columns[k] = -1;
      if (names[k] == null) {
        continue;
      }
      for (int c = 0; c < header.size(); c++) {
        if (!header.get(c).trim().equals(names[k])) {
          continue;
        }
        if (columns[k] >= 0) {
          throw new ImportException(input, line, ImportReport.BAD_CSV, "duplicate column '" + names[k]
              + "' in the header " + shown + " (columns " + (columns[k] + 1) + " and " + (c + 1) + ")");
        }
        columns[k] = c;
      }
      if (columns[k] < 0) {
        throw new ImportException(input, line, ImportReport.MISSING_FIELD,
            "missing column '" + names[k] + "' in the header " + shown + otherDelimiter(header, delimiter));
      }
    }
    return columns;
  }
}
