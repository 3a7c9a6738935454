package dev.attune.data.importers;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a text file line by line from its bytes, decoding each line on its own so that malformed bytes
 * spoil only their line.
 *
 * <p>Lines end at LF; a CR before the LF is dropped (CRLF files), and a last line without a line feed is
 * still a line. A UTF-8 byte order mark at the start of the file is skipped. Every physical line is
 * returned, blank ones included, so {@link #number()} is the 1-based line number an editor shows.
 *
 * <p>Decoding uses a {@link CharsetDecoder} that reports malformed and unmappable input: such a line has
 * {@link #text()} null and {@link #error()} describing the problem. ISO-8859-1 maps every byte and never
 * fails; for UTF-8 and US-ASCII, pure ASCII lines take a fast path that skips the decoder.
 *
 * <p>Not thread-safe; one reader per file.
 */
final class LineReader implements Closeable {
  /** Longest line accepted, in bytes; longer lines are almost surely a wrong file or a binary one. */
  static final int MAX_LINE_BYTES = 1 << 28;

  private enum Mode { LATIN1, ASCII_FAST, DECODER }

  private final Path file;
  private final InputStream in;
  private final Charset charset;
  private final CharsetDecoder decoder;
  private final Mode mode;
  private byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private int scan;
  private boolean eof;
  private CharBuffer chars = CharBuffer.allocate(256);

  private long number;
  private String text;
  private String error;
  private String replaced;
  private boolean replay;

  /** Opens {@code file} for reading in {@code charset}, which must be ASCII-compatible. */
  LineReader(Path file, Charset charset) throws IOException {
    requireAsciiCompatible(charset);
    this.file = file;
    this.charset = charset;
    this.decoder = charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    if (charset.equals(StandardCharsets.ISO_8859_1)) {
      mode = Mode.LATIN1;
    } else if (charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.US_ASCII)) {
      mode = Mode.ASCII_FAST;
    } else {
      mode = Mode.DECODER;
    }
    this.in = openMaybeGzipped(file);
  }

  /**
   * The file's bytes, decompressed when it is gzipped (it starts with gzip's magic bytes, whatever its name):
   * event logs are often kept as {@code .csv.gz} or {@code .jsonl.gz}, and unpacking a large one first costs its
   * whole size on disk again.
   */
  static InputStream openMaybeGzipped(Path file) throws IOException {
    java.io.BufferedInputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
    try {
      raw.mark(4);
      int[] head = {raw.read(), raw.read(), raw.read(), raw.read()};
      raw.reset();
      boolean gzipped = head[0] == 0x1f && head[1] == 0x8b;
      // two kinds of file a user hands over that no line of them would decode: said as what they are
      if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
        throw new IOException(file + " is a zip archive: unpack it first (a gzipped file is read as it is)");
      }
      if (head[0] == 0xff && head[1] == 0xfe || head[0] == 0xfe && head[1] == 0xff) {
        throw new IOException(file + " is UTF-16 text (its first bytes are a UTF-16 byte-order mark, as a"
            + " spreadsheet's \"Unicode text\" has): save it as UTF-8 first");
      }
      return gzipped ? new java.util.zip.GZIPInputStream(raw, 1 << 16) : raw;
    } catch (java.util.zip.ZipException | java.io.EOFException e) { // a gzip header cut short or damaged
      raw.close();
      throw new IOException(file + ": its gzip data is damaged or cut short at the start"
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /**
   * Checks that line feeds and carriage returns are the single bytes 0x0A and 0x0D in {@code charset}, as
   * line splitting on bytes requires.
   *
   * @throws IllegalArgumentException if not (UTF-16, UTF-32...)
   */
  static void requireAsciiCompatible(Charset charset) {
    if (!charset.canEncode()
        || !Arrays.equals("\n\r".getBytes(charset), new byte[] {'\n', '\r'})) {
      throw new IllegalArgumentException("charset " + charset + " is not ASCII-compatible; use UTF-8, "
          + "ISO-8859-1 or another charset where a line feed is the byte 0x0A");
    }
  }

  /** The file being read. */
  Path file() {
    return file;
  }

  /**
   * Advances to the next line.
   *
   * @return false at the end of the file
   * @throws ImportException if a line is longer than {@link #MAX_LINE_BYTES}
   */
  boolean next() throws IOException {
    if (replay) {
      replay = false;
      return true;
    }
    for (;;) {
      byte[] b = buf;
      for (int i = scan; i < limit; i++) {
        if (b[i] == '\n') {
          setLine(pos, i);
          pos = i + 1;
          scan = pos;
          return true;
        }
      }
      scan = limit;
      if (eof) {
        if (pos < limit) {
          setLine(pos, limit);
          pos = limit;
          return true;
        }
        text = null;
        error = null;
        replaced = null;
        return false;
      }
      fill();
    }
  }

  /** Makes the next call to {@link #next()} return the current line again. */
  void pushBack() {
    replay = true;
  }

  /** 1-based number of the current line. */
  long number() {
    return number;
  }

  /** The current line without its line ending, or null if its bytes are not valid in the charset. */
  String text() {
    return text;
  }

  /** Why the current line could not be decoded, or null. */
  String error() {
    return error;
  }

  /** The current line, with undecodable bytes replaced by U+FFFD when {@link #text()} is null. */
  String textOrReplaced() {
    return text != null ? text : replaced;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private void fill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      scan -= pos;
      pos = 0;
    }
    if (limit == buf.length) {
      if (buf.length >= MAX_LINE_BYTES) {
        throw new ImportException(file, number + 1, ImportReport.LINE_TOO_LONG,
            "line too long: more than " + MAX_LINE_BYTES + " bytes; not a text file of this format?");
      }
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    int n;
    try {
      n = in.read(buf, limit, buf.length - limit);
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new IOException(file + ": its gzip data is damaged or cut short after line " + number
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
    }
    if (n < 0) {
      eof = true;
    } else {
      limit += n;
    }
  }

  private void setLine(int start, int end) {
    number++;
    if (end > start && buf[end - 1] == '\r') {
      end--;
    }
    if (number == 1 && end - start >= 3 && buf[start] == (byte) 0xEF && buf[start + 1] == (byte) 0xBB
        && buf[start + 2] == (byte) 0xBF && charset.equals(StandardCharsets.UTF_8)) {
      start += 3;
    }
    error = null;
    replaced = null;
    switch (mode) {
      case LATIN1 -> text = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
      case ASCII_FAST -> {
        if (isAscii(buf, start, end)) {
          text = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
        } else {
          decode(start, end);
        }
      }
      case DECODER -> decode(start, end);
    }
  }

  private static boolean isAscii(byte[] b, int start, int end) {
    for (int i = start; i < end; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private void decode(int start, int end) {
    int len = end - start;
    int need = (int) Math.min(Integer.MAX_VALUE - 8, (long) Math.ceil(len * (double) decoder.maxCharsPerByte()) + 1);
    if (chars.capacity() < need) {
      chars = CharBuffer.allocate(need);
    }
    chars.clear();
    decoder.reset();
    ByteBuffer bytes = ByteBuffer.wrap(buf, start, len);
    CoderResult r = decoder.decode(bytes, chars, true);
    if (!r.isError()) {
      r = decoder.flush(chars);
    }
    if (r.isError()) {
      text = null;
      error = (r.isMalformed() ? "malformed " : "unmappable ") + charset.name() + " input at byte "
          + (bytes.position() - start + 1) + " of the line";
      replaced = new String(buf, start, len, charset);
    } else {
      assert !r.isOverflow() : "char buffer sized by maxCharsPerByte overflowed";
      text = new String(chars.array(), 0, chars.position());
    }
  }
}
