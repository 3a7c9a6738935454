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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLens1mImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("movielens-1m");

  @TempDir
  Path dir;

  @Test
  void importsRatingsMoviesAndUsers() throws IOException {
    write(dir.resolve("movies.dat"), "1::Toy Story (1995)::Animation|Children's|Comedy\n"
        + "2::Misérables, Les (1995)::Drama\n", StandardCharsets.ISO_8859_1);
    write(dir.resolve("users.dat"), "1::F::1::10::48067\n2::M::56::16::70072\n");
    write(dir.resolve("ratings.dat"), "1::1193::5::978300760\r\n1::2::3::978302109\r\n2::1::4::978301968");
    Dataset ds = IMPORTER.newDataset("ml1m");
    ImportReport report = IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);

    assertEquals(3, report.eventsAccepted());
    assertEquals(4, report.metadataRows());
    assertEquals(3, ds.numItems()); // two from movies.dat plus 1193 from a rating
    assertEquals(978300760000L, only(ds, "1", "1193").timestamp());
    assertEquals(3f, only(ds, "1", "2").value());
    Item les = ds.item(ds.itemIds().indexOf("2"));
    assertEquals("Misérables, Les (1995)", les.title());
    assertEquals(List.of("Drama"), les.categories());
    assertEquals(List.of("Animation", "Children's", "Comedy"), ds.item(0).categories());
    assertEquals(Map.of("gender", "M", "age", "56", "occupation", "16", "zip", "70072"), ds.user(1).attributes());
  }

  @Test
  void missingRatingsPointToTheImplicitFormat() throws IOException {
    write(dir.resolve("movies.dat"), "1::Toy Story (1995)::Animation\n");
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("ml1m"), dir, ImportOptions.DEFAULTS));
    assertTrue(e.getMessage().contains("ml1m-implicit"), e.getMessage());
  }

  @Test
  void strictModeStopsAtOutOfRangeRating() throws IOException {
    write(dir.resolve("ratings.dat"), "1::1::5::1\n1::2::0::2\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("ml1m"), dir, ImportOptions.DEFAULTS));
    assertEquals("ratings.dat:2: out of range in field 'rating': \"0\" (allowed: 1 to 5)", e.getMessage());
  }

  @Test
  void ratingsOfOneSecondAreInASeededOrderPerUserNotTheFiles() throws IOException {
    // as MovieLens100kImporterTest's same-second tests: 40 users rate items 10 to 14 in one second, listed by id
    StringBuilder rows = new StringBuilder();
    for (int u = 1; u <= 40; u++) {
      rows.append(u).append("::5::3::100\n");
      for (int item = 10; item <= 14; item++) {
        rows.append(u).append("::").append(item).append("::4::200\n");
      }
      rows.append(u).append("::20::5::300\n");
    }
    write(dir.resolve("ratings.dat"), rows.toString());
    Dataset ds = IMPORTER.newDataset("ml1m");
    IMPORTER.importInto(ds, dir, ImportOptions.DEFAULTS);
    Map<String, List<String>> byUser = MovieLens100kImporterTest.itemsInTimeOrder(ds);
    int tenBeforeEleven = 0;
    for (List<String> items : byUser.values()) {
      assertEquals("5", items.get(0));
      assertEquals("20", items.get(6));
      if (items.indexOf("10") < items.indexOf("11")) tenBeforeEleven++;
    }
    assertTrue(tenBeforeEleven >= 8 && tenBeforeEleven <= 32, "10 before 11 for " + tenBeforeEleven + " of 40 users");
    Dataset again = IMPORTER.newDataset("ml1m");
    IMPORTER.importInto(again, dir, ImportOptions.DEFAULTS);
    assertEquals(byUser, MovieLens100kImporterTest.itemsInTimeOrder(again));
  }
}
