package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.only;
import static dev.attune.data.importers.TestFiles.write;
import static dev.attune.data.importers.TestFiles.writeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.file.Path;
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
}
