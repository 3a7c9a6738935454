package dev.attune.data.importers;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Format {@code taobao}: Alibaba's Taobao {@code UserBehavior.csv} (Tianchi data set 649; Zhu et al., KDD 2018).
 *
 * <p>Input: the CSV file, or a folder holding {@code UserBehavior.csv} (UTF-8/ASCII, no header):
 * {@code user_id,item_id,category_id,behavior_type,unix_ts}.
 * Each row becomes an event whose type is the behaviour ({@code pv}, {@code cart}, {@code fav},
 * {@code buy}; any type the options' weights accept), value 1, timestamp = seconds × 1000. An item seen
 * for the first time is added with {@code categories = [category_id]}. The fields are plain numbers and
 * words with no quoting, so rows are split on commas directly rather than through a CSV parser.
 *
 * <p>Scene: {@code shop} unless {@link ImportOptions#scene()} says otherwise. Time kind:
 * {@link Dataset.TimeKind#CLOCK}.
 */
public final class TaobaoImporter implements Importer {
  /** The format name. */
  public static final String FORMAT = "taobao";
  /** The default scene. */
  public static final String SCENE = "shop";

  /** Creates the importer; prefer {@code Importer.forFormat("taobao")}. */
  public TaobaoImporter() {}

  @Override
  public String formatName() {
    return FORMAT;
  }

  @Override
  public Dataset.TimeKind timeKind(ImportOptions options) {
    return Dataset.TimeKind.CLOCK;
  }

  @Override
  public ImportReport importInto(Dataset dataset, Path input, ImportOptions options) throws IOException {
    ImportContext cx = new ImportContext(this, dataset, input, options);
    Path file = Inputs.singleFile(input, FORMAT, "a UserBehavior.csv file", "UserBehavior.csv", ".csv");
    String scene = options.sceneOr(SCENE);
    Fields f = new Fields("user_id", "item_id", "category_id", "behavior_type", "unix_ts");
    NumericIds users = new NumericIds();
    NumericIds items = new NumericIds();
    NumericIds categories = new NumericIds();
    try (LineReader r = cx.open(file, StandardCharsets.UTF_8)) {
      cx.readRows(r, false, line -> {
        f.split(line, ',');
        f.require(5);
        String user = f.numericId(0, users);
        String item = f.numericId(1, items);
        String category = f.numericId(2, categories);
        String type = f.requireText(3);
        if (!cx.acceptsType(type)) {
          throw BadRow.unknownType("behavior_type", type);
        }
        long time = f.epochSecondsAsMillis(4);
        if (dataset.itemIds().indexOf(item) < 0) {
          dataset.putItem(new Item(item, scene, null, null, null, List.of(category), List.of(), Float.NaN,
              Item.UNKNOWN_TIME, null, Map.of()));
        }
        cx.add(new Event(user, item, type, 1f, time, scene));
      });
    }
    return cx.finish();
  }
}
