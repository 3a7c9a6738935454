package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.data.Sequences;
import dev.attune.data.TrainingSet;
import dev.attune.infer.nn.FeedForward;
import dev.attune.infer.nn.LayerNorm;
import dev.attune.infer.nn.Linear;
import dev.attune.infer.nn.MultiHeadAttention;
import dev.attune.kernel.VectorOps;
import dev.attune.model.Query;
import java.util.List;

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
 *       the precomputed matrix {@code itemRepresentations} [N, d] of {@link SequentialModel};
 *   <li>each block is pre-LayerNorm: {@link LayerNorm}, {@link MultiHeadAttention} (causal, −1e9 key mask),
 *       residual, {@link LayerNorm}, {@link FeedForward} (relu), residual;
 *   <li>u = LN(x_{T−1}; final_norm) is {@link #userRepresentation}, and score(i) = u · r_i.
 * </ul>
 * History handling, scoring, similar items and explanations are those of {@link SequentialModel}; the
 * explanation weights are the last block's attention at the newest query position, averaged over heads.
 *
 * <p>NOTE: padding rows never influence real rows (they are masked as keys, and zeroed after every
 * sub-layer), so the pass runs on the n = min(|history|, T) real steps only, at their absolute window
 * positions T − n … T − 1. In the last block only the newest query position is computed. Both are exact
 * shortcuts, not approximations. An empty history therefore gives u = final_norm.beta.
 *
 * <p>NOTE: when {@code usesTypes} is set but a caller gives no event types (a {@link Query} carries none),
 * the type embedding term is left out (as if it were zero).
 *
 * <p>Immutable and thread-safe. Each thread gets its own working buffers (a {@link ThreadLocal}
 * workspace of about (4 T + 3) × d floats), so concurrent requests do not share state; a model
 * instance should be long-lived, as each serving thread keeps its workspace while the model lives.
 *
 * <p>{@link Bert4RecModel} is this network with bidirectional attention and a [MASK] input after the history
 * ({@code docs/design/bert4rec.md}); the few places where the two differ test {@code bidirectional}.
 *
 * @implNote one user representation costs about L × (6 n d² + 2 n² d + 2 n d · ffnHidden) multiply-adds
 *     (the last block only d² × (2n + 2) for its one query row); scoring adds one gemv of N × d. Loading
 *     precomputes r in O(N × d + attribute nnz × d).
 * @apiNote Experimental.
 */
public sealed class SasRecModel extends SequentialModel permits Bert4RecModel {
  /** Value of the {@code model} property this class reads. */
  public static final String MODEL_KIND = "sasrec";

  private final int blocks;
  private final int heads;
  private final float embeddingScale;
  private final float[] positionEmbedding;
  /** Whether attention sees both directions and u is read at a [MASK] step after the history (BERT4Rec). */
  final boolean bidirectional;
  /** {@code mask_embedding} [d] of BERT4Rec, or null. */
  private final float[] maskEmbedding;

  private final LayerNorm[] attentionNorm;
  private final MultiHeadAttention[] attention;
  private final LayerNorm[] ffnNorm;
  private final FeedForward[] ffn;
  private final LayerNorm finalNorm;

  /** Working memory, one per thread. */
  private final ThreadLocal<Workspace> workspace;

  /** Per-thread buffers of one forward pass. Not thread-safe: one instance per thread. */
  private static final class Workspace {
    final float[] x;
    final float[] h;
    final float[] o;
    final float[] f;
    final float[] hidden;
    final MultiHeadAttention.Scratch attention;

    Workspace(int maxLength, int dim, int ffnHidden, MultiHeadAttention layer) {
      x = new float[maxLength * dim];
      h = new float[maxLength * dim];
      o = new float[maxLength * dim];
      f = new float[dim];
      hidden = new float[ffnHidden];
      attention = layer.newScratch(maxLength);
    }
  }

  private SasRecModel(WeightFile w, Interactions train, Sequences sequences, List<String> sequenceTypes) {
    this(w, MODEL_KIND, false, train, sequences, sequenceTypes);
  }

  /** Reads the network; {@code bidirectional} for the BERT4Rec contract (kind {@code bert4rec}). */
  SasRecModel(WeightFile w, String kind, boolean bidirectional, Interactions train, Sequences sequences,
      List<String> sequenceTypes) {
    super(w, kind, true, train, sequences, sequenceTypes);
    this.bidirectional = bidirectional;
    this.blocks = intProperty(w, "blocks", "2");
    this.heads = intProperty(w, "heads", "2");
    int ffnHidden = intProperty(w, "ffnHidden", Integer.toString(dim));
    float eps = floatProperty(w, "layerNormEps", "1e-6");
    this.embeddingScale = floatProperty(w, "embeddingScale", Double.toString(Math.sqrt(dim)));
    if (blocks <= 0 || heads <= 0 || ffnHidden <= 0) {
      throw new IllegalArgumentException("blocks, heads and ffnHidden must be > 0: " + blocks + ", " + heads + ", "
          + ffnHidden);
    }
    if (dim % heads != 0) {
      throw new IllegalArgumentException("heads = " + heads + " must divide hidden = " + dim);
    }
    if (!(eps >= 0) || !Float.isFinite(embeddingScale)) {
      throw new IllegalArgumentException("layerNormEps must be >= 0 and embeddingScale finite: " + eps + ", "
          + embeddingScale);
    }
    this.positionEmbedding = w.tensor("position_embedding", maxLength, dim).values().clone();
    if (bidirectional && maxLength < 2) {
      throw new IllegalArgumentException("maxLength must be >= 2 (a step and [MASK]): " + maxLength);
    }
    this.maskEmbedding = bidirectional ? w.tensor("mask_embedding", 1, dim).values().clone() : null;

    this.attentionNorm = new LayerNorm[blocks];
    this.attention = new MultiHeadAttention[blocks];
    this.ffnNorm = new LayerNorm[blocks];
    this.ffn = new FeedForward[blocks];
    for (int l = 0; l < blocks; l++) {
      String b = "block" + l + ".";
      attentionNorm[l] = layerNorm(w, b + "attention_norm", eps);
      attention[l] = new MultiHeadAttention(heads, linear(w, b + "attention.query", dim, dim),
          linear(w, b + "attention.key", dim, dim), linear(w, b + "attention.value", dim, dim),
          linear(w, b + "attention.output", dim, dim), !bidirectional);
      ffnNorm[l] = layerNorm(w, b + "ffn_norm", eps);
      ffn[l] = new FeedForward(
          new Linear(dim, ffnHidden, w.tensor(b + "ffn.w1", dim, ffnHidden).values(), w.tensor(b + "ffn.b1", ffnHidden).values()),
          new Linear(ffnHidden, dim, w.tensor(b + "ffn.w2", ffnHidden, dim).values(), w.tensor(b + "ffn.b2", dim).values()));
    }
    this.finalNorm = layerNorm(w, "final_norm", eps);
    MultiHeadAttention first = attention[0];
    int t = maxLength;
    int d = dim;
    this.workspace = ThreadLocal.withInitial(() -> new Workspace(t, d, ffnHidden, first));
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
    return new SasRecModel(weights, train, null, null);
  }

  /**
   * A model whose known users' histories are their time-ordered positive training steps with event types
   * ({@link Sequences#positiveItemsOf(int)}).
   *
   * @throws IllegalArgumentException as {@link #fromWeights(WeightFile, Interactions)}
   */
  public static SasRecModel fromWeights(WeightFile weights, TrainingSet trainingSet) {
    return new SasRecModel(weights, trainingSet.interactions(), trainingSet.sequences(),
        trainingSet.dataset().typeNames().ids());
  }

  private LayerNorm layerNorm(WeightFile w, String name, float eps) {
    return new LayerNorm(w.tensor(name + ".gamma", dim).values(), w.tensor(name + ".beta", dim).values(), eps);
  }

  private static Linear linear(WeightFile w, String name, int in, int out) {
    return new Linear(in, out, w.tensor(name + ".weight", in, out).values(), w.tensor(name + ".bias", out).values());
  }

  // ---------------------------------------------------------------- hyper-parameters

  @Override
  public String name() {
    return "SasRec";
  }

  /** Number of transformer blocks L. */
  public int blocks() {
    return blocks;
  }

  /** Number of attention heads H. */
  public int heads() {
    return heads;
  }

  // ---------------------------------------------------------------- forward pass

  /**
   * Runs the network and writes u. When explaining, returns block l's attention probabilities at the newest
   * query position as [L][H][n], last block first (from the {@link MultiHeadAttention#forward} layout:
   * [H][n][n] for every block but the last, [H][1][n] for the last).
   */
  @Override
  float[][][] encode(int[] history, int[] types, float[] u, boolean explain) {
    int steps = Math.min(history.length, historyWindow());
    int n = bidirectional ? steps + 1 : steps; // rows of the pass: the steps, then [MASK] when bidirectional
    float[][] probs = null;
    if (explain) {
      probs = new float[blocks][];
      for (int l = 0; l < blocks; l++) {
        int rows = l == blocks - 1 ? 1 : n;
        probs[l] = new float[heads * rows * n];
      }
    }
    forward(history, types, u, n == 0 ? null : probs);
    if (!explain) return null;
    float[][][] out = new float[blocks][heads][steps];
    for (int b = 0; b < blocks; b++) {
      int l = blocks - 1 - b;
      int rows = l == blocks - 1 ? 1 : n;
      for (int j = 0; j < heads; j++) {
        System.arraycopy(probs[l], (j * rows + rows - 1) * n, out[b][j], 0, steps);
        if (bidirectional) renormalise(out[b][j]);
      }
    }
    return out;
  }

  /** Scales {@code w} to sum to 1 (the weight [MASK] gave itself is left out); all zero stays zero. */
  private static void renormalise(float[] w) {
    double sum = 0;
    for (float v : w) sum += v;
    if (sum <= 0) return;
    for (int k = 0; k < w.length; k++) w[k] = (float) (w[k] / sum);
  }

  @Override
  public int historyWindow() {
    return bidirectional ? maxLength - 1 : maxLength;
  }

  @Override
  String attentionSource() {
    return bidirectional
        ? "the last block's attention at the [MASK] step after the history, averaged over " + heads
            + " heads (its weight on itself left out, the rest renormalised)"
        : "the last block's attention at the newest step, averaged over " + heads + " heads";
  }

  /**
   * Runs the network and writes u. When {@code probs} is non-null, {@code probs[l]} receives block l's
   * attention probabilities in the {@link MultiHeadAttention#forward} layout: [H][n][n] for every block but
   * the last, [H][1][n] for the last (n = real steps in the window, [MASK] included when bidirectional).
   */
  private void forward(int[] history, int[] types, float[] u, float[][] probs) {
    int steps = Math.min(history.length, historyWindow());
    int n = bidirectional ? steps + 1 : steps;
    if (n == 0) {
      finalNorm.forward(new float[dim], 0, u, 0);
      return;
    }
    Workspace w = workspace.get();
    float[] x = w.x;
    int start = history.length - steps;
    int firstPosition = maxLength - n;
    boolean addTypes = usesTypes && types != null;
    if (bidirectional) {
      int o = steps * dim;
      int po = (maxLength - 1) * dim;
      for (int c = 0; c < dim; c++) {
        x[o + c] = maskEmbedding[c] * embeddingScale + positionEmbedding[po + c];
      }
    }
    for (int j = 0; j < steps; j++) {
      int o = j * dim;
      int ro = history[start + j] * dim;
      int po = (firstPosition + j) * dim;
      for (int c = 0; c < dim; c++) {
        x[o + c] = itemRepresentations[ro + c] * embeddingScale + positionEmbedding[po + c];
      }
      if (addTypes) {
        if (types[start + j] != NO_TYPE) VectorOps.axpy(1f, typeEmbedding, types[start + j] * dim, x, o, dim);
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
}
