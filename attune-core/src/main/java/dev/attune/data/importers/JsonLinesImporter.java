package dev.attune.data.importers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.data.Dataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Format {@code jsonl}: JSON lines, one event object per line, fields chosen by {@link ImportOptions#columns()}
 * (a {@link ColumnMapping}; its delimiter and header settings do not apply).
 *
 * <p>Input: one file, UTF-8 unless {@link ImportOptions#charset()} says otherwise. Each non-blank line must be
 * one JSON object, parsed with Jackson; a mapped name selects a top-level field, or a nested one when it is a
 * JSON pointer such as {@code /context/item}. Fields may be strings or numbers (a number's decimal text is
 * used, so {@code "user": 7} and {@code "user": "7"} are the same user); a null or absent field counts as
 * missing, and an object or array where a value is expected is {@link ImportReport#BAD_JSON}. Fields the
 * mapping does not name are ignored.
 *
 * <p>Validation, scene and time kind are as in {@link CsvImporter}. A line that is not valid JSON, holds more
 * than one value or is not an object is rejected as {@link ImportReport#BAD_JSON}; since every line stands
 * alone, lenient mode carries on with the next one.
 */
public final class JsonLinesImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "jsonl";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Creates the importer; prefer {@code Importer.forFormat("jsonl")}. */
  public JsonLinesImporter() {}

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
      throw new NoSuchFileException(input.toString(), null, FORMAT + " needs a file of JSON objects, one per line");
    }
    ColumnMapping m = options.columns();
    GenericEvents events = new GenericEvents(cx);
    try (LineReader r = cx.open(input, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new BadRow(ImportReport.BAD_JSON, "bad json: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
          throw new BadRow(ImportReport.BAD_JSON, "bad json: expected one object per line");
        }
        events.add(field(node, m.user()), field(node, m.item()), field(node, m.type()),
            field(node, m.value()), field(node, m.timestamp()), field(node, m.scene()));
      });
    }
    return cx.finish();
  }

  private static String field(JsonNode node, String name) throws BadRow {
    if (name == null) {
      return null;
    }
    JsonNode v = name.startsWith("/") ? node.at(name) : node.get(name);
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw new BadRow(ImportReport.BAD_JSON, "bad json: field '" + name + "' is not a string or number");
    }
    return v.asText();
  }
}
