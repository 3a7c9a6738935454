package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.infer.nn.Linear;
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
import java.util.List;
import java.util.Locale;

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
 * <p>Explanations are exact: with the effective attention a_ij = Σ_k β_ik α_kj (it sums to 1 over the history),
 * s(i) = b[i] + Σ_j c_ij with c_ij = a_ij (v_j·C[i]) + [j in t] (h_j·W_o·C[i]) / n_t, n_t the number of past
 * items of the target scene t, so {@link #explain} lists each past
 * item's c_ij and the bias, and {@link #attend} gives a_i, which says which past behaviour drove the score.
 *
 * <p>Immutable and thread-safe; {@link #forScene} shares the weights.
 *
 * @apiNote Experimental.
 */
public final class SceneTransferModel extends ScoringRecommender implements Explainable {
  /** The weight file's {@code model} property. */
  public static final String MODEL_KIND = "scene-transfer";

  private final Weights w;
  private final int targetScene;
  /** Items of the target scene, ascending. */
  private final int[] targetItems;
  /** q_k of the target scene's interests, row-major [K, d]. */
  private final float[] queries;

  /** Everything read from the weight file, shared by the models of every target scene. */
  private record Weights(int numItems, int dim, int interests, List<String> scenes, int[] itemScenes, float[] items,
      float[] targets, float[] sceneEmbedding, float[] interestEmbedding, float[] bias, Linear query, Linear key,
      Linear value, Linear own) {}

  private SceneTransferModel(Interactions train, Weights w, int targetScene) {
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
    List<String> scenes = List.of(file.property("scenes").split(","));
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
        linear(file, "own_scene_projection", d));
    return new SceneTransferModel(train, w, sceneIndex(scenes, targetScene));
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
    return new SceneTransferModel(train, w, sceneIndex(w.scenes, scene));
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
    Encoded e = encode(history);
    float[] beta = new float[w.interests];
    for (int i : targetItems) scores[i] = score(e, i, beta);
  }

  /**
   * Scores of given target-scene items for a history, in the order given (for tests and parity checks).
   *
   * @throws IllegalArgumentException if an item is outside the target scene or the catalogue
   */
  public float[] score(int[] history, int[] items) {
    Encoded e = encode(checked(history));
    float[] beta = new float[w.interests];
    float[] out = new float[items.length];
    for (int k = 0; k < items.length; k++) {
      row(items[k]);
      out[k] = score(e, items[k], beta);
    }
    return out;
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
   * score, see the class documentation), plus the item's bias as popularity; largest absolute share first.
   *
   * @throws IllegalArgumentException if the item is not in the target scene or an index is out of range
   */
  @Override
  public Explanation explain(Query query, int itemIndex) {
    int[] history = validatedHistory(query);
    Attention a = attend(history, itemIndex);
    List<Explanation.Contribution> parts = new ArrayList<>();
    for (int j = 0; j < history.length; j++) {
      parts.add(new Explanation.Contribution(Explanation.Kind.HISTORY_ITEM, history[j], a.contributions()[j]));
    }
    parts.add(new Explanation.Contribution(Explanation.Kind.POPULARITY, itemIndex, a.bias()));
    parts.sort((x, y) -> Float.compare(Math.abs(y.weight()), Math.abs(x.weight())));
    int top = -1;
    for (int j = 0; j < history.length; j++) if (top < 0 || a.weights()[j] > a.weights()[top]) top = j;
    String summary = top < 0
        ? "no history: scored by popularity in " + targetScene()
        : String.format(Locale.ROOT, "most attended: item %d of scene %s (attention %.2f of %d past items)",
            history[top], w.scenes.get(w.itemScenes[history[top]]), a.weights()[top], history.length);
    return new Explanation(itemIndex, a.score(), parts, summary);
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
