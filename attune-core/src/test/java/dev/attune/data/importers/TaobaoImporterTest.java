package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.only;
import static dev.attune.data.importers.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.data.Dataset;
import dev.attune.events.EventType;
import dev.attune.events.EventWeights;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaobaoImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("taobao");

  @TempDir
  Path dir;

  @Test
  void behavioursBecomeEventTypesAndCategoriesAttachToItems() throws IOException {
    Path file = write(dir.resolve("UserBehavior.csv"), """
        1,2268318,2520377,pv,1511544070
        1,2268318,2520377,cart,1511544080
        1,2333346,2520771,buy,1511561733
        1,2268318,2520377,pv,1511544070
        2,2268318,2520377,fav,1511572885
        """);
    Dataset ds = IMPORTER.newDataset("taobao");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS);

    assertEquals(Dataset.TimeKind.CLOCK, ds.timeKind());
    assertEquals(5, report.eventsAccepted());
    assertEquals(1, report.duplicatesCollapsed()); // the repeated pv row
    assertEquals(4, ds.events().size());
    assertEquals(List.of("pv", "cart", "buy", "fav"), ds.typeNames().ids());
    assertEquals(1511572885000L, only(ds, "2", "2268318").timestamp());
    assertEquals(List.of("2520377"), ds.item(ds.itemIds().indexOf("2268318")).categories());
    assertEquals("shop", ds.item(0).scene());
  }

  @Test
  void unknownBehaviourIsRejectedUnlessWeightsAcceptIt() throws IOException {
    Path file = write(dir.resolve("ub.csv"), "1,2,3,pv,10\n1,2,3,wishlist,20\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("t"), file, ImportOptions.DEFAULTS));
    assertEquals("ub.csv:2: unknown event type in field 'behavior_type': \"wishlist\"", e.getMessage());

    Dataset ds = IMPORTER.newDataset("t");
    ImportReport report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.lenient());
    assertEquals(1, report.rejected(ImportReport.UNKNOWN_EVENT_TYPE));

    EventWeights weights = EventWeights.defaults().with(new EventType("wishlist", 2f, EventType.ValueRule.IGNORE));
    ds = IMPORTER.newDataset("t");
    report = IMPORTER.importInto(ds, file, ImportOptions.DEFAULTS.withWeights(weights));
    assertEquals(2, report.eventsAccepted());
  }

  @Test
  void aFolderIsReadThroughItsUserBehaviorCsv() throws IOException {
    write(dir.resolve("UserBehavior.csv"), "1,2,3,pv,10\n");
    Dataset ds = IMPORTER.newDataset("t");
    assertEquals(1, IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS).eventsAccepted());
  }

  @Test
  void aFolderWithoutUserBehaviorCsvNamesTheCsvFilesItHolds() throws IOException {
    write(dir.resolve("UserBehavior_head.csv"), "1,2,3,pv,10\n");
    write(dir.resolve("SOURCE.md"), "sample\n");
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("t"), dir, ImportOptions.DEFAULTS));
    assertEquals(dir.resolve("UserBehavior.csv").toString(), e.getFile());
    assertEquals("taobao needs UserBehavior.csv; the folder holds UserBehavior_head.csv: pass that file as the input",
        e.getReason());
  }
}
