package dev.attune.data.importers;

import dev.attune.events.EventWeights;
import java.nio.charset.Charset;

/**
 * How an {@link Importer} treats its input.
 *
 * @param strict true: stop at the first bad row with an {@link ImportException} naming file, line and
 *     reason; false (lenient): skip bad rows and count them by reason in the {@link ImportReport}
 * @param charset encoding of every text file the import reads, or null for each file's documented encoding
 *     (for example ISO-8859-1 for MovieLens {@code u.item}, UTF-8 for HetRec {@code artists.dat}). Must be
 *     ASCII-compatible (a line feed is the single byte 0x0A), so UTF-16 and UTF-32 are refused. JSON
 *     attribute files are always read as UTF-8.
 * @param scene scene for the events and items, or null for the format's own (see each importer). Douban
 *     folder imports ignore it: their scenes come from the file names. Non-blank when given.
 * @param weights decides which event types are accepted: a row whose type
 *     {@link EventWeights#accepts(String) is not accepted} is rejected as {@link ImportReport#UNKNOWN_EVENT_TYPE};
 *     null means {@link EventWeights#defaults()}
 * @param columns column mapping for the generic {@code csv} and {@code jsonl} formats (ignored by the
 *     others); null means {@link ColumnMapping#DEFAULTS}
 * @param progress hears the rows read (events and metadata) every {@link #PROGRESS_EVERY_ROWS}; null for nobody
 */
public record ImportOptions(boolean strict, Charset charset, String scene, EventWeights weights,
    ColumnMapping columns, java.util.function.LongConsumer progress) {

  /** Strict, each file's own encoding, each format's own scene, default weights, default columns, no progress. */
  public static final ImportOptions DEFAULTS = new ImportOptions(true, null, null, null, null, null);

  /** Every this many rows read, {@link #progress} hears the count. */
  public static final long PROGRESS_EVERY_ROWS = 1L << 20;

  /** The options without progress reports. */
  public ImportOptions(boolean strict, Charset charset, String scene, EventWeights weights, ColumnMapping columns) {
    this(strict, charset, scene, weights, columns, null);
  }

  /**
   * Checks and normalises the components.
   *
   * @throws IllegalArgumentException if {@code charset} is not ASCII-compatible or {@code scene} is blank
   */
  public ImportOptions {
    if (charset != null) {
      LineReader.requireAsciiCompatible(charset);
    }
    if (scene != null && scene.isBlank()) {
      throw new IllegalArgumentException("scene must not be blank (use null for the format's default)");
    }
    weights = weights == null ? EventWeights.defaults() : weights;
    columns = columns == null ? ColumnMapping.DEFAULTS : columns;
  }

  /** These options in lenient mode: bad rows are skipped and counted. */
  public ImportOptions lenient() {
    return withStrict(false);
  }

  /** A copy with {@code strict} replaced. */
  public ImportOptions withStrict(boolean strict) {
    return new ImportOptions(strict, charset, scene, weights, columns, progress);
  }

  /** A copy with {@code charset} replaced; null restores each file's own encoding. */
  public ImportOptions withCharset(Charset charset) {
    return new ImportOptions(strict, charset, scene, weights, columns, progress);
  }

  /** A copy with {@code scene} replaced; null restores the format's own scene. */
  public ImportOptions withScene(String scene) {
    return new ImportOptions(strict, charset, scene, weights, columns, progress);
  }

  /** A copy with {@code weights} replaced; null restores the defaults. */
  public ImportOptions withWeights(EventWeights weights) {
    return new ImportOptions(strict, charset, scene, weights, columns, progress);
  }

  /** A copy with {@code columns} replaced; null restores the defaults. */
  public ImportOptions withColumns(ColumnMapping columns) {
    return new ImportOptions(strict, charset, scene, weights, columns, progress);
  }

  /**
   * A copy that reports the rows read so far to {@code progress} every {@link #PROGRESS_EVERY_ROWS} rows (a long
   * import shows it is going on); null for none.
   */
  public ImportOptions withProgress(java.util.function.LongConsumer progress) {
    return new ImportOptions(strict, charset, scene, weights, columns, progress);
  }

  /** The configured charset, or {@code formatDefault} when none is set. */
  public Charset charsetOr(Charset formatDefault) {
    return charset != null ? charset : formatDefault;
  }

  /** The configured scene, or {@code formatDefault} when none is set. */
  public String sceneOr(String formatDefault) {
    return scene != null ? scene : formatDefault;
  }
}
