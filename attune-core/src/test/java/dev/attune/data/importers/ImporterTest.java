package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImporterTest {
  @TempDir
  Path dir;

  @Test
  void registryKnowsEveryFormat() {
    assertEquals(List.of("movielens-100k", "movielens-1m", "ml1m-implicit", "lastfm-hetrec", "s3rec", "sasrec",
        "douban", "taobao", "csv", "jsonl"), Importer.formatNames());
    for (String name : Importer.formatNames()) {
      assertEquals(name, Importer.forFormat(name).formatName());
    }
    assertEquals("taobao", Importer.forFormat(" Taobao ").formatName());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Importer.forFormat("netflix"));
    assertTrue(e.getMessage().contains("movielens-100k"), e.getMessage());
  }

  @Test
  void newDatasetCarriesTheFormatsTimeKind() {
    assertEquals(Dataset.TimeKind.CLOCK, Importer.forFormat("movielens-100k").newDataset("a").timeKind());
    assertEquals(Dataset.TimeKind.NONE, Importer.forFormat("douban").newDataset("a").timeKind());
    assertEquals(Dataset.TimeKind.ORDINAL, Importer.forFormat("s3rec").newDataset("a").timeKind());
    assertEquals("a", Importer.forFormat("s3rec").newDataset("a").name());
  }

  @Test
  void importsIntoADatasetOfAnotherTimeKindAreRefused() throws IOException {
    Path file = write(dir.resolve("x.txt"), "1 2\n");
    Dataset clock = new Dataset("c", Dataset.TimeKind.CLOCK);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Importer.forFormat("sasrec").importInto(clock, file, ImportOptions.DEFAULTS));
    assertTrue(e.getMessage().contains("ORDINAL"), e.getMessage());
  }

  @Test
  void twoImportsCanFillOneDataset() throws IOException {
    Path book = write(dir.resolve("douban_book_ratings.dat"), "1\t1\t5");
    Path music = write(dir.resolve("other").resolve("douban_music_ratings.dat"), "1\t1\t4");
    Importer douban = Importer.forFormat("douban");
    Dataset ds = douban.newDataset("douban");
    douban.importInto(ds, book, ImportOptions.DEFAULTS);
    douban.importInto(ds, music, ImportOptions.DEFAULTS);
    assertEquals(2, ds.events().size());
    assertEquals(1, ds.numUsers());
  }

  @Test
  void reportSummaryIsReadable() throws IOException {
    Path file = write(dir.resolve("x.txt"), "1 2\n1 x\n");
    Importer sasrec = Importer.forFormat("sasrec");
    ImportReport report = sasrec.importInto(sasrec.newDataset("x"), file, ImportOptions.DEFAULTS.lenient());
    String s = report.toString();
    assertTrue(s.startsWith("sasrec import of "), s);
    assertTrue(s.contains("rows read:            2"), s);
    assertTrue(s.contains("events accepted:      1"), s);
    assertTrue(s.contains("bad number:"), s);
    assertTrue(s.contains("e.g. x.txt:2: bad number in field 'item': \"x\""), s);
    assertTrue(s.contains("events/s"), s);
    assertTrue(report.elapsedNanos() > 0);
    assertTrue(report.eventsPerSecond() > 0);
  }
}
