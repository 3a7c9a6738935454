package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.events;
import static dev.attune.data.importers.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SasRecImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("sasrec");

  @TempDir
  Path dir;

  @Test
  void numbersEachUsersLinesInOrder() throws IOException {
    // users interleave; tab and space separators both work; CRLF and no final newline
    Path file = write(dir.resolve("ml-1m.txt"), "1 10\r\n2\t20\r\n1 11\r\n1 10\r\n2 21");
    Dataset ds = IMPORTER.newDataset("sasrec");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS);

    assertEquals(Dataset.TimeKind.ORDINAL, ds.timeKind());
    assertEquals(5, report.eventsAccepted());
    assertEquals(0, report.duplicatesCollapsed()); // a repeat at a later position is a new event
    assertEquals(List.of(
        new Event("1", "10", "view", 1f, 0, "default"),
        new Event("2", "20", "view", 1f, 0, "default"),
        new Event("1", "11", "view", 1f, 1, "default"),
        new Event("1", "10", "view", 1f, 2, "default"),
        new Event("2", "21", "view", 1f, 1, "default")), events(ds));
  }

  @Test
  void rejectedLinesDoNotUsePositions() throws IOException {
    Path file = write(dir.resolve("x.txt"), "1 10\n1\n1 10 11\n1 12\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("x"), file, ImportOptions.DEFAULTS));
    assertEquals("x.txt:2: missing field 'item'", e.getMessage());

    Dataset ds = IMPORTER.newDataset("x");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(1, report.rejected(ImportReport.MISSING_FIELD));
    assertEquals(1, report.rejected(ImportReport.EXTRA_FIELD));
    assertEquals(1L, events(ds).get(1).timestamp());
  }
}
