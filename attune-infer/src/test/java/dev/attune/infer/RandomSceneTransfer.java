package dev.attune.infer;

import java.util.SplittableRandom;

/**
 * Seeded random weight files of the multi-scene transfer model ({@link SceneTransferModel}) with the blend, for tests:
 * d {@link #DIM}, {@link #INTERESTS} interest queries, iALS factors of rank {@link #FACTORS} with {@link #ALPHA} and
 * {@link #REGULARIZATION}, popularity ln(1 + a random count below 50), a gate given per scene and, with a gate of
 * six components, EASE weights from {@link #EASE_KEPT} random other items of each item's scene (N(0, 0.5²), largest
 * first).
 */
public final class RandomSceneTransfer {
  public static final int DIM = 4;
  public static final int INTERESTS = 2;
  public static final int FACTORS = 3;
  public static final float ALPHA = 1f;
  public static final float REGULARIZATION = 0.5f;
  public static final int EASE_KEPT = 3;

  private RandomSceneTransfer() {}

  /** Scenes of a catalogue of {@code n} items for serving tests: every third item music (scene 1), the rest books. */
  public static int[] everyThirdMusic(int n) {
    return java.util.stream.IntStream.range(0, n).map(i -> i % 3 == 0 ? 1 : 0).toArray();
  }

  /** External ids for {@link #everyThirdMusic}'s items, by scene: {@code "m" + index} for music, {@code "b" + index} for books. */
  public static java.util.List<String> ids(int[] scenes) {
    return java.util.stream.IntStream.range(0, scenes.length).mapToObj(i -> (scenes[i] == 1 ? "m" : "b") + i).toList();
  }

  /**
   * A random model over items of the given scenes.
   *
   * @param itemScenes scene index of each item
   * @param sceneNames comma-separated scene names, by index
   * @param gates per scene, its gate rows by bucket of {@link SceneTransferModel#DEFAULT_BUCKETS} (the last row
   *     repeats for the buckets beyond); every row of the same width, 3 to 5 components
   * @param neighbours |N(H)| and |N_t(H)|, where the gate is wide enough to have their weights
   */
  public static WeightFile weights(int[] itemScenes, String sceneNames, float[][][] gates, int neighbours, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = itemScenes.length;
    int scenes = gates.length;
    int d = DIM;
    WeightFile w = new WeightFile().property("model", SceneTransferModel.MODEL_KIND).property("numItems", "" + n)
        .property("numScenes", "" + scenes).property("dim", "" + d).property("interests", "" + INTERESTS)
        .property("scenes", sceneNames).property("cfFactors", "" + FACTORS).property("cfAlpha", "" + ALPHA)
        .property("cfRegularization", "" + REGULARIZATION);
    w.put("item_embedding", new int[] {n, d}, random(r, n * d));
    w.put("target_embedding", new int[] {n, d}, random(r, n * d));
    w.put("scene_embedding", new int[] {scenes, d}, random(r, scenes * d));
    w.put("interest_embedding", new int[] {INTERESTS, d}, random(r, INTERESTS * d));
    w.put("item_bias", new int[] {n}, random(r, n));
    for (String name : new String[] {"own_scene_projection", "attention.query", "attention.key", "attention.value"}) {
      w.put(name, new int[] {d, d}, random(r, d * d));
    }
    float[] sceneOf = new float[n];
    for (int i = 0; i < n; i++) sceneOf[i] = itemScenes[i];
    w.put("item_scenes", new int[] {n}, sceneOf);
    w.put("cf_item_factors", new int[] {n, FACTORS}, random(r, n * FACTORS));
    float[] pop = new float[n];
    for (int i = 0; i < n; i++) pop[i] = (float) Math.log1p(r.nextInt(50));
    w.put("item_popularity", new int[] {n}, pop);
    int buckets = SceneTransferModel.DEFAULT_BUCKETS.length;
    int c = gates[0][0].length;
    float[] gate = new float[scenes * buckets * c];
    for (int s = 0; s < scenes; s++) {
      for (int b = 0; b < buckets; b++) {
        System.arraycopy(gates[s][Math.min(b, gates[s].length - 1)], 0, gate, (s * buckets + b) * c, c);
      }
    }
    w.put("blend_gate", new int[] {scenes, buckets, c}, gate);
    if (c >= 4) w.property("blendNeighbours", Integer.toString(neighbours));
    if (c >= 5) w.property("blendTargetNeighbours", Integer.toString(neighbours));
    if (c >= 6) {
      float[] items = new float[n * EASE_KEPT];
      float[] weights = new float[n * EASE_KEPT];
      for (int i = 0; i < n; i++) {
        final int item = i;
        int[] sameScene = java.util.stream.IntStream.range(0, n)
            .filter(j -> j != item && itemScenes[j] == itemScenes[item]).toArray();
        float[] picked = random(r, EASE_KEPT);
        java.util.Arrays.sort(picked);
        for (int k = 0; k < EASE_KEPT; k++) {
          // distinct picks: a partial Fisher-Yates shuffle of the scene's other items
          int at = k + r.nextInt(sameScene.length - k);
          int t = sameScene[k];
          sameScene[k] = sameScene[at];
          sameScene[at] = t;
          items[i * EASE_KEPT + k] = sameScene[k];
          weights[i * EASE_KEPT + k] = picked[EASE_KEPT - 1 - k];
        }
      }
      w.put("ease_items", new int[] {n, EASE_KEPT}, items);
      w.put("ease_weights", new int[] {n, EASE_KEPT}, weights);
    }
    return w;
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) v[k] = (float) (0.5 * r.nextGaussian());
    return v;
  }
}
