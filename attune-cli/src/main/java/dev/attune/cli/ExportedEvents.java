package dev.attune.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What an export keeps of its events beyond the data set's columns: each event's id in the store and its context
 * (device, page, session). {@code attune load} stores the events under these ids, so that an export loaded anywhere
 * stores no event twice (loaded back into its own store: none) and a client retrying an event with its own id after
 * its store was moved this way finds it there, and it keeps their contexts.
 *
 * <p>The file, {@value #FILE}, is gzipped JSON lines: a head {@code {"dataset": name, "events": n}}, then one line
 * per event in row order, {@code {"id": ...}} with {@code "context"} when it has one. A data set written over an
 * export under another name or with another count of events does not take it (see {@link #read}).
 */
final class ExportedEvents {
  /** The file beside a data set's {@code events.bin}. */
  static final String FILE = "event-ids.jsonl.gz";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> ids = new ArrayList<>();
  /** Contexts by row, only of the rows that have one (most events have none). */
  private final Map<Integer, Map<String, String>> contexts = new HashMap<>();

  /** Adds the next row's event id and context. */
  void add(String id, Map<String, String> context) {
    if (!context.isEmpty()) contexts.put(ids.size(), context);
    ids.add(id);
  }

  int size() {
    return ids.size();
  }

  String id(int row) {
    return ids.get(row);
  }

  /** Row {@code row}'s context; empty when it had none. */
  Map<String, String> context(int row) {
    return contexts.getOrDefault(row, Map.of());
  }

  /** These rows only, in their order: what is left of an export once users are left out of it. */
  ExportedEvents keep(boolean[] kept) {
    ExportedEvents left = new ExportedEvents();
    for (int row = 0; row < ids.size(); row++) if (kept[row]) left.add(id(row), context(row));
    return left;
  }

  /** Writes these rows into {@code dir}'s {@value #FILE} for data set {@code dataset}, replacing it whole. */
  void write(Path dir, String dataset) throws IOException {
    Path partial = dir.resolve(FILE + ".partial");
    try (OutputStream out = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16));
        JsonGenerator json = JSON.createGenerator(out)) {
      json.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
      json.writeStartObject();
      json.writeStringField("dataset", dataset);
      json.writeNumberField("events", ids.size());
      json.writeEndObject();
      for (int row = 0; row < ids.size(); row++) {
        json.writeStartObject();
        json.writeStringField("id", ids.get(row));
        Map<String, String> context = contexts.get(row);
        if (context != null) {
          json.writeObjectFieldStart("context");
          // by name: the map's own order changes from one run to the next, and so would the file
          for (var e : new java.util.TreeMap<>(context).entrySet()) json.writeStringField(e.getKey(), e.getValue());
          json.writeEndObject();
        }
        json.writeEndObject();
      }
      json.writeRaw('\n');
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(partial);
      throw e;
    }
    Files.move(partial, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The ids and contexts in {@code dir}'s {@value #FILE} for a data set named {@code dataset} of {@code events} events;
   * null without the file, or when it belongs to another data set (another name or count: one written over an
   * export).
   *
   * @throws IOException if the file cannot be read or is malformed (the message names it)
   */
  static ExportedEvents read(Path dir, String dataset, int events) throws IOException {
    Path file = dir.resolve(FILE);
    try (JsonParser json = afterHead(file, dataset, events)) {
      if (json == null) return null;
      ExportedEvents read = new ExportedEvents();
      while (json.nextToken() == JsonToken.START_OBJECT) {
        Row row = JSON.readValue(json, Row.class);
        if (row.id() == null || row.id().isBlank()) {
          throw new IOException(file + ": event " + read.size() + " has no id");
        }
        read.add(row.id(), row.context() == null ? Map.of() : row.context());
      }
      if (read.size() != events) {
        throw new IOException(file + ": " + read.size() + " events, where its head and the data set say " + events);
      }
      int[] repeated = read.firstRepeatedId();
      if (repeated != null) {
        throw new IOException(file + ": events " + repeated[0] + " and " + repeated[1] + " have the same id "
            + read.id(repeated[0]) + " (a store gives every event its own; was the file edited?)");
      }
      return read;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + ": not valid: " + dev.attune.data.importers.JacksonErrors.describeAt(e, "file"), e);
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new IOException(file + ": not a whole gzip file" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"),
          e);
    }
  }

  /**
   * The first two rows (in row order of the later one) that share an id, or null when every id is its own. Sorts
   * 64-bit hashes of the ids rather than the ids (an export of 8.7 million events sorts them in well under a second,
   * in 70 MB), then compares the rows behind equal hashes.
   */
  int[] firstRepeatedId() {
    long[] sorted = new long[ids.size()];
    for (int row = 0; row < sorted.length; row++) sorted[row] = hash64(ids.get(row));
    java.util.Arrays.sort(sorted);
    java.util.Set<Long> shared = new java.util.HashSet<>();
    for (int k = 1; k < sorted.length; k++) if (sorted[k] == sorted[k - 1]) shared.add(sorted[k]);
    if (shared.isEmpty()) return null;
    Map<String, Integer> firstRow = new HashMap<>();
    for (int row = 0; row < ids.size(); row++) {
      if (!shared.contains(hash64(ids.get(row)))) continue; // hashed again rather than kept: 70 MB less
      Integer earlier = firstRow.putIfAbsent(ids.get(row), row);
      if (earlier != null) return new int[] {earlier, row};
    }
    return null; // equal hashes of different ids only
  }

  /** A 64-bit FNV-1a hash of the id's characters: two of 8.7 million ids share one with odds of about 2 in a million. */
  private static long hash64(String id) {
    long h = 0xcbf29ce484222325L;
    for (int k = 0; k < id.length(); k++) {
      h ^= id.charAt(k);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** A line of the file after its head. */
  private record Row(String id, Map<String, String> context) {}

  /**
   * The id of the first event of the export of {@code dataset} in {@code dir}, read from the file's head and first
   * line only; null without the file, or when it is another data set's.
   *
   * @throws IOException if the file cannot be read or its head is malformed
   */
  static String firstId(Path dir, String dataset, int events) throws IOException {
    try (JsonParser json = afterHead(dir.resolve(FILE), dataset, events)) {
      return json != null && json.nextToken() == JsonToken.START_OBJECT ? JSON.readValue(json, Row.class).id() : null;
    }
  }

  /**
   * A parser of {@code file} past its head, when the head names {@code dataset} of {@code events} events (closing it
   * closes the file); null without the file, or for another data set's.
   */
  private static JsonParser afterHead(Path file, String dataset, int events) throws IOException {
    if (!Files.exists(file)) return null;
    JsonParser json = JSON.createParser(new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file),
        1 << 16)));
    try {
      Map<?, ?> head = JSON.readValue(json, Map.class);
      if (dataset.equals(head.get("dataset")) && head.get("events") instanceof Number n && n.intValue() == events) {
        return json;
      }
    } catch (IOException | RuntimeException e) {
      json.close();
      throw e;
    }
    json.close();
    return null;
  }
}
