package dev.attune.data.importers;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Format {@code movielens-1m}: the GroupLens MovieLens 1M folder ({@code ml-1m}).
 *
 * <p>Input: the folder, or its {@code ratings.dat}. Files ({@code ::}-separated):
 * <ul>
 *   <li>{@code ratings.dat} (required): {@code UserID::MovieID::Rating::Timestamp}; each row becomes an event
 *       of type {@code rating}, value = rating (1 to 5), timestamp = seconds × 1000. If it is missing the
 *       import fails with a {@link NoSuchFileException} that points to {@code ml1m-implicit}, the format of
 *       the implicit ML-1M copy in {@code implicit_colakg/}.</li>
 *   <li>{@code users.dat} (optional): {@code UserID::Gender::Age::Occupation::Zip-code}; attributes
 *       {@code gender}, {@code age} (age-group code), {@code occupation} (occupation code), {@code zip}.</li>
 *   <li>{@code movies.dat} (optional; <b>ISO-8859-1</b>): {@code MovieID::Title::Genre|Genre...}; title and
 *       genres as categories. Release times are unknown.</li>
 * </ul>
 * Ids must be decimal numbers. Scene: {@code movies} unless {@link ImportOptions#scene()} says otherwise.
 * Time kind: {@link Dataset.TimeKind#CLOCK}.
 *
 * <p>Ratings of one user in one second are added in a seeded pseudo-random order per user, not in the file's order,
 * as in {@link MovieLens100kImporter} (whose javadoc says why): MovieLens 1M users also rated pages of movies at
 * once, and {@code ratings.dat} lists a user's ratings in an order that is not time order (the implicit copy's item
 * map keeps it), so nothing says its order among one second's ratings is one. The shared copy has no
 * {@code ratings.dat} to count its ties in; the implicit copy ({@link MovieLens1mImplicitImporter}) has no times at
 * all, and leave-one-out is refused for it.
 */
public final class MovieLens1mImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "movielens-1m";

  /** Creates the importer; prefer {@code Importer.forFormat("movielens-1m")}. */
  public MovieLens1mImporter() {}

  @Override
  public String formatName() {
    return FORMAT;
  }

  @Override
  public Dataset.TimeKind timeKind(ImportOptions options) {
    return Dataset.TimeKind.CLOCK;
  }

  @Override
  public ImportReport importInto(Dataset dataset, Path input, ImportOptions options) throws IOException {
    ImportContext cx = new ImportContext(this, dataset, input, options);
    cx.requireType("rating");
    Path ratings = Files.isDirectory(input) ? input.resolve("ratings.dat") : input;
    if (!Files.isRegularFile(ratings)) {
      throw new NoSuchFileException(ratings.toString(), null, "MovieLens 1M ratings not found; for the implicit "
          + "copy in implicit_colakg/ (no ratings, no timestamps) use format '" + MovieLens1mImplicitImporter.FORMAT
          + "'");
    }
    Path dir = Inputs.folder(input);
    String scene = options.sceneOr(MovieLens100kImporter.SCENE);
    Path users = dir.resolve("users.dat");
    if (Files.isRegularFile(users)) {
      for (User u : MovieLens1mFiles.readUsers(cx, users).values()) {
        dataset.putUser(u);
      }
    } else {
      cx.report.note("users.dat not found: users have no attributes");
    }
    Path movies = dir.resolve("movies.dat");
    if (Files.isRegularFile(movies)) {
      for (Item item : MovieLens1mFiles.readMovies(cx, movies, scene).values()) {
        dataset.putItem(item);
      }
    } else {
      cx.report.note("movies.dat not found: items have no titles or genres");
    }
    readRatings(cx, ratings, scene);
    return cx.finish();
  }

  private static void readRatings(ImportContext cx, Path file, String scene) throws IOException {
    Fields f = new Fields("user", "item", "rating", "timestamp");
    NumericIds users = new NumericIds();
    NumericIds items = new NumericIds();
    SameTimeShuffle ties = new SameTimeShuffle(SameTimeShuffle.MOVIELENS_SEED);
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        f.split(line, "::");
        f.require(4);
        String user = f.numericId(0, users);
        String item = f.numericId(1, items);
        float rating = f.parseFloatIn(2, 1, 5);
        long time = f.epochSecondsAsMillis(3);
        ties.add(new Event(user, item, "rating", rating, time, scene));
      });
    }
    MovieLens100kImporter.addRatings(cx, ties);
  }
}
