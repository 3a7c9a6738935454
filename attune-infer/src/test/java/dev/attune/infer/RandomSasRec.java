package dev.attune.infer;

import dev.attune.data.Interactions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded random SASRec weight files for tests, shaped as in {@code docs/design/sasrec.md}. */
public final class RandomSasRec {
  /** Hyper-parameters of a random model; numTypes / numAttributes 0 means unused. */
  public record Config(int numItems, int hidden, int blocks, int heads, int ffnHidden, int maxLength, int numTypes,
      int numAttributes, Float embeddingScale, Float eps, long seed) {}

  private RandomSasRec() {}

  public static WeightFile weights(Config c) {
    SplittableRandom r = new SplittableRandom(c.seed());
    int d = c.hidden();
    WeightFile w = new WeightFile().property("model", "sasrec")
        .property("numItems", Integer.toString(c.numItems()))
        .property("hidden", Integer.toString(d))
        .property("blocks", Integer.toString(c.blocks()))
        .property("heads", Integer.toString(c.heads()))
        .property("ffnHidden", Integer.toString(c.ffnHidden()))
        .property("maxLength", Integer.toString(c.maxLength()))
        .property("usesTypes", Boolean.toString(c.numTypes() > 0))
        .property("usesAttributes", Boolean.toString(c.numAttributes() > 0));
    if (c.embeddingScale() != null) w.property("embeddingScale", c.embeddingScale().toString());
    if (c.eps() != null) w.property("layerNormEps", c.eps().toString());
    float[] items = gaussian(r, (c.numItems() + 1) * d, 0.3);
    for (int j = 0; j < d; j++) items[j] = 0f; // padding row kept zero
    w.put("item_embedding", new int[] {c.numItems() + 1, d}, items);
    w.put("position_embedding", new int[] {c.maxLength(), d}, gaussian(r, c.maxLength() * d, 0.3));
    if (c.numTypes() > 0) {
      w.property("numTypes", Integer.toString(c.numTypes()));
      w.put("type_embedding", new int[] {c.numTypes(), d}, gaussian(r, c.numTypes() * d, 0.3));
    }
    if (c.numAttributes() > 0) {
      w.property("numAttributes", Integer.toString(c.numAttributes()));
      w.put("attribute_embedding", new int[] {c.numAttributes(), d}, gaussian(r, c.numAttributes() * d, 0.3));
      float[] indptr = new float[c.numItems() + 1];
      List<Float> ids = new ArrayList<>();
      for (int i = 0; i < c.numItems(); i++) {
        int count = r.nextInt(4); // 0 to 3 attributes; some items have none
        for (int a = 0; a < count; a++) ids.add((float) r.nextInt(c.numAttributes()));
        indptr[i + 1] = ids.size();
      }
      float[] idArray = new float[ids.size()];
      for (int k = 0; k < idArray.length; k++) idArray[k] = ids.get(k);
      w.put("item_attributes_indptr", new int[] {c.numItems() + 1}, indptr);
      w.put("item_attributes_indices", new int[] {idArray.length}, idArray);
    }
    for (int l = 0; l < c.blocks(); l++) {
      String b = "block" + l + ".";
      norm(w, r, b + "attention_norm", d);
      for (String p : new String[] {"query", "key", "value", "output"}) {
        w.put(b + "attention." + p + ".weight", new int[] {d, d}, gaussian(r, d * d, 1 / Math.sqrt(d)));
        w.put(b + "attention." + p + ".bias", new int[] {d}, gaussian(r, d, 0.1));
      }
      norm(w, r, b + "ffn_norm", d);
      int f = c.ffnHidden();
      w.put(b + "ffn.w1", new int[] {d, f}, gaussian(r, d * f, 1 / Math.sqrt(d)));
      w.put(b + "ffn.b1", new int[] {f}, gaussian(r, f, 0.1));
      w.put(b + "ffn.w2", new int[] {f, d}, gaussian(r, f * d, 1 / Math.sqrt(f)));
      w.put(b + "ffn.b2", new int[] {d}, gaussian(r, d, 0.1));
    }
    norm(w, r, "final_norm", d);
    return w;
  }

  /** A random BERT4Rec weight file ({@code docs/design/bert4rec.md}): the SASRec tensors and a [MASK] input. */
  public static WeightFile bert4rec(Config c) {
    WeightFile w = weights(c).property("model", "bert4rec");
    w.put("mask_embedding", new int[] {1, c.hidden()}, gaussian(new SplittableRandom(c.seed() + 1), c.hidden(), 0.3));
    return w;
  }

  /** An empty training matrix with {@code users} users, for serving with explicit histories. */
  static Interactions emptyTrain(int users, int items) {
    return new Interactions(users, items, new int[users + 1], new int[0], new float[0], new long[0]);
  }

  /** A random history of {@code length} items (repeats possible). */
  static int[] history(SplittableRandom r, int length, int numItems) {
    int[] h = new int[length];
    for (int k = 0; k < length; k++) h[k] = r.nextInt(numItems);
    return h;
  }

  private static void norm(WeightFile w, SplittableRandom r, String name, int d) {
    float[] gamma = gaussian(r, d, 0.1);
    for (int j = 0; j < d; j++) gamma[j] += 1f;
    w.put(name + ".gamma", new int[] {d}, gamma);
    w.put(name + ".beta", new int[] {d}, gaussian(r, d, 0.1));
  }

  private static float[] gaussian(SplittableRandom r, int n, double sd) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) v[k] = (float) (r.nextGaussian() * sd);
    return v;
  }
}
