package dev.attune.model.cf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Interactions;
import dev.attune.model.FitListener;
import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EaseTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new Ease(new Ease.Params(100f, 5000));
  }

  /**
   * Items without entries are left out of the inverse: the other items' weights are those of a fit on a catalogue
   * without them (the Gram matrix is block-diagonal), and theirs are 0 both ways.
   */
  @Test
  void itemsWithoutEntriesGetNoWeightsAndChangeNoOthers() {
    SplittableRandom random = new SplittableRandom(5);
    int users = 60;
    int items = 12; // in the wide catalogue, the odd items have no entries
    int nnz = 240;
    int[] u = new int[nnz];
    int[] narrow = new int[nnz];
    int[] wide = new int[nnz];
    float[] ones = new float[nnz];
    for (int k = 0; k < nnz; k++) {
      u[k] = random.nextInt(users);
      narrow[k] = random.nextInt(items);
      wide[k] = 2 * narrow[k];
      ones[k] = 1f;
    }
    Ease ease = new Ease(new Ease.Params(10f, 100));
    float[] b = ease.itemWeights(Interactions.fromTriples(users, items, u, narrow, ones).positive(), FitListener.NONE);
    float[] b2 = ease.itemWeights(Interactions.fromTriples(users, 2 * items, u, wide, ones).positive(),
        FitListener.NONE);
    for (int i = 0; i < 2 * items; i++) {
      for (int j = 0; j < 2 * items; j++) {
        float expected = i % 2 == 0 && j % 2 == 0 ? b[(i / 2) * items + j / 2] : 0f;
        assertEquals(expected, b2[i * 2 * items + j], 1e-6f, "B[" + i + ", " + j + "]");
      }
    }
  }

  /** Progress bars end full: every stage's last report has done equal to total. */
  @Test
  void everyStageReportsItsEnd() {
    int users = 1500; // not a multiple of the reporting stride
    int[] u = new int[2 * users];
    int[] i = new int[2 * users];
    float[] ones = new float[2 * users];
    for (int k = 0; k < 2 * users; k++) {
      u[k] = k / 2;
      i[k] = (k * 7) % 20;
      ones[k] = 1f;
    }
    java.util.Map<String, long[]> last = new java.util.LinkedHashMap<>();
    new Ease(new Ease.Params(10f, 100)).itemWeights(Interactions.fromTriples(users, 20, u, i, ones).positive(),
        new FitListener() {
          @Override
          public void progress(String stage, long done, long total) {
            last.put(stage, new long[] {done, total});
          }
        });
    assertEquals(java.util.Set.of("EASE Gram matrix", "EASE inverse"), last.keySet());
    for (var e : last.entrySet()) assertEquals(e.getValue()[1], e.getValue()[0], e.getKey());
  }

  @Test
  void aCatalogueWhoseMatricesExceedTheHeapIsRefusedBeforeTheWork() {
    // 46,000 items: B alone is 8.5 GB of floats, more than any test JVM here is given
    int items = 46_000;
    org.junit.jupiter.api.Assumptions.assumeTrue(4L * items * items > Runtime.getRuntime().maxMemory(),
        "the test JVM's heap holds B");
    Interactions x = Interactions.fromTriples(2, items, new int[] {0, 1}, new int[] {0, 1}, new float[] {1f, 1f});
    Ease ease = new Ease(new Ease.Params(10f, items));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ease.itemWeights(x.positive(), FitListener.NONE));
    assertTrue(e.getMessage().contains("46,000 items") && e.getMessage().contains("-Xmx"), e.getMessage());
  }

  /**
   * Past 46,340 items the n x n matrix no longer fits one array: refused by name, where the fit ended in
   * NegativeArraySizeException whatever maxItems said (a review).
   */
  @Test
  void aCataloguePastOneArraysReachIsRefusedByName() {
    IllegalArgumentException params = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new Ease.Params(10f, 50_000));
    assertTrue(params.getMessage().contains("maxItems must be in [1, 46340]"), params.getMessage());
    Interactions x = Interactions.fromTriples(2, 50_000, new int[] {0, 1}, new int[] {0, 1}, new float[] {1f, 1f});
    Ease ease = new Ease(new Ease.Params(10f, Ease.MAX_ITEMS));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ease.itemWeights(x.positive(), FitListener.NONE));
    assertTrue(e.getMessage().contains("at most 46340 items; leave EASE out"), e.getMessage());
  }
}
