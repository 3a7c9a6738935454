package dev.attune.data.importers;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Format {@code lastfm-hetrec}: the Last.fm HetRec 2011 folder ({@code hetrec2011-lastfm-2k}).
 *
 * <p>Input: the folder, or its {@code user_artists.dat}. Files (tab-separated, one header line each; a
 * first line that starts with a digit is read as data):
 * <ul>
 *   <li>{@code user_artists.dat} (required): {@code userID artistID weight}. Each row becomes an event of
 *       type {@code play_count}, value = weight (the listening count, &gt;= 0), timestamp 0: counts carry no
 *       time. Rows are unique user-artist pairs.</li>
 *   <li>{@code artists.dat} (optional; UTF-8): {@code id name url pictureURL}. Becomes an {@link Item} with
 *       title and creator = name, attributes {@code url} and {@code picture_url}.</li>
 *   <li>{@code tags.dat} (optional; <b>ISO-8859-1</b>): {@code tagID tagValue}, and
 *       {@code user_taggedartists.dat} (optional): {@code userID artistID tagID day month year}. Each artist's
 *       tags are its {@value #MAX_TAGS} most often assigned tag values, most used first (ties: lower tag id
 *       first). Tag assignments to artists missing from {@code artists.dat} are counted but attach to
 *       nothing; a tag id missing from {@code tags.dat} rejects the row ({@link ImportReport#UNKNOWN_ID}).</li>
 * </ul>
 * {@code user_friends.dat} and the tagging events themselves are not imported. Scene: {@code music} unless
 * {@link ImportOptions#scene()} says otherwise. Time kind: {@link Dataset.TimeKind#NONE}.
 */
public final class LastFmHetRecImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "lastfm-hetrec";
  /** The default scene. */
  public static final String SCENE = "music";
  /** The event type of every event. */
  public static final String TYPE = "play_count";
  /** Tags kept per artist. */
  public static final int MAX_TAGS = 10;

  /** Creates the importer; prefer {@code Importer.forFormat("lastfm-hetrec")}. */
  public LastFmHetRecImporter() {}

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
    Path plays = Inputs.eventFile(input, "user_artists.dat", FORMAT);
    Path dir = Inputs.folder(input);
    String scene = options.sceneOr(SCENE);

    Map<String, Item> artists = new LinkedHashMap<>();
    Path artistFile = dir.resolve("artists.dat");
    if (Files.isRegularFile(artistFile)) {
      readArtists(cx, artistFile, scene, artists);
    } else {
      cx.report.note("artists.dat not found: artists have no names");
    }
    Path tagFile = dir.resolve("tags.dat");
    Path taggedFile = dir.resolve("user_taggedartists.dat");
    if (Files.isRegularFile(tagFile) && Files.isRegularFile(taggedFile)) {
      Map<Long, String> tags = readTags(cx, tagFile);
      readTagAssignments(cx, taggedFile, tags, artists);
    } else {
      cx.report.note("tags.dat or user_taggedartists.dat not found: artists have no tags");
    }
    for (Item item : artists.values()) {
      dataset.putItem(item);
    }
    readPlays(cx, plays, scene);
    return cx.finish();
  }

  private static void readArtists(ImportContext cx, Path file, String scene, Map<String, Item> artists)
      throws IOException {
    Fields f = new Fields("id", "name", "url", "pictureURL");
    NumericIds ids = new NumericIds();
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.skipHeader(r);
      cx.readRows(r, true, line -> {
        int n = f.split(line, '\t');
        f.requireAtLeast(2);
        if (n > 4) {
          throw BadRow.extra(4, n);
        }
        String id = f.numericId(0, ids);
        String name = f.requireText(1);
        Map<String, String> attributes = new LinkedHashMap<>();
        if (n > 2 && !f.isEmpty(2)) {
          attributes.put("url", f.text(2));
        }
        if (n > 3 && !f.isEmpty(3)) {
          attributes.put("picture_url", f.text(3));
        }
        artists.put(id, new Item(id, scene, name, name, null, List.of(), List.of(), Float.NaN,
            Item.UNKNOWN_TIME, null, attributes));
      });
    }
  }

  private static Map<Long, String> readTags(ImportContext cx, Path file) throws IOException {
    Map<Long, String> tags = new HashMap<>();
    Fields f = new Fields("tagID", "tagValue");
    try (LineReader r = cx.open(file, StandardCharsets.ISO_8859_1)) {
      cx.skipHeader(r);
      cx.readRows(r, true, line -> {
        f.split(line, '\t');
        f.require(2);
        tags.put(f.parseId(0), f.requireText(1));
      });
    }
    return tags;
  }

  private static void readTagAssignments(ImportContext cx, Path file, Map<Long, String> tags,
      Map<String, Item> artists) throws IOException {
    Fields f = new Fields("userID", "artistID", "tagID", "day", "month", "year");
    NumericIds ids = new NumericIds();
    Map<String, Map<Long, int[]>> counts = new HashMap<>();
    long[] unmatched = {0};
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.skipHeader(r);
      cx.readRows(r, true, line -> {
        f.split(line, '\t');
        f.require(6);
        f.parseId(0);
        String artist = f.numericId(1, ids);
        long tag = f.parseId(2);
        for (int i = 3; i < 6; i++) {
          f.parseId(i);
        }
        if (!tags.containsKey(tag)) {
          throw BadRow.unknownId("tagID", f.text(2), "tags.dat");
        }
        if (!artists.containsKey(artist)) {
          unmatched[0]++;
          return;
        }
        counts.computeIfAbsent(artist, k -> new HashMap<>()).computeIfAbsent(tag, k -> new int[1])[0]++;
      });
    }
    if (unmatched[0] > 0) {
      cx.report.note(unmatched[0] + " tag assignments refer to artists missing from artists.dat");
    }
    for (Map.Entry<String, Map<Long, int[]>> e : counts.entrySet()) {
      List<Map.Entry<Long, int[]>> ranked = new ArrayList<>(e.getValue().entrySet());
      ranked.sort((a, b) -> {
        int c = Integer.compare(b.getValue()[0], a.getValue()[0]);
        return c != 0 ? c : Long.compare(a.getKey(), b.getKey());
      });
      List<String> top = new ArrayList<>(Math.min(MAX_TAGS, ranked.size()));
      for (int i = 0; i < ranked.size() && i < MAX_TAGS; i++) {
        top.add(tags.get(ranked.get(i).getKey()));
      }
      Item a = artists.get(e.getKey());
      artists.put(e.getKey(), new Item(a.id(), a.scene(), a.title(), a.creator(), a.album(), a.categories(), top,
          a.durationSeconds(), a.releaseTime(), a.text(), a.attributes()));
    }
  }

  private static void readPlays(ImportContext cx, Path file, String scene) throws IOException {
    Fields f = new Fields("userID", "artistID", "weight");
    NumericIds users = new NumericIds();
    NumericIds artists = new NumericIds();
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.skipHeader(r);
      cx.readRows(r, false, line -> {
        f.split(line, '\t');
        f.require(3);
        String user = f.numericId(0, users);
        String artist = f.numericId(1, artists);
        float weight = f.parseFloat(2);
        if (weight < 0) {
          throw BadRow.negative("weight", f.text(2));
        }
        cx.add(new Event(user, artist, TYPE, weight, 0L, scene));
      });
    }
  }
}
