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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Format {@code ml1m-implicit}: the implicit (binary) MovieLens 1M in LightGCN layout, as shipped by CoLaKG
 * in {@code implicit_colakg/}.
 *
 * <p>Input: the {@code implicit_colakg} folder, the MovieLens 1M folder holding it, or its {@code train.txt}.
 * Files (whitespace-separated, UTF-8/ASCII):
 * <ul>
 *   <li>{@code train.txt} (required): one line per user, {@code uid iid iid ...} with 0-based remapped ids.
 *       Each item becomes an event of type {@code view}, value 1, timestamp 0.</li>
 *   <li>{@code test.txt} (optional): same layout; its events go to the data set's
 *       {@linkplain Dataset#givenTest() given test part}.</li>
 *   <li>{@code user_map.txt}, {@code item_map.txt} (optional): {@code original_id new_id}. With them the
 *       events use the <em>original</em> MovieLens ids as external ids, users and items are added in remapped
 *       id order (so in a fresh data set, with dense remapped ids as CoLaKG writes them, a data set index
 *       equals the file's remapped id), and metadata from the parent folder's
 *       {@code users.dat} and {@code movies.dat} (ISO-8859-1), when present, is attached as in
 *       {@link MovieLens1mImporter}. Movies the item map does not list are not added. Without the maps the
 *       remapped ids are the external ids and no metadata is attached.</li>
 * </ul>
 * A line that refers to an id missing from a map is rejected whole ({@link ImportReport#UNKNOWN_ID}); a
 * row is one line, so it can hold hundreds of events. Item order on a line is the original file's order,
 * not time order. Scene: {@code movies} unless {@link ImportOptions#scene()} says otherwise. Time kind:
 * {@link Dataset.TimeKind#NONE}: all timestamps are 0, so a repeated item on one line collapses to one event.
 */
public final class MovieLens1mImplicitImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "ml1m-implicit";
  /** The event type of every event. */
  public static final String TYPE = "view";

  private static final int MAX_REMAPPED_ID = 1 << 28;

  /** Creates the importer; prefer {@code Importer.forFormat("ml1m-implicit")}. */
  public MovieLens1mImplicitImporter() {}

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
    Path dir = folder(input);
    String scene = options.sceneOr(MovieLens100kImporter.SCENE);
    Path parent = dir.toAbsolutePath().getParent();

    String[] userIds = readMap(cx, dir.resolve("user_map.txt"), "user");
    String[] itemIds = readMap(cx, dir.resolve("item_map.txt"), "item");
    if (userIds != null) {
      Map<String, User> meta = Map.of();
      Path file = parent == null ? null : parent.resolve("users.dat");
      if (file != null && Files.isRegularFile(file)) {
        meta = MovieLens1mFiles.readUsers(cx, file);
      } else {
        cx.report.note("../users.dat not found: users have no attributes");
      }
      for (String id : userIds) {
        if (id != null) {
          User u = meta.get(id);
          dataset.putUser(u != null ? u : new User(id, null));
        }
      }
    }
    if (itemIds != null) {
      Map<String, Item> meta = Map.of();
      Path file = parent == null ? null : parent.resolve("movies.dat");
      if (file != null && Files.isRegularFile(file)) {
        meta = MovieLens1mFiles.readMovies(cx, file, scene);
      } else {
        cx.report.note("../movies.dat not found: items have no titles or genres");
      }
      int withoutMeta = 0;
      for (String id : itemIds) {
        if (id != null) {
          Item item = meta.get(id);
          if (item == null) {
            withoutMeta++;
            item = Item.bare(id, scene);
          }
          dataset.putItem(item);
        }
      }
      if (!meta.isEmpty() && withoutMeta > 0) {
        cx.report.note(withoutMeta + " mapped items have no row in movies.dat");
      }
    }
    readInteractions(cx, dir.resolve("train.txt"), userIds, itemIds, scene, false);
    Path test = dir.resolve("test.txt");
    if (Files.isRegularFile(test)) {
      readInteractions(cx, test, userIds, itemIds, scene, true);
    } else {
      cx.report.note("test.txt not found: no given test part");
    }
    return cx.finish();
  }

  private static Path folder(Path input) throws NoSuchFileException {
    if (Files.isRegularFile(input)) {
      return Inputs.folder(input);
    }
    if (Files.isRegularFile(input.resolve("train.txt"))) {
      return input;
    }
    Path nested = input.resolve("implicit_colakg");
    if (Files.isRegularFile(nested.resolve("train.txt"))) {
      return nested;
    }
    throw new NoSuchFileException(input.resolve("train.txt").toString(), null,
        FORMAT + " needs train.txt in the input folder or in its implicit_colakg/ subfolder");
  }

  /** Remapped id to original id, or null if {@code file} is absent. */
  private static String[] readMap(ImportContext cx, Path file, String what) throws IOException {
    if (!Files.isRegularFile(file)) {
      cx.report.note(file.getFileName() + " not found: remapped " + what + " ids are the external ids");
      return null;
    }
    Fields f = new Fields("original_id", "new_id");
    NumericIds ids = new NumericIds();
    List<String> map = new ArrayList<>();
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.readRows(r, true, line -> {
        f.splitWhitespace(line);
        f.require(2);
        String original = f.numericId(0, ids);
        long remapped = f.parseId(1);
        if (remapped >= MAX_REMAPPED_ID) {
          throw BadRow.outOfRange("new_id", f.text(1), "0 to " + (MAX_REMAPPED_ID - 1));
        }
        int n = (int) remapped;
        while (map.size() <= n) {
          map.add(null);
        }
        if (map.get(n) != null) {
          throw new BadRow(ImportReport.DUPLICATE_ID,
              "duplicate id in field 'new_id': \"" + n + "\" (already maps " + map.get(n) + ")");
        }
        map.set(n, original);
      });
    }
    return map.toArray(new String[0]);
  }

  private static void readInteractions(ImportContext cx, Path file, String[] userIds, String[] itemIds,
      String scene, boolean givenTest) throws IOException {
    Fields f = new Fields("user", "item");
    NumericIds users = new NumericIds();
    NumericIds items = new NumericIds();
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        int n = f.splitWhitespace(line);
        String user = lookup(f, 0, userIds, users, "user_map.txt");
        String[] lineItems = f.scratch(n - 1);
        for (int i = 1; i < n; i++) {
          lineItems[i - 1] = lookup(f, i, itemIds, items, "item_map.txt");
        }
        for (int i = 0; i < n - 1; i++) {
          Event e = new Event(user, lineItems[i], TYPE, 1f, 0L, scene);
          if (givenTest) {
            cx.addGivenTest(e);
          } else {
            cx.add(e);
          }
        }
      });
    }
  }

  private static String lookup(Fields f, int i, String[] map, NumericIds raw, String mapName) throws BadRow {
    long id = f.parseId(i);
    if (map == null) {
      return raw.get(id);
    }
    if (id >= map.length || map[(int) id] == null) {
      throw BadRow.unknownId(f.name(i), f.text(i), mapName);
    }
    return map[(int) id];
  }
}
