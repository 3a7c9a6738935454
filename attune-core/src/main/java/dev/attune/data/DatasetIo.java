package dev.attune.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores a {@link Dataset} in a directory and reads it back.
 *
 * <p>Layout: {@code dataset.json} (name, time kind, type and scene names in index order, counts),
 * {@code users.jsonl} and {@code items.jsonl} (one record per line, in index order), {@code events.bin}
 * and optionally {@code given-test.bin} (column-wise binary event logs: magic, count, then each column).
 * Each file is written to a temporary name and moved into place, so a crash never leaves a half-written
 * file under its real name; {@code dataset.json} is written last and marks the directory complete.
 */
public final class DatasetIo {
  private static final int MAGIC = 0x41544556; // "ATEV"
  private static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private DatasetIo() {}

  /** The manifest file whose presence marks a complete data set directory. */
  public static final String MANIFEST = "dataset.json";

  /** Writes {@code dataset} into {@code dir} (created if needed; existing data set files are replaced). */
  public static void write(Dataset dataset, Path dir) throws IOException {
    write(dataset, dir, dataset.name());
  }

  /** As {@link #write(Dataset, Path)}, under another name (what a store's event ids are made of). */
  public static void write(Dataset dataset, Path dir, String name) throws IOException {
    write(dataset, dir, name, dataset.timeKind());
  }

  /**
   * As {@link #write(Dataset, Path, String)}, declaring what its times are: a store's data set reads as clock time, and
   * only its times tell that they are none (0) or positions (a data set without clock time loaded into the store).
   */
  public static void write(Dataset dataset, Path dir, String name, Dataset.TimeKind timeKind) throws IOException {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("a data set needs a name");
    Files.createDirectories(dir);
    // every file is written beside its place first, and the old data set (if any) is replaced only once all are: a
    // run stopped or failing while writing (a full disk) leaves the old one whole and no temporary file behind
    Path given = dir.resolve("given-test.bin");
    List<Path> written = new java.util.ArrayList<>();
    String[] files = {"users.jsonl", "items.jsonl", "events.bin", "given-test.bin", MANIFEST};
    // Ctrl-C ends the JVM without unwinding this thread: its shutdown removes what this run left half-written
    Thread cleanUp = new Thread(() -> {
      for (String f : files) {
        java.io.File tmp = dir.resolve(f + ".tmp").toFile();
        if (tmp.isFile()) tmp.delete(); // a folder of that name is not this run's
      }
    }, "attune-dataset-write-cleanup");
    boolean hooked = addShutdownHook(cleanUp);
    Path manifestTmp = dir.resolve(MANIFEST + ".tmp");
    try {
      try {
        written.add(writeJsonLines(dir.resolve("users.jsonl"), dataset.users()));
        written.add(writeJsonLines(dir.resolve("items.jsonl"),
            dataset.items().stream().map(DatasetIo::itemRecord).toList()));
        written.add(writeLog(dir.resolve("events.bin"), dataset.events()));
        if (dataset.givenTest() != null) written.add(writeLog(given, dataset.givenTest()));
        // the manifest too, before anything is replaced: written after, a failure there (a folder in the way of its
        // temporary name) left the new files in place and no manifest, the earlier data set gone (a QA run)
        JSON.writerWithDefaultPrettyPrinter().writeValue(temporaryOf(dir.resolve(MANIFEST)).toFile(),
            manifest(dataset, name, timeKind));
      } catch (IOException | RuntimeException | Error e) {
        for (String f : files) {
          Path tmp = dir.resolve(f + ".tmp");
          if (!Files.isDirectory(tmp)) Files.deleteIfExists(tmp); // with the one being written; not someone's folder
        }
        throw e;
      }
      Files.deleteIfExists(dir.resolve(MANIFEST)); // from here until the new one, the folder reads as no data set
      for (Path tmp : written) {
        String tmpName = tmp.getFileName().toString();
        move(tmp, tmp.resolveSibling(tmpName.substring(0, tmpName.length() - ".tmp".length())));
      }
      if (dataset.givenTest() == null) Files.deleteIfExists(given);
      move(manifestTmp, dir.resolve(MANIFEST));
    } finally {
      if (hooked) removeShutdownHook(cleanUp);
    }
  }

  /**
   * {@code file}'s temporary sibling ({@code <file>.tmp}), which the write fills before it replaces anything; a folder
   * of that name is said, not met as "Is a directory" (QA), and left as it is.
   */
  private static Path temporaryOf(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    if (Files.isDirectory(tmp)) {
      throw new IOException(tmp + " is a folder, in the way of the file the data set is first written to; move it"
          + " away and run the command again (the data set in " + file.getParent() + " is as it was)");
    }
    return tmp;
  }

  /** Refuses {@code file} when it holds another count of {@code what} than the manifest says it was written with. */
  private static void requireCount(Path file, String what, int read, Map<?, ?> manifest) throws IOException {
    if (manifest.get(what) instanceof Number written && written.longValue() != read) {
      throw new IOException(file + ": holds " + read + " " + what + " where " + MANIFEST + " says " + written
          + " were written: the data set is damaged (cut short, or edited); write it again");
    }
  }

  /** The manifest of {@code dataset}: what {@link #read} checks the files against. */
  private static Map<String, Object> manifest(Dataset dataset, String name, Dataset.TimeKind timeKind) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("format", VERSION);
    manifest.put("name", name);
    manifest.put("timeKind", timeKind.name());
    manifest.put("users", dataset.numUsers());
    manifest.put("items", dataset.numItems());
    manifest.put("events", dataset.events().size());
    manifest.put("givenTestEvents", dataset.givenTest() == null ? 0 : dataset.givenTest().size());
    manifest.put("eventTypes", dataset.typeNames().ids());
    manifest.put("scenes", dataset.sceneNames().ids());
    manifest.put("repeatScenes", List.copyOf(dataset.repeatScenes()));
    return manifest;
  }

  /**
   * Reads a data set directory written by {@link #write}.
   *
   * @throws IOException if files are missing or malformed; the message names the file
   */
  public static Dataset read(Path dir) throws IOException {
    Path manifestPath = dir.resolve(MANIFEST);
    if (!Files.exists(dir)) {
      throw new IOException(dir + " does not exist; create a data set there with 'attune import' or 'attune generate'");
    }
    if (!Files.isRegularFile(manifestPath)) {
      throw new IOException(dir + " is not an Attune data set (no " + MANIFEST + "); create one with 'attune import'");
    }
    Map<?, ?> manifest;
    try {
      manifest = JSON.readValue(manifestPath.toFile(), Map.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw malformed(manifestPath, e, "file");
    }
    Object format = manifest.get("format");
    if (!(format instanceof Number n) || n.intValue() != VERSION) {
      throw new IOException(manifestPath + ": unsupported format " + format);
    }
    Dataset ds;
    try {
      ds = new Dataset((String) manifest.get("name"), Dataset.TimeKind.valueOf((String) manifest.get("timeKind")));
      for (Object s : (List<?>) manifest.get("scenes")) ds.registerScene((String) s);
      for (Object t : (List<?>) manifest.get("eventTypes")) ds.registerType((String) t);
      for (Object s : (List<?>) manifest.get("repeatScenes")) ds.allowRepeats((String) s);
    } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
      throw new IOException(manifestPath + ": a field is missing or of the wrong kind (" + e.getMessage() + ")", e);
    }
    readJsonLines(dir.resolve("users.jsonl"), User.class, ds::putUser);
    requireCount(dir.resolve("users.jsonl"), "users", ds.numUsers(), manifest);
    readJsonLines(dir.resolve("items.jsonl"), com.fasterxml.jackson.databind.JsonNode.class,
        line -> ds.putItem(item(line)));
    // a file cut short was only found at the events, which were blamed for it (QA: "events.bin: event 10 refers to
    // an unknown ... item" for an items.jsonl of 10 lines)
    requireCount(dir.resolve("items.jsonl"), "items", ds.numItems(), manifest);
    readLog(dir.resolve("events.bin"), ds.events(), ds);
    Path given = dir.resolve("given-test.bin");
    if (Files.exists(given)) {
      EventLog log = new EventLog();
      readLog(given, log, ds);
      ds.setGivenTest(log);
    }
    return ds;
  }

  /**
   * An item as a line of {@code items.jsonl}: unknown values (duration NaN, release time {@link Item#UNKNOWN_TIME})
   * left out, so that a line is also a body {@code POST /v1/items} takes (it wrote "NaN" and Long.MIN_VALUE).
   */
  private static Map<String, Object> itemRecord(Item item) {
    Map<String, Object> m = JSON.convertValue(item, new com.fasterxml.jackson.core.type.TypeReference<>() {});
    if (Float.isNaN(item.durationSeconds())) m.remove("durationSeconds");
    if (!item.hasReleaseTime()) m.remove("releaseTime");
    m.values().removeIf(java.util.Objects::isNull);
    return m;
  }

  /** An item from a line of {@code items.jsonl}, also as written before unknown values were left out. */
  private static Item item(com.fasterxml.jackson.databind.JsonNode n) {
    var duration = n.get("durationSeconds");
    var release = n.get("releaseTime");
    com.fasterxml.jackson.databind.node.ObjectNode known = n.deepCopy();
    known.put("durationSeconds", duration == null || duration.isNull() ? Float.NaN : (float) duration.asDouble());
    known.put("releaseTime", release == null || release.isNull() ? Item.UNKNOWN_TIME : release.asLong());
    return JSON.convertValue(known, Item.class);
  }

  /** Reads each line of a JSON-lines file as a {@code type}; a line that cannot be read names the file and line. */
  private static <T> void readJsonLines(Path file, Class<T> type, java.util.function.Consumer<T> each)
      throws IOException {
    try (MappingIterator<T> it = JSON.readerFor(type).readValues(file.toFile())) {
      while (it.hasNext()) each.accept(it.next());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw malformed(file, e, "line");
    } catch (RuntimeException e) {
      // the iterator wraps a parse error of a later line in a RuntimeException
      if (e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
        throw malformed(file, j, "line");
      }
      throw e;
    }
  }

  /** A JSON file that cannot be read, named with the line and the parser's reason (not its internals). */
  private static IOException malformed(Path file, com.fasterxml.jackson.core.JsonProcessingException e, String unit) {
    var where = e.getLocation();
    return new IOException(file + (where == null ? "" : ":" + where.getLineNr()) + ": not valid: "
        + dev.attune.data.importers.JacksonErrors.describe(e, unit), e);
  }

  private static boolean addShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return true;
    } catch (IllegalStateException e) {
      return false; // the JVM is already shutting down
    }
  }

  private static void removeShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down: the hook runs, and finds nothing to delete once the files were moved
    }
  }

  /** Writes {@code values} to {@code file}'s temporary sibling ({@code <file>.tmp}) and returns that. */
  private static Path writeJsonLines(Path file, List<?> values) throws IOException {
    Path tmp = temporaryOf(file);
    try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
         // attributes sorted by name: their maps (Map.copyOf) iterate in an order that changes from one run of the
         // JVM to the next, and two exports of one store differed byte for byte (a QA run)
         SequenceWriter seq = JSON.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
             .withRootValueSeparator("\n").writeValues(out)) {
      for (Object v : values) seq.write(v);
    }
    return tmp;
  }

  /** Writes {@code log} to {@code file}'s temporary sibling ({@code <file>.tmp}) and returns that. */
  private static Path writeLog(Path file, EventLog log) throws IOException {
    Path tmp = temporaryOf(file);
    int n = log.size();
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(n);
      for (int r = 0; r < n; r++) out.writeInt(log.user(r));
      for (int r = 0; r < n; r++) out.writeInt(log.item(r));
      for (int r = 0; r < n; r++) out.writeShort(log.type(r));
      for (int r = 0; r < n; r++) out.writeShort(log.scene(r));
      for (int r = 0; r < n; r++) out.writeFloat(log.value(r));
      for (int r = 0; r < n; r++) out.writeLong(log.time(r));
    }
    return tmp;
  }

  private static void readLog(Path file, EventLog log, Dataset ds) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION) {
        throw new IOException(file + ": not an Attune event file of version " + VERSION);
      }
      int n = in.readInt();
      int[] users = new int[n];
      int[] items = new int[n];
      short[] types = new short[n];
      short[] scenes = new short[n];
      float[] values = new float[n];
      for (int r = 0; r < n; r++) users[r] = in.readInt();
      for (int r = 0; r < n; r++) items[r] = in.readInt();
      for (int r = 0; r < n; r++) types[r] = in.readShort();
      for (int r = 0; r < n; r++) scenes[r] = in.readShort();
      for (int r = 0; r < n; r++) values[r] = in.readFloat();
      for (int r = 0; r < n; r++) {
        long time = in.readLong();
        if (users[r] < 0 || users[r] >= ds.numUsers() || items[r] < 0 || items[r] >= ds.numItems()
            || types[r] < 0 || types[r] >= ds.typeNames().size() || scenes[r] < 0 || scenes[r] >= ds.sceneNames().size()) {
          throw new IOException(file + ": event " + r + " refers to an unknown user, item, type or scene");
        }
        log.add(users[r], items[r], types[r], values[r], time, scenes[r]);
      }
    } catch (java.io.EOFException e) {
      throw new IOException(file + ": truncated", e);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
