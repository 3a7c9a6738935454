package dev.attune.data.importers;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Format {@code movielens-100k}: the GroupLens MovieLens 100K folder ({@code ml-100k}).
 *
 * <p>Input: the folder, or one ratings file inside it ({@code u.data}, {@code u1.base}, {@code ua.test}...)
 * to import only that file's ratings with the folder's metadata. Files:
 * <ul>
 *   <li>{@code u.data} (required; UTF-8/ASCII): {@code user \t item \t rating \t unix_seconds}. Each row
 *       becomes an event of type {@code rating}, value = rating (1 to 5), timestamp = seconds × 1000.</li>
 *   <li>{@code u.genre} (optional): {@code name|index}; without it the 19 standard genre names are used.</li>
 *   <li>{@code u.user} (optional): {@code id|age|gender|occupation|zip}, stored as user attributes
 *       {@code age}, {@code gender}, {@code occupation} and {@code zip}.</li>
 *   <li>{@code u.item} (optional; <b>ISO-8859-1</b>): {@code id|title|release date|video release date|url|}
 *       then one 0/1 flag per genre. Becomes an {@link Item} with the title, the flagged genre names as
 *       categories, the release date ({@code 01-Jan-1995}, midnight UTC; may be empty) as release time and
 *       the url as attribute {@code url}.</li>
 * </ul>
 * Ids must be decimal numbers and are stored without leading zeros. Scene: {@code movies} unless
 * {@link ImportOptions#scene()} says otherwise. Time kind: {@link Dataset.TimeKind#CLOCK}.
 *
 * <p>Ratings of one user in one second are added in a seeded pseudo-random order of their own, per user
 * ({@link SameTimeShuffle}, seed {@link SameTimeShuffle#MOVIELENS_SEED}), not in the file's order; other ratings keep
 * the file's order. MovieLens saved a page of ratings at once, so those ratings have no order, yet the data set keeps
 * the input's order among events of one time and leave-one-out holds out the later one. A copy sorted by user and
 * item id (as the shared {@code u.data} is: 25,211 such groups; the official file is in random order) would then have
 * each such user's highest item id of their last second held out, which a model can learn (an "ids just above the last
 * one" guess beat EASE there, docs/benchmarks.md), and would show sequence models a "lower id first" that holds for
 * every user. The order is the same on every import of the same ratings whatever their order in the file (for distinct
 * items; a repeated rating of an item keeps its file order, so the later one still wins). The report notes how many
 * groups there were.
 */
public final class MovieLens100kImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "movielens-100k";
  /** The default scene. */
  public static final String SCENE = "movies";
  /** Genre names by flag position, as in the official {@code u.genre}. */
  public static final List<String> GENRES = List.of("unknown", "Action", "Adventure", "Animation",
      "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical",
      "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western");

  private static final DateTimeFormatter RELEASE_DATE = new DateTimeFormatterBuilder()
      .parseCaseInsensitive().appendPattern("d-MMM-yyyy").toFormatter(Locale.ENGLISH);

  /** Creates the importer; prefer {@code Importer.forFormat("movielens-100k")}. */
  public MovieLens100kImporter() {}

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
    Path ratings = Inputs.eventFile(input, "u.data", FORMAT);
    Path dir = Inputs.folder(input);
    String scene = options.sceneOr(SCENE);

    List<String> genres = GENRES;
    Path genreFile = dir.resolve("u.genre");
    if (Files.isRegularFile(genreFile)) {
      genres = readGenres(cx, genreFile);
    } else {
      cx.report.note("u.genre not found: using the 19 standard genre names");
    }
    Path userFile = dir.resolve("u.user");
    if (Files.isRegularFile(userFile)) {
      readUsers(cx, userFile);
    } else {
      cx.report.note("u.user not found: users have no attributes");
    }
    Path itemFile = dir.resolve("u.item");
    if (Files.isRegularFile(itemFile)) {
      readItems(cx, itemFile, genres, scene);
    } else {
      cx.report.note("u.item not found: items have no titles or genres");
    }
    readRatings(cx, ratings, scene);
    return cx.finish();
  }

  private static List<String> readGenres(ImportContext cx, Path file) throws IOException {
    Fields f = new Fields("name", "index");
    Map<Integer, String> byIndex = new HashMap<>();
    try (LineReader r = cx.open(file, StandardCharsets.ISO_8859_1)) {
      cx.readRows(r, true, line -> {
        f.split(line, '|');
        f.require(2);
        String name = f.requireText(0);
        long index = f.parseId(1);
        if (index >= 1000) {
          throw BadRow.outOfRange("index", f.text(1), "0 to 999");
        }
        byIndex.put((int) index, name);
      });
    }
    int size = byIndex.isEmpty() ? 0 : Collections.max(byIndex.keySet()) + 1;
    List<String> genres = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      genres.add(byIndex.getOrDefault(i, "genre" + i));
    }
    return genres;
  }

  private static void readUsers(ImportContext cx, Path file) throws IOException {
    Fields f = new Fields("id", "age", "gender", "occupation", "zip");
    NumericIds ids = new NumericIds();
    try (LineReader r = cx.open(file, StandardCharsets.ISO_8859_1)) {
      cx.readRows(r, true, line -> {
        f.split(line, '|');
        f.require(5);
        String id = f.numericId(0, ids);
        long age = f.parseLong(1);
        if (age < 0) {
          throw BadRow.negative("age", f.text(1));
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("age", Long.toString(age));
        putIfPresent(attributes, "gender", f, 2);
        putIfPresent(attributes, "occupation", f, 3);
        putIfPresent(attributes, "zip", f, 4);
        cx.dataset.putUser(new User(id, attributes));
      });
    }
  }

  private static void putIfPresent(Map<String, String> m, String key, Fields f, int i) {
    if (!f.isEmpty(i)) {
      m.put(key, f.text(i));
    }
  }

  private static void readItems(ImportContext cx, Path file, List<String> genres, String scene)
      throws IOException {
    Fields f = new Fields("id", "title", "release date", "video release date", "url", "genre flag");
    NumericIds ids = new NumericIds();
    int fields = 5 + genres.size();
    try (LineReader r = cx.open(file, StandardCharsets.ISO_8859_1)) {
      cx.readRows(r, true, line -> {
        f.split(line, '|');
        f.require(fields);
        String id = f.numericId(0, ids);
        String title = f.isEmpty(1) ? null : f.text(1);
        long release = f.isEmpty(2) ? Item.UNKNOWN_TIME : parseReleaseDate(f.text(2));
        List<String> categories = new ArrayList<>(3);
        for (int g = 0; g < genres.size(); g++) {
          long flag = f.parseLong(5 + g);
          if (flag != 0 && flag != 1) {
            throw BadRow.outOfRange("genre flag", f.text(5 + g), "0 or 1");
          }
          if (flag == 1) {
            categories.add(genres.get(g));
          }
        }
        Map<String, String> attributes = f.isEmpty(4) ? Map.of() : Map.of("url", f.text(4));
        cx.dataset.putItem(new Item(id, scene, title, null, null, categories, List.of(), Float.NaN, release,
            null, attributes));
      });
    }
  }

  private static long parseReleaseDate(String text) throws BadRow {
    try {
      return LocalDate.parse(text, RELEASE_DATE).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw BadRow.badDate("release date", text);
    }
  }

  private static void readRatings(ImportContext cx, Path file, String scene) throws IOException {
    Fields f = new Fields("user", "item", "rating", "timestamp");
    NumericIds users = new NumericIds();
    NumericIds items = new NumericIds();
    SameTimeShuffle ties = new SameTimeShuffle(SameTimeShuffle.MOVIELENS_SEED);
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        f.split(line, '\t');
        f.require(4);
        String user = f.numericId(0, users);
        String item = f.numericId(1, items);
        float rating = f.parseFloatIn(2, 1, 5);
        long time = f.epochSecondsAsMillis(3);
        ties.add(new Event(user, item, "rating", rating, time, scene));
      });
    }
    addRatings(cx, ties);
  }

  /**
   * Adds the ratings {@code ties} holds, each user's ratings of one second in its seeded order (see the class
   * javadoc), and notes in the report how many such groups there were.
   */
  static void addRatings(ImportContext cx, SameTimeShuffle ties) {
    int groups = ties.addAllTo(cx);
    if (groups > 0) {
      cx.report.note(String.format(Locale.ROOT, "%,d groups of one user's ratings in one second: put in a seeded"
          + " random order per user (the file's order among them is no order of rating)", groups));
    }
  }
}
