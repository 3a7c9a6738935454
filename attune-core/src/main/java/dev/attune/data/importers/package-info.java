/**
 * Readers that fill a {@link dev.attune.data.Dataset} from public data sets and generic event files.
 *
 * <p>Start reading at {@link dev.attune.data.importers.Importer}: {@code Importer.forFormat(name)} gives the
 * reader for a format, {@code newDataset(name)} an empty data set with the format's time kind, and
 * {@code importInto(dataset, path, options)} fills it and returns an
 * {@link dev.attune.data.importers.ImportReport}. {@link dev.attune.data.importers.ImportOptions} chooses strict
 * (fail with an {@link dev.attune.data.importers.ImportException} naming file, line and reason) or lenient
 * (skip and count bad rows by reason), overrides encodings and scenes, and carries the
 * {@link dev.attune.data.importers.ColumnMapping} of the generic formats.
 *
 * <table>
 *   <caption>Formats</caption>
 *   <tr><th>name</th><th>input</th><th>event type</th><th>time kind</th></tr>
 *   <tr><td>{@code movielens-100k}</td><td>ml-100k folder ({@link dev.attune.data.importers.MovieLens100kImporter})</td>
 *       <td>rating</td><td>CLOCK</td></tr>
 *   <tr><td>{@code movielens-1m}</td><td>ml-1m folder with ratings.dat
 *       ({@link dev.attune.data.importers.MovieLens1mImporter})</td><td>rating</td><td>CLOCK</td></tr>
 *   <tr><td>{@code ml1m-implicit}</td><td>implicit_colakg folder
 *       ({@link dev.attune.data.importers.MovieLens1mImplicitImporter})</td><td>view, plus a given test part</td>
 *       <td>NONE</td></tr>
 *   <tr><td>{@code lastfm-hetrec}</td><td>hetrec2011-lastfm-2k folder
 *       ({@link dev.attune.data.importers.LastFmHetRecImporter})</td><td>play_count</td><td>NONE</td></tr>
 *   <tr><td>{@code s3rec}</td><td>an S3-Rec X.txt sequence file ({@link dev.attune.data.importers.S3RecImporter})</td>
 *       <td>view</td><td>ORDINAL</td></tr>
 *   <tr><td>{@code sasrec}</td><td>a file of user item lines ({@link dev.attune.data.importers.SasRecImporter})</td>
 *       <td>view</td><td>ORDINAL</td></tr>
 *   <tr><td>{@code douban}</td><td>a Douban ratings file or folder ({@link dev.attune.data.importers.DoubanImporter})</td>
 *       <td>rating</td><td>NONE</td></tr>
 *   <tr><td>{@code taobao}</td><td>UserBehavior.csv or a folder holding it
 *       ({@link dev.attune.data.importers.TaobaoImporter})</td>
 *       <td>pv, cart, fav, buy</td><td>CLOCK</td></tr>
 *   <tr><td>{@code csv}</td><td>any delimited file ({@link dev.attune.data.importers.CsvImporter})</td>
 *       <td>mapped</td><td>mapped</td></tr>
 *   <tr><td>{@code jsonl}</td><td>JSON lines ({@link dev.attune.data.importers.JsonLinesImporter})</td>
 *       <td>mapped</td><td>mapped</td></tr>
 * </table>
 *
 * <p>All text is read from bytes line by line and each line is decoded on its own with a reporting decoder,
 * so a line with malformed bytes is one rejected row ({@code bad encoding}) rather than a failed import; CRLF
 * endings and a last line without a line feed are handled everywhere. Fixed formats are split with
 * {@code indexOf}, not regular expressions; JSON and generic CSV go through Jackson. Every import ends by
 * collapsing duplicate events ({@link dev.attune.data.EventLog#collapseDuplicates()}).
 *
 * <p>Imports {@code dev.attune.events} and {@code dev.attune.data}; nothing from models, evaluation or
 * serving. Unit tests use synthetic files only; {@code SharedDataImportIT} checks the real data sets when
 * they are present.
 */
package dev.attune.data.importers;
