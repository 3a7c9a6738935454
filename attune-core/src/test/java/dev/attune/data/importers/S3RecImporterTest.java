package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.events;
import static dev.attune.data.importers.TestFiles.write;
import static dev.attune.data.importers.TestFiles.writeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3RecImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("s3rec");

  @TempDir
  Path dir;

  @Test
  void importsSequencesWithPositionsAndAttributeTags() throws IOException {
    Path file = write(dir.resolve("Beauty.txt"), "1 1 2 3\n2 4 2\n");
    write(dir.resolve("Beauty_item2attributes.json"), "{\"1\": [1, 2, 1, 2, 1], \"2\": [3], \"99\": [4]}");
    Dataset ds = IMPORTER.newDataset("beauty");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.withScene("beauty"));

    assertEquals(Dataset.TimeKind.ORDINAL, ds.timeKind());
    assertEquals(2, report.rowsRead());
    assertEquals(5, report.eventsAccepted());
    assertEquals(List.of(
        new Event("1", "1", "view", 1f, 0, "beauty"),
        new Event("1", "2", "view", 1f, 1, "beauty"),
        new Event("1", "3", "view", 1f, 2, "beauty"),
        new Event("2", "4", "view", 1f, 0, "beauty"),
        new Event("2", "2", "view", 1f, 1, "beauty")), events(ds));
    assertEquals(4, ds.numItems()); // item 99 of the attribute file has no events and is not added
    assertEquals(List.of("a1", "a2"), ds.item(ds.itemIds().indexOf("1")).tags(), "each tag once, as first listed");
    assertEquals(List.of("a3"), ds.item(ds.itemIds().indexOf("2")).tags());
    assertEquals(List.of(), ds.item(ds.itemIds().indexOf("3")).tags());
    assertEquals(3, report.metadataRows());
  }

  @Test
  void aUserOnSeveralLinesIsJoinedAndNoted() throws IOException {
    // a MovieLens ratings file given as s3rec: "user item rating time" per line, every user on many lines
    Path file = write(dir.resolve("u.txt"), "1 10 5 881250949\n2 11 3 891717742\n1 12 4 878887116\n");
    Dataset ds = IMPORTER.newDataset("u");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS);
    assertEquals(List.of(3L, 4L), events(ds).stream().filter(e -> e.itemId().equals("12") || e.itemId().equals("4"))
        .map(Event::timestamp).toList(), "positions continue on the user's next line");
    assertEquals(2, report.notes().size(), report.notes().toString()); // and no attribute file
    assertTrue(report.notes().get(0).startsWith("1 of 2 users are on more than one line (the first: 1)"),
        report.notes().get(0));
  }

  @Test
  void aFileWithMostUsersOnSeveralLinesIsRefusedUnlessLenient() throws IOException {
    Path file = write(dir.resolve("u.data"), "1 10 5 881250949\n2 11 3 891717742\n1 12 4 878887116\n"
        + "2 13 4 878887116\n3 10 1 878887116\n3 14 2 878887116\n");
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("u"), file, ImportOptions.DEFAULTS));
    assertTrue(e.getMessage().startsWith("u.data: 3 of 3 users are on more than one line, so this is not an S3-Rec"
        + " file") && e.getMessage().contains("--lenient"), e.getMessage());
    Dataset ds = IMPORTER.newDataset("u");
    IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(18, ds.events().size(), "every line's items joined, as asked");
  }

  @Test
  void sceneDefaultsToDefault() throws IOException {
    Path file = write(dir.resolve("LastFM.txt"), "7 8");
    Dataset ds = IMPORTER.newDataset("lastfm");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS);
    assertEquals("default", events(ds).get(0).scene());
    assertTrue(report.notes().get(0).contains("LastFM_item2attributes.json not found"), report.notes().toString());
  }

  @Test
  void badLineIsRejectedWhole() throws IOException {
    Path file = writeBytes(dir.resolve("Toys.txt"), "1 1 2\n2 3 x4 5\n3 6 ", TestFiles.BAD_UTF8, "\n4 7 8\r\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("toys"), file, ImportOptions.DEFAULTS));
    assertEquals("Toys.txt:2: bad number in field 'item': \"x4\"", e.getMessage());

    Dataset ds = IMPORTER.newDataset("toys");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(4, report.rowsRead());
    assertEquals(1, report.rejected(ImportReport.BAD_NUMBER));
    assertEquals(1, report.rejected(ImportReport.BAD_ENCODING));
    assertEquals(4, ds.events().size());
  }

  @Test
  void malformedAttributeFileFailsStrictAndIsCountedLenient() throws IOException {
    Path file = write(dir.resolve("Yelp.txt"), "1 1 2\n");
    write(dir.resolve("Yelp_item2attributes.json"), "{\"1\": [1, 2],\n \"2\": [3, }");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("yelp"), file, ImportOptions.DEFAULTS));
    assertEquals(ImportReport.BAD_JSON, e.reason());
    assertEquals(2, e.line());

    Dataset ds = IMPORTER.newDataset("yelp");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(1, report.rejected(ImportReport.BAD_JSON));
    assertEquals(List.of("a1", "a2"), ds.item(0).tags()); // read before the error
  }

  @Test
  void aFolderIsRefusedWithTheSequenceFilesItHolds() throws IOException {
    write(dir.resolve("Beauty.txt"), "1 1 2\n");
    write(dir.resolve("Yelp.txt"), "1 1 2\n");
    write(dir.resolve("Beauty_item2attributes.json"), "{}");
    java.nio.file.FileSystemException e = assertThrows(java.nio.file.FileSystemException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("s"), dir, ImportOptions.DEFAULTS));
    assertEquals(dir + ": is a folder, but s3rec needs one sequence file such as Beauty.txt; the folder holds "
        + "Beauty.txt, Yelp.txt: pass one of them as the input", e.getMessage());
  }
}
