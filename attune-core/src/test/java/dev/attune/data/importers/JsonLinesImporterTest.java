package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.only;
import static dev.attune.data.importers.TestFiles.write;
import static dev.attune.data.importers.TestFiles.writeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("jsonl");

  @TempDir
  Path dir;

  private static ImportOptions mapping(String spec) {
    return ImportOptions.DEFAULTS.withColumns(ColumnMapping.parse(spec));
  }

  @Test
  void readsFieldsPointersAndNumbers() throws IOException {
    Path file = write(dir.resolve("e.jsonl"), """
        {"uid": 7, "ctx": {"item": "song-1", "app": "mobile"}, "action": "play", "v": 0.75, "ts": 1700000000000}
        {"uid": "8", "ctx": {"item": "Café"}, "action": "skip", "v": 0, "ts": 1700000000001, "scene": "podcast"}
        """);
    ImportOptions options = mapping("user=uid,item=/ctx/item,type=action,value=v,timestamp=ts,scene=scene");
    Dataset ds = IMPORTER.newDataset("j", options);
    ImportReport report = IMPORTER.importInto(ds, file, options);

    assertEquals(2, report.eventsAccepted());
    assertEquals(new Event("7", "song-1", "play", 0.75f, 1700000000000L, "default"), only(ds, "7", "song-1"));
    assertEquals(new Event("8", "Café", "skip", 0f, 1700000000001L, "podcast"), only(ds, "8", "Café"));
  }

  /** What tools export instead of JSON lines, and a nested field named with dots, are said as such (a QA run). */
  @Test
  void anArrayAndADottedNameSayWhatToDo() throws IOException {
    Path array = write(dir.resolve("a.json"), "\n[\n  {\"user\": \"a\", \"item\": \"1\"},\n  {\"user\": \"b\", \"item\": \"2\"}\n]\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("j"), array, ImportOptions.DEFAULTS.lenient()));
    assertEquals("a.json:2: bad json: the file is a JSON array; jsonl takes one object per line (jq -c '.[]' a.json"
        + " writes it so)", e.getMessage());
    // a value only some lines carry (a purchase's quantity) takes the default where it is left out
    Path sparse = write(dir.resolve("q.jsonl"), "{\"user\": \"a\", \"item\": \"1\", \"quantity\": 3}\n"
        + "{\"user\": \"a\", \"item\": \"2\"}\n");
    ImportOptions quantity = mapping("value=quantity");
    Dataset ds = IMPORTER.newDataset("q", quantity);
    ImportReport report = IMPORTER.importInto(ds, sparse, quantity);
    assertEquals(List.of(3f, 1f), List.of(only(ds, "a", "1").value(), only(ds, "a", "2").value()));
    assertTrue(report.notes().contains("1 row had no 'quantity' (left out, empty or NULL) and took the default value"
        + " 1.0 (default-value in --columns)"), report.notes().toString());
    Path nested = write(dir.resolve("n.jsonl"), "{\"user\": {\"id\": 7}, \"item\": \"1\"}\n");
    ImportOptions dotted = mapping("user=user.id");
    e = assertThrows(ImportException.class, () -> IMPORTER.importInto(IMPORTER.newDataset("j", dotted), nested, dotted));
    assertTrue(e.getMessage().endsWith("missing field 'user.id'; for the nested field write the JSON pointer /user/id"
        + " in --columns"), e.getMessage());
  }

  @Test
  void badLinesAreRejectedOneByOne() throws IOException {
    Path file = writeBytes(dir.resolve("e.jsonl"),
        "{\"user\": \"a\", \"item\": \"1\"}\n",
        "{\"user\": \"a\", \"item\": \n", // bad json
        "[1, 2]\n", // not an object
        "{\"user\": \"a\", \"item\": {\"id\": 1}}\n", // object where a value belongs
        "{\"user\": null, \"item\": \"2\"}\n", // missing user
        "{\"user\": \"", TestFiles.BAD_UTF8, "\", \"item\": \"3\"}\n", // bad encoding
        "{\"user\": \"b\", \"item\": \"4\"} {}\n", // trailing value
        "{\"user\": \"b\", \"item\": \"5\"}");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("j"), file, ImportOptions.DEFAULTS));
    assertEquals(2, e.line());
    assertEquals(ImportReport.BAD_JSON, e.reason());

    Dataset ds = IMPORTER.newDataset("j");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(8, report.rowsRead());
    assertEquals(2, report.eventsAccepted());
    assertEquals(4, report.rejected(ImportReport.BAD_JSON));
    assertEquals(1, report.rejected(ImportReport.MISSING_FIELD));
    assertEquals(1, report.rejected(ImportReport.BAD_ENCODING));
  }

  @Test
  void numbersAreReadAsTheirDecimalValueLikeCsvText() throws IOException {
    Path file = write(dir.resolve("e.jsonl"), """
        {"u": 1, "i": "a", "ts": 1700000000}
        {"u": 1, "i": "b", "ts": 1700000001.5}
        {"u": 1, "i": "c", "ts": 1.7000000025e9}
        {"u": 1, "i": "d", "ts": "1700000003.25"}
        {"u": 1, "i": "e", "ts": 1700000004.99999999999999999999}
        {"u": 7.0, "i": "f", "ts": 1700000005}
        """);
    ImportOptions options = mapping("user=u,item=i,timestamp=ts,time-format=epoch-seconds");
    Dataset ds = IMPORTER.newDataset("j", options);
    IMPORTER.importInto(ds, file, options);
    assertEquals(1700000000000L, only(ds, "1", "a").timestamp());
    assertEquals(1700000001500L, only(ds, "1", "b").timestamp());
    assertEquals(1700000002500L, only(ds, "1", "c").timestamp());
    assertEquals(1700000003250L, only(ds, "1", "d").timestamp());
    assertEquals(1700000004999L, only(ds, "1", "e").timestamp()); // truncated to milliseconds, as in CSV
    assertEquals(1700000005000L, only(ds, "7.0", "f").timestamp()); // a number's text keeps its zeros

    Path bad = write(dir.resolve("bad.jsonl"), "{\"u\": 1, \"i\": \"a\", \"ts\": 1e999999999}\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("j", options), bad, options));
    assertEquals("bad.jsonl:1: bad number in field 'ts': \"1E+999999999\"", e.getMessage());
  }

  @Test
  void aRepeatedKeyRejectsItsLine() throws IOException {
    Path file = write(dir.resolve("e.jsonl"), """
        {"user": "1", "item": "a"}
        {"user": "3", "user": "4", "item": "b"}
        {"user": "5", "item": "c", "ctx": {"app": 1, "app": 2}}
        {"user": "6", "item": "d"}
        """);
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("j"), file, ImportOptions.DEFAULTS));
    assertEquals("e.jsonl:2: bad json: duplicate key 'user'", e.getMessage());

    Dataset ds = IMPORTER.newDataset("j");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(2, report.eventsAccepted());
    assertEquals(2, report.rejected(ImportReport.BAD_JSON));
    assertEquals(List.of("e.jsonl:2: bad json: duplicate key 'user'", "e.jsonl:3: bad json: duplicate key 'app'"),
        report.rejectionSamples());
  }

  @Test
  void malformedLinesGetShortMessagesWithoutParserInternals() throws IOException {
    String[][] cases = {
        {"{\"user\": \"1\"", "the object is not closed (unexpected end of line)"},
        {"{\"user\": \"1\", \"item\": ", "the object is not closed (unexpected end of line)"},
        {"{\"user\": \"1", "a string is not closed (unexpected end of line)"},
        {"{\"user\": [1, ", "an array is not closed (unexpected end of line)"},
        {"{\"us", "a key is not closed (unexpected end of line)"},
        {"{\"user\": \"1\"} {}", "more than one value in the line"},
    };
    for (String[] c : cases) {
      Path file = write(dir.resolve("d.jsonl"), "{\"user\": \"0\", \"item\": \"a\"}\n" + c[0] + "\n");
      ImportException e = assertThrows(ImportException.class,
          () -> IMPORTER.importInto(IMPORTER.newDataset("j"), file, ImportOptions.DEFAULTS));
      assertEquals("d.jsonl:2: bad json: " + c[1], e.getMessage(), c[0]);
    }
    Path file = write(dir.resolve("d.jsonl"), "{\"user\": 1]\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("j"), file, ImportOptions.DEFAULTS));
    assertTrue(e.getMessage().startsWith("d.jsonl:1: bad json: Unexpected close marker ']'"), e.getMessage());
    assertFalse(e.getMessage().contains("Source"), e.getMessage());
  }
}
