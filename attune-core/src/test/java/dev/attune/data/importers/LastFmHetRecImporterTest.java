package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.only;
import static dev.attune.data.importers.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.events.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LastFmHetRecImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("lastfm-hetrec");

  @TempDir
  Path dir;

  private void writeFolder() throws IOException {
    write(dir.resolve("user_artists.dat"), "userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t7\n");
    write(dir.resolve("artists.dat"), "id\tname\turl\tpictureURL\n"
        + "51\tDuran Duran\thttp://www.last.fm/music/Duran+Duran\thttp://img/51.jpg\n"
        + "52\tBjörk\thttp://www.last.fm/music/Bj%C3%B6rk\t\n"
        + "53\tNobody\t\t\n");
    write(dir.resolve("tags.dat"), "tagID\ttagValue\n1\tpop\n2\ttropicália\n3\trock\n", StandardCharsets.ISO_8859_1);
    write(dir.resolve("user_taggedartists.dat"), "userID\tartistID\ttagID\tday\tmonth\tyear\n"
        + "2\t52\t2\t1\t4\t2009\n"
        + "3\t52\t2\t1\t4\t2009\n"
        + "2\t52\t3\t1\t4\t2009\n"
        + "2\t52\t1\t1\t4\t2009\n"
        + "2\t99\t1\t1\t4\t2009\n");
  }

  @Test
  void importsPlayCountsArtistsAndTopTags() throws IOException {
    writeFolder();
    Dataset ds = IMPORTER.newDataset("hetrec");
    ImportReport report = IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);

    assertEquals(Dataset.TimeKind.NONE, ds.timeKind());
    assertEquals(3, report.rowsRead()); // header not counted
    assertEquals(3, ds.events().size());
    assertEquals(2, ds.numUsers());
    assertEquals(3, ds.numItems());
    assertEquals(13883f, only(ds, "2", "51").value());
    assertEquals("play_count", only(ds, "3", "51").type());
    assertEquals(0L, only(ds, "3", "51").timestamp());
    assertEquals("music", only(ds, "3", "51").scene());

    Item bjork = ds.item(ds.itemIds().indexOf("52"));
    assertEquals("Björk", bjork.title()); // UTF-8 artists.dat
    assertEquals("Björk", bjork.creator());
    // tropicália (ISO-8859-1 in tags.dat) used twice; pop and rock once each, tie broken by lower tag id
    assertEquals(List.of("tropicália", "pop", "rock"), bjork.tags());
    assertEquals("http://img/51.jpg", ds.item(0).attributes().get("picture_url"));
    assertTrue(report.notes().get(0).startsWith("1 tag assignments"), report.notes().toString());
  }

  @Test
  void keepsOnlyTheTenMostUsedTags() throws IOException {
    writeFolder();
    StringBuilder tags = new StringBuilder("tagID\ttagValue\n");
    StringBuilder assigned = new StringBuilder("userID\tartistID\ttagID\tday\tmonth\tyear\n");
    for (int t = 1; t <= 12; t++) {
      tags.append(t).append("\ttag").append(t).append('\n');
      for (int k = 0; k < t; k++) { // tag t is used t times
        assigned.append("2\t51\t").append(t).append("\t1\t1\t2010\n");
      }
    }
    write(dir.resolve("tags.dat"), tags.toString());
    write(dir.resolve("user_taggedartists.dat"), assigned.toString());
    Dataset ds = IMPORTER.newDataset("hetrec");
    IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);
    List<String> expected = new ArrayList<>();
    for (int t = 12; t >= 3; t--) {
      expected.add("tag" + t);
    }
    assertEquals(expected, ds.item(0).tags());
  }

  @Test
  void negativeWeightAndUnknownTagAreRejected() throws IOException {
    writeFolder();
    write(dir.resolve("user_artists.dat"), "userID\tartistID\tweight\n2\t51\t-3\n2\t52\t5");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("hetrec"), dir, ImportOptions.DEFAULTS));
    assertEquals("user_artists.dat:2: negative value in field 'weight': \"-3\"", e.getMessage());

    write(dir.resolve("user_taggedartists.dat"), "userID\tartistID\ttagID\tday\tmonth\tyear\n2\t52\t9\t1\t4\t2009\n");
    Dataset ds = IMPORTER.newDataset("hetrec");
    ImportReport report = IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS.lenient());
    assertEquals(1, report.rejected(ImportReport.UNKNOWN_ID));
    assertEquals(1, report.rejected(ImportReport.NEGATIVE_VALUE));
    assertEquals(1, ds.events().size());
  }
}
