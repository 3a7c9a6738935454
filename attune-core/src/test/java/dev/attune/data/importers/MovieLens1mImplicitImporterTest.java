package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.events;
import static dev.attune.data.importers.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLens1mImplicitImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("ml1m-implicit");

  @TempDir
  Path dir;

  private Path writeFolder() throws IOException {
    Path colakg = dir.resolve("implicit_colakg");
    write(dir.resolve("movies.dat"), "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
        + "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n"
        + "5::Café (1990)::Comedy\n"
        + "9999::Not in the map (2000)::Drama\n", StandardCharsets.ISO_8859_1);
    write(dir.resolve("users.dat"), "1::F::1::10::48067\n2::M::56::16::70072\n");
    write(colakg.resolve("user_map.txt"), "1 0\n2 1\n");
    write(colakg.resolve("item_map.txt"), "1193 0\n661 1\n5 2\n");
    write(colakg.resolve("train.txt"), "0 0 1\n1 2 0 1\n");
    write(colakg.resolve("test.txt"), "0 2\n1");
    return colakg;
  }

  @Test
  void mapsIdsBackAndAttachesMovieMetadata() throws IOException {
    writeFolder();
    Dataset ds = IMPORTER.newDataset("ml1m");
    // The parent folder is accepted too; the importer finds implicit_colakg/ inside it.
    ImportReport report = IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);

    assertEquals(Dataset.TimeKind.NONE, ds.timeKind());
    assertEquals(5, ds.events().size());
    assertEquals(1, ds.givenTest().size());
    assertEquals(6, report.eventsAccepted());
    assertEquals(1, report.givenTestEvents());
    assertEquals(4, report.rowsRead()); // two train lines, two test lines (one holds only a user id)
    assertEquals(2, ds.numUsers());
    assertEquals(3, ds.numItems()); // movie 9999 is not in the item map
    // Data set indices equal the remapped ids; external ids are the original MovieLens ids.
    assertEquals("1193", ds.itemIds().id(0));
    assertEquals("5", ds.itemIds().id(2));
    assertEquals("2", ds.userIds().id(1));
    assertEquals("Café (1990)", ds.item(2).title());
    assertEquals(List.of("Animation", "Children's", "Musical"), ds.item(1).categories());
    assertEquals("M", ds.user(1).attributes().get("gender"));

    Event first = TestFiles.events(ds).get(0);
    assertEquals(new Event("1", "1193", "view", 1f, 0L, "movies"), first);
    assertEquals(List.of(new Event("1", "5", "view", 1f, 0L, "movies")), events(ds, ds.givenTest()));
  }

  @Test
  void unknownRemappedIdRejectsTheWholeLine() throws IOException {
    Path colakg = writeFolder();
    write(colakg.resolve("train.txt"), "0 0 1\n1 2 7 1\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("ml1m"), colakg, ImportOptions.DEFAULTS));
    assertEquals("train.txt:2: unknown id in field 'item': \"7\" (not in item_map.txt)", e.getMessage());

    Dataset ds = IMPORTER.newDataset("ml1m");
    ImportReport report = IMPORTER.importInto(ds, colakg, ImportOptions.DEFAULTS.lenient());
    assertEquals(1, report.rejected(ImportReport.UNKNOWN_ID));
    assertEquals(2, ds.events().size()); // nothing from the bad line
  }

  @Test
  void withoutMapsTheRemappedIdsAreExternal() throws IOException {
    write(dir.resolve("train.txt"), "0 4 5\n");
    Dataset ds = IMPORTER.newDataset("x");
    ImportReport report = IMPORTER.importInto(ds, dir.resolve("train.txt"), ImportOptions.DEFAULTS);
    assertEquals(List.of("4", "5"), ds.itemIds().ids());
    assertNull(ds.givenTest());
    assertEquals(3, report.notes().size()); // no user map, no item map, no test.txt
  }

  @Test
  void duplicateMappingIsRejected() throws IOException {
    Path colakg = writeFolder();
    write(colakg.resolve("item_map.txt"), "1193 0\n661 0\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("ml1m"), colakg, ImportOptions.DEFAULTS));
    assertEquals(ImportReport.DUPLICATE_ID, e.reason());
    assertEquals(2, e.line());
  }
}
