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
import java.nio.file.NoSuchFileException;
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
 * name are ignored. Blank records are skipped.
 *
 * <p>Validation per record: user and item must be present (any text: ids are not required to be numeric);
 * the type, if mapped, must be present and accepted by {@link ImportOptions#weights()}
 * ({@link ImportReport#UNKNOWN_EVENT_TYPE} otherwise); value and timestamp, if mapped, must parse (see
 * {@link ColumnMapping.TimeFormat}) and timestamps must not be negative. A record holding bytes invalid in the
 * charset is rejected as {@link ImportReport#BAD_ENCODING}. An unclosed quote ends the import with an
 * {@link ImportException} ({@link ImportReport#BAD_CSV}) in both modes, since the parser cannot find the next
 * record reliably; so does a header that lacks a mapped column.
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
    if (!Files.isRegularFile(input)) {
      throw new NoSuchFileException(input.toString(), null, FORMAT + " needs a delimited text file");
    }
    ColumnMapping m = options.columns();
    String[] names = {m.user(), m.item(), m.type(), m.value(), m.timestamp(), m.scene()};
    int[] columns = m.header() ? null : indices(names);
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
                  "bad encoding in the header: " + encodingError);
            }
            columns = resolveHeader(input, first, cells, names);
            continue;
          }
          cx.report.countRow(false);
          try {
            if (encodingError != null) {
              throw new BadRow(ImportReport.BAD_ENCODING, "bad encoding: " + encodingError);
            }
            events.add(cell(cells, columns[USER]), cell(cells, columns[ITEM]), cell(cells, columns[TYPE]),
                cell(cells, columns[VALUE]), cell(cells, columns[TIME]), cell(cells, columns[SCENE]));
          } catch (BadRow b) {
            cx.reject(input, first, b);
          }
        }
      } catch (JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        throw new ImportException(input, at == null ? 0 : Math.max(0, at.getLineNr()), ImportReport.BAD_CSV,
            "bad csv: " + e.getOriginalMessage());
      }
    }
    return cx.finish();
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

  private static int[] resolveHeader(Path input, long line, List<String> header, String[] names)
      throws ImportException {
    int[] columns = new int[names.length];
    for (int k = 0; k < names.length; k++) {
      columns[k] = -1;
      if (names[k] == null) {
        continue;
      }
      for (int c = 0; c < header.size(); c++) {
        if (header.get(c).trim().equals(names[k])) {
          columns[k] = c;
          break;
        }
      }
      if (columns[k] < 0) {
        throw new ImportException(input, line, ImportReport.MISSING_FIELD,
            "missing column '" + names[k] + "' in the header " + header);
      }
    }
    return columns;
  }
}
