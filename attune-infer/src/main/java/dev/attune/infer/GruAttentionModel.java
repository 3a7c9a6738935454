package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.data.Sequences;
import dev.attune.data.TrainingSet;
import dev.attune.infer.nn.AdditiveAttention;
import dev.attune.infer.nn.Gru;
import dev.attune.infer.nn.Linear;
import dev.attune.kernel.VectorOps;
import dev.attune.model.Query;
import java.util.Arrays;
import java.util.List;

/**
 * A GRU encoder with attention over its hidden states (NARM-style) served in pure Java from the weights that
 * {@code attune-train} exports.
 *
 * <p>Follows Li et al., "Neural Attentive Session-based Recommendation" (CIKM 2017), in the exact form of the
 * contract {@code docs/design/gru-attn.md}; a parity test holds this class and the DJL trainer to 1e-4. Paper
 * symbols and where they live:
 * <ul>
 *   <li>N = {@link #numItems()}, d = {@link #hidden()} (item embedding width), H = {@link #gruHidden()} (the
 *       paper's hidden size), T = {@link #maxLength()};
 *   <li>the global encoder's h_t is the {@link Gru} state; c_g = h_t;
 *   <li>the local encoder's α_tj = softmax_j(v · σ(A1 h_t + A2 h_j)) is {@link AdditiveAttention}, and
 *       c_l = Σ_j α_tj h_j;
 *   <li>the bilinear decoder's B [2H, d] is {@code decoder.weight}: u = [c_g ; c_l] · B is
 *       {@link #userRepresentation}, and score(i) = u · E[i + 1] with E the (shared) item embedding.
 * </ul>
 * History handling, scoring, similar items (cosine of item embeddings) and explanations are those of
 * {@link SequentialModel}; the explanation weights are α at the newest position, one "head", one layer.
 *
 * <p>NOTE: departures from the paper, all fixed by the contract: α is normalised with a softmax (the paper uses
 * the raw e_tj), so explanation weights sum to 1; histories are windows of the last T steps; an optional event
 * type embedding is added to the GRU input.
 *
 * <p>NOTE: the hidden state is zero over the left padding of a window, so the pass runs on the
 * n = min(|history|, T) real steps only, starting from h = 0; this is exact, not an approximation. An empty
 * history gives u = 0, so every item scores 0.
 *
 * <p>NOTE: item attributes are not supported (the trainer does not learn them); a weight file with
 * {@code usesAttributes = true} is rejected, and {@link #itemRepresentationFromAttributes} always throws. An
 * item unseen in training cannot be scored. When {@code usesTypes} is set but a caller gives no event types (a
 * {@link Query} carries none), the type term is left out (as if it were zero).
 *
 * <p>Immutable and thread-safe. Each thread gets its own working buffers (a {@link ThreadLocal} workspace of
 * about T × (d + H + 1) + 10 H floats); a model instance should be long-lived.
 *
 * @implNote one user representation costs n × 3H × (d + H) multiply-adds for the GRU, (n + 1) × H² for the
 *     attention at the newest step and 2H × d for the decoder, plus about 4 n H exp/tanh evaluations; scoring
 *     adds one gemv of N × d.
 * @apiNote Experimental.
 */
public final class GruAttentionModel extends SequentialModel {
  /** Value of the {@code model} property this class reads. */
  public static final String MODEL_KIND = "gru-attn";

  private final int gruHidden;
  private final Gru gru;
  private final AdditiveAttention attention;
  private final Linear decoder;
  private final ThreadLocal<Workspace> workspace;

  /** Per-thread buffers of one forward pass. Not thread-safe: one instance per thread. */
  private static final class Workspace {
    final float[] x;
    final float[] states;
    final float[] context;
    final float[] weights;
    final Gru.Scratch gru;
    final AdditiveAttention.Scratch attention;

    Workspace(int maxLength, int dim, Gru gru, AdditiveAttention attention) {
      x = new float[maxLength * dim];
      states = new float[maxLength * gru.hidden()];
      context = new float[2 * gru.hidden()];
      weights = new float[maxLength];
      this.gru = gru.newScratch();
      this.attention = attention.newScratch();
    }
  }

  private GruAttentionModel(WeightFile w, Interactions train, Sequences sequences, List<String> sequenceTypes) {
    super(w, MODEL_KIND, false, train, sequences, sequenceTypes);
    this.gruHidden = intProperty(w, "gruHidden", "100");
    if (gruHidden <= 0) {
      throw new IllegalArgumentException("gruHidden must be > 0: " + gruHidden);
    }
    int d = dim;
    int h = gruHidden;
    this.gru = new Gru(
        new Linear(d, 3 * h, w.tensor("gru.input_weight", d, 3 * h).values(), w.tensor("gru.input_bias", 3 * h).values()),
        new Linear(h, 3 * h, w.tensor("gru.recurrent_weight", h, 3 * h).values(),
            w.tensor("gru.recurrent_bias", 3 * h).values()));
    this.attention = new AdditiveAttention(new Linear(h, h, w.tensor("attention.a1", h, h).values(), null),
        new Linear(h, h, w.tensor("attention.a2", h, h).values(), null), w.tensor("attention.v", h).values());
    this.decoder = new Linear(2 * h, d, w.tensor("decoder.weight", 2 * h, d).values(), null);
    int t = maxLength;
    this.workspace = ThreadLocal.withInitial(() -> new Workspace(t, d, gru, attention));
  }

  /**
   * A model for serving: known users' histories come from {@code train}'s positive rows in item-index order
   * (not time order), so pass histories in the {@link Query} for sequential results.
   *
   * @param weights a weight file written by the GRU-attention trainer ({@code model = gru-attn})
   * @param train the training matrix (gives numUsers, the seen items to exclude and fallback histories)
   * @throws IllegalArgumentException if a property is missing or malformed, or any tensor is missing or
   *     shaped differently from the contract (the message names it)
   */
  public static GruAttentionModel fromWeights(WeightFile weights, Interactions train) {
    return new GruAttentionModel(weights, train, null, null);
  }

  /**
   * A model whose known users' histories are their time-ordered positive training steps with event types.
   *
   * @throws IllegalArgumentException as {@link #fromWeights(WeightFile, Interactions)}
   */
  public static GruAttentionModel fromWeights(WeightFile weights, TrainingSet trainingSet) {
    return new GruAttentionModel(weights, trainingSet.interactions(), trainingSet.sequences(),
        trainingSet.dataset().typeNames().ids());
  }

  @Override
  public String name() {
    return "GruAttention";
  }

  /** Width H of the GRU state. */
  public int gruHidden() {
    return gruHidden;
  }

  /** Returns the attention α at the newest step as [1][1][n] when explaining. */
  @Override
  float[][][] encode(int[] history, int[] types, float[] u, boolean explain) {
    int n = Math.min(history.length, maxLength);
    if (n == 0) {
      Arrays.fill(u, 0f);
      return explain ? new float[1][1][0] : null;
    }
    Workspace w = workspace.get();
    float[] x = w.x;
    int start = history.length - n;
    boolean addTypes = usesTypes && types != null;
    for (int j = 0; j < n; j++) {
      // Without attributes, r_i is exactly item_embedding[i + 1], the GRU's input.
      System.arraycopy(itemRepresentations, history[start + j] * dim, x, j * dim, dim);
      if (addTypes) {
        if (types[start + j] != NO_TYPE) VectorOps.axpy(1f, typeEmbedding, types[start + j] * dim, x, j * dim, dim);
      }
    }
    gru.forward(x, n, w.states, w.gru);
    int last = n - 1;
    System.arraycopy(w.states, last * gruHidden, w.context, 0, gruHidden);
    attention.forward(w.states, last, w.weights, w.context, gruHidden, w.attention);
    decoder.forward(w.context, 0, u, 0);
    return explain ? new float[][][] {{Arrays.copyOf(w.weights, n)}} : null;
  }

  @Override
  String attentionSource() {
    return "the attention over the GRU states at the newest step";
  }
}
