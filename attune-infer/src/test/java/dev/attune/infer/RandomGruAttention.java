package dev.attune.infer;

import java.util.SplittableRandom;

/** Seeded random GRU-attention weight files for tests, shaped as in {@code docs/design/gru-attn.md}. */
final class RandomGruAttention {
  /** Hyper-parameters of a random model; numTypes 0 means unused. */
  record Config(int numItems, int hidden, int gruHidden, int maxLength, int numTypes, long seed) {}

  private RandomGruAttention() {}

  static WeightFile weights(Config c) {
    SplittableRandom r = new SplittableRandom(c.seed());
    int d = c.hidden();
    int h = c.gruHidden();
    WeightFile w = new WeightFile().property("model", "gru-attn")
        .property("numItems", Integer.toString(c.numItems()))
        .property("hidden", Integer.toString(d))
        .property("gruHidden", Integer.toString(h))
        .property("maxLength", Integer.toString(c.maxLength()))
        .property("usesTypes", Boolean.toString(c.numTypes() > 0))
        .property("usesAttributes", "false");
    float[] items = gaussian(r, (c.numItems() + 1) * d, 0.5);
    for (int j = 0; j < d; j++) items[j] = 0f; // padding row kept zero
    w.put("item_embedding", new int[] {c.numItems() + 1, d}, items);
    if (c.numTypes() > 0) {
      w.property("numTypes", Integer.toString(c.numTypes()));
      w.put("type_embedding", new int[] {c.numTypes(), d}, gaussian(r, c.numTypes() * d, 0.5));
    }
    // Large enough weights that the gates are far from 0.5 and the attention far from uniform.
    w.put("gru.input_weight", new int[] {d, 3 * h}, gaussian(r, d * 3 * h, 1.5 / Math.sqrt(d)));
    w.put("gru.input_bias", new int[] {3 * h}, gaussian(r, 3 * h, 0.3));
    w.put("gru.recurrent_weight", new int[] {h, 3 * h}, gaussian(r, h * 3 * h, 1.5 / Math.sqrt(h)));
    w.put("gru.recurrent_bias", new int[] {3 * h}, gaussian(r, 3 * h, 0.3));
    w.put("attention.a1", new int[] {h, h}, gaussian(r, h * h, 2 / Math.sqrt(h)));
    w.put("attention.a2", new int[] {h, h}, gaussian(r, h * h, 2 / Math.sqrt(h)));
    w.put("attention.v", new int[] {h}, gaussian(r, h, 2));
    w.put("decoder.weight", new int[] {2 * h, d}, gaussian(r, 2 * h * d, 1 / Math.sqrt(h)));
    return w;
  }

  private static float[] gaussian(SplittableRandom r, int n, double sd) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) v[k] = (float) (r.nextGaussian() * sd);
    return v;
  }
}
