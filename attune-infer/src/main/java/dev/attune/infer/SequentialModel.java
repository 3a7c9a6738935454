package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.data.Sequences;
import dev.attune.kernel.PanelMatrix;
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
 * What every next-item network served from a {@link WeightFile} shares: a history of item indices (oldest
 * first, with optional event types) goes through a network to one user representation u of width d, and
 * score(i) = u · r_i against the item representations r (the item embedding without its padding row, plus
 * the mean attribute embedding when the model uses attributes).
 *
 * <p>This class owns everything outside the network itself: the common weight-file properties
 * ({@code model}, {@code numItems}, {@code hidden}, {@code maxLength}, {@code usesTypes}, {@code numTypes},
 * {@code usesAttributes}, {@code numAttributes}) and the tensors {@code item_embedding}, {@code type_embedding}
 * and the attribute ones, which mean the same in every contract; which steps form a known user's history;
 * scoring and top-k; similar items; and explanations by attention with their leave-one-out faithfulness
 * check ({@link AttentionExplanation}). A subclass implements {@link #encode}, the forward pass of one history,
 * which also reports the attention weights at the newest position. {@link SequentialModels#fromWeights} picks
 * the subclass from the {@code model} property.
 *
 * <p>NOTE: which steps form a history is not part of any contract. Here it is the user's positive-weight
 * steps, oldest first, repeats kept: from {@link Sequences} (with each step's event type) when the model was
 * built with a training set; a model built from a matrix alone only knows each known user's positive row in
 * item-index order, not time order, and is meant for serving with explicit histories in the {@link Query}.
 * A {@link Query} carries no event types, so a query history is always encoded without the type term (as if
 * it were zero); a caller that has the types of a history's events passes them to {@link #userRepresentation},
 * {@link #scoreAll} or {@link #explainAttention}, mapped with {@link #typeIndex}.
 *
 * <p>Event types: a model trained with them ({@code usesTypes}) records the type name of each type id
 * ({@value #TYPE_NAMES_PROPERTY}, one per line; files written before 2026-12-06 lack it), so that a history from
 * another data set (the service's store) can name its types: {@link #typeIndex}. A known user's training steps are
 * mapped the same way from the training set's type ids, which another data set may number differently.
 *
 * <p>Immutable and thread-safe when the subclass is: every buffer is per thread or per call.
 *
 * @apiNote Experimental.
 */
public abstract sealed class SequentialModel extends ScoringRecommender implements Explainable
    permits SasRecModel, GruAttentionModel {
  /** Seed of the random baseline step in {@link #explainAttention(int[], int[], int)}. */
  public static final long DEFAULT_EXPLAIN_SEED = 42L;
  /** Weight-file property: the name of each event type id of a model that uses types, one per line, in id order. */
  public static final String TYPE_NAMES_PROPERTY = "typeNames";
  /** A type id meaning "no type term for this step" (an event type the model was not trained on). */
  public static final int NO_TYPE = -1;

  /** N. */
  final int numItems;
  /** d, the width of u and of every item representation. */
  final int dim;
  /** T, the input window. */
  final int maxLength;
  final boolean usesTypes;
  final boolean usesAttributes;
  final int numTypes;
  final int numAttributes;
  /** The name of each type id (lower case), or null when the model uses no types or its file does not name them. */
  private final List<String> typeNames;
  /** Model type id of each type id of {@link #sequences}, or null to read them as they are. */
  private final int[] sequenceTypeToModel;
  /** r_i for every item, row-major [N, d]. */
  final float[] itemRepresentations;
  /**
   * The same r_i regrouped for {@link VectorOps#scoreAll}: scoring every item is the hot loop of serving, and
   * this layout made it 1.5x faster for one user and 8x per user for eight users at once (100k x 64, measured),
   * at the price of a second copy of the item matrix (4 N d bytes).
   */
  private final PanelMatrix itemPanels;
  /** {@code type_embedding} [numTypes, d], or null. */
  final float[] typeEmbedding;
  /** |r_i| for cosine similarity. */
  private final float[] itemNorms;
  /** item_embedding row 0 (padding), the base of an unseen item's representation. */
  private final float[] paddingRow;
  private final float[] attributeEmbedding;
  /** Time-ordered training steps, or null when built from a matrix alone. */
  private final Sequences sequences;
  /** u of {@link #scoreAll(int[], int[], float[])}, one per thread. */
  private final ThreadLocal<float[]> userScratch;

  /**
   * Reads and checks the common properties and tensors.
   *
   * @param kind the value the {@code model} property must have
   * @param attributesSupported whether the contract of {@code kind} defines item attributes; when false a
   *     weight file with {@code usesAttributes = true} is rejected
   * @param sequences time-ordered training steps, or null
   * @param sequenceTypes the name of each type id of {@code sequences} (its data set's), or null when unknown
   * @throws IllegalArgumentException if a property or tensor is missing, malformed or misshapen (the message
   *     names it)
   */
  SequentialModel(WeightFile w, String kind, boolean attributesSupported, Interactions train, Sequences sequences,
      List<String> sequenceTypes) {
    super(train);
    String actual = w.propertyOr("model", null);
    if (!kind.equals(actual)) {
      throw new IllegalArgumentException("weight file property 'model' must be '" + kind + "', got " + actual);
    }
    this.numItems = intProperty(w, "numItems", null);
    if (numItems <= 0 || numItems != train.numItems()) {
      throw new IllegalArgumentException("weight file numItems = " + numItems + " but the training matrix has "
          + train.numItems() + " items");
    }
    this.dim = intProperty(w, "hidden", "64");
    this.maxLength = intProperty(w, "maxLength", "50");
    if (dim <= 0 || maxLength <= 0) {
      throw new IllegalArgumentException("hidden and maxLength must be > 0: " + dim + ", " + maxLength);
    }
    this.usesTypes = booleanProperty(w, "usesTypes");
    this.usesAttributes = booleanProperty(w, "usesAttributes");
    if (usesAttributes && !attributesSupported) {
      throw new IllegalArgumentException("'" + kind + "' weight files do not support item attributes, but "
          + "usesAttributes = true");
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
    String names = usesTypes ? w.propertyOr(TYPE_NAMES_PROPERTY, null) : null;
    this.typeNames = names == null ? null : List.of(names.split("\n", -1));
    if (typeNames != null && typeNames.size() != numTypes) {
      throw new IllegalArgumentException("weight file names " + typeNames.size() + " event types in '"
          + TYPE_NAMES_PROPERTY + "' but numTypes = " + numTypes);
    }
    this.sequenceTypeToModel = sequenceTypes == null ? null : typeIds(sequenceTypes);

    float[] items = w.tensor("item_embedding", numItems + 1, dim).values();
    this.paddingRow = Arrays.copyOf(items, dim);
    this.itemRepresentations = Arrays.copyOfRange(items, dim, (numItems + 1) * dim);
    this.typeEmbedding = usesTypes ? w.tensor("type_embedding", numTypes, dim).values().clone() : null;
    this.attributeEmbedding =
        usesAttributes ? w.tensor("attribute_embedding", numAttributes, dim).values().clone() : null;
    if (usesAttributes) {
      addAttributeMeans(w);
    }
    this.itemPanels = VectorOps.panels(itemRepresentations, numItems, dim);
    this.itemNorms = new float[numItems];
    for (int i = 0; i < numItems; i++) {
      itemNorms[i] = (float) Math.sqrt(VectorOps.dot(itemRepresentations, i * dim, itemRepresentations, i * dim, dim));
    }
    int d = dim;
    this.userScratch = ThreadLocal.withInitial(() -> new float[d]);
  }

  // ---------------------------------------------------------------- loading helpers

  static int intProperty(WeightFile w, String key, String fallback) {
    String v = fallback == null ? w.property(key) : w.propertyOr(key, fallback);
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("weight file property '" + key + "' is not an integer: " + v, e);
    }
  }

  static float floatProperty(WeightFile w, String key, String fallback) {
    String v = w.propertyOr(key, fallback);
    try {
      return Float.parseFloat(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("weight file property '" + key + "' is not a number: " + v, e);
    }
  }

  static boolean booleanProperty(WeightFile w, String key) {
    String v = w.propertyOr(key, "false").trim();
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException("weight file property '" + key + "' must be true or false: " + v);
    }
    return v.equals("true");
  }

  /** r_i += mean of item i's attribute embeddings, from the CSR tensors. */
  private void addAttributeMeans(WeightFile w) {
    float[] indptr = w.tensor("item_attributes_indptr", numItems + 1).values();
    float[] indices = w.tensor("item_attributes_indices", -1).values();
    int previous = 0;
    // compared as doubles: a float beside an int is compared as floats, and 2^24 + 1 pairs passed as 2^24
    if (indptr[0] != 0f || (double) indptr[numItems] != indices.length) {
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

  /** Width d of the user and item representations. */
  public int hidden() {
    return dim;
  }

  /** Input window T: only the newest T steps of a history are read. */
  public int maxLength() {
    return maxLength;
  }

  /**
   * How many of a history's newest steps the network reads: T, or fewer when the window holds something else
   * too (BERT4Rec's [MASK] step).
   */
  public int historyWindow() {
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
   * The forward pass of one checked history: writes u and, when {@code explain}, returns the attention weights
   * at the newest position.
   *
   * @param history item indices in [0, N), oldest first, already checked; only the newest T are read
   * @param types event type per step (same length, checked), or null for no type term
   * @param u receives the user representation, length d
   * @param explain whether to report attention weights
   * @return null when {@code !explain}; otherwise weights [layers][heads][n] (n = min(|history|, T)), last
   *     layer first, each row non-negative and summing to 1 over the n window steps (oldest first)
   */
  abstract float[][][] encode(int[] history, int[] types, float[] u, boolean explain);

  /**
   * Where the attention weights of {@link #encode} come from, completing "weights are ..." in an explanation
   * summary.
   */
  abstract String attentionSource();

  /**
   * The user representation u for a history.
   *
   * @param history item indices, oldest first, each in [0, numItems()); only the newest T are read; may be
   *     empty (the subclass says what u is then)
   * @param types event type of each step, same length as {@code history}, each in [0, numTypes) or {@link
   *     #NO_TYPE} (no type term for that step); null leaves the type term out; ignored when the model does not
   *     use types
   * @return a new array of length d
   * @throws IllegalArgumentException if an item or type is out of range or the lengths differ
   */
  public float[] userRepresentation(int[] history, int[] types) {
    checkHistory(history, types);
    float[] u = new float[dim];
    encode(history, types, u, false);
    return u;
  }

  /**
   * Writes score(i) = u · r_i for every item i into {@code out}. Allocates nothing beyond what the forward
   * pass of the subclass documents.
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
    checkHistory(history, types);
    float[] u = userScratch.get();
    encode(history, types, u, false);
    VectorOps.scoreAll(itemPanels, new float[][] {u}, 1, new float[][] {out});
  }

  /**
   * Writes scores[j][i] = users[j] · r_i for every item i and j in [0, count): the scoring of several requests
   * in one pass over the item representations (see {@link BatchedScoring}). Each score has the same bits as
   * {@link #scoreAll(int[], int[], float[])} gives for the same user representation.
   *
   * @param users user representations from {@link #userRepresentation}, at least {@code count}
   * @param count how many to score, at least 1
   * @param scores at least {@code count} arrays of length {@link #numItems()}
   * @throws IllegalArgumentException if a length is wrong or {@code count < 1}
   */
  public void scoreAll(float[][] users, int count, float[][] scores) {
    for (int j = 0; j < Math.min(count, scores.length); j++) {
      if (scores[j].length != numItems) {
        throw new IllegalArgumentException("scores[" + j + "] has length " + scores[j].length + ", expected "
            + numItems);
      }
    }
    VectorOps.scoreAll(itemPanels, users, count, scores);
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

  final void checkHistory(int[] history, int[] types) {
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
          if (t < NO_TYPE || t >= numTypes) {
            throw new IllegalArgumentException("event type " + t + " outside [0, " + numTypes + ") and not NO_TYPE");
          }
        }
      }
    }
  }

  /** {items, types} of user u's positive training steps, oldest first (requires sequences). */
  private int[][] trainingSteps(int u) {
    int[] types = usesTypes ? sequences.positiveTypesOf(u) : null;
    if (types != null && sequenceTypeToModel != null) {
      for (int s = 0; s < types.length; s++) types[s] = sequenceTypeToModel[types[s]];
    }
    return new int[][] {sequences.positiveItemsOf(u), types};
  }

  /**
   * The model's id of an event type (case does not matter), for the {@code types} of a history: {@link #NO_TYPE}
   * when the model was not trained on that type, or uses no types.
   *
   * @throws IllegalStateException if the model uses types and its file does not name them ({@link #namesTypes})
   */
  public int typeIndex(String type) {
    if (!usesTypes) return NO_TYPE;
    if (typeNames == null) {
      throw new IllegalStateException("this model's file does not name its event types (written before 2026-12-06)");
    }
    return typeNames.indexOf(type.toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * The model's id ({@link #typeIndex}) of each of a data set's type names, in its order: what a type id of that data
   * set is to this model. Null when the model does not name its types ({@link #namesTypes}).
   */
  public int[] typeIds(List<String> names) {
    if (typeNames == null) return null;
    int[] out = new int[names.size()];
    for (int t = 0; t < out.length; t++) out[t] = typeIndex(names.get(t));
    return out;
  }

  /** Whether the model reads event types and its file names them, so {@link #typeIndex} can map a history's. */
  public boolean namesTypes() {
    return typeNames != null;
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
    return scoreChain(userRepresentation, itemRepresentation, 0);
  }

  /** u · r_item with the same bits as the item's score from {@link #scoreAll(int[], int[], float[])}. */
  final float itemScore(float[] u, int item) {
    return scoreChain(u, itemRepresentations, item * dim);
  }

  /**
   * u · r[off ..] as the chain of fused multiply-adds over the columns in order that {@link VectorOps#scoreAll}
   * computes, so that a score computed alone ranks exactly like the catalogue's.
   */
  private float scoreChain(float[] u, float[] r, int off) {
    float s = 0f;
    for (int c = 0; c < dim; c++) {
      s = Math.fma(r[off + c], u[c], s);
    }
    return s;
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
    VectorOps.scoreAll(itemPanels, new float[][] {r}, 1, new float[][] {scores});
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
   * (the newest T steps), weighted by the attention at the newest position ({@link AttentionExplanation#stepWeights}).
   * Weights are non-negative and sum to 1; they are sorted largest first, ties by older step first. A repeated
   * item gives one contribution per step.
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
    checkHistory(history, steps[1]);
    float[] u = new float[dim];
    float[][][] weights = encode(history, steps[1], u, true);
    float score = itemScore(u, itemIndex);
    if (history.length == 0) {
      return new Explanation(itemIndex, score, List.of(), "no history to explain from");
    }
    int n = Math.min(history.length, historyWindow());
    int start = history.length - n;
    float[] stepWeights = headAverage(weights[0], n);
    int[] order = orderByWeight(stepWeights);
    List<Explanation.Contribution> parts = new ArrayList<>(n);
    for (int p : order) {
      parts.add(new Explanation.Contribution(Explanation.Kind.HISTORY_ITEM, history[start + p], stepWeights[p]));
    }
    String summary = "weights are " + attentionSource() + " (they sum to 1 and are not additive parts of the score"
        + " u\u00b7r = " + score + ")"
        + (start > 0 ? "; the " + start + " oldest steps are outside the window of " + historyWindow() : "");
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
    return explainAttention(history, types, new int[] {item}, seed)[0];
  }

  /**
   * {@link #explainAttention(int[], int[], int, long)} for several items of one history at once, each result
   * equal to the single-item call. Why: the attention at the newest position and the two leave-one-out user
   * representations do not depend on the item, so three forward passes serve every item (a response explaining
   * 10 items costs 3 passes instead of 30).
   *
   * @implNote three forward passes plus three dot products per item.
   * @throws IllegalArgumentException as {@link #explainAttention(int[], int[], int)}
   */
  public AttentionExplanation[] explainAttention(int[] history, int[] types, int[] items, long seed) {
    for (int item : items) checkItem(item);
    checkHistory(history, types);
    int n = Math.min(history.length, historyWindow());
    int start = history.length - n;
    int[] window = Arrays.copyOfRange(history, start, history.length);
    int[] windowTypes = windowTypes(types, start);
    float[] u = new float[dim];
    float[][][] weights = encode(history, types, u, true);
    float[][] headWeights = weights[0];
    float[][] layerWeights = new float[weights.length][];
    for (int l = 0; l < weights.length; l++) {
      layerWeights[l] = headAverage(weights[l], n);
    }
    float[] stepWeights = layerWeights[0];
    int[] topSteps = orderByWeight(stepWeights);
    float[] withoutTop = n >= 1 ? userWithout(window, windowTypes, topSteps[0]) : null;
    int randomStep = -1;
    float[] withoutRandom = null;
    if (n >= 2) {
      randomStep = new SplittableRandom(seed).nextInt(n - 1);
      if (randomStep >= topSteps[0]) randomStep++;
      withoutRandom = userWithout(window, windowTypes, randomStep);
    }
    AttentionExplanation[] out = new AttentionExplanation[items.length];
    for (int k = 0; k < items.length; k++) {
      int item = items[k];
      float score = itemScore(u, item);
      float topDrop = withoutTop == null ? Float.NaN : score - itemScore(withoutTop, item);
      float randomDrop = withoutRandom == null ? Float.NaN : score - itemScore(withoutRandom, item);
      out[k] = new AttentionExplanation(item, score, window, start, stepWeights, headWeights, layerWeights, topSteps,
          topDrop, randomStep, randomDrop);
    }
    return out;
  }

  /**
   * What each step of a history's window does to each item's score, found by leaving it out (occlusion), with the
   * attention the network paid it.
   *
   * @param firstStep index in the given history of the window's oldest step (history length − window length)
   * @param stepWeights [n] the last attention layer at the newest position, averaged over heads, per window step
   *     (oldest first): what the network read, the same for every item
   * @param scores [items] each item's score for the whole history
   * @param drops [n][items] each item's score less its score with window step p left out (no older step moves in):
   *     positive when the step raised it; unlike the attention weights, these differ per item
   */
  public record Occlusion(int firstStep, float[] stepWeights, float[] scores, float[][] drops) {}

  /**
   * {@link Occlusion} of {@code items} for a history: explanations that name the events an item's score owes most to.
   * The attention weights do not (SASRec on Beauty: the most-attended event mattered more than a random other one in
   * 53.8% of recommendations, 0.5 being chance; a QA run on LastFM found 49.6%).
   *
   * @implNote one forward pass for the history and one per window step, plus window × items dot products.
   * @throws IllegalArgumentException as {@link #userRepresentation}, or if an item is out of range
   */
  public Occlusion occlusion(int[] history, int[] types, int[] items) {
    for (int item : items) checkItem(item);
    checkHistory(history, types);
    int start = history.length - Math.min(history.length, historyWindow());
    int n = history.length - start;
    int[] window = Arrays.copyOfRange(history, start, history.length);
    float[] u = new float[dim];
    float[][][] weights = encode(history, types, u, true);
    float[] scores = new float[items.length];
    for (int k = 0; k < items.length; k++) scores[k] = itemScore(u, items[k]);
    float[][] drops = new float[n][items.length];
    int[] stepTypes = windowTypes(types, start);
    for (int p = 0; p < n; p++) {
      float[] without = userWithout(window, stepTypes, p);
      for (int k = 0; k < items.length; k++) drops[p][k] = scores[k] - itemScore(without, items[k]);
    }
    return new Occlusion(start, n == 0 ? new float[0] : headAverage(weights[0], n), scores, drops);
  }

  /** The types of a history's steps from {@code start} on (its window), or null without types. */
  private static int[] windowTypes(int[] types, int start) {
    return types == null ? null : Arrays.copyOfRange(types, start, types.length);
  }

  /** The mean over heads of [H][n] weights (summed in head order, then divided). */
  private static float[] headAverage(float[][] heads, int n) {
    float[] out = new float[n];
    for (float[] head : heads) {
      for (int s = 0; s < n; s++) out[s] += head[s];
    }
    for (int s = 0; s < n; s++) out[s] /= heads.length;
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

  /** The user representation of {@code window} with step {@code drop} removed. */
  private float[] userWithout(int[] window, int[] types, int drop) {
    int[] items = new int[window.length - 1];
    int[] t = types == null ? null : new int[window.length - 1];
    for (int s = 0, k = 0; s < window.length; s++) {
      if (s == drop) continue;
      items[k] = window[s];
      if (t != null) t[k] = types[s];
      k++;
    }
    float[] u = new float[dim];
    encode(items, t, u, false);
    return u;
  }
}
