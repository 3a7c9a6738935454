package dev.attune.data.importers;

import dev.attune.data.Dataset;
import dev.attune.data.EventLog;
import dev.attune.events.Event;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers for writing small synthetic input files and reading events back. */
final class TestFiles {
  private TestFiles() {}

  /** Bytes that are never valid UTF-8 (0xFF cannot start or continue a sequence). */
  static final byte[] BAD_UTF8 = {(byte) 0xFF, (byte) 0xFE};

  /** Writes {@code text} in UTF-8 and returns the file. */
  static Path write(Path file, String text) throws IOException {
    return write(file, text, StandardCharsets.UTF_8);
  }

  /** Writes {@code text} in {@code charset} and returns the file. */
  static Path write(Path file, String text, Charset charset) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, text.getBytes(charset));
    return file;
  }

  /** Writes the concatenation of {@code parts}: Strings in UTF-8, byte arrays as they are. */
  static Path writeBytes(Path file, Object... parts) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String s) {
        out.write(s.getBytes(StandardCharsets.UTF_8));
      } else {
        out.write((byte[]) p);
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, out.toByteArray());
    return file;
  }

  /** All events of {@code log} with external ids, in row order. */
  static List<Event> events(Dataset ds, EventLog log) {
    List<Event> out = new ArrayList<>();
    for (int r = 0; r < log.size(); r++) {
      out.add(ds.event(log, r));
    }
    return out;
  }

  /** All events of the main log. */
  static List<Event> events(Dataset ds) {
    return events(ds, ds.events());
  }

  /** The events of {@code user} on {@code item} in the main log. */
  static List<Event> find(Dataset ds, String user, String item) {
    List<Event> out = new ArrayList<>();
    for (Event e : events(ds)) {
      if (e.userId().equals(user) && e.itemId().equals(item)) {
        out.add(e);
      }
    }
    return out;
  }

  /** The single event of {@code user} on {@code item}; fails if there is not exactly one. */
  static Event only(Dataset ds, String user, String item) {
    List<Event> found = find(ds, user, item);
    if (found.size() != 1) {
      throw new AssertionError("expected one event of " + user + " on " + item + ", found " + found);
    }
    return found.get(0);
  }
}
