package dev.attune.data.importers;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Format {@code s3rec}: the sequence files of S3-Rec (Zhou et al., CIKM 2020): {@code Beauty.txt},
 * {@code LastFM.txt}, {@code Toys_and_Games.txt}, {@code Yelp.txt}.
 *
 * <p>Input: one {@code X.txt} file (UTF-8/ASCII): one line per user, {@code user item item ...},
 * space-separated decimal ids, oldest item first. Each item becomes an event of type {@code view}, value 1,
 * timestamp = its position in the user's sequence (0, 1, 2...; positions continue if a user has several
 * lines, and restart at 0 with every import). A line with a bad id is rejected whole.
 *
 * <p>If the sibling {@code X_item2attributes.json} exists (always read as UTF-8), an object
 * {@code {"item": [attrId, ...]}}, each imported item gets tags {@code a<attrId>} (for Amazon these are
 * category and brand ids, for LastFM artist tags). Items listed there but absent from the sequences are
 * not added. In lenient mode a malformed attribute file is counted once as {@link ImportReport#BAD_JSON} and
 * the attributes read before the error are kept.
 *
 * <p>Scene: {@link ImportOptions#scene()}, or {@code default}. Time kind: {@link Dataset.TimeKind#ORDINAL}.
 */
public final class S3RecImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "s3rec";
  /** The event type of every event. */
  public static final String TYPE = "view";
  /** Prefix of the tags made from attribute ids. */
  public static final String ATTRIBUTE_TAG_PREFIX = "a";

  private static final JsonFactory JSON = new JsonFactory();

  /** Creates the importer; prefer {@code Importer.forFormat("s3rec")}. */
  public S3RecImporter() {}

  @Override
  public String formatName() {
    return FORMAT;
  }

  @Override
  public Dataset.TimeKind timeKind(ImportOptions options) {
    return Dataset.TimeKind.ORDINAL;
  }

  @Override
  public ImportReport importInto(Dataset dataset, Path input, ImportOptions options) throws IOException {
    ImportContext cx = new ImportContext(this, dataset, input, options);
    cx.requireType(TYPE);
    Inputs.singleFile(input, FORMAT, "one sequence file such as Beauty.txt", null, ".txt");
    String scene = options.sceneOr(Event.DEFAULT_SCENE);
    readSequences(cx, input, scene);
    String name = input.getFileName().toString();
    String stem = name.endsWith(".txt") ? name.substring(0, name.length() - 4) : name;
    Path attributes = input.resolveSibling(stem + "_item2attributes.json");
    if (Files.isRegularFile(attributes)) {
      readAttributes(cx, attributes);
    } else {
      cx.report.note(attributes.getFileName() + " not found: items have no attribute tags");
    }
    return cx.finish();
  }

  /** Reads {@code user item item ...} lines into {@code view} events with ordinal timestamps. */
  private static void readSequences(ImportContext cx, Path file, String scene) throws IOException {
    Fields f = new Fields("user", "item");
    NumericIds users = new NumericIds();
    NumericIds items = new NumericIds();
    java.util.Set<String> usersSeen = new java.util.HashSet<>();
    java.util.Set<String> usersRepeated = new java.util.LinkedHashSet<>();
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        int n = f.splitWhitespace(line);
        String user = f.numericId(0, users);
        String[] lineItems = f.scratch(n - 1);
        for (int i = 1; i < n; i++) {
          lineItems[i - 1] = f.numericId(i, items);
        }
        if (!usersSeen.add(user)) usersRepeated.add(user);
        for (int i = 0; i < n - 1; i++) {
          cx.add(new Event(user, lineItems[i], TYPE, 1f, cx.nextPosition(user), scene));
        }
      });
    }
    if (cx.options.strict() && usersRepeated.size() * 2 > usersSeen.size()) {
      // most users on several lines: another format (a ratings file, "user item rating time"), whose values and
      // times would become item ids (a QA run imported MovieLens' u.data as 50,964 "items")
      throw new IllegalArgumentException(file.getFileName() + ": " + usersRepeated.size() + " of " + usersSeen.size()
          + " users are on more than one line, so this is not an S3-Rec file (one line per user: the user, then"
          + " their items in order); a 'user item' per line file is format sasrec, a ratings file csv; --lenient"
          + " imports it anyway, joining each user's lines");
    }
    if (!usersRepeated.isEmpty()) {
      // S3-Rec's files have one line per user; many repeats mean another format (a ratings file, "user item ...")
      cx.report.note(usersRepeated.size() + " of " + usersSeen.size() + " users are on more than one line (the first: "
          + usersRepeated.iterator().next() + "), and each one's lines were joined in file order: S3-Rec files have one"
          + " line per user, so check that this file is one (a 'user item' per line file is format sasrec)");
    }
  }

  private static void readAttributes(ImportContext cx, Path file) throws IOException {
    Dataset ds = cx.dataset;
    int unmatched = 0;
    try (JsonParser p = JSON.createParser(file.toFile())) {
      try {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw new BadRow(ImportReport.BAD_JSON, "bad json: expected an object {\"item\": [attrId, ...]}");
        }
        // each tag once, in the order first listed: LastFM lists an artist's tag once per listener who gave it
        // (item 64: 506 entries of 83 tags), and an item's tags are a set wherever they are read (QA: about 500 in an
        // answer)
        java.util.Set<String> tags = new java.util.LinkedHashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String item = p.currentName();
          if (p.nextToken() != JsonToken.START_ARRAY) {
            throw new BadRow(ImportReport.BAD_JSON, "bad json: attributes of item " + BadRow.quote(item)
                + " are not an array");
          }
          tags.clear();
          JsonToken t;
          while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_STRING) {
              throw new BadRow(ImportReport.BAD_JSON, "bad json: attribute of item " + BadRow.quote(item)
                  + " is not an integer id");
            }
            tags.add(ATTRIBUTE_TAG_PREFIX + p.getText());
          }
          cx.report.countRow(true);
          int index = ds.itemIds().indexOf(item);
          if (index < 0) {
            unmatched++;
            continue;
          }
          Item a = ds.item(index);
          ds.putItem(new Item(a.id(), a.scene(), a.title(), a.creator(), a.album(), a.categories(),
              List.copyOf(tags), a.durationSeconds(), a.releaseTime(), a.text(), a.attributes()));
        }
      } catch (BadRow b) {
        cx.reject(file, lineOf(p.currentLocation()), b);
        cx.report.note("reading " + file.getFileName() + " stopped at a JSON error; attributes read before it were kept");
      } catch (JsonProcessingException e) {
        cx.reject(file, lineOf(e.getLocation()),
            new BadRow(ImportReport.BAD_JSON, "bad json: " + JacksonErrors.describe(e, "file")));
        cx.report.note("reading " + file.getFileName() + " stopped at a JSON error; attributes read before it were kept");
      }
    }
    if (unmatched > 0) {
      cx.report.note(unmatched + " items in " + file.getFileName() + " do not occur in the sequences");
    }
  }

  private static long lineOf(JsonLocation location) {
    return location == null ? 0 : Math.max(0, location.getLineNr());
  }
}
