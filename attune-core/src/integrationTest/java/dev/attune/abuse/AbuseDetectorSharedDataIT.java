package dev.attune.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attune.data.Dataset;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.Importer;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The detector on real shops' data, untouched, where every flag is a false positive: S3Rec Beauty, whose shoppers
 * have 5 to 10 items and baskets that look random to the popularity null (about 60% of users within ±2 null z), once
 * quarantined 450 real users (2%) as crowds on two best-sellers. Opt-in: skipped when {@code ../shared/data} is absent.
 */
class AbuseDetectorSharedDataIT {
  private static Path s3rec(String file) {
    Path userDir = Path.of(System.getProperty("user.dir"));
    for (Path data : List.of(userDir.resolve("../../shared/data"), userDir.resolve("../shared/data"))) {
      Path p = data.resolve("s3rec-sequential").resolve(file).normalize();
      if (Files.exists(p)) return p;
    }
    Assumptions.assumeTrue(false, "../shared/data/s3rec-sequential/" + file + " not found: skipped");
    return null;
  }

  private static Dataset imported(String file) throws IOException {
    Importer importer = Importer.forFormat("s3rec");
    Dataset ds = importer.newDataset(file, ImportOptions.DEFAULTS);
    importer.importInto(ds, s3rec(file), ImportOptions.DEFAULTS);
    return ds;
  }

  /**
   * The same data as a store reads it back: users and items in id order, events in arrival order. The order moves the
   * popularity null's seeded draws, so each order flagged other items before (299 users in import order, 450 here).
   */
  private static Dataset inStoreOrder(Dataset source) {
    Dataset ds = new Dataset(source.name(), source.timeKind());
    List<User> users = new ArrayList<>(source.users());
    users.sort(Comparator.comparing(User::id));
    users.forEach(ds::putUser);
    List<Item> items = new ArrayList<>(source.items());
    items.sort(Comparator.comparing(Item::id));
    items.forEach(ds::putItem);
    for (int r = 0; r < source.events().size(); r++) ds.addEvent(source.event(source.events(), r));
    return ds;
  }

  @Test
  void untouchedBeautyHasNoShillingCrowds() throws IOException {
    Dataset beauty = imported("Beauty.txt");
    AbuseDetector detector = new AbuseDetector(AbuseDetector.Params.DEFAULTS);
    AbuseDetector.Report asImported = detector.detect(beauty);
    assertEquals(0, asImported.quarantinedCount(), asImported.pushedItems().toString());
    AbuseDetector.Report asStored = detector.detect(inStoreOrder(beauty));
    assertEquals(0, asStored.quarantinedCount(), asStored.pushedItems().toString());
  }
}
