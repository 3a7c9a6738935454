package dev.attune.bench;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.TrainingSet;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.model.FitListener;
import dev.attune.model.cf.ItemKnn;
import java.util.SplittableRandom;

/**
 * ItemKNN fit seconds (100 neighbours, one thread) as the catalogue grows and the events stay: 200,000 plays of 20,000
 * users spread uniformly over 10k to 80k items (seed 1), so that only the catalogue's size changes. The fit is the
 * server's default fallback, refitted at start, after each training job and each user deletion. Run: {@code java
 * --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar dev.attune.bench.ItemKnnFitSpeed
 * [items...]}.
 */
public final class ItemKnnFitSpeed {
  private ItemKnnFitSpeed() {}

  public static void main(String[] args) {
    int[] catalogues = args.length == 0 ? new int[] {10_000, 20_000, 40_000, 80_000}
        : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    for (int items : catalogues) {
      SplittableRandom r = new SplittableRandom(1);
      Dataset ds = new Dataset("uniform-" + items, Dataset.TimeKind.CLOCK);
      for (int e = 0; e < 200_000; e++) {
        ds.addEvent(new Event("u" + r.nextInt(20_000), "i" + r.nextInt(items), "play", 1f, e, "music"));
      }
      TrainingSet train = DatasetBuilder.build(ds, EventWeights.defaults());
      long start = System.nanoTime();
      new ItemKnn(new ItemKnn.Params(100, 10f, 1)).fit(train, FitListener.NONE);
      System.out.printf("items %,d (%,d with events): ItemKNN fit %.2f s%n", items, train.numItems(),
          (System.nanoTime() - start) / 1e9);
    }
  }
}
