package dev.attune.train;

import static dev.attune.train.PlantedSequences.options;
import static dev.attune.train.PlantedSequences.split;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Split;
import dev.attune.eval.Evaluator;
import dev.attune.infer.Bert4RecModel;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.cf.Popularity;
import dev.attune.train.PlantedSequences.Losses;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Bert4Rec} on the planted music platform, and the Cloze masking it trains with. */
class Bert4RecTest {
  private static final long SEED = 11L;
  /**
   * d 32, 1 block, 2 heads, ρ 0.3, no newest-only windows, T 30, dropout 0.2, α 5e-3, batch 64, 12 epochs, full
   * softmax, 2 threads.
   */
  private static final Bert4Rec.Params TINY = new Bert4Rec.Params(32, 1, 2, false, 0.3f, 0f,
      new SequenceTraining.Options(30, 0.2f, 5e-3f, 64, 12, SequenceTraining.Loss.FULL_CE, 1, false, SEED, 2, 0, 4));

  @Test
  void beatsPopularityOnPlantedSequences() {
    Split split = split();
    Split.Stage stage = split.testing();
    Losses losses = new Losses();
    Bert4RecModel model = new Bert4Rec(TINY.withEpochs(30)).fit(stage.train(), losses);
    double bert = new Evaluator().evaluate(model, stage, options()).mean("HR@10");
    double popularity = new Evaluator().evaluate(
        new Popularity(Popularity.Params.DEFAULTS).fit(stage.train(), FitListener.NONE), stage, options()).mean("HR@10");
    System.out.printf("Bert4Rec HR@10 %.4f vs Popularity %.4f; losses %s%n", bert, popularity, losses.values);
    assertTrue(losses.values.get(losses.values.size() - 1) < losses.values.get(0), "loss falls: " + losses.values);
    assertTrue(bert > popularity + 0.05, "Bert4Rec " + bert + " vs Popularity " + popularity + " (seed " + SEED + ")");
  }

  @Test
  void clozeHidesAboutRhoOfTheStepsAndAtLeastTheNewestOfAnyWindow() {
    SplittableRandom random = new SplittableRandom(3L);
    int t = 10;
    int windows = 4000;
    int maskItem = 500;
    SequenceTraining.Cloze cloze = new SequenceTraining.Cloze(0.25f, 0f, maskItem);
    long steps = 0;
    int valid = 0;
    int forced = 0;
    for (int w = 0; w < windows; w++) {
      int len = 1 + random.nextInt(t);
      int[] items = new int[len];
      for (int k = 0; k < items.length; k++) items[k] = random.nextInt(maskItem);
      SequenceBatch batch = new SequenceBatch(1, t);
      batch.fill(0, items, null, len); // right-aligned: step k at position t − len + k
      long[] validAt = new long[t];
      int[] targets = new int[t];
      int[] rowUser = new int[t];
      int count = SequenceTraining.mask(batch, 0, len, items, len, 7, cloze, random, validAt, targets, rowUser, 0);
      assertTrue(count >= 1, "every window trains");
      for (int v = 0; v < count; v++) {
        int at = (int) validAt[v];
        assertEquals(maskItem + 1L, batch.tokens[at], "a hidden step reads [MASK]");
        assertEquals(items[at - (t - len)], targets[v], "its target is the step it hides");
        assertEquals(7, rowUser[v]);
      }
      int masked = 0;
      for (int at = t - len; at < t; at++) {
        if (batch.tokens[at] == maskItem + 1L) {
          masked++;
        } else {
          assertEquals(items[at - (t - len)] + 1L, batch.tokens[at], "an unmasked step keeps its item");
        }
      }
      assertEquals(count, masked);
      if (count == 1 && validAt[0] == t - 1) forced++;
      steps += len;
      valid += count;
    }
    double share = valid / (double) steps;
    // the draws give 0.25; forcing the newest step of windows with no draw adds a little
    assertTrue(share > 0.25 && share < 0.33, "share of hidden steps " + share);
    assertTrue(forced > 0);
  }

  @Test
  void lastOnlyWindowsHideTheirNewestStepAlone() {
    SplittableRandom random = new SplittableRandom(4L);
    SequenceTraining.Cloze always = new SequenceTraining.Cloze(0.9f, 1f, 50);
    for (int w = 0; w < 200; w++) {
      int len = 2 + random.nextInt(8);
      int[] items = new int[len];
      for (int k = 0; k < len; k++) items[k] = random.nextInt(50);
      SequenceBatch batch = new SequenceBatch(1, 10);
      batch.fill(0, items, null, len);
      long[] validAt = new long[10];
      int[] targets = new int[10];
      int count = SequenceTraining.mask(batch, 0, len, items, len, 0, always, random, validAt, targets, new int[10], 0);
      assertEquals(1, count);
      assertEquals(9, validAt[0]);
      assertEquals(items[len - 1], targets[0]);
    }
  }

  @Test
  void exportFollowsTheContractAndLoadsByKind() {
    var train = split().testing().train();
    WeightFile w = new Bert4Rec(TINY.withEpochs(1)).train(train, SequenceTraining.Run.NONE, FitListener.NONE);
    assertEquals("bert4rec", w.property("model"));
    w.tensor("mask_embedding", 1, 32);
    w.tensor("item_embedding", train.numItems() + 1, 32);
    w.tensor("position_embedding", 30, 32);
    assertTrue(SequentialModels.fromWeights(w, train) instanceof Bert4RecModel);
    assertEquals("Bert4Rec", SequentialModels.fromWeights(w, train).name());
  }

  @Test
  void rejectsEventTypesAndUnknownOptionsWithClearMessages() {
    var e = assertThrows(IllegalArgumentException.class, () -> new Bert4Rec.Params(32, 1, 2, false, 0.2f, 0f,
        TINY.training().withTypes(true)));
    assertTrue(e.getMessage().contains("useTypes"), e.getMessage());
    var rho = assertThrows(IllegalArgumentException.class,
        () -> AttentionModels.create("bert4rec", Map.of("maskProbability", "0"), 1L, 1));
    assertTrue(rho.getMessage().contains("maskProbability"), rho.getMessage());
    assertTrue(AttentionModels.create("bert4rec", Map.of("maskProbability", "0.4"), 1L, 1) instanceof Bert4Rec);
  }
}
