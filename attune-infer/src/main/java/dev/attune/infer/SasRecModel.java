package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.data.Sequences;
import dev.attune.data.TrainingSet;
import dev.attune.infer.nn.FeedForward;
import dev.attune.infer.nn.LayerNorm;
import dev.attune.infer.nn.Linear;
import dev.attune.infer.nn.MultiHeadAttention;
import dev.attune.kernel.TopKSelector;
import dev.attune.kernel.VectorOps;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.ScoringRecommender;
import dev.attune.model.TopK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SASRec (self-attentive sequential recommendation) served in pure Java from the weights that
 * {@code attune-train} exports.
 *
 * <p>Follows Kang and McAuley, "Self-Attentive Sequential Recommendation" (ICDM 2018). The tensors, the
 * properties and the forward pass are fixed by the contract {@code docs/design/sasrec.md}; a parity test
 * holds this class and the DJL trainer to 1e-4. Symbols of the contract and where they live:
 * <ul>
 *   <li>N = {@link #numItems()}, d = {@link #hidden()}, L = {@link #blocks()}, H = {@link #heads()},
 *       T = {@link #maxLength()};
 *   <li>r_i, the item representation (item embedding plus the mean of the item's attribute embeddings), is
 *       the precomputed matrix {@code itemRepresentations} [N, d];
 *   <li>each block is pre-LayerNorm: {@link LayerNorm}, {@link MultiHeadAttention} (causal, −1e9 key mask),
 *       residual, {@link LayerNorm}, {@link FeedForward} (relu), residual;
 *   <li>u = LN(x_{T−1}; final_norm) is {@link #userRepresentation}, and score(i) = u · r_i.
 * </ul>
 *
 * <p>NOTE: padding rows never influence real rows (they are masked as keys, and zeroed after every
 * sub-layer), so the pass runs on the n = min(|history|, T) real steps only, at their absolute window
 * positions T − n … T − 1. In the last block only the newest query position is computed. Both are exact
 * shortcuts, not approximations. An empty history therefore gives u = final_norm.beta.
 *
 * <p>NOTE: the contract leaves open which steps form a history. Here it is the user's positive-weight steps,
 * oldest first, repeats kept: from {@link Sequences#positiveItemsOf(int)} (with each step's event type) when
 * the model was built {@linkplain #fromWeights(WeightFile, TrainingSet) from a training set}. A model built
 * {@linkplain #fromWeights(WeightFile, Interactions) from a matrix alone} only knows each known user's
 * positive row in item-index order, not time order; it is meant for serving with explicit histories in the
 * {@link Query}.
 *
 * <p>NOTE: when {@code usesTypes} is set but a caller gives no event types (a {@link Query} carries none),
 * the type embedding term is left out (as if it were zero).
 *
 * <p>Immutable and thread-safe. Each thread gets its own working buffers (a {@link ThreadLocal}
 * workspace of about (4 T + 3) × d floats), so concurrent requests do not share state; a model
 * instance should be long-lived, as each serving thread keeps its workspace while the model lives.
 *
 * @implNote one user representation costs about L × (6 n d² + 2 n² d + 2 n d · ffnHidden) multiply-adds
 *     (the last block only d² × (2n + 2) for its one query row); scoring adds one gemv of N × d. Loading
 *     precomputes r in O(N × d + attribute nnz × d).
 * @apiNote Experimental.
 */
public final class SasRecModel extends ScoringRecommender implements Explainable {
  /** Value of the {@code model} property this class reads. */
  public static final String MODEL_KIND = "sasrec";
  /** Seed of the random baseline step in {@link #explainAttention(int[], int[], int)}. */
  public static final long DEFAULT_EXPLAIN_SEED = 42L;

  private final int numItems;
  private final int dim;
  private final int blocks;
  private final int heads;
  private final int ffnHidden;
  private final int maxLength;
  private final float embeddingScale;
  private final boolean usesTypes;
  private final boolean usesAttributes;
  private final int numTypes;
  private final int numAttributes;

  /** r_i for every item, row-major [N, d]. */
  private final float[] itemRepresentations;
  /** |r_i| for cosine similarity. */
  private final float[] itemNorms;
  /** item_embedding row 0 (padding), the base of an unseen item's representation. */
  private final float[] paddingRow;
  private final float[] positionEmbedding;
  private final float[] typeEmbedding;
  private final float[] attributeEmbedding;

  private final LayerNorm[] attentionNorm;
  private final MultiHeadAttention[] attention;
  private final LayerNorm[] ffnNorm;
  private final FeedForward[] ffn;
  private final LayerNorm finalNorm;

  /** Time-ordered training steps, or null when built from a matrix alone. */
  private final Sequences sequences;
  /** Working memory, one per thread. */
  private final ThreadLocal<Workspace> workspace;

  /** Per-thread buffers of one forward pass. Not thread-safe: one instance per thread. */
  private static final class Workspace {
    final float[] x;
    final float[] h;
    final float[] o;
    final float[] f;
    final float[] hidden;
    final float[] u;
    final MultiHeadAttention.Scratch attention;

    Workspace(int maxLength, int dim, int ffnHidden, MultiHeadAttention layer) {
      x = new float[maxLength * dim];
      h = new float[maxLength * dim];
      o = new float[maxLength * dim];
      f = new float[dim];
      hidden = new float[ffnHidden];
      u = new float[dim];
      attention = layer.newScratch(maxLength);
    }
  }

  private SasRecModel(WeightFile w, Interactions train, Sequences sequences) {
    super(train);
    String kind = w.propertyOr("model", null);
    if (!MODEL_KIND.equals(kind)) {
      throw new IllegalArgumentException("weight file property 'model' must be '" + MODEL_KIND + "', got " + kind);
    }
    this.numItems = intProperty(w, "numItems", null);
    if (numItems <= 0 || numItems != train.numItems()) {
      throw new IllegalArgumentException("weight file numItems = " + numItems + " but the training matrix has "
          + train.numItems() + " items");
    }
    this.dim = intProperty(w, "hidden", "64");
    this.blocks = intProperty(w, "blocks", "2");
    this.heads = intProperty(w, "heads", "2");
    this.ffnHidden = intProperty(w, "ffnHidden", Integer.toString(dim));
    this.maxLength = intProperty(w, "maxLength", "50");
    float eps = floatProperty(w, "layerNormEps", "1e-6");
    this.embeddingScale = floatProperty(w, "embeddingScale", Double.toString(Math.sqrt(dim)));
    this.usesTypes = booleanProperty(w, "usesTypes");
    this.usesAttributes = booleanProperty(w, "usesAttributes");
    if (dim <= 0 || blocks <= 0 || heads <= 0 || ffnHidden <= 0 || maxLength <= 0) {
      throw new IllegalArgumentException("hidden, blocks, heads, ffnHidden and maxLength must be > 0: " + dim
          + ", " + blocks + ", " + heads + ", " + ffnHidden + ", " + maxLength);
    }
    if (dim % heads != 0) {
      throw new IllegalArgumentException("heads = " + heads + " must divide hidden = " + dim);
    }
    if (!(eps >= 0) || !Float.isFinite(embeddingScale)) {
      throw new IllegalArgumentException("layerNormEps must be >= 0 and embeddingScale finite: " + eps + ", "
          + embeddingScale);
    }
    this.numTypes = usesTypes ? intProperty(w, "numTypes", null) : 0;
    this.numAttributes = usesAttributes ? intProperty(w, "numAttributes", null) : 0;
    if (usesTypes && numTypes <= 0 || usesAttributes && numAttributes <= 0) {
      throw new IllegalArgumentException("numTypes and numAttributes must be > 0 when used: " + numTypes + ", "
          + numAttributes);
    }
    if (sequences != null && sequences.numUsers() != train.numUsers()) {
      throw new IllegalArgumentException("sequences have " + sequences.numUsers() + " users, the matrix "
          + train.numUsers());
    }
    this.sequences = sequences;

    float[] items = w.tensor("item_embedding", numItems + 1, dim).values();
    this.paddingRow = Arrays.copyOf(items, dim);
    this.positionEmbedding = w.tensor("position_embedding", maxLength, dim).values().clone();
    this.typeEmbedding = usesTypes ? w.tensor("type_embedding", numTypes, dim).values().clone() : null;
    this.attributeEmbedding = usesAttributes ? w.tensor("attribute_embedding", numAttributes, dim).values().clone() : null;
    this.itemRepresentations = Arrays.copyOfRange(items, dim, (numItems + 1) * dim);
    if (usesAttributes) {
      addAttributeMeans(w);
    }
    this.itemNorms = new float[numItems];
    for (int i = 0; i < numItems; i++) {
      itemNorms[i] = (float) Math.sqrt(VectorOps.dot(itemRepresentations, i * dim, itemRepresentations, i * dim, dim));
    }

    this.attentionNorm = new LayerNorm[blocks];
    this.attention = new MultiHeadAttention[blocks];
    this.ffnNorm = new LayerNorm[blocks];
    this.ffn = new FeedForward[blocks];
    for (int l = 0; l < blocks; l++) {
      String b = "block" + l + ".";
      attentionNorm[l] = layerNorm(w, b + "attention_norm", eps);
      attention[l] = new MultiHeadAttention(heads, linear(w, b + "attention.query", dim, dim),
          linear(w, b + "attention.key", dim, dim), linear(w, b + "attention.value", dim, dim),
          linear(w, b + "attention.output", dim, dim));
      ffnNorm[l] = layerNorm(w, b + "ffn_norm", eps);
      ffn[l] = new FeedForward(
          new Linear(dim, ffnHidden, w.tensor(b + "ffn.w1", dim, ffnHidden).values(), w.tensor(b + "ffn.b1", ffnHidden).values()),
          new Linear(ffnHidden, dim, w.tensor(b + "ffn.w2", ffnHidden, dim).values(), w.tensor(b + "ffn.b2", dim).values()));
    }
    this.finalNorm = layerNorm(w, "final_norm", eps);
    MultiHeadAttention first = attention[0];
    this.workspace = ThreadLocal.withInitial(() -> new Workspace(maxLength, dim, ffnHidden, first));
  }

  /**
   * A model for serving: known users' histories come from {@code train}'s positive rows in item-index order
   * (not time order), so pass histories in the {@link Query} for sequential results.
   *
   * @param weights a weight file written by the SASRec trainer
   * @param train the training matrix (gives numUsers, the seen items to exclude and fallback histories)
   * @throws IllegalArgumentException if a property is missing or malformed, or any tensor is missing or
   *     shaped differently from the contract (the message names it)
   */
  public static SasRecModel fromWeights(WeightFile weights, Interactions train) {
    return new SasRecModel(weights, train, null);
  }

  /**
   * A model whose known users' histories are their time-ordered positive training steps with event types
   * ({@link Sequences#positiveItemsOf(int)}).
   *
   * @throws IllegalArgumentException as {@link #fromWeights(WeightFile, Interactions)}
   */
  public static SasRecModel fromWeights(WeightFile weights, TrainingSet trainingSet) {
    return new SasRecModel(weights, trainingSet.interactions(), trainingSet.sequences());
  }

  // ---------------------------------------------------------------- loading helpers

  private static int intProperty(WeightFile w, String key, String fallback) {
    String v = fallback == null ? w.property(key) : w.propertyOr(key, fallback);
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("weight file property '" + key + "' is not an integer: " + v, e);
    }
  }

  private static float floatProperty(WeightFile w, String key, String fallback) {
    String v = w.propertyOr(key, fallback);
    try {
      return Float.parseFloat(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("weight file property '" + key + "' is not a number: " + v, e);
    }
  }

  private static boolean booleanProperty(WeightFile w, String key) {
    String v = w.propertyOr(key, "false").trim();
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException("weight file property '" + key + "' must be true or false: " + v);
    }
    return v.equals("true");
  }

  private LayerNorm layerNorm(WeightFile w, String name, float eps) {
    return new LayerNorm(w.tensor(name + ".gamma", dim).values(), w.tensor(name + ".beta", dim).values(), eps);
  }

  private static Linear linear(WeightFile w, String name, int in, int out) {
    return new Linear(in, out, w.tensor(name + ".weight", in, out).values(), w.tensor(name + ".bias", out).values());
  }

  /** r_i += mean of item i's attribute embeddings, from the CSR tensors. */
  private void addAttributeMeans(WeightFile w) {
    float[] indptr = w.tensor("item_attributes_indptr", numItems + 1).values();
    float[] indices = w.tensor("item_attributes_indices", -1).values();
    int previous = 0;
    if (indptr[0] != 0f || indptr[numItems] != indices.length) {
      throw new IllegalArgumentException("item_attributes_indptr must start at 0 and end at "
          + indices.length + " (the length of item_attributes_indices)");
    }
    for (int i = 0; i < numItems; i++) {
      int from = integral("item_attributes_indptr", indptr[i]);
      int to = integral("item_attributes_indptr", indptr[i + 1]);
      if (from < previous || to < from) {
        throw new IllegalArgumentException("item_attributes_indptr is not non-decreasing at item " + i);
      }
      previous = from;
      int[] ids = new int[to - from];
      for (int p = from; p < to; p++) {
        ids[p - from] = integral("item_attributes_indices", indices[p]);
      }
      checkAttributes(ids);
      addAttributeMean(ids, itemRepresentations, i * dim);
    }
  }

  private static int integral(String tensor, float v) {
    if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("tensor '" + tensor + "' must hold non-negative integers, got " + v);
    }
    return (int) v;
  }

  private void checkAttributes(int[] attributeIds) {
    for (int a : attributeIds) {
      if (a < 0 || a >= numAttributes) {
        throw new IllegalArgumentException("attribute id " + a + " outside [0, " + numAttributes + ")");
      }
    }
  }

  private void addAttributeMean(int[] attributeIds, float[] target, int off) {
    if (attributeIds.length == 0) return;
    float[] sum = new float[dim];
    for (int a : attributeIds) {
      VectorOps.axpy(1f, attributeEmbedding, a * dim, sum, 0, dim);
    }
    float inv = 1f / attributeIds.length;
    for (int c = 0; c < dim; c++) {
      target[off + c] += sum[c] * inv;
    }
  }

  // ---------------------------------------------------------------- hyper-parameters

  @Override
  public String name() {
    return "SasRec";
  }

  /** Model width d. */
  public int hidden() {
    return dim;
  }

  /** Number of transformer blocks L. */
  public int blocks() {
    return blocks;
  }

  /** Number of attention heads H. */
  public int heads() {
    return heads;
  }

  /** Input window T: only the newest T steps of a history are read. */
  public int maxLength() {
    return maxLength;
  }

  /** Whether event types enter the input (property {@code usesTypes}). */
  public boolean usesTypes() {
    return usesTypes;
  }

  /** Whether items carry attribute embeddings (property {@code usesAttributes}). */
  public boolean usesAttributes() {
    return usesAttributes;
  }

  // ---------------------------------------------------------------- forward pass

  /**
   * The user representation u for a history: the final-normalised newest position of the network.
   *
   * @param history item indices, oldest first, each in [0, numItems()); only the newest T are read; may be
   *     empty (then u = final_norm.beta)
   * @param types event type of each step, same length as {@code history}, each in [0, numTypes); null leaves
   *     the type term out; ignored when the model does not use types
   * @return a new array of length d
   * @throws IllegalArgumentException if an item or type is out of range or the lengths differ
   */
  public float[] userRepresentation(int[] history, int[] types) {
    float[] u = new float[dim];
    forward(history, types, u, null);
    return u;
  }

  /**
   * Writes score(i) = u · r_i for every item i into {@code out}. Allocates nothing.
   *
   * @param history as {@link #userRepresentation}
   * @param types as {@link #userRepresentation}
   * @param out length {@link #numItems()}
   * @throws IllegalArgumentException as {@link #userRepresentation}, or if {@code out} has another length
   */
  public void scoreAll(int[] history, int[] types, float[] out) {
    if (out.length != numItems) {
      throw new IllegalArgumentException("out has length " + out.length + ", expected numItems = " + numItems);
    }
    float[] u = workspace.get().u;
    forward(history, types, u, null);
    VectorOps.gemv(itemRepresentations, numItems, dim, u, out);
  }

  @Override
  protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
    if (useTrainingRow && sequences != null) {
      int[][] steps = trainingSteps(userIndex);
      scoreAll(steps[0], steps[1], scores);
    } else {
      scoreAll(history, null, scores);
    }
  }

  /**
   * Runs the network and writes u. When {@code probs} is non-null, {@code probs[l]} receives block l's
   * attention probabilities in the {@link MultiHeadAttention#forward} layout: [H][n][n] for every block but
   * the last, [H][1][n] for the last (n = real steps in the window).
   */
  private void forward(int[] history, int[] types, float[] u, float[][] probs) {
    checkHistory(history, types);
    int n = Math.min(history.length, maxLength);
    if (n == 0) {
      finalNorm.forward(new float[dim], 0, u, 0);
      return;
    }
    Workspace w = workspace.get();
    float[] x = w.x;
    int start = history.length - n;
    int firstPosition = maxLength - n;
    boolean addTypes = usesTypes && types != null;
    for (int j = 0; j < n; j++) {
      int o = j * dim;
      int ro = history[start + j] * dim;
      int po = (firstPosition + j) * dim;
      for (int c = 0; c < dim; c++) {
        x[o + c] = itemRepresentations[ro + c] * embeddingScale + positionEmbedding[po + c];
      }
      if (addTypes) {
        VectorOps.axpy(1f, typeEmbedding, types[start + j] * dim, x, o, dim);
      }
    }
    for (int l = 0; l < blocks; l++) {
      int firstQuery = l == blocks - 1 ? n - 1 : 0;
      attentionNorm[l].forwardRows(x, 0, n, w.h, 0);
      attention[l].forward(w.h, n, null, firstQuery, w.o, probs == null ? null : probs[l], w.attention);
      for (int t = firstQuery; t < n; t++) {
        int o = t * dim;
        VectorOps.axpy(1f, w.o, o, x, o, dim);
        ffnNorm[l].forward(x, o, w.h, o);
        ffn[l].forward(w.h, o, w.f, 0, w.hidden);
        VectorOps.axpy(1f, w.f, 0, x, o, dim);
      }
    }
    finalNorm.forward(x, (n - 1) * dim, u, 0);
  }

  private void checkHistory(int[] history, int[] types) {
    for (int i : history) {
      if (i < 0 || i >= numItems) {
        throw new IllegalArgumentException("history item " + i + " outside [0, " + numItems + ")");
      }
    }
    if (types != null) {
      if (types.length != history.length) {
        throw new IllegalArgumentException("types has length " + types.length + ", history " + history.length);
      }
      if (usesTypes) {
        for (int t : types) {
          if (t < 0 || t >= numTypes) {
            throw new IllegalArgumentException("event type " + t + " outside [0, " + numTypes + ")");
          }
        }
      }
    }
  }

  /** {items, types} of user u's positive training steps, oldest first (requires sequences). */
  private int[][] trainingSteps(int u) {
    int[] indptr = sequences.indptr();
    int[] items = sequences.items();
    short[] types = sequences.types();
    float[] weights = sequences.weights();
    int n = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (weights[p] > 0) n++;
    }
    int[] outItems = new int[n];
    int[] outTypes = new int[n];
    int k = 0;
    for (int p = indptr[u]; p < indptr[u + 1]; p++) {
      if (weights[p] > 0) {
        outItems[k] = items[p];
        outTypes[k] = types[p];
        k++;
      }
    }
    return new int[][] {outItems, usesTypes ? outTypes : null};
  }

  /** {items, types} the query refers to: its history, else the user's training steps. */
  private int[][] querySteps(Query query) {
    int[] history = validatedHistory(query);
    if (query.history() == null && sequences != null) {
      return trainingSteps(query.userIndex());
    }
    return new int[][] {history, null};
  }

  // ---------------------------------------------------------------- items

  /** A copy of r_i, the representation of item {@code itemIndex} (length d). */
  public float[] itemRepresentation(int itemIndex) {
    checkItem(itemIndex);
    return Arrays.copyOfRange(itemRepresentations, itemIndex * dim, (itemIndex + 1) * dim);
  }

  /**
   * The representation of an item unseen in training that has attributes: item_embedding row 0 (the
   * padding row, zero when training kept it so) plus the mean of the attribute embeddings. Score it for a
   * user with {@link #score(float[], float[])}; such items cannot appear in a history, which holds indices
   * of trained items only.
   *
   * @param attributeIds attribute ids in [0, numAttributes); empty gives item_embedding row 0
   * @return a new array of length d
   * @throws IllegalArgumentException if the model has no attributes or an id is out of range
   */
  public float[] itemRepresentationFromAttributes(int[] attributeIds) {
    if (!usesAttributes) {
      throw new IllegalArgumentException("this model was trained without item attributes");
    }
    checkAttributes(attributeIds);
    float[] r = paddingRow.clone();
    addAttributeMean(attributeIds, r, 0);
    return r;
  }

  /**
   * score = u · r for any item representation, for example one from
   * {@link #itemRepresentationFromAttributes(int[])}; the same formula as the catalogue scores, so the result
   * can be ranked together with {@link #scoreAll(int[], int[], float[])}.
   *
   * @throws IllegalArgumentException if either vector does not have length d
   */
  public float score(float[] userRepresentation, float[] itemRepresentation) {
    if (userRepresentation.length != dim || itemRepresentation.length != dim) {
      throw new IllegalArgumentException("vectors must have length d = " + dim + ": " + userRepresentation.length
          + ", " + itemRepresentation.length);
    }
    return VectorOps.dot(userRepresentation, itemRepresentation);
  }

  /**
   * Items most similar to {@code itemIndex} by cosine of their representations r (0 for a zero vector),
   * excluding the item itself.
   *
   * @implNote one gemv of N × d plus top-k selection.
   * @throws IllegalArgumentException if the item index is out of range or k &lt;= 0
   */
  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    checkItem(itemIndex);
    if (k <= 0) {
      throw new IllegalArgumentException("k must be > 0: " + k);
    }
    float[] scores = new float[numItems];
    float[] r = Arrays.copyOfRange(itemRepresentations, itemIndex * dim, (itemIndex + 1) * dim);
    VectorOps.gemv(itemRepresentations, numItems, dim, r, scores);
    float ni = itemNorms[itemIndex];
    for (int j = 0; j < numItems; j++) {
      float d = ni * itemNorms[j];
      scores[j] = d > 0 ? scores[j] / d : 0f;
    }
    scores[itemIndex] = Float.NaN;
    return TopKSelector.select(scores, numItems, k, filter == null ? ItemFilter.ALL : filter);
  }

  // ---------------------------------------------------------------- explanations

  /**
   * Explains with attention: one {@link Explanation.Kind#HISTORY_ITEM} contribution per step in the window
   * (the newest T steps), weighted by the last block's attention probability at the newest query position,
   * averaged over heads. Weights are non-negative and sum to 1; they are sorted largest first, ties by
   * older step first. A repeated item gives one contribution per step.
   *
   * <p>NOTE: unlike additive models, the weights are attention, not parts of the score: they say where the
   * model looked, and do not add up to {@link Explanation#score()} (which is u · r_item). The summary says so.
   *
   * @throws IllegalArgumentException if the item index is out of range or the query is invalid
   */
  @Override
  public Explanation explain(Query query, int itemIndex) {
    checkItem(itemIndex);
    int[][] steps = querySteps(query);
    int[] history = steps[0];
    float[][] probs = new float[blocks][];
    float[] u = new float[dim];
    runWithProbabilities(history, steps[1], u, probs);
    float score = VectorOps.dot(u, 0, itemRepresentations, itemIndex * dim, dim);
    if (history.length == 0) {
      return new Explanation(itemIndex, score, List.of(), "no history to explain from");
    }
    int n = Math.min(history.length, maxLength);
    int start = history.length - n;
    float[] weights = lastRowAveraged(probs[blocks - 1], 1, n);
    int[] order = orderByWeight(weights);
    List<Explanation.Contribution> parts = new ArrayList<>(n);
    for (int p : order) {
      parts.add(new Explanation.Contribution(Explanation.Kind.HISTORY_ITEM, history[start + p], weights[p]));
    }
    String summary = "weights are the last block's attention at the newest step, averaged over " + heads
        + " heads (they sum to 1 and are not additive parts of the score u\u00b7r = " + score + ")"
        + (start > 0 ? "; the " + start + " oldest steps are outside the window of " + maxLength : "");
    return new Explanation(itemIndex, score, parts, summary);
  }

  /**
   * A detailed attention explanation of {@code item} for a history, with a leave-one-out faithfulness check
   * against a seeded random step ({@link #DEFAULT_EXPLAIN_SEED}). See {@link AttentionExplanation}.
   *
   * @throws IllegalArgumentException as {@link #userRepresentation}, or if the item is out of range
   */
  public AttentionExplanation explainAttention(int[] history, int[] types, int item) {
    return explainAttention(history, types, item, DEFAULT_EXPLAIN_SEED);
  }

  /**
   * As {@link #explainAttention(int[], int[], int)} with the random baseline step drawn from
   * {@code new SplittableRandom(seed)}.
   *
   * @implNote three forward passes (the full history and two with one step removed).
   */
  public AttentionExplanation explainAttention(int[] history, int[] types, int item, long seed) {
    checkItem(item);
    checkHistory(history, types);
    int n = Math.min(history.length, maxLength);
    int start = history.length - n;
    int[] window = Arrays.copyOfRange(history, start, history.length);
    int[] windowTypes = types == null ? null : Arrays.copyOfRange(types, start, types.length);
    float[][] probs = new float[blocks][];
    float[] u = new float[dim];
    runWithProbabilities(history, types, u, probs);
    float score = VectorOps.dot(u, 0, itemRepresentations, item * dim, dim);

    float[][] headWeights = new float[heads][n];
    float[][] blockWeights = new float[blocks][];
    for (int b = 0; b < blocks; b++) {
      int l = blocks - 1 - b;
      int rows = l == blocks - 1 ? 1 : n;
      blockWeights[b] = lastRowAveraged(probs[l], rows, n);
    }
    if (n > 0) {
      float[] last = probs[blocks - 1];
      for (int j = 0; j < heads; j++) {
        System.arraycopy(last, j * n, headWeights[j], 0, n);
      }
    }
    float[] stepWeights = blockWeights[0];
    int[] topSteps = orderByWeight(stepWeights);

    float topDrop = Float.NaN;
    float randomDrop = Float.NaN;
    int randomStep = -1;
    if (n >= 1) {
      topDrop = score - scoreWithout(window, windowTypes, topSteps[0], item);
    }
    if (n >= 2) {
      randomStep = new SplittableRandom(seed).nextInt(n - 1);
      if (randomStep >= topSteps[0]) randomStep++;
      randomDrop = score - scoreWithout(window, windowTypes, randomStep, item);
    }
    return new AttentionExplanation(item, score, window, start, stepWeights, headWeights, blockWeights, topSteps,
        topDrop, randomStep, randomDrop);
  }

  /** Runs the network recording every block's attention (probs[l] filled, empty arrays for no history). */
  private void runWithProbabilities(int[] history, int[] types, float[] u, float[][] probs) {
    checkHistory(history, types);
    int n = Math.min(history.length, maxLength);
    for (int l = 0; l < blocks; l++) {
      int rows = l == blocks - 1 ? 1 : n;
      probs[l] = new float[heads * rows * n];
    }
    forward(history, types, u, n == 0 ? null : probs);
  }

  /** Head-averaged probabilities of the last query row, from the [H][rows][n] layout. */
  private float[] lastRowAveraged(float[] probs, int rows, int n) {
    float[] out = new float[n];
    for (int j = 0; j < heads; j++) {
      int off = (j * rows + rows - 1) * n;
      for (int s = 0; s < n; s++) out[s] += probs[off + s];
    }
    for (int s = 0; s < n; s++) out[s] /= heads;
    return out;
  }

  /** Positions sorted by weight, largest first, ties by smaller position (insertion sort; n &lt;= T). */
  private static int[] orderByWeight(float[] weights) {
    int n = weights.length;
    int[] order = new int[n];
    for (int s = 0; s < n; s++) {
      int k = s;
      while (k > 0 && weights[order[k - 1]] < weights[s]) {
        order[k] = order[k - 1];
        k--;
      }
      order[k] = s;
    }
    return order;
  }

  private float scoreWithout(int[] window, int[] types, int drop, int item) {
    int[] items = new int[window.length - 1];
    int[] t = types == null ? null : new int[window.length - 1];
    for (int s = 0, k = 0; s < window.length; s++) {
      if (s == drop) continue;
      items[k] = window[s];
      if (t != null) t[k] = types[s];
      k++;
    }
    float[] u = new float[dim];
    forward(items, t, u, null);
    return VectorOps.dot(u, 0, itemRepresentations, item * dim, dim);
  }
}
