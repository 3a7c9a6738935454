package dev.attune.data.importers;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Format {@code douban}: Douban rating files as shipped with GA-DTCDR / DTCDR (Zhu et al., CIKM 2019,
 * IJCAI 2020), one file per domain with shared user ids.
 *
 * <p>Input: a folder holding any of {@code douban_book_ratings.dat}, {@code douban_music_ratings.dat} and
 * {@code douban_movie_ratings.dat} (each imported into the scene {@code book}, {@code music} or
 * {@code movie}; an {@link ImportOptions#scene()} is refused), or one ratings file, whose scene is
 * {@link ImportOptions#scene()}, else the domain in a {@code douban_<domain>_ratings.dat} name, else
 * {@code default}.
 *
 * <p>Each line (UTF-8/ASCII, no header, the last line usually without a line feed) is
 * {@code user \t item \t rating}, decimal ids, rating 1 to 5, and becomes an event of type {@code rating},
 * value = rating, timestamp 0. Item ids are per domain, so external item ids are prefixed with the scene:
 * item 123 of the book file is {@code book:123}. User ids are shared and kept as they are.
 *
 * <p>Time kind: {@link Dataset.TimeKind#NONE}; a user rating the same item twice collapses to the last rating.
 */
public final class DoubanImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "douban";
  /** The event type of every event. */
  public static final String TYPE = "rating";
  /** Scenes recognised in a folder, each read from {@code douban_<scene>_ratings.dat}. */
  public static final List<String> DOMAINS = List.of("book", "music", "movie");

  /** Creates the importer; prefer {@code Importer.forFormat("douban")}. */
  public DoubanImporter() {}

  @Override
  public String formatName() {
    return FORMAT;
  }

  @Override
  public Dataset.TimeKind timeKind(ImportOptions options) {
    return Dataset.TimeKind.NONE;
  }

  @Override
  public ImportReport importInto(Dataset dataset, Path input, ImportOptions options) throws IOException {
    ImportContext cx = new ImportContext(this, dataset, input, options);
    cx.requireType(TYPE);
    NumericIds users = new NumericIds();
    if (Files.isDirectory(input)) {
      if (options.scene() != null) {
        // each file's scene is its domain: a scene asked for would be ignored without a word
        throw new IllegalArgumentException("a Douban folder's files each go into their own scene (book, music,"
            + " movie), so a scene of '" + options.scene() + "' does not apply; leave --scene out, or import one"
            + " ratings file to put it in that scene");
      }
      int found = 0;
      for (String domain : DOMAINS) {
        Path file = input.resolve(fileName(domain));
        if (Files.isRegularFile(file)) {
          readRatings(cx, file, domain, users);
          found++;
        }
      }
      if (found == 0) {
        throw new NoSuchFileException(input.toString(), null,
            "no douban_<domain>_ratings.dat file for any domain of " + DOMAINS);
      }
    } else if (Files.isRegularFile(input)) {
      readRatings(cx, input, options.sceneOr(sceneOf(input)), users);
    } else {
      throw new NoSuchFileException(input.toString(), null, "no such file or folder");
    }
    return cx.finish();
  }

  /** The file name of a domain's ratings: {@code douban_<domain>_ratings.dat}. */
  static String fileName(String domain) {
    return "douban_" + domain + "_ratings.dat";
  }

  private static String sceneOf(Path file) {
    String name = file.getFileName().toString();
    for (String domain : DOMAINS) {
      if (name.equals(fileName(domain))) {
        return domain;
      }
    }
    return Event.DEFAULT_SCENE;
  }

  private static void readRatings(ImportContext cx, Path file, String scene, NumericIds users) throws IOException {
    Fields f = new Fields("user", "item", "rating");
    NumericIds items = new NumericIds(scene + ":");
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        f.split(line, '\t');
        f.require(3);
        String user = f.numericId(0, users);
        String item = f.numericId(1, items);
        float rating = f.parseFloatIn(2, 1, 5);
        cx.add(new Event(user, item, TYPE, rating, 0L, scene));
      });
    }
  }
}
