package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.writeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineReaderTest {
  @TempDir
  Path dir;

  private static List<String> lines(Path file, Charset charset) throws IOException {
    List<String> out = new ArrayList<>();
    try (LineReader r = new LineReader(file, charset)) {
      while (r.next()) {
        out.add(r.number() + ":" + (r.text() == null ? "!" + r.error() : r.text()));
      }
    }
    return out;
  }

  @Test
  void handlesCrlfBlankLinesAndNoFinalNewline() throws IOException {
    Path f = writeBytes(dir.resolve("a.txt"), "a\r\n\r\nb\nc");
    assertEquals(List.of("1:a", "2:", "3:b", "4:c"), lines(f, StandardCharsets.UTF_8));
  }

  @Test
  void readsAGzippedFileByItsBytesWhateverItsNameAndNamesOneCutShort() throws IOException {
    java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
    try (var gz = new java.util.zip.GZIPOutputStream(packed)) {
      gz.write("user,item\r\nu1,naïve\n".repeat(3).getBytes(StandardCharsets.UTF_8));
    }
    Path f = dir.resolve("events.csv"); // no .gz: the bytes tell
    java.nio.file.Files.write(f, packed.toByteArray());
    assertEquals(List.of("1:user,item", "2:u1,naïve", "3:user,item", "4:u1,naïve", "5:user,item", "6:u1,naïve"),
        lines(f, StandardCharsets.UTF_8));
    Path cut = dir.resolve("cut.csv.gz");
    java.nio.file.Files.write(cut, java.util.Arrays.copyOf(packed.toByteArray(), packed.size() - 6));
    IOException e = assertThrows(IOException.class, () -> lines(cut, StandardCharsets.UTF_8));
    assertTrue(e.getMessage().contains("cut.csv.gz: its gzip data is damaged or cut short"), e.getMessage());
    Path header = writeBytes(dir.resolve("header.gz"), new byte[] {0x1f, (byte) 0x8b}, "");
    IOException headerCut = assertThrows(IOException.class, () -> lines(header, StandardCharsets.UTF_8));
    assertEquals(header + ": its gzip data is damaged or cut short at the start", headerCut.getMessage());
    // a plain file starting with the first magic byte alone is read as it is
    Path plain = writeBytes(dir.resolve("p.txt"), new byte[] {0x1f}, "x\n");
    assertEquals(List.of("1:\u001fx"), lines(plain, StandardCharsets.UTF_8));
  }

  @Test
  void emptyFileHasNoLines() throws IOException {
    Path f = writeBytes(dir.resolve("e.txt"), "");
    assertEquals(List.of(), lines(f, StandardCharsets.UTF_8));
  }

  @Test
  void skipsUtf8ByteOrderMark() throws IOException {
    Path f = writeBytes(dir.resolve("bom.txt"), new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, "x\n");
    assertEquals(List.of("1:x"), lines(f, StandardCharsets.UTF_8));
  }

  @Test
  void malformedBytesSpoilOnlyTheirLine() throws IOException {
    Path f = writeBytes(dir.resolve("bad.txt"), "ok\nb", TestFiles.BAD_UTF8, "d\nnaïve\n");
    assertEquals(List.of("1:ok", "2:!malformed UTF-8 input at byte 2 of the line", "3:naïve"),
        lines(f, StandardCharsets.UTF_8));
    // the same bytes are valid ISO-8859-1
    assertEquals("2:b\u00ff\u00fed", lines(f, StandardCharsets.ISO_8859_1).get(1));
    // and US-ASCII refuses both non-ASCII lines
    assertTrue(lines(f, StandardCharsets.US_ASCII).get(2).startsWith("3:!malformed US-ASCII"));
  }

  @Test
  void linesLongerThanTheBufferAreWhole() throws IOException {
    String longLine = "x".repeat(200_000);
    Path f = writeBytes(dir.resolve("long.txt"), "a\n" + longLine + "\nb");
    try (LineReader r = new LineReader(f, StandardCharsets.UTF_8)) {
      assertTrue(r.next());
      assertTrue(r.next());
      assertEquals(longLine, r.text());
      assertTrue(r.next());
      assertEquals("b", r.text());
      assertEquals(3, r.number());
      assertFalse(r.next());
      assertNull(r.text());
    }
  }

  @Test
  void pushBackReturnsTheSameLineAgain() throws IOException {
    Path f = writeBytes(dir.resolve("p.txt"), "1\n2\n");
    try (LineReader r = new LineReader(f, StandardCharsets.UTF_8)) {
      r.next();
      r.pushBack();
      assertTrue(r.next());
      assertEquals("1", r.text());
      assertEquals(1, r.number());
      r.next();
      assertEquals("2", r.text());
    }
  }

  @Test
  void refusesCharsetsThatAreNotAsciiCompatible() {
    assertThrows(IllegalArgumentException.class, () -> ImportOptions.DEFAULTS.withCharset(StandardCharsets.UTF_16));
  }

  @Test
  void windows1252UnmappableBytesAreReported() throws IOException {
    // 0x81 is undefined in windows-1252
    Path f = writeBytes(dir.resolve("w.txt"), "a", new byte[] {(byte) 0x81}, "\n", new byte[] {(byte) 0x80}, "\n");
    List<String> lines = lines(f, Charset.forName("windows-1252"));
    assertTrue(lines.get(0).startsWith("1:!unmappable windows-1252 input at byte 2"), lines.toString());
    assertEquals("2:\u20ac", lines.get(1)); // 0x80 is the euro sign
  }

  @Test
  void aZipArchiveAndUtf16TextAreNamedAsWhatTheyAre() throws IOException {
    Path zip = dir.resolve("events.csv");
    try (var out = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(zip))) {
      out.putNextEntry(new java.util.zip.ZipEntry("events.csv"));
      out.write("user,item\nu,i\n".getBytes(StandardCharsets.UTF_8));
    }
    IOException e = assertThrows(IOException.class, () -> LineReader.openMaybeGzipped(zip));
    assertTrue(e.getMessage().endsWith("is a zip archive: unpack it first (a gzipped file is read as it is)"),
        e.getMessage());
    // a spreadsheet's "Unicode text": a byte-order mark, then UTF-16 (little-endian)
    Path utf16 = writeBytes(dir.resolve("unicode.txt"), new byte[] {(byte) 0xff, (byte) 0xfe},
        "user\titem\n".getBytes(StandardCharsets.UTF_16LE));
    e = assertThrows(IOException.class, () -> LineReader.openMaybeGzipped(utf16));
    assertTrue(e.getMessage().contains("is UTF-16 text"), e.getMessage());
  }
}
