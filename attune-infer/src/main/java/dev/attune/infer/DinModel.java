package dev.attune.infer;

import dev.attune.infer.nn.Mlp;
import dev.attune.kernel.VectorOps;

/**
 * Deep Interest Network served in pure Java from the weights {@code attune-train}'s {@code Din} exports: the
 * probability that a user consumes (clicks, rates highly) a candidate item, and the attention weights over the
 * user's history that explain it.
 *
 * <p>Follows Zhou et al., "Deep Interest Network for Click-Through Rate Prediction" (KDD 2018); the tensors,
 * properties and forward pass are the contract {@code docs/design/din.md}, and a parity test holds this class and
 * the DJL network to 1e-4. In short, with d = {@link #dim()} and r(i) = [item_embedding[i + 1] ; mean of
 * category_embedding[c + 1] over the item's categories c] (2d wide):
 * <pre>
 *   s_j = attention.mlp([h_j ; c ; h_j − c ; h_j ⊙ c])    for the last n = min(|history|, L) history items h_j = r(.)
 *   α   = softmax(s),  v = Σ_j α_j h_j  (v = 0 when n = 0)
 *   p   = σ(mlp([user_embedding[u] ; attribute_embedding[f_1] ; … ; attribute_embedding[f_F] ; v ; c ;
 *             ln(1 + n) / ln(1 + L)]))                                   with c = r(candidate)
 * </pre>
 *
 * <p>NOTE: exact shortcuts, not approximations. The first layer of the activation unit is linear in its four
 * blocks, so W·[h; c; h − c; h ⊙ c] = (W_h + W_d)·h + (W_c − W_d)·c + W_p·(h ⊙ c): the h part is computed once per
 * history item and the c part once per candidate, leaving d·2·a multiply-adds per (candidate, history item). The
 * user's part of the final MLP's first layer is likewise computed once per request, and every item's candidate
 * terms (its activation-unit part and its part of the MLP's first layer) once at load. Rounding then differs from
 * the DJL network's, within the parity tolerance. Memory: N × (2d + a + h1) floats for the items.
 *
 * <p>Immutable and thread-safe; each call allocates its own scratch (a few kilobytes).
 *
 * @implNote Scoring k candidates against n history items: n·2d·a once, then per candidate n·(2d·a + a) for the
 *     attention and (2d + 1)·h1 + the rest of the final MLP, with a the activation unit's width and h1 the final
 *     MLP's first width. With the defaults (d 16, a 36, n 20, MLP 129 → 200 → 80 → 1) about 46 K multiply-adds
 *     per candidate.
 * @apiNote Experimental.
 */
public final class DinModel {
  /** Value of the {@code model} property this class reads. */
  public static final String MODEL_KIND = "din";

  private final int numUsers;
  private final int numItems;
  private final int numFields;
  private final int numAttributeValues;
  private final int dim;
  private final int maxHistory;
  private final float[] userEmbedding;
  private final float[] attributeEmbedding;
  /** r(i) for every item [N, 2d]. */
  private final float[] itemRepresentation;
  private final int attentionHidden;
  /** (W_h + W_d)ᵀ, (W_c − W_d)ᵀ and W_pᵀ of the activation unit's first layer, each [a, 2d]. */
  private final float[] attentionHistory;
  private final float[] attentionCandidate;
  private final float[] attentionProduct;
  private final float[] attentionBias;
  private final Mlp attention;
  private final Mlp mlp;
  /** The final MLP's first layer transposed [h1, in] and its bias. */
  private final float[] firstLayer;
  private final float[] firstBias;
  /** Per item, its candidate terms: (W_c − W_d)ᵀ r(i) [N, a] and the MLP's first layer on r(i) [N, h1]. */
  private final float[] candidateAttention;
  private final float[] candidateMlp;

  private DinModel(WeightFile w) {
    if (!MODEL_KIND.equals(w.propertyOr("model", null))) {
      throw new IllegalArgumentException("not a " + MODEL_KIND + " weight file: model = " + w.propertyOr("model", null));
    }
    // Sizes come from the file: a damaged one is refused here by name, not by an index error while serving.
    numUsers = countProperty(w, "numUsers", 0);
    numItems = countProperty(w, "numItems", 1);
    numFields = countProperty(w, "numFields", 0);
    numAttributeValues = countProperty(w, "numAttributeValues", 0);
    int numCategories = countProperty(w, "numCategories", 0);
    int slots = countProperty(w, "slots", 0);
    dim = countProperty(w, "dim", 1);
    maxHistory = countProperty(w, "maxHistory", 1);
    int d = dim;
    int e = 2 * d;
    userEmbedding = w.tensor("user_embedding", numUsers, d).values();
    attributeEmbedding = w.tensor("attribute_embedding", numAttributeValues, d).values();
    float[] items = w.tensor("item_embedding", numItems + 1, d).values();
    float[] categories = w.tensor("category_embedding", numCategories + 1, d).values();
    float[] itemCategories = w.tensor("item_categories", numItems, slots).values();
    for (int i = 0; i < itemCategories.length; i++) {
      float token = itemCategories[i];
      if (token != (int) token || token < 0 || token > numCategories) {
        throw new IllegalArgumentException("tensor 'item_categories' holds " + token + " at item "
            + i / Math.max(1, slots) + ": a category token is a whole number in [0, " + numCategories + "]");
      }
    }
    itemRepresentation = new float[numItems * e];
    for (int i = 0; i < numItems; i++) {
      System.arraycopy(items, (i + 1) * d, itemRepresentation, i * e, d);
      int n = 0;
      for (int s = 0; s < slots; s++) if (itemCategories[i * slots + s] > 0) n++;
      for (int s = 0; s < slots; s++) {
        int token = (int) itemCategories[i * slots + s];
        if (token <= 0) continue;
        VectorOps.axpy(1f / n, categories, token * d, itemRepresentation, i * e + d, d);
      }
    }
    attention = new Mlp(w, "attention.mlp");
    if (attention.in() != 4 * e || attention.out() != 1) {
      throw new IllegalArgumentException("attention.mlp maps " + attention.in() + " to " + attention.out()
          + " values; the contract is " + 4 * e + " to 1");
    }
    attentionHidden = attention.layer(0).out();
    int a = attentionHidden;
    float[] w0 = w.tensor("attention.mlp.0.weight", 4 * e, a).values();
    attentionBias = w.tensor("attention.mlp.0.bias", a).values();
    attentionHistory = new float[a * e];
    attentionCandidate = new float[a * e];
    attentionProduct = new float[a * e];
    for (int k = 0; k < e; k++) {
      for (int o = 0; o < a; o++) {
        float wh = w0[k * a + o];
        float wc = w0[(e + k) * a + o];
        float wd = w0[(2 * e + k) * a + o];
        float wp = w0[(3 * e + k) * a + o];
        attentionHistory[o * e + k] = wh + wd;
        attentionCandidate[o * e + k] = wc - wd;
        attentionProduct[o * e + k] = wp;
      }
    }
    mlp = new Mlp(w, "mlp");
    int in = mlp.in();
    if (in != (1 + numFields) * d + 2 * e + 1 || mlp.out() != 1) {
      throw new IllegalArgumentException("mlp maps " + in + " to " + mlp.out() + " values; the contract is "
          + ((1 + numFields) * d + 2 * e + 1) + " to 1");
    }
    int h1 = mlp.layer(0).out();
    float[] m0 = w.tensor("mlp.0.weight", in, h1).values();
    firstLayer = new float[h1 * in];
    for (int k = 0; k < in; k++) {
      for (int o = 0; o < h1; o++) firstLayer[o * in + k] = m0[k * h1 + o];
    }
    firstBias = w.tensor("mlp.0.bias", h1).values();
    // The candidate's terms depend on the item only: computed once here, not once per request.
    int candidateOffset = (1 + numFields) * d + e;
    candidateAttention = new float[numItems * a];
    candidateMlp = new float[numItems * h1];
    for (int i = 0; i < numItems; i++) {
      for (int o = 0; o < a; o++) {
        candidateAttention[i * a + o] = VectorOps.dot(attentionCandidate, o * e, itemRepresentation, i * e, e);
      }
      for (int o = 0; o < h1; o++) {
        candidateMlp[i * h1 + o] = VectorOps.dot(firstLayer, o * in + candidateOffset, itemRepresentation, i * e, e);
      }
    }
  }

  private static int countProperty(WeightFile w, String key, int least) {
    int value = SequentialModel.intProperty(w, key, null);
    if (value < least) {
      throw new IllegalArgumentException("weight file property '" + key + "' is " + value + "; it must be at least "
          + least);
    }
    return value;
  }

  /**
   * Reads a {@code din} weight file.
   *
   * @throws IllegalArgumentException if the file is not one, or a tensor is missing or misshapen
   */
  public static DinModel fromWeights(WeightFile w) {
    return new DinModel(w);
  }

  public int numUsers() {
    return numUsers;
  }

  public int numItems() {
    return numItems;
  }

  /** F, the number of user fields a caller passes. */
  public int numFields() {
    return numFields;
  }

  /** d, the embedding width (items are 2d wide). */
  public int dim() {
    return dim;
  }

  /** L, the history window: only the last L history items are read. */
  public int maxHistory() {
    return maxHistory;
  }

  /**
   * The result of scoring candidates.
   *
   * @param probabilities P(positive) of each candidate, in the order given
   * @param attention the attention weights of each candidate over the used history (the last
   *     min(|history|, L) items, oldest first); each row sums to 1, or is empty without history
   */
  public record Scored(float[] probabilities, float[][] attention) {}

  /**
   * P(positive) of one impression.
   *
   * @throws IllegalArgumentException as {@link #score}
   */
  public float probability(int userIndex, int[] userFields, int itemIndex, int[] history) {
    return score(userIndex, userFields, new int[] {itemIndex}, history, false).probabilities()[0];
  }

  /**
   * Scores candidates for one user and history: the re-ranking call of a two-stage pipeline.
   *
   * @param userIndex in [0, numUsers())
   * @param userFields F attribute indices in [0, numAttributeValues)
   * @param candidates item indices in [0, numItems())
   * @param history the user's earlier positive items, oldest first (only the last L are used)
   * @param withAttention whether to return the attention weights (else {@link Scored#attention()} is null)
   * @throws IllegalArgumentException if an index is out of range or the number of fields is not F
   */
  public Scored score(int userIndex, int[] userFields, int[] candidates, int[] history, boolean withAttention) {
    if (userIndex < 0 || userIndex >= numUsers) throw new IllegalArgumentException("user index " + userIndex);
    if (userFields.length != numFields) {
      throw new IllegalArgumentException("expected " + numFields + " user fields, got " + userFields.length);
    }
    for (int f : userFields) {
      if (f < 0 || f >= numAttributeValues) throw new IllegalArgumentException("attribute index " + f);
    }
    int d = dim;
    int e = 2 * d;
    int a = attentionHidden;
    int n = Math.min(history.length, maxHistory);
    int from = history.length - n;
    for (int j = from; j < history.length; j++) checkItem(history[j]);
    for (int c : candidates) checkItem(c);
    int in = mlp.in();
    int h1 = firstBias.length;
    // Once per request: the history items' part of the activation unit, and the user's part of the MLP.
    float[] historyPart = new float[n * a];
    for (int j = 0; j < n; j++) {
      int at = history[from + j] * e;
      for (int o = 0; o < a; o++) {
        historyPart[j * a + o] = VectorOps.dot(attentionHistory, o * e, itemRepresentation, at, e) + attentionBias[o];
      }
    }
    int userWidth = (1 + numFields) * d;
    float[] userVector = new float[userWidth];
    System.arraycopy(userEmbedding, userIndex * d, userVector, 0, d);
    for (int f = 0; f < numFields; f++) System.arraycopy(attributeEmbedding, userFields[f] * d, userVector, (1 + f) * d, d);
    float[] userPart = new float[h1];
    for (int o = 0; o < h1; o++) userPart[o] = VectorOps.dot(firstLayer, o * in, userVector, 0, userWidth) + firstBias[o];
    float lengthFeature = (float) (Math.log1p(n) / Math.log1p(maxHistory));

    float[] probabilities = new float[candidates.length];
    float[][] weights = withAttention ? new float[candidates.length][] : null;
    float[] candidatePart = new float[a];
    float[] product = new float[e];
    float[] pre = new float[Math.max(a, h1)];
    float[] scores = new float[n];
    float[] pooled = new float[e];
    float[] out = new float[1];
    float[] scratch = new float[Math.max(attention.scratchSize(), mlp.scratchSize())];
    for (int k = 0; k < candidates.length; k++) {
      int c = candidates[k] * e;
      java.util.Arrays.fill(pooled, 0f);
      if (n > 0) {
        System.arraycopy(candidateAttention, candidates[k] * a, candidatePart, 0, a);
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          int h = history[from + j] * e;
          for (int x = 0; x < e; x++) product[x] = itemRepresentation[h + x] * itemRepresentation[c + x];
          for (int o = 0; o < a; o++) {
            pre[o] = historyPart[j * a + o] + candidatePart[o] + VectorOps.dot(attentionProduct, o * e, product, 0, e);
          }
          attention.forwardFrom(1, pre, 0, out, 0, scratch);
          scores[j] = out[0];
          max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
          scores[j] = (float) Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (int j = 0; j < n; j++) {
          scores[j] = (float) (scores[j] / sum);
          VectorOps.axpy(scores[j], itemRepresentation, history[from + j] * e, pooled, 0, e);
        }
        if (withAttention) weights[k] = java.util.Arrays.copyOf(scores, n);
      } else if (withAttention) {
        weights[k] = new float[0];
      }
      int itemAt = candidates[k] * h1;
      for (int o = 0; o < h1; o++) {
        pre[o] = userPart[o] + candidateMlp[itemAt + o] + VectorOps.dot(firstLayer, o * in + userWidth, pooled, 0, e)
            + firstLayer[o * in + userWidth + 2 * e] * lengthFeature;
      }
      mlp.forwardFrom(1, pre, 0, out, 0, scratch);
      probabilities[k] = (float) (1 / (1 + Math.exp(-out[0])));
    }
    return new Scored(probabilities, weights);
  }

  private void checkItem(int item) {
    if (item < 0 || item >= numItems) throw new IllegalArgumentException("item index " + item);
  }
}
