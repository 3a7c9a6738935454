package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.infer.nn.Linear;
import dev.attune.kernel.DenseSolve;
import dev.attune.kernel.VectorOps;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.ScoringRecommender;
import dev.attune.model.TopK;
import dev.attune.kernel.TopKSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pure-Java serving and explanation of the multi-scene transfer model (#5) trained by
 * {@code dev.attune.train.SceneTransfer}: the forward pass of {@code docs/design/scene-transfer.md} on the
 * exported weights, for one target scene.
 *
 * <p>For a history H (item indices of any scene) and a target scene t, every item i of t is scored
 * <pre>
 *   h_j = E[j] + S[scene(j)],  k_j = h_j·W_k,  v_j = h_j·W_v,  q_k = (S[t] + P[k])·W_q   (k = 1..K)
 *   α_kj = softmax_j(q_k·k_j / √d),  z_k = Σ_j α_kj v_j,  g = mean_{j∈t}(h_j)·W_o
 *   β_ik = softmax_k(z_k·C[i]),  s(i) = Σ_k β_ik (z_k·C[i]) + g·C[i] + b[i]
 * </pre>
 * and items of other scenes are never returned. An empty history scores b alone (popularity in t). A known user's
 * history is their positive training row (all scenes); the whole history is read (no window).
 *
 * <p>The blend (when the file holds {@code cf_item_factors}, {@code item_popularity} and {@code blend_gate}): the
 * served score is a per-user mix of six target-scene scores, each standardised over the items of t for this
 * history (z = (x − mean) / standard deviation, 0 when the deviation is 0):
 * <pre>
 *   n        = number of past items of t in H;  (w_T, w_C, w_P, w_N, w_U, w_E) = gate[t][bucket(n)]
 *   s_C(i)   = x·y_i,  x = (Σ_{i'∈t} y_i' y_i'ᵀ + λI + α Σ_{j∈H∩t} d_j y_j y_jᵀ)⁻¹ Σ_{j∈H∩t} (1 + α d_j) y_j  iALS
 *              fold-in over the distinct past items j of t, d_j the times H holds j
 *   s_P(i)   = ln(1 + users of i)                                                             popularity
 *   s_N(i)   = Σ_{u∈N(H)} sim(H, u) [i ∈ I_u],  sim(H, u) = |H ∩ I_u| / √(|H| |I_u|)          neighbours
 *   s_U(i)   = the same with H and every I_u cut to the items of t, over N_t(H)        neighbours in t
 *   s_E(i)   = Σ_{j∈H∩t} B_t[j, i]                                                             EASE on t
 *   blend(i) = w_T z(s)(i) + w_C z(s_C)(i) + w_P z(s_P)(i) + w_N z(s_N)(i) + w_U z(s_U)(i) + w_E z(s_E)(i)
 * </pre>
 * with y the iALS item factors fitted on scene t alone, I_u the distinct positive training items of user u (every
 * scene), H the distinct items of the history, and N(H) the {@code blendNeighbours} training users of highest sim
 * (ties: lower user index first); N_t(H) the {@code blendTargetNeighbours} of highest sim on the items of t. s_N
 * is user-based collaborative filtering across scenes: users who share a user's books vote for their own music.
 * On Douban, for users with one event in the target scene, it beat popularity and iALS on both scenes merged and
 * was the best of the classic models, and UserKNN on the target scene alone (s_U) was the strongest single-scene
 * model for users with 1-3 (docs/benchmarks.md). B_t is EASE (Steck 2019) fitted on the items of t alone, each
 * item's column cut to its {@code easeNeighbours} largest weights (tensors {@code ease_items}, {@code
 * ease_weights}); H ∩ t counts each distinct past item once. EASE on one scene was the strongest single-scene model
 * on Douban for users with 3 target events (docs/benchmarks.md). A known user is among their own neighbours; that
 * only adds to items they already have, which are never returned. Files whose gate has fewer components (three:
 * written before s_N; four: before s_U; five: before s_E) read the missing weights as 0. Why the blend: on Douban
 * the attention score alone lost to iALS on the target scene for users with many target events (−20% to −37% NDCG@10)
 * and was level with popularity for users with none; the gate, tuned on validation users by the number of target
 * events, keeps the transfer where it helps and falls back to the single-scene models where they are stronger. Without
 * those tensors (files written before the blend), the served score is s(i). Buckets of n: lower bounds {@code
 * blendBuckets} (property, default {@link #DEFAULT_BUCKETS}).
 *
 * <p>Explanations are exact: with the effective attention a_ij = Σ_k β_ik α_kj (it sums to 1 over the history),
 * s(i) = b[i] + Σ_j c_ij with c_ij = a_ij (v_j·C[i]) + [j in t] (h_j·W_o·C[i]) / n_t, n_t the number of past
 * items of the target scene t, so {@link #explain} lists each past
 * item's c_ij and the bias, and {@link #attend} gives a_i, which says which past behaviour drove the score.
 * With the blend, {@link #explain} scales those terms by w_T / sd and adds each past item of t its iALS term
 * (1 + α d_j) y_iᵀ W⁻¹ y_j (Hu, Koren and Volinsky, §5; split evenly over repeats of j) scaled by w_C / sd, and
 * each past item j its neighbour
 * term Σ_{u∈N(H), i∈I_u, j∈I_u} 1 / √(|H| |I_u|) (split evenly over repeats of j) scaled by w_N / sd, and
 * likewise for s_U over the past items of t, and each distinct past item j of t its B_t[j, i] (split evenly over its
 * repeats) scaled by w_E / sd; the popularity entry holds the rest (the bias and popularity terms and the
 * per-history centring, the same for every item), so the contributions still add up to the served score. {@link
 * #attend} always describes the attention score s(i).
 *
 * <p>Immutable and thread-safe; {@link #forScene} shares the weights.
 *
 * @apiNote Experimental.
 */
public final class SceneTransferModel extends ScoringRecommender implements Explainable {
  /** The weight file's {@code model} property. */
  public static final String MODEL_KIND = "scene-transfer";
  /** Lower bounds of the gate's buckets of target-scene events when the file names none: 0, 1, 2-3, 4-7, ... 32+. */
  public static final int[] DEFAULT_BUCKETS = {0, 1, 2, 4, 8, 16, 32};
  /**
   * Components of a gate row: the attention score, the iALS score, popularity, the users' neighbours over every
   * scene, the users' neighbours in the target scene, EASE on the target scene.
   */
  public static final int COMPONENTS = 6;
  /** |N(H)| of s_N when the file names none. */
  public static final int DEFAULT_NEIGHBOURS = 200;
  /** |N_t(H)| of s_U when the file names none. */
  public static final int DEFAULT_TARGET_NEIGHBOURS = 50;

  private final Weights w;
  private final int targetScene;
  /** Items of the target scene, ascending. */
  private final int[] targetItems;
  /** q_k of the target scene's interests, row-major [K, d]. */
  private final float[] queries;
  /** Σ_{i∈t} y_i y_iᵀ + λI of the iALS factors over the target scene, [f, f]; null without the blend. */
  private final double[] cfGram;
  /** I_u: each training user's distinct positive items, ascending; null without s_N and s_U. */
  private final int[][] userItems;
  /** I_u cut to the target scene; null without s_N and s_U. */
  private final int[][] userTargetItems;
  /** The training users of each item, ascending; null without s_N and s_U. */
  private final int[][] itemUsers;
  /** Per past item j: the rows (in {@link #targetItems}) of the items i with a kept B_t[j, i]; null without s_E. */
  private final int[][] easeRows;
  /** The matching B_t[j, i]; null without s_E. */
  private final float[][] easeWeights;

  /** Everything read from the weight file, shared by the models of every target scene. */
  private record Weights(int numItems, int dim, int interests, List<String> scenes, int[] itemScenes, float[] items,
      float[] targets, float[] sceneEmbedding, float[] interestEmbedding, float[] bias, Linear query, Linear key,
      Linear value, Linear own, Blend blend) {}

  /** The blend's state; absent (null) in files written before it. */
  private record Blend(int factors, float alpha, float regularization, float[] itemFactors, float[] popularity,
      int[] buckets, float[] gate, int neighbours, int targetNeighbours, Ease ease) {}

  /** B_t of s_E, as exported: row i holds the largest B[j, i] (j as an item index, −1 for none); null before s_E. */
  private record Ease(int kept, float[] items, float[] weights) {}

  /**
   * I_u and the users of each item, for s_N and s_U: the same for every target scene, so {@link #forScene} shares it.
   */
  private record UserIndex(int[][] userItems, int[][] itemUsers) {
    static UserIndex of(Interactions train, int numItems) {
      Interactions positive = train.positive();
      int[][] userItems = new int[positive.numUsers()][];
      int[] counts = new int[numItems];
      for (int u = 0; u < userItems.length; u++) {
        userItems[u] = Arrays.stream(positive.row(u)).sorted().distinct().toArray();
        for (int i : userItems[u]) counts[i]++;
      }
      int[][] itemUsers = new int[numItems][];
      for (int i = 0; i < numItems; i++) itemUsers[i] = new int[counts[i]];
      Arrays.fill(counts, 0);
      for (int u = 0; u < userItems.length; u++) for (int i : userItems[u]) itemUsers[i][counts[i]++] = u;
      return new UserIndex(userItems, itemUsers);
    }
  }

  /** @param users the index of another scene's model over the same training matrix, or null to build it */
  private SceneTransferModel(Interactions train, Weights w, int targetScene, UserIndex users) {
    super(train);
    this.w = w;
    this.targetScene = targetScene;
    int n = 0;
    for (int s : w.itemScenes) if (s == targetScene) n++;
    this.targetItems = new int[n];
    n = 0;
    for (int i = 0; i < w.numItems; i++) if (w.itemScenes[i] == targetScene) targetItems[n++] = i;
    int d = w.dim;
    this.queries = new float[w.interests * d];
    float[] x = new float[d];
    for (int k = 0; k < w.interests; k++) {
      for (int c = 0; c < d; c++) x[c] = w.sceneEmbedding[targetScene * d + c] + w.interestEmbedding[k * d + c];
      w.query.forward(x, 0, queries, k * d);
    }
    if (w.blend == null || w.blend.neighbours == 0 && w.blend.targetNeighbours == 0) {
      this.userItems = null;
      this.userTargetItems = null;
      this.itemUsers = null;
    } else {
      UserIndex index = users != null ? users : UserIndex.of(train, w.numItems);
      this.userItems = index.userItems();
      this.itemUsers = index.itemUsers();
      this.userTargetItems = new int[userItems.length][];
      for (int u = 0; u < userItems.length; u++) {
        userTargetItems[u] = Arrays.stream(userItems[u]).filter(i -> w.itemScenes[i] == targetScene).toArray();
      }
    }
    if (w.blend == null || w.blend.ease == null) {
      this.easeRows = null;
      this.easeWeights = null;
    } else {
      Ease e = w.blend.ease;
      int[] counts = new int[w.numItems];
      for (int i : targetItems) {
        for (int k = 0; k < e.kept; k++) if (e.items[i * e.kept + k] >= 0) counts[(int) e.items[i * e.kept + k]]++;
      }
      this.easeRows = new int[w.numItems][];
      this.easeWeights = new float[w.numItems][];
      for (int j = 0; j < w.numItems; j++) {
        easeRows[j] = new int[counts[j]];
        easeWeights[j] = new float[counts[j]];
      }
      Arrays.fill(counts, 0);
      for (int r = 0; r < targetItems.length; r++) {
        int i = targetItems[r];
        for (int k = 0; k < e.kept; k++) {
          int j = (int) e.items[i * e.kept + k];
          if (j < 0) continue;
          easeRows[j][counts[j]] = r;
          easeWeights[j][counts[j]++] = e.weights[i * e.kept + k];
        }
      }
    }
    if (w.blend == null) {
      this.cfGram = null;
    } else {
      int f = w.blend.factors;
      float[] y = w.blend.itemFactors;
      double[] g = new double[f * f];
      for (int i : targetItems) {
        for (int a = 0; a < f; a++) {
          double ya = y[i * f + a];
          for (int b = 0; b < f; b++) g[a * f + b] += ya * y[i * f + b];
        }
      }
      for (int a = 0; a < f; a++) g[a * f + a] += w.blend.regularization;
      this.cfGram = g;
    }
  }

  /**
   * Reads the model from its weight file, serving {@code targetScene}.
   *
   * @param train the training matrix: its rows are known users' histories; its item count must match
   * @param targetScene the scene whose items are recommended
   * @throws IllegalArgumentException if a property or tensor is missing or misshapen, the item count differs, or
   *     the scene is not one of the file's
   */
  public static SceneTransferModel fromWeights(WeightFile file, Interactions train, String targetScene) {
    String kind = file.propertyOr("model", null);
    if (!MODEL_KIND.equals(kind)) {
      throw new IllegalArgumentException("weight file property 'model' must be '" + MODEL_KIND + "', got " + kind);
    }
    int numItems = SequentialModel.intProperty(file, "numItems", null);
    int numScenes = SequentialModel.intProperty(file, "numScenes", null);
    int d = SequentialModel.intProperty(file, "dim", null);
    int interests = SequentialModel.intProperty(file, "interests", null);
    if (numItems != train.numItems()) {
      throw new IllegalArgumentException("weight file numItems = " + numItems + " but the training matrix has "
          + train.numItems() + " items");
    }
    List<String> scenes = sceneNames(file);
    if (scenes.size() != numScenes || d <= 0 || interests <= 0) {
      throw new IllegalArgumentException("weight file names " + scenes.size() + " scenes for numScenes = "
          + numScenes + " (dim " + d + ")");
    }
    float[] sceneValues = file.tensor("item_scenes", numItems).values();
    int[] itemScenes = new int[numItems];
    for (int i = 0; i < numItems; i++) {
      float v = sceneValues[i];
      if (v != Math.rint(v) || v < 0 || v >= numScenes) {
        throw new IllegalArgumentException("item_scenes[" + i + "] = " + v + " is not a scene index");
      }
      itemScenes[i] = (int) v;
    }
    Weights w = new Weights(numItems, d, interests, scenes, itemScenes,
        file.tensor("item_embedding", numItems, d).values().clone(),
        file.tensor("target_embedding", numItems, d).values().clone(),
        file.tensor("scene_embedding", numScenes, d).values().clone(),
        file.tensor("interest_embedding", interests, d).values().clone(),
        file.tensor("item_bias", numItems).values().clone(),
        linear(file, "attention.query", d), linear(file, "attention.key", d), linear(file, "attention.value", d),
        linear(file, "own_scene_projection", d), blend(file, numItems, numScenes));
    return new SceneTransferModel(train, w, sceneIndex(scenes, targetScene), null);
  }

  /** The blend's state, or null if the file has no {@code blend_gate}. */
  private static Blend blend(WeightFile file, int numItems, int numScenes) {
    if (!file.has("blend_gate")) return null;
    int f = SequentialModel.intProperty(file, "cfFactors", null);
    float alpha = Float.parseFloat(file.property("cfAlpha"));
    float regularization = Float.parseFloat(file.property("cfRegularization"));
    if (f <= 0 || !(alpha >= 0) || !(regularization > 0)) {
      throw new IllegalArgumentException("bad iALS properties: cfFactors " + f + ", cfAlpha " + alpha
          + ", cfRegularization " + regularization);
    }
    int[] buckets = buckets(file.propertyOr("blendBuckets", null));
    // a gate of three components predates s_N, one of four s_U: the missing weights read as 0
    int[] shape = file.tensor("blend_gate").shape();
    int components = shape.length == 3 && shape[2] >= 3 && shape[2] < COMPONENTS ? shape[2] : COMPONENTS;
    float[] read = file.tensor("blend_gate", numScenes, buckets.length, components).values();
    float[] gate = new float[numScenes * buckets.length * COMPONENTS];
    for (int r = 0; r < numScenes * buckets.length; r++) {
      System.arraycopy(read, r * components, gate, r * COMPONENTS, components);
    }
    int neighbours = components < 4 ? 0
        : SequentialModel.intProperty(file, "blendNeighbours", Integer.toString(DEFAULT_NEIGHBOURS));
    int targetNeighbours = components < 5 ? 0
        : SequentialModel.intProperty(file, "blendTargetNeighbours", Integer.toString(DEFAULT_TARGET_NEIGHBOURS));
    Ease ease = null;
    if (components == COMPONENTS) {
      int[] easeShape = file.tensor("ease_items").shape();
      int kept = easeShape.length == 2 ? easeShape[1] : -1;
      if (kept <= 0) {
        throw new IllegalArgumentException("ease_items must be [numItems, kept], got " + Arrays.toString(easeShape));
      }
      if (numItems > 1 << 24) {
        // its item indices are floats, exact up to 2^24: beyond, rounded ones would pass the check below
        throw new IllegalArgumentException("ease_items holds item indices as floats, exact up to 2^24 items; this"
            + " model has " + numItems);
      }
      float[] items = file.tensor("ease_items", numItems, kept).values().clone();
      for (float v : items) {
        if (v != Math.rint(v) || v < -1 || v >= numItems) {
          throw new IllegalArgumentException("ease_items holds " + v + ", not an item index or -1");
        }
      }
      ease = new Ease(kept, items, file.tensor("ease_weights", numItems, kept).values().clone());
    }
    if (neighbours < 0 || targetNeighbours < 0) {
      throw new IllegalArgumentException("bad blendNeighbours " + neighbours + " or blendTargetNeighbours "
          + targetNeighbours);
    }
    return new Blend(f, alpha, regularization, file.tensor("cf_item_factors", numItems, f).values().clone(),
        file.tensor("item_popularity", numItems).values().clone(), buckets, gate, neighbours, targetNeighbours, ease);
  }

  /**
   * Bucket lower bounds from a {@code blendBuckets} property ("0,1,2,4"), or {@link #DEFAULT_BUCKETS} for null.
   *
   * @throws IllegalArgumentException unless they start at 0 and increase
   */
  public static int[] buckets(String property) {
    if (property == null) return DEFAULT_BUCKETS.clone();
    String[] parts = property.split(",");
    int[] b = new int[parts.length];
    for (int k = 0; k < parts.length; k++) {
      b[k] = Integer.parseInt(parts[k].trim());
      if (k == 0 ? b[k] != 0 : b[k] <= b[k - 1]) {
        throw new IllegalArgumentException("blendBuckets must start at 0 and increase: " + property);
      }
    }
    return b;
  }

  /** The gate bucket of a history with {@code n} past items of the target scene. */
  public static int bucketOf(int[] buckets, int n) {
    int b = 0;
    while (b + 1 < buckets.length && n >= buckets[b + 1]) b++;
    return b;
  }

  /**
   * Reads the model of a directory written by {@code attune train --model scene-transfer}.
   *
   * @param train the training matrix whose rows are known users' histories (an empty one serves explicit
   *     histories only)
   * @param targetScene the scene to serve, or null for the directory's {@code target} entry
   * @throws IllegalArgumentException if the directory holds another model or no target is known
   */
  public static SceneTransferModel fromDirectory(ModelDirectory dir, Interactions train, String targetScene) {
    String scene = targetScene != null ? targetScene
        : dir.info().get("target") == null ? null : dir.info().get("target").toString();
    if (scene == null) throw new IllegalArgumentException(dir.dir() + " names no target scene; give one");
    return fromWeights(dir.weights(), train, scene);
  }

  private static Linear linear(WeightFile file, String name, int d) {
    return new Linear(d, d, file.tensor(name, d, d).values(), null);
  }

  private static int sceneIndex(List<String> scenes, String scene) {
    int s = scenes.indexOf(scene);
    if (s < 0) throw new IllegalArgumentException("unknown target scene '" + scene + "'; the model knows " + scenes);
    return s;
  }

  /**
   * The same weights serving another target scene.
   *
   * @throws IllegalArgumentException if the scene is unknown
   */
  public SceneTransferModel forScene(String scene) {
    return new SceneTransferModel(train, w, sceneIndex(w.scenes, scene),
        userItems == null ? null : new UserIndex(userItems, itemUsers));
  }

  /** The scene whose items are recommended. */
  public String targetScene() {
    return w.scenes.get(targetScene);
  }

  /** Scene names by index, as trained. */
  public List<String> scenes() {
    return w.scenes;
  }

  /** Scene index of an item. */
  public int sceneOf(int itemIndex) {
    checkItem(itemIndex);
    return w.itemScenes[itemIndex];
  }

  @Override
  public String name() {
    return "SceneTransfer";
  }

  // ---------------------------------------------------------------- forward pass

  /**
   * One request's history, encoded: values v_j, per-step g terms h_j·W / n_j, g, and per interest k the attention
   * α_k over the history and the pooled z_k.
   */
  private record Encoded(int length, float[] values, float[] steps, float[] g, float[] alpha, float[] z) {}

  private Encoded encode(int[] history) {
    int d = w.dim;
    int n = history.length;
    int interests = w.interests;
    float[] h = new float[n * d];
    float[] keys = new float[n * d];
    float[] values = new float[n * d];
    float[] steps = new float[n * d];
    float[] g = new float[d];
    float[] alpha = new float[interests * n];
    float[] z = new float[interests * d];
    for (int j = 0; j < n; j++) {
      int item = history[j];
      int s = w.itemScenes[item];
      for (int c = 0; c < d; c++) h[j * d + c] = w.items[item * d + c] + w.sceneEmbedding[s * d + c];
      w.key.forward(h, j * d, keys, j * d);
      w.value.forward(h, j * d, values, j * d);
    }
    if (n == 0) return new Encoded(0, values, steps, g, alpha, z); // z = g = 0: the score is the bias
    int own = 0;
    for (int item : history) if (w.itemScenes[item] == targetScene) own++;
    float[] ownMean = new float[d];
    for (int j = 0; j < n; j++) {
      if (w.itemScenes[history[j]] != targetScene) continue; // other scenes reach the score through attention only
      w.own.forward(h, j * d, steps, j * d);
      for (int c = 0; c < d; c++) {
        ownMean[c] += h[j * d + c];
        steps[j * d + c] /= own; // per-step share of g, for the contributions
      }
    }
    for (int c = 0; c < d; c++) ownMean[c] /= Math.max(1, own);
    w.own.forward(ownMean, 0, g, 0);
    float scale = (float) (1 / Math.sqrt(d));
    for (int k = 0; k < interests; k++) {
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        alpha[k * n + j] = VectorOps.dot(queries, k * d, keys, j * d, d) * scale;
        max = Math.max(max, alpha[k * n + j]);
      }
      float sum = 0;
      for (int j = 0; j < n; j++) {
        alpha[k * n + j] = (float) Math.exp(alpha[k * n + j] - max);
        sum += alpha[k * n + j];
      }
      for (int j = 0; j < n; j++) {
        alpha[k * n + j] /= sum;
        VectorOps.axpy(alpha[k * n + j], values, j * d, z, k * d, d);
      }
    }
    return new Encoded(n, values, steps, g, alpha, z);
  }

  /** s(i), writing β_i into {@code beta} (length K). */
  private float score(Encoded e, int item, float[] beta) {
    int d = w.dim;
    float s = w.bias[item];
    if (e.length == 0) return s;
    float max = Float.NEGATIVE_INFINITY;
    for (int k = 0; k < w.interests; k++) {
      beta[k] = VectorOps.dot(e.z, k * d, w.targets, item * d, d);
      max = Math.max(max, beta[k]);
    }
    float sum = 0;
    float weighted = 0;
    for (int k = 0; k < w.interests; k++) {
      float logit = beta[k];
      beta[k] = (float) Math.exp(logit - max);
      sum += beta[k];
      weighted += beta[k] * logit;
    }
    for (int k = 0; k < w.interests; k++) beta[k] /= sum;
    return s + weighted / sum + VectorOps.dot(e.g, 0, w.targets, item * d, d);
  }

  @Override
  protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
    Arrays.fill(scores, Float.NaN); // NaN = never returned: other scenes' items
    if (w.blend == null) {
      Encoded e = encode(history);
      float[] beta = new float[w.interests];
      for (int i : targetItems) scores[i] = score(e, i, beta);
      return;
    }
    float[] blended = blend(history);
    for (int r = 0; r < targetItems.length; r++) scores[targetItems[r]] = blended[r];
  }

  /**
   * The served scores of given target-scene items for a history, in the order given: the blend when the file has
   * one, else the attention score s(i).
   *
   * @throws IllegalArgumentException if an item is outside the target scene or the catalogue
   */
  public float[] score(int[] history, int[] items) {
    if (w.blend == null) return transferScore(history, items);
    float[] blended = blend(checked(history));
    float[] out = new float[items.length];
    for (int k = 0; k < items.length; k++) out[k] = blended[row(items[k])];
    return out;
  }

  /**
   * The attention score s(i) of given target-scene items for a history, in the order given (the DJL network's
   * output; for the parity check and the explanations).
   *
   * @throws IllegalArgumentException if an item is outside the target scene or the catalogue
   */
  public float[] transferScore(int[] history, int[] items) {
    Encoded e = encode(checked(history));
    float[] beta = new float[w.interests];
    float[] out = new float[items.length];
    for (int k = 0; k < items.length; k++) {
      row(items[k]);
      out[k] = score(e, items[k], beta);
    }
    return out;
  }

  /** Whether the file holds the blend (else the served score is the attention score alone). */
  public boolean hasBlend() {
    return w.blend != null;
  }

  /** The items of the target scene, ascending (the order of {@link #components}). */
  public int[] targetItems() {
    return targetItems.clone();
  }

  /**
   * The {@code scenes} property for {@code names}: comma-separated, or one per line when a name holds a comma (ids may:
   * "books,comics" split into two scenes, and the file could not be read back, a review). Files of earlier builds,
   * all comma-separated, read as before.
   */
  public static String joinSceneNames(List<String> names) {
    return String.join(names.stream().anyMatch(n -> n.indexOf(',') >= 0) ? "\n" : ",", names);
  }

  /** The scene names of a weight file's {@code scenes} property ({@link #joinSceneNames}). */
  public static List<String> sceneNames(WeightFile file) {
    String scenes = file.property("scenes");
    return List.of(scenes.split(scenes.indexOf('\n') >= 0 ? "\n" : ","));
  }

  /** The gate's bucket lower bounds (target-scene events); {@link #DEFAULT_BUCKETS} without the blend. */
  public int[] gateBuckets() {
    return w.blend == null ? DEFAULT_BUCKETS.clone() : w.blend.buckets.clone();
  }

  /**
   * The blend weights, one per component ({@link #COMPONENTS}: attention, iALS, popularity, neighbours, neighbours
   * in the target scene, EASE) for a history: the gate row of its number of target-scene items; the attention alone
   * without the blend (a review: five weights there made {@code attune explain} fail reading the sixth).
   */
  public float[] gate(int[] history) {
    if (w.blend == null) {
      float[] attentionOnly = new float[COMPONENTS];
      attentionOnly[0] = 1;
      return attentionOnly;
    }
    int b = bucketOf(w.blend.buckets, ownCount(history));
    int o = (targetScene * w.blend.buckets.length + b) * COMPONENTS;
    return Arrays.copyOfRange(w.blend.gate, o, o + COMPONENTS);
  }

  /**
   * The six standardised component scores of the blend for a history, over {@link #targetItems} in order: row 0
   * the attention score s, row 1 the iALS score s_C, row 2 popularity s_P, row 3 the neighbours' score s_N, row 4
   * the target-scene neighbours' score s_U, row 5 EASE's s_E (each (x − mean) / sd over the target scene, 0 when sd
   * is 0; s_N, s_U and s_E are 0 for a file without them). The gate tuning of the trainer combines these.
   *
   * @throws IllegalStateException without the blend
   */
  public float[][] components(int[] history) {
    if (w.blend == null) throw new IllegalStateException("this weight file has no blend (no iALS factors)");
    checked(history);
    float[][] c = rawComponents(history, neighbourhood(history, false), neighbourhood(history, true), ALL_COMPONENTS);
    for (float[] row : c) standardise(row);
    return c;
  }

  /** Blend scores over {@link #targetItems}. */
  private float[] blend(int[] history) {
    float[] g = gate(history);
    // a component the gate gives no weight is not computed (standardising each alone, the others are unchanged)
    boolean[] needed = new boolean[COMPONENTS];
    for (int k = 0; k < COMPONENTS; k++) needed[k] = g[k] != 0;
    float[][] c = rawComponents(history, needed[3] ? neighbourhood(history, false) : null,
        needed[4] ? neighbourhood(history, true) : null, needed);
    float[] out = new float[targetItems.length];
    for (int k = 0; k < COMPONENTS; k++) {
      if (!needed[k]) continue;
      standardise(c[k]);
      for (int r = 0; r < out.length; r++) out[r] += g[k] * c[k][r];
    }
    return out;
  }

  /** In place: (x − mean) / sd, or all 0 when sd is (numerically) 0. Returns {mean, 1/sd or 0}. */
  private static float[] standardise(float[] x) {
    double sum = 0;
    for (float v : x) sum += v;
    double mean = sum / Math.max(1, x.length);
    double sq = 0;
    for (float v : x) sq += (v - mean) * (v - mean);
    double sd = Math.sqrt(sq / Math.max(1, x.length));
    float inverse = sd > 1e-9 ? (float) (1 / sd) : 0f;
    for (int r = 0; r < x.length; r++) x[r] = (float) ((x[r] - mean) * inverse);
    return new float[] {(float) mean, inverse};
  }

  private int ownCount(int[] history) {
    int n = 0;
    for (int i : history) if (w.itemScenes[i] == targetScene) n++;
    return n;
  }

  /** The Cholesky factor of the fold-in matrix for the history's target-scene items, or null if there are none. */
  private double[] foldInFactor(int[] history) {
    if (ownCount(history) == 0) return null;
    int f = w.blend.factors;
    float[] y = w.blend.itemFactors;
    double[] m = cfGram.clone();
    for (int j : history) {
      if (w.itemScenes[j] != targetScene) continue;
      for (int a = 0; a < f; a++) {
        double ya = w.blend.alpha * y[j * f + a];
        for (int b = 0; b < f; b++) m[a * f + b] += ya * y[j * f + b];
      }
    }
    DenseSolve.cholesky(m, f);
    return m;
  }

  /**
   * Each history position's weight on its item's factors in the fold-in: 1 / d + α for an item of t that the history
   * holds d times, so that the item's d positions together weigh 1 + α·d, its confidence in training (where repeats
   * sum into one weight), rather than d (1 + α) (a review); 0 for items of other scenes.
   */
  private double[] occurrenceWeights(int[] history) {
    Map<Integer, Integer> times = new HashMap<>();
    for (int j : history) if (w.itemScenes[j] == targetScene) times.merge(j, 1, Integer::sum);
    double[] weight = new double[history.length];
    for (int p = 0; p < history.length; p++) {
      Integer d = times.get(history[p]);
      weight[p] = d == null ? 0 : 1.0 / d + w.blend.alpha;
    }
    return weight;
  }

  /** The iALS user vector of the history's target-scene items (see the class documentation), or null if none. */
  private float[] foldIn(int[] history) {
    double[] l = foldInFactor(history);
    if (l == null) return null;
    int f = w.blend.factors;
    double[] b = new double[f];
    double[] weight = occurrenceWeights(history);
    for (int p = 0; p < history.length; p++) {
      int j = history[p];
      for (int a = 0; a < f; a++) b[a] += weight[p] * w.blend.itemFactors[j * f + a];
    }
    DenseSolve.solveCholesky(l, f, b);
    float[] x = new float[f];
    for (int a = 0; a < f; a++) x[a] = (float) b[a];
    return x;
  }

  /**
   * Why item i scores as it does for a history.
   *
   * @param score s(i)
   * @param weights the effective attention a_i over the history (sum 1; empty for an empty history)
   * @param contributions c_ij of every history step: s(i) = bias + Σ_j c_ij
   * @param bias b[i]
   */
  public record Attention(float score, float[] weights, float[] contributions, float bias) {}

  /**
   * The effective attention of item {@code itemIndex} over {@code history} and each step's exact share of the score.
   *
   * @throws IllegalArgumentException if the item is not in the target scene or an index is out of range
   */
  public Attention attend(int[] history, int itemIndex) {
    Encoded e = encode(checked(history));
    row(itemIndex);
    float[] beta = new float[w.interests];
    float s = score(e, itemIndex, beta);
    int n = e.length;
    int d = w.dim;
    float[] a = new float[n];
    float[] c = new float[n];
    for (int j = 0; j < n; j++) {
      for (int k = 0; k < w.interests; k++) a[j] += beta[k] * e.alpha[k * n + j];
      c[j] = a[j] * VectorOps.dot(e.values, j * d, w.targets, itemIndex * d, d)
          + VectorOps.dot(e.steps, j * d, w.targets, itemIndex * d, d);
    }
    return new Attention(s, a, c, w.bias[itemIndex]);
  }

  /**
   * Explains {@code itemIndex} for the query's history: one contribution per past item (its exact share of the
   * served score, see the class documentation), plus the item's bias (with the blend: every term that is not a
   * past item) as popularity; largest absolute share first. The summary names the most-attended past item and,
   * with the blend, the gate's weights.
   *
   * @throws IllegalArgumentException if the item is not in the target scene or an index is out of range
   */
  @Override
  public Explanation explain(Query query, int itemIndex) {
    int[] history = validatedHistory(query);
    Decomposition dec = decompose(history, itemIndex);
    float[] share = dec.shares();
    Attention a = dec.attention();
    float[] g = dec.gate();
    List<Explanation.Contribution> parts = new ArrayList<>();
    for (int j = 0; j < history.length; j++) {
      parts.add(new Explanation.Contribution(Explanation.Kind.HISTORY_ITEM, history[j], share[j]));
    }
    parts.add(new Explanation.Contribution(Explanation.Kind.POPULARITY, itemIndex, dec.rest()));
    parts.sort((x, y) -> Float.compare(Math.abs(y.weight()), Math.abs(x.weight())));
    int top = -1;
    for (int j = 0; j < history.length; j++) if (top < 0 || a.weights()[j] > a.weights()[top]) top = j;
    String summary = top < 0
        ? "no history: scored by popularity in " + targetScene()
        : String.format(Locale.ROOT, "most attended: item %d of scene %s (attention %.2f of %d past items)",
            history[top], w.scenes.get(w.itemScenes[history[top]]), a.weights()[top], history.length);
    if (w.blend != null) {
      summary += String.format(Locale.ROOT,
          "; blend of %d %s events: attention %.2f, iALS %.2f, popularity %.2f, neighbours %.2f, neighbours in %s"
              + " %.2f, EASE %.2f", ownCount(history), targetScene(), g[0], g[1], g[2], g[3], targetScene(), g[4],
          g[5]);
    }
    return new Explanation(itemIndex, dec.score(), parts, summary);
  }

  /**
   * Each past item's exact share of the served score of each of {@code items}, by history position (what {@link
   * #explain} lists, in history order; repeats of an item have equal shares). The work that depends on the history
   * alone (components, neighbourhoods, the iALS fold-in) is done once for all the items.
   *
   * @return per item, its shares ({@code history.length} of them): they add up to the served score less the term
   *     that is no past item's
   * @throws IllegalArgumentException if the item is not in the target scene or an index is out of range
   */
  public float[][] historyShares(int[] history, int[] items) {
    ScoreSplit[] splits = scoreSplits(history, items);
    float[][] out = new float[items.length][];
    for (int k = 0; k < items.length; k++) out[k] = splits[k].shares();
    return out;
  }

  /**
   * The served score of an item for a history, split over the past items.
   *
   * @param shares each past item's exact share, by history position ({@link #historyShares})
   * @param rest the part that is no past item's: the bias and popularity terms and the per-history centring
   * @param score the served score ({@link #score}), = Σ shares + rest up to rounding
   */
  public record ScoreSplit(float[] shares, float rest, float score) {}

  /**
   * As {@link #historyShares}, with each item's rest and served score: the whole of what {@link #explain} lists,
   * for many items at the cost of one history.
   *
   * @throws IllegalArgumentException if an item is not in the target scene or an index is out of range
   */
  public ScoreSplit[] scoreSplits(int[] history, int[] items) {
    HistoryState state = historyState(checked(history));
    ScoreSplit[] out = new ScoreSplit[items.length];
    for (int k = 0; k < items.length; k++) {
      Decomposition d = decompose(history, state, items[k]);
      out[k] = new ScoreSplit(d.shares(), d.rest(), d.score());
    }
    return out;
  }

  /**
   * The served score of an item split into past items' shares and the rest.
   *
   * @param shares by history position
   * @param rest what is no past item's: the bias and popularity terms and the per-history centring
   * @param score the served score, = Σ shares + rest
   * @param attention the attention score's own split
   * @param gate the blend weights applied (all 0 but the first without the blend)
   */
  private record Decomposition(float[] shares, float rest, float score, Attention attention, float[] gate) {}

  /**
   * What the decompositions of every item share for one history.
   *
   * @param gate the blend weights
   * @param components the standardised components over the target items; null without the blend
   * @param scale each component's {mean, 1/sd} before standardisation
   * @param neighbours N(H)
   * @param targetNeighbours N_t(H)
   * @param foldIn the Cholesky factor of the iALS fold-in's matrix, or null (no past item of t)
   * @param occurrence each history position's weight in the fold-in ({@link #occurrenceWeights})
   */
  private record HistoryState(float[] gate, float[][] components, float[][] scale, Neighbourhood neighbours,
      Neighbourhood targetNeighbours, double[] foldIn, double[] occurrence) {}

  private HistoryState historyState(int[] history) {
    float[] g = gate(history);
    if (w.blend == null) return new HistoryState(g, null, null, null, null, null, null);
    Neighbourhood all = neighbourhood(history, false);
    Neighbourhood own = neighbourhood(history, true);
    float[][] c = rawComponents(history, all, own, ALL_COMPONENTS);
    float[][] scale = new float[COMPONENTS][];
    for (int k = 0; k < COMPONENTS; k++) scale[k] = standardise(c[k]); // {mean, 1/sd}
    return new HistoryState(g, c, scale, all, own, foldInFactor(history), occurrenceWeights(history));
  }

  private Decomposition decompose(int[] history, int itemIndex) {
    return decompose(history, historyState(history), itemIndex);
  }

  private Decomposition decompose(int[] history, HistoryState state, int itemIndex) {
    Attention a = attend(history, itemIndex);
    float[] share = a.contributions().clone();
    float popularity = a.bias();
    float score = a.score();
    float[] g = state.gate();
    if (w.blend != null) {
      int r = row(itemIndex);
      float[][] raw = state.components();
      float[][] scale = state.scale();
      float wt = g[0] * scale[0][1];
      float wc = g[1] * scale[1][1];
      float wn = g[3] * scale[3][1];
      float wu = g[4] * scale[4][1];
      float we = g[5] * scale[5][1];
      for (int j = 0; j < share.length; j++) share[j] *= wt;
      float[] cf = cfContributions(history, state.foldIn(), state.occurrence(), itemIndex);
      float[] nb = neighbourContributions(history, state.neighbours(), itemIndex, false);
      float[] nt = neighbourContributions(history, state.targetNeighbours(), itemIndex, true);
      float[] ease = easeContributions(history, itemIndex);
      for (int j = 0; j < share.length; j++) share[j] += wc * cf[j] + wn * nb[j] + wu * nt[j] + we * ease[j];
      // everything that is not a past item: the attention bias and popularity terms and the per-history centring
      popularity = wt * a.bias() + g[2] * scale[2][1] * w.blend.popularity[itemIndex]
          - wt * scale[0][0] - wc * scale[1][0] - g[2] * scale[2][1] * scale[2][0] - wn * scale[3][0]
          - wu * scale[4][0] - we * scale[5][0];
      score = 0;
      for (int k = 0; k < COMPONENTS; k++) score += g[k] * raw[k][r];
    }
    return new Decomposition(share, popularity, score, a, g);
  }

  private static final boolean[] ALL_COMPONENTS = {true, true, true, true, true, true};

  /**
   * {@link #components} before standardisation (rows: s, s_C, s_P, s_N, s_U, s_E over the target items); rows not
   * {@code needed} stay 0 (their neighbourhood may then be null).
   */
  private float[][] rawComponents(int[] history, Neighbourhood neighbours, Neighbourhood targetNeighbours,
      boolean[] needed) {
    int m = targetItems.length;
    float[][] c = new float[COMPONENTS][m];
    if (needed[0]) {
      Encoded e = encode(history);
      float[] beta = new float[w.interests];
      for (int r = 0; r < m; r++) c[0][r] = score(e, targetItems[r], beta);
    }
    float[] x = needed[1] ? foldIn(history) : null;
    int f = w.blend.factors;
    if (x != null) for (int r = 0; r < m; r++) c[1][r] = VectorOps.dot(x, 0, w.blend.itemFactors, targetItems[r] * f, f);
    if (needed[2]) for (int r = 0; r < m; r++) c[2][r] = w.blend.popularity[targetItems[r]];
    for (int component = 3; component <= 4; component++) {
      if (!needed[component]) continue;
      boolean inTarget = component == 4;
      Neighbourhood nh = inTarget ? targetNeighbours : neighbours;
      for (int k = 0; k < nh.users.length; k++) {
        for (int i : (inTarget ? userTargetItems : userItems)[nh.users[k]]) {
          if (w.itemScenes[i] == targetScene) c[component][Arrays.binarySearch(targetItems, i)] += nh.similarity[k];
        }
      }
    }
    if (easeRows != null && needed[5]) {
      for (int j : distinctInTarget(history)) {
        for (int k = 0; k < easeRows[j].length; k++) c[5][easeRows[j][k]] += easeWeights[j][k];
      }
    }
    return c;
  }

  /** The distinct past items of the target scene, ascending. */
  private int[] distinctInTarget(int[] history) {
    return Arrays.stream(history).filter(i -> w.itemScenes[i] == targetScene).sorted().distinct().toArray();
  }

  /**
   * Each past item's exact share of s_E(i): B_t[j, i] for a past item j of t whose kept weights hold i, split evenly
   * over the history's repeats of j; 0 for the others.
   */
  private float[] easeContributions(int[] history, int itemIndex) {
    float[] out = new float[history.length];
    if (easeRows == null) return out;
    int r = row(itemIndex);
    Map<Integer, Integer> repeats = new HashMap<>();
    for (int j : history) repeats.merge(j, 1, Integer::sum);
    for (int p = 0; p < history.length; p++) {
      int j = history[p];
      if (w.itemScenes[j] != targetScene) continue;
      for (int k = 0; k < easeRows[j].length; k++) {
        if (easeRows[j][k] == r) out[p] += easeWeights[j][k] / repeats.get(j);
      }
    }
    return out;
  }

  /** N(H) or N_t(H): the neighbours of a history, most similar first, with their sim; possibly empty. */
  private record Neighbourhood(int[] users, float[] similarity, int historySize) {}

  /**
   * N(H), or with {@code inTarget} N_t(H) (the history and every I_u cut to the target scene): overlaps counted
   * through an inverted index from items to users, the best by {@link TopKSelector} (ties: lower user index).
   *
   * @implNote Cost per history: Σ_{j∈H} |users of j| to count overlaps and a pass over every training user. A
   *     platform with millions of users would want a sampled or indexed neighbour search instead.
   */
  private Neighbourhood neighbourhood(int[] history, boolean inTarget) {
    int[] distinct = Arrays.stream(history).filter(i -> !inTarget || w.itemScenes[i] == targetScene).sorted()
        .distinct().toArray();
    int size = inTarget ? w.blend.targetNeighbours : w.blend.neighbours;
    if (userItems == null || size == 0 || distinct.length == 0) {
      return new Neighbourhood(new int[0], new float[0], distinct.length);
    }
    int[][] rows = inTarget ? userTargetItems : userItems;
    float[] sim = new float[rows.length]; // overlap counts, then cosines; NaN = no overlap, never a neighbour
    for (int j : distinct) for (int u : itemUsers[j]) sim[u]++;
    for (int u = 0; u < sim.length; u++) {
      sim[u] = sim[u] == 0 ? Float.NaN : (float) (sim[u] / Math.sqrt((double) distinct.length * rows[u].length));
    }
    TopK top = TopKSelector.select(sim, sim.length, size, ItemFilter.ALL);
    return new Neighbourhood(top.items(), top.scores(), distinct.length);
  }

  /**
   * Each past item's exact share of s_N(i) (or, with {@code inTarget}, of s_U(i)): Σ over the neighbours u having
   * both i and the item of 1 / √(|H| |I_u|), split evenly over the history's repeats of the item (so the shares
   * add up to the score); with {@code inTarget} only past items of the target scene share.
   */
  private float[] neighbourContributions(int[] history, Neighbourhood nh, int itemIndex, boolean inTarget) {
    float[] out = new float[history.length];
    if (nh.users.length == 0) return out;
    Map<Integer, Integer> repeats = new HashMap<>();
    for (int j : history) repeats.merge(j, 1, Integer::sum);
    for (int k = 0; k < nh.users.length; k++) {
      int[] items = (inTarget ? userTargetItems : userItems)[nh.users[k]];
      if (Arrays.binarySearch(items, itemIndex) < 0) continue;
      float unit = (float) (1 / Math.sqrt((double) nh.historySize * items.length));
      for (int j = 0; j < history.length; j++) {
        if (Arrays.binarySearch(items, history[j]) >= 0) out[j] += unit / repeats.get(history[j]);
      }
    }
    return out;
  }

  /**
   * Each past item's exact share of s_C(i): (1 / d + α) y_iᵀ W⁻¹ y_j for an item of t held d times (its positions
   * together (1 + α d): {@code weight}, the history's {@link #occurrenceWeights}), 0 for the others.
   */
  private float[] cfContributions(int[] history, double[] l, double[] weight, int itemIndex) {
    float[] out = new float[history.length];
    if (l == null) return out;
    int f = w.blend.factors;
    float[] y = w.blend.itemFactors;
    double[] v = new double[f];
    for (int a = 0; a < f; a++) v[a] = y[itemIndex * f + a];
    DenseSolve.solveCholesky(l, f, v); // v = W⁻¹ y_i (W symmetric)
    for (int j = 0; j < history.length; j++) {
      if (weight[j] == 0) continue;
      double sum = 0;
      for (int a = 0; a < f; a++) sum += v[a] * y[history[j] * f + a];
      out[j] = (float) (weight[j] * sum);
    }
    return out;
  }

  /** Items of the target scene closest to {@code itemIndex} by cosine of their target embeddings C. */
  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    checkItem(itemIndex);
    if (k <= 0) throw new IllegalArgumentException("k must be > 0: " + k);
    int d = w.dim;
    float norm = (float) Math.sqrt(VectorOps.dot(w.targets, itemIndex * d, w.targets, itemIndex * d, d));
    float[] scores = new float[w.numItems];
    Arrays.fill(scores, Float.NaN);
    for (int i : targetItems) {
      if (i == itemIndex) continue;
      float n = (float) Math.sqrt(VectorOps.dot(w.targets, i * d, w.targets, i * d, d));
      scores[i] = VectorOps.dot(w.targets, itemIndex * d, w.targets, i * d, d) / Math.max(1e-12f, norm * n);
    }
    return TopKSelector.select(scores, w.numItems, k, filter == null ? ItemFilter.ALL : filter);
  }

  private int[] checked(int[] history) {
    for (int i : history) checkItem(i);
    return history;
  }

  private int row(int itemIndex) {
    checkItem(itemIndex);
    int r = Arrays.binarySearch(targetItems, itemIndex);
    if (r < 0) {
      throw new IllegalArgumentException("item " + itemIndex + " is in scene " + w.scenes.get(w.itemScenes[itemIndex])
          + ", not the target scene " + targetScene());
    }
    return r;
  }
}
