package dev.attune.data.importers;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A row of an input file that cannot be imported, with where it is and why.
 *
 * <p>The message reads {@code file:line: detail}, for example
 * {@code u.data:17: bad number in field 'rating': "x"}, where {@code file} is the file's name (not its
 * whole path; {@link #file()} has the path). When the problem concerns a whole file rather than one line,
 * {@link #line()} is 0 and the message reads {@code file: detail}.
 *
 * <p>Thrown in {@linkplain ImportOptions#strict() strict} mode at the first bad row; in lenient mode the same
 * problems are counted in the {@link ImportReport} instead, under {@link #reason()}.
 */
public final class ImportException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long line;
  private final String reason;
  private final String detail;
  private final boolean skippable;

  /**
   * A failure at one line of one file.
   *
   * @param file the file being read, non-null
   * @param line 1-based line number, or 0 when the problem is not tied to one line
   * @param reason short category used as a key in {@link ImportReport#rejected()}, such as
   *     {@link ImportReport#BAD_NUMBER}; non-null
   * @param detail human-readable description without the location, such as
   *     {@code bad number in field 'rating': "x"}; non-null
   */
  public ImportException(Path file, long line, String reason, String detail) {
    this(file, line, reason, detail, false);
  }

  /**
   * A bad row that stopped a strict import, which a lenient one would have counted and skipped (as opposed to a
   * problem that stops both, such as a quote never closed).
   */
  public static ImportException skippableRow(Path file, long line, String reason, String detail) {
    return new ImportException(file, line, reason, detail, true);
  }

  private ImportException(Path file, long line, String reason, String detail, boolean skippable) {
    super(location(file, line) + ": " + detail);
    this.skippable = skippable;
    if (file == null || reason == null || detail == null) {
      throw new IllegalArgumentException("file, reason and detail must not be null");
    }
    if (line < 0) {
      throw new IllegalArgumentException("line must be >= 0: " + line);
    }
    this.file = file;
    this.line = line;
    this.reason = reason;
    this.detail = detail;
  }

  private static String location(Path file, long line) {
    Path name = file == null ? null : file.getFileName();
    String s = name == null ? String.valueOf(file) : name.toString();
    return line > 0 ? s + ":" + line : s;
  }

  /** The file being read; null only after deserialization. */
  public Path file() {
    return file;
  }

  /** The 1-based line number, or 0 when the problem concerns the whole file. */
  public long line() {
    return line;
  }

  /** The short category of the problem, a key of {@link ImportReport#rejected()}. */
  public String reason() {
    return reason;
  }

  /** The description without the {@code file:line: } prefix. */
  public String detail() {
    return detail;
  }

  /** Whether a lenient import would have skipped this row and gone on ({@link #skippableRow}). */
  public boolean skippable() {
    return skippable;
  }
}
