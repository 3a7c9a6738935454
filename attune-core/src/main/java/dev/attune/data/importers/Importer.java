package dev.attune.data.importers;

import dev.attune.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads one public or generic data format into a {@link Dataset}.
 *
 * <p>Typical use:
 * <pre>{@code
 * Importer importer = Importer.forFormat("movielens-100k");
 * Dataset ds = importer.newDataset("ml-100k");
 * ImportReport report = importer.importInto(ds, Path.of("data/movielens-100k"), ImportOptions.DEFAULTS);
 * }</pre>
 *
 * <p>Each format fixes what timestamps mean ({@link #timeKind}); a data set must be created with that time
 * kind, which {@link #newDataset(String, ImportOptions)} does. Several imports may go into one data set
 * (two Douban files, for instance) when their time kinds agree.
 *
 * <p>Implementations are stateless and thread-safe; one import fills one data set from one thread.
 */
public interface Importer {

  /** The format name accepted by {@link #forFormat}, such as {@code movielens-100k}. */
  String formatName();

  /**
   * What this format's timestamps mean. Fixed per format, except for the generic {@code csv} and
   * {@code jsonl} formats, where it follows {@link ColumnMapping#timeFormat()} of {@code options}.
   */
  Dataset.TimeKind timeKind(ImportOptions options);

  /**
   * An empty data set named {@code name} with this format's time kind under {@code options}.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  default Dataset newDataset(String name, ImportOptions options) {
    return new Dataset(name, timeKind(options == null ? ImportOptions.DEFAULTS : options));
  }

  /** {@link #newDataset(String, ImportOptions)} with {@link ImportOptions#DEFAULTS}. */
  default Dataset newDataset(String name) {
    return newDataset(name, ImportOptions.DEFAULTS);
  }

  /**
   * Reads {@code input} and adds its users, items and events to {@code dataset}, then collapses duplicate
   * events ({@link dev.attune.data.EventLog#collapseDuplicates()}).
   *
   * <p>Metadata (users, items) is added before events, so dense indices follow the metadata files' order
   * where there are any. On failure the data set keeps what was added before it; discard it.
   *
   * @param dataset the data set to fill; its {@link Dataset#timeKind()} must be {@link #timeKind}
   * @param input a file or folder, as each format documents
   * @param options strictness, encoding and scene overrides, accepted event types, column mapping
   * @return counts, rejected rows by reason and timing
   * @throws ImportException in strict mode, at the first bad row (file, line, reason)
   * @throws java.nio.file.NoSuchFileException if a required file is missing
   * @throws java.nio.file.FileSystemException if {@code input} is a folder where the format reads one file; the
   *     message names the folder's likely files
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if an argument is null, the time kinds differ, or the options' event
   *     weights reject an event type the format always uses
   */
  ImportReport importInto(Dataset dataset, Path input, ImportOptions options) throws IOException;

  /**
   * The importer for a format name. Names: {@code movielens-100k}, {@code movielens-1m}, {@code ml1m-implicit},
   * {@code lastfm-hetrec}, {@code s3rec}, {@code sasrec}, {@code douban}, {@code taobao}, {@code csv},
   * {@code jsonl} (see {@link #formatNames()}).
   *
   * @throws IllegalArgumentException if the name is unknown; the message lists the known ones
   */
  static Importer forFormat(String name) {
    return Formats.forName(name);
  }

  /** All format names, in the order of {@link #forFormat}'s list. */
  static List<String> formatNames() {
    return Formats.names();
  }
}
