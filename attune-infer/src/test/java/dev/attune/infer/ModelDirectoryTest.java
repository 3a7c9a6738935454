package dev.attune.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelDirectoryTest {

  /**
   * An item's row is trained when a user liked it beside another item: not when it is known by metadata alone, nor
   * when it was only skipped, nor when every user who liked it liked nothing else (a sequence of one).
   */
  @Test
  void untrainedItemsAreThoseNoUserLikedBesideAnother() {
    Dataset ds = new Dataset("t", Dataset.TimeKind.CLOCK);
    for (String id : List.of("a", "b", "c", "hit", "skipped", "catalogue-only")) ds.putItem(Item.bare(id, "music"));
    ds.addEvent(new Event("u1", "a", "play", 1, 10, "music"));
    ds.addEvent(new Event("u1", "b", "like", 1, 20, "music"));
    ds.addEvent(new Event("u1", "skipped", "skip", 1, 30, "music"));
    ds.addEvent(new Event("u2", "c", "play", 1, 10, "music"));
    ds.addEvent(new Event("u2", "c", "play", 1, 20, "music")); // a repeat: c follows c
    for (int fan = 0; fan < 5; fan++) ds.addEvent(new Event("fan" + fan, "hit", "play", 1, 40, "music"));
    assertEquals(List.of("hit", "skipped", "catalogue-only"),
        ModelDirectory.untrainedItems(DatasetBuilder.build(ds, EventWeights.defaults())));
  }
}
