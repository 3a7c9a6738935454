package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.only;
import static dev.attune.data.importers.TestFiles.write;
import static dev.attune.data.importers.TestFiles.writeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.data.Dataset;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoubanImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("douban");

  @TempDir
  Path dir;

  @Test
  void folderImportsEachDomainAsAScene() throws IOException {
    // no final newline, as in the real files
    write(dir.resolve("douban_book_ratings.dat"), "1\t1630\t4\n1\t1181\t4\n2\t1630\t5");
    write(dir.resolve("douban_music_ratings.dat"), "2\t1630\t3\n3\t7\t1");
    Dataset ds = IMPORTER.newDataset("douban");
    ImportReport report = IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);

    assertEquals(Dataset.TimeKind.NONE, ds.timeKind());
    assertEquals(5, report.eventsAccepted());
    assertEquals(5, ds.events().size());
    assertEquals(3, ds.numUsers()); // user 2 is shared by both scenes
    assertEquals(List.of("book:1630", "book:1181", "music:1630", "music:7"), ds.itemIds().ids());
    assertEquals("book", only(ds, "2", "book:1630").scene());
    assertEquals(3f, only(ds, "2", "music:1630").value());
    assertEquals("music", ds.item(ds.itemIds().indexOf("music:7")).scene());
    assertEquals(List.of("book", "music"), ds.sceneNames().ids());
    // a scene asked for a folder would be ignored: refused (a QA run's --scene podcasts, silently dropped)
    IllegalArgumentException scene = assertThrows(IllegalArgumentException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("d"), dir, ImportOptions.DEFAULTS.withScene("podcasts")));
    assertEquals(true, scene.getMessage().contains("'podcasts' does not apply"), scene.getMessage());
  }

  @Test
  void singleFileTakesSceneFromNameOrOptions() throws IOException {
    Path file = write(dir.resolve("douban_music_ratings.dat"), "2\t1\t3");
    Dataset ds = IMPORTER.newDataset("d");
    IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS);
    assertEquals("music", only(ds, "2", "music:1").scene());

    Path other = write(dir.resolve("ratings.tsv"), "2\t1\t3");
    ds = IMPORTER.newDataset("d");
    IMPORTER.importInto(ds, other, ImportOptions.DEFAULTS.withScene("film"));
    assertEquals("film", only(ds, "2", "film:1").scene());
  }

  @Test
  void rerateCollapsesToTheLastRating() throws IOException {
    Path file = write(dir.resolve("douban_book_ratings.dat"), "1\t5\t2\n1\t5\t4\n");
    Dataset ds = IMPORTER.newDataset("d");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS);
    assertEquals(1, report.duplicatesCollapsed());
    assertEquals(4f, only(ds, "1", "book:5").value());
  }

  @Test
  void badUtf8IsOneRejectedRow() throws IOException {
    Path file = writeBytes(dir.resolve("douban_book_ratings.dat"), "1\t5\t2\n1\t", TestFiles.BAD_UTF8, "\t4\n2\t5\t4");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("d"), file, ImportOptions.DEFAULTS));
    assertEquals("douban_book_ratings.dat:2: bad encoding: malformed UTF-8 input at byte 3 of the line",
        e.getMessage());

    Dataset ds = IMPORTER.newDataset("d");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(1, report.rejected(ImportReport.BAD_ENCODING));
    assertEquals(2, ds.events().size()); // the line after the bad one is read
  }

  @Test
  void folderWithoutRatingFilesFails() {
    assertThrows(NoSuchFileException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("d"), dir, ImportOptions.DEFAULTS));
  }
}
