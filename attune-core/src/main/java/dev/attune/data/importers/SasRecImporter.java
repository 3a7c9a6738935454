package dev.attune.data.importers;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Format {@code sasrec}: the interaction files of SASRec (Kang and McAuley, ICDM 2018), such as
 * {@code ml-1m.txt} or {@code Beauty.txt} in its repository.
 *
 * <p>Input: one file (UTF-8/ASCII) with one interaction per line, {@code user item}, separated by spaces or a
 * tab, decimal ids, each user's lines in time order (users may interleave). Each line becomes an event of
 * type {@code view}, value 1, timestamp = the interaction's position among its user's lines (0, 1, 2...;
 * positions restart at 0 with every import, and rejected lines take none).
 *
 * <p>Scene: {@link ImportOptions#scene()}, or {@code default}. Time kind: {@link Dataset.TimeKind#ORDINAL}.
 */
public final class SasRecImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "sasrec";
  /** The event type of every event. */
  public static final String TYPE = "view";

  /** Creates the importer; prefer {@code Importer.forFormat("sasrec")}. */
  public SasRecImporter() {}

  @Override
  public String formatName() {
    return FORMAT;
  }

  @Override
  public Dataset.TimeKind timeKind(ImportOptions options) {
    return Dataset.TimeKind.ORDINAL;
  }

  @Override
  public ImportReport importInto(Dataset dataset, Path input, ImportOptions options) throws IOException {
    ImportContext cx = new ImportContext(this, dataset, input, options);
    cx.requireType(TYPE);
    Inputs.singleFile(input, FORMAT, "a file of 'user item' lines", null, ".txt");
    String scene = options.sceneOr(Event.DEFAULT_SCENE);
    Fields f = new Fields("user", "item");
    NumericIds users = new NumericIds();
    NumericIds items = new NumericIds();
    try (LineReader r = cx.open(input, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        f.splitWhitespace(line);
        f.require(2);
        String user = f.numericId(0, users);
        String item = f.numericId(1, items);
        cx.add(new Event(user, item, TYPE, 1f, cx.nextPosition(user), scene));
      });
    }
    return cx.finish();
  }
}
