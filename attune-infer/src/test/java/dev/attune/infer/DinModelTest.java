package dev.attune.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Reading DIN weight files: a well-formed one scores, a damaged one is refused by name when read. */
class DinModelTest {
  private static final int USERS = 5;
  private static final int ITEMS = 7;
  private static final int FIELDS = 2;
  private static final int ATTRIBUTE_VALUES = 4;
  private static final int CATEGORIES = 3;
  private static final int SLOTS = 2;
  private static final int DIM = 4;

  /** A seeded random DIN file shaped as docs/design/din.md says, with {@code change} applied before reading. */
  private static WeightFile weights(Consumer<WeightFile> change) {
    SplittableRandom random = new SplittableRandom(7);
    int e = 2 * DIM;
    int attentionHidden = 6;
    int mlpIn = (1 + FIELDS) * DIM + 2 * e + 1;
    WeightFile w = new WeightFile().property("model", "din")
        .property("numUsers", Integer.toString(USERS))
        .property("numItems", Integer.toString(ITEMS))
        .property("numFields", Integer.toString(FIELDS))
        .property("numAttributeValues", Integer.toString(ATTRIBUTE_VALUES))
        .property("numCategories", Integer.toString(CATEGORIES))
        .property("slots", Integer.toString(SLOTS))
        .property("dim", Integer.toString(DIM))
        .property("maxHistory", "5");
    w.put("user_embedding", new int[] {USERS, DIM}, gaussian(random, USERS * DIM));
    w.put("attribute_embedding", new int[] {ATTRIBUTE_VALUES, DIM}, gaussian(random, ATTRIBUTE_VALUES * DIM));
    w.put("item_embedding", new int[] {ITEMS + 1, DIM}, gaussian(random, (ITEMS + 1) * DIM));
    w.put("category_embedding", new int[] {CATEGORIES + 1, DIM}, gaussian(random, (CATEGORIES + 1) * DIM));
    float[] itemCategories = new float[ITEMS * SLOTS];
    for (int i = 0; i < ITEMS; i++) itemCategories[i * SLOTS] = 1 + i % CATEGORIES; // second slot empty (0)
    w.put("item_categories", new int[] {ITEMS, SLOTS}, itemCategories);
    layer(w, random, "attention.mlp.0", 4 * e, attentionHidden);
    layer(w, random, "attention.mlp.1", attentionHidden, 1);
    layer(w, random, "mlp.0", mlpIn, 8);
    layer(w, random, "mlp.1", 8, 1);
    change.accept(w);
    return w;
  }

  private static void layer(WeightFile w, SplittableRandom random, String name, int in, int out) {
    w.put(name + ".weight", new int[] {in, out}, gaussian(random, in * out));
    w.put(name + ".bias", new int[] {out}, gaussian(random, out));
  }

  private static float[] gaussian(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) values[i] = (float) ((random.nextDouble() - 0.5) * 0.6);
    return values;
  }

  @Test
  void aWellFormedFileScoresWithAttentionThatSumsToOne() {
    DinModel model = DinModel.fromWeights(weights(w -> {}));
    DinModel.Scored scored = model.score(2, new int[] {0, 3}, new int[] {0, 4, 6}, new int[] {1, 2, 5}, true);
    for (int k = 0; k < 3; k++) {
      float p = scored.probabilities()[k];
      assertTrue(p > 0 && p < 1, "probability " + p);
      double sum = 0;
      for (float a : scored.attention()[k]) sum += a;
      assertEquals(1.0, sum, 1e-5);
    }
  }

  @Test
  void aCategoryTokenOutsideTheTableIsRefusedWhenRead() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DinModel.fromWeights(weights(
        w -> w.tensor("item_categories").values()[2 * SLOTS] = CATEGORIES + 1)));
    assertTrue(e.getMessage().contains("item_categories") && e.getMessage().contains("item 2"), e.getMessage());
  }

  @Test
  void aFractionalCategoryTokenIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DinModel.fromWeights(weights(
        w -> w.tensor("item_categories").values()[0] = 1.5f)));
    assertTrue(e.getMessage().contains("whole number"), e.getMessage());
  }

  @Test
  void aNegativeOrNonNumericSizeIsRefusedByName() {
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> DinModel.fromWeights(weights(w -> w.property("slots", "-1"))));
    assertTrue(negative.getMessage().contains("'slots' is -1"), negative.getMessage());
    IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
        () -> DinModel.fromWeights(weights(w -> w.property("dim", "four"))));
    assertTrue(text.getMessage().contains("'dim' is not an integer"), text.getMessage());
  }

  @Test
  void anAttentionUnitWithMoreThanOneOutputIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DinModel.fromWeights(weights(w -> {
      SplittableRandom random = new SplittableRandom(1);
      layer(w, random, "attention.mlp.1", 6, 2);
    })));
    assertTrue(e.getMessage().contains("attention.mlp maps 32 to 2"), e.getMessage());
  }
}
