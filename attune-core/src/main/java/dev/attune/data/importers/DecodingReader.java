package dev.attune.data.importers;

import java.io.IOException;
import java.io.Reader;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link Reader} over a {@link LineReader} for parsers that need a character stream (Jackson CSV), which
 * keeps per-line decoding: a line with malformed bytes is passed on with U+FFFD replacements and remembered,
 * so the caller can reject the records that span it ({@link #badLine}) and carry on with the rest.
 *
 * <p>Every physical line is emitted followed by one LF (CR dropped), so the parser's line numbers equal
 * the file's.
 */
final class DecodingReader extends Reader {
  private final LineReader lines;
  private final Map<Long, String> badLines = new HashMap<>();
  private String current;
  private int index;
  private boolean done;

  DecodingReader(LineReader lines) {
    this.lines = lines;
  }

  @Override
  public int read(char[] cbuf, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = 0;
    while (n < len) {
      if (current == null) {
        if (done || !lines.next()) {
          done = true;
          break;
        }
        current = lines.textOrReplaced();
        if (lines.text() == null) {
          badLines.put(lines.number(), lines.error());
        }
        index = 0;
      }
      int available = current.length() - index;
      if (available > 0) {
        int k = Math.min(available, len - n);
        current.getChars(index, index + k, cbuf, off + n);
        index += k;
        n += k;
      } else {
        cbuf[off + n++] = '\n';
        current = null;
      }
    }
    return n == 0 ? -1 : n;
  }

  /** The decoding error of the first bad line in {@code [from, to]}, or null if all decoded cleanly. */
  String badLine(long from, long to) {
    if (badLines.isEmpty()) {
      return null;
    }
    for (long line = from; line <= to; line++) {
      String error = badLines.get(line);
      if (error != null) {
        return error;
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    lines.close();
  }
}
