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
import dev.attune.events.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLens100kImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("movielens-100k");

  @TempDir
  Path dir;

  private void writeMetadata() throws IOException {
    // Three genres instead of 19, so u.item rows have 5 + 3 fields; trailing blank line as in the real u.genre.
    write(dir.resolve("u.genre"), "unknown|0\nAction|1\nComedy|2\n\n");
    write(dir.resolve("u.user"), "1|24|M|technician|85711\n2|53|F|other|94043\n");
    write(dir.resolve("u.item"), """
        1|Café Society (1995)|01-Jan-1995||http://x/1|0|1|1
        2|Toy Story (1995)|4-Feb-1971|||0|0|1
        3|unknown|||http://x/3|1|0|0
        """, StandardCharsets.ISO_8859_1);
  }

  @Test
  void importsRatingsUsersAndItems() throws IOException {
    writeMetadata();
    // Last row repeats the first (same user, item, time) with a corrected rating; no final newline.
    write(dir.resolve("u.data"), "1\t1\t5\t874965758\n2\t1\t3\t876893171\n1\t2\t4\t878542960\n1\t1\t4\t874965758");
    Dataset ds = IMPORTER.newDataset("ml");
    ImportReport report = IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);

    assertEquals(Dataset.TimeKind.CLOCK, ds.timeKind());
    assertEquals(4, report.rowsRead());
    assertEquals(3 + 2 + 3, report.metadataRows()); // genres + users + items
    assertEquals(4, report.eventsAccepted());
    assertEquals(1, report.duplicatesCollapsed());
    assertEquals(0, report.rejectedRows());
    assertEquals(3, ds.events().size());
    assertEquals(2, ds.numUsers());
    assertEquals(3, ds.numItems());

    Event e = only(ds, "1", "1");
    assertEquals(4f, e.value()); // the later duplicate wins
    assertEquals(874965758000L, e.timestamp());
    assertEquals("rating", e.type());
    assertEquals("movies", e.scene());
    assertEquals(876893171000L, only(ds, "2", "1").timestamp());

    Item cafe = ds.item(ds.itemIds().indexOf("1"));
    assertEquals("Café Society (1995)", cafe.title()); // ISO-8859-1 é decoded
    assertEquals(List.of("Action", "Comedy"), cafe.categories());
    assertEquals(788918400000L, cafe.releaseTime()); // 1995-01-01T00:00Z
    assertEquals(Map.of("url", "http://x/1"), cafe.attributes());
    Item toy = ds.item(ds.itemIds().indexOf("2"));
    assertEquals(34473600000L, toy.releaseTime()); // 1971-02-04T00:00Z, one-digit day
    Item unknown = ds.item(ds.itemIds().indexOf("3"));
    assertFalse(unknown.hasReleaseTime());
    assertEquals(List.of("unknown"), unknown.categories());

    assertEquals(Map.of("age", "53", "gender", "F", "occupation", "other", "zip", "94043"),
        ds.user(ds.userIds().indexOf("2")).attributes());
    // metadata first: indices follow u.user and u.item order
    assertEquals(0, ds.userIds().indexOf("1"));
    assertEquals(2, ds.itemIds().indexOf("3"));
  }

  @Test
  void readsCrlfLines() throws IOException {
    write(dir.resolve("u.data"), "1\t1\t5\t10\r\n2\t1\t3\t20\r\n");
    Dataset ds = IMPORTER.newDataset("ml");
    IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);
    assertEquals(2, ds.events().size());
    assertEquals(20000L, only(ds, "2", "1").timestamp());
  }

  @Test
  void acceptsOneRatingsFileOfTheFolder() throws IOException {
    writeMetadata();
    Path base = write(dir.resolve("u1.base"), "1\t3\t2\t100\n");
    Dataset ds = IMPORTER.newDataset("ml");
    ImportReport report = IMPORTER.importInto(ds, base, ImportOptions.DEFAULTS);
    assertEquals(1, report.eventsAccepted());
    assertEquals("unknown", ds.item(ds.itemIds().indexOf("3")).title());
  }

  @Test
  void strictModeNamesFileLineAndField() throws IOException {
    write(dir.resolve("u.data"), "1\t1\t5\t10\n\n1\t2\tx\t20\n");
    Dataset ds = IMPORTER.newDataset("ml");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS));
    assertEquals("u.data:3: bad number in field 'rating': \"x\"", e.getMessage());
    assertEquals(3, e.line());
    assertEquals(ImportReport.BAD_NUMBER, e.reason());
    assertEquals(dir.resolve("u.data"), e.file());
  }

  @Test
  void lenientModeCountsRejectedRowsByReason() throws IOException {
    writeBytes(dir.resolve("u.data"),
        "1\t1\t5\t10\n",
        "1\t2\tfive\t10\n", // bad number
        "1\t3\t5\n", // missing field
        "1\t4\t6\t10\n", // out of range
        "1\t5\t4\t-10\n", // negative timestamp
        "1\t6\t4\t10\t7\n", // extra field
        "x1\t7\t4\t10\n", // non-numeric id
        "1\t8\t4\t", TestFiles.BAD_UTF8, "\n", // bad encoding
        "2\t1\t1\t30");
    Dataset ds = IMPORTER.newDataset("ml");
    ImportReport report = IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS.lenient());
    assertEquals(9, report.rowsRead());
    assertEquals(2, report.eventsAccepted());
    assertEquals(7, report.rejectedRows());
    assertEquals(2, report.rejected(ImportReport.BAD_NUMBER));
    assertEquals(1, report.rejected(ImportReport.MISSING_FIELD));
    assertEquals(1, report.rejected(ImportReport.OUT_OF_RANGE));
    assertEquals(1, report.rejected(ImportReport.NEGATIVE_VALUE));
    assertEquals(1, report.rejected(ImportReport.EXTRA_FIELD));
    assertEquals(1, report.rejected(ImportReport.BAD_ENCODING));
    assertEquals("u.data:2: bad number in field 'rating': \"five\"", report.rejectionSamples().get(0));
    assertTrue(report.rejectionSamples().get(6).startsWith("u.data:8: bad encoding"),
        report.rejectionSamples().get(6));
    assertTrue(report.toString().contains("bad number:"), report.toString());
    assertEquals(2, ds.events().size());
  }

  @Test
  void badReleaseDateRejectsTheItemRow() throws IOException {
    write(dir.resolve("u.item"), "1|A|31-Foo-1995||||0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n");
    write(dir.resolve("u.data"), "1\t1\t5\t10\n");
    Dataset ds = IMPORTER.newDataset("ml");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS));
    // no u.genre: the 19 standard genres apply, so 24 fields are expected and this row has 25
    assertEquals("u.item:1: extra field: expected 24 fields, found 25", e.getMessage());
    write(dir.resolve("u.item"), "1|A|31-Foo-1995|||0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n");
    e = assertThrows(ImportException.class, () -> IMPORTER.importInto(IMPORTER.newDataset("ml"), dir,
        ImportOptions.DEFAULTS));
    assertEquals("u.item:1: bad date in field 'release date': \"31-Foo-1995\"", e.getMessage());
  }

  @Test
  void missingRatingsFileIsReported() {
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("ml"), dir, ImportOptions.DEFAULTS));
    assertTrue(e.getMessage().contains("u.data"), e.getMessage());
  }
}
