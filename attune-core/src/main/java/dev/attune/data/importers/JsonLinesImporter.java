package dev.attune.data.importers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.attune.data.Dataset;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Format {@code jsonl}: JSON lines, one event object per line, fields chosen by {@link ImportOptions#columns()}
 * (a {@link ColumnMapping}; its delimiter and header settings do not apply).
 *
 * <p>Input: one file, UTF-8 unless {@link ImportOptions#charset()} says otherwise. Each non-blank line must be
 * one JSON object, parsed with Jackson; a mapped name selects a top-level field, or a nested one when it is a
 * JSON pointer such as {@code /context/item}. Fields may be strings or numbers. A number is read as the
 * plain decimal text of its value, then parsed like a CSV cell: {@code "user": 7} and {@code "user": "7"} are
 * the same user, and {@code "ts": 1700000001.5}, {@code "ts": 1.7000000015e9} and {@code "ts": "1700000001.5"}
 * the same epoch-seconds timestamp. An absent field counts as missing; a null one as an empty CSV cell (a type or
 * value takes its default, an id or time is missing); an object or array where a value is expected is {@link
 * ImportReport#BAD_JSON}. Fields the mapping does not name are ignored.
 *
 * <p>Validation, scene and time kind are as in {@link CsvImporter}. A line that is not valid JSON, holds more
 * than one value, is not an object or repeats a key (at any depth, as the HTTP API refuses too) is rejected as
 * {@link ImportReport#BAD_JSON}; since every line stands alone, lenient mode carries on with the next one.
 */
public final class JsonLinesImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "jsonl";

  /** Largest decimal exponent written out in full; beyond it the exponent form is kept (1e999999999). */
  private static final int MAX_PLAIN_SCALE = 1000;

  // Decimals are kept as BigDecimal, trailing zeros included, so a number's text is its exact value ("7.0",
  // "1700000001.5") rather than a double's rendering ("1.7000000015E9").
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

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
    Inputs.singleFile(input, FORMAT, "a file of JSON objects, one per line", null, ".jsonl", ".ndjson", ".json");
    ColumnMapping m = options.columns();
    GenericEvents events = new GenericEvents(cx);
    try (LineReader r = cx.open(input, StandardCharsets.UTF_8)) {
      refuseAnArray(r, input);
      cx.readRows(r, false, line -> {
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new BadRow(ImportReport.BAD_JSON, "bad json: " + JacksonErrors.describe(e, "line"));
        }
        if (node == null || !node.isObject()) {
          throw new BadRow(ImportReport.BAD_JSON, "bad json: expected one object per line");
        }
        try {
          events.add(field(node, m.user()), field(node, m.item()), field(node, m.type()),
              field(node, m.value()), field(node, m.timestamp()), field(node, m.scene()));
        } catch (BadRow b) {
          throw withPointerHint(b, node, m);
        }
      });
    }
    events.noteWholeFile();
    return cx.finish();
  }

  /**
   * Refuses a file that opens a JSON array, as many tools export objects: every line would be refused, each for
   * another reason. Leaves the first line to be read otherwise.
   */
  private static void refuseAnArray(LineReader r, Path input) throws IOException {
    while (r.next()) {
      String line = r.text();
      if (line != null && line.isBlank()) continue;
      if (line != null && line.strip().startsWith("[")) {
        throw new ImportException(input, r.number(), ImportReport.BAD_JSON, "bad json: the file is a JSON array;"
            + " jsonl takes one object per line (jq -c '.[]' " + input.getFileName() + " writes it so)");
      }
      r.pushBack();
      return;
    }
  }

  /**
   * A missing field named with dots ({@code user.id}) whose pointer ({@code /user/id}) is there: said, as the
   * mapping takes a pointer for a nested field.
   */
  private static BadRow withPointerHint(BadRow b, JsonNode node, ColumnMapping m) {
    if (!b.reason.equals(ImportReport.MISSING_FIELD)) return b;
    for (String name : java.util.Arrays.asList(m.user(), m.item(), m.type(), m.value(), m.timestamp(), m.scene())) {
      if (name == null || name.startsWith("/") || !name.contains(".") || node.has(name)) continue;
      String pointer = "/" + name.replace('.', '/');
      if (!node.at(pointer).isMissingNode()) {
        return new BadRow(b.reason, b.getMessage() + "; for the nested field write the JSON pointer " + pointer
            + " in --columns");
      }
    }
    return b;
  }

  private static String field(JsonNode node, String name) throws BadRow {
    if (name == null) {
      return null;
    }
    JsonNode v = name.startsWith("/") ? node.at(name) : node.get(name);
    if (v == null || v.isMissingNode()) {
      return null; // absent: missing
    }
    if (v.isNull()) {
      return ""; // present and empty, as an empty CSV cell: a type or value takes its default, an id is missing
    }
    if (!v.isValueNode()) {
      throw new BadRow(ImportReport.BAD_JSON, "bad json: field '" + name + "' is not a string or number");
    }
    if (v.isFloatingPointNumber()) {
      BigDecimal d = v.decimalValue();
      return Math.abs(d.scale()) <= MAX_PLAIN_SCALE ? d.toPlainString() : d.toString();
    }
    return v.asText();
  }
}
