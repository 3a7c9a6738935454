package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import dev.attune.data.TrainingSet;
import dev.attune.infer.GruAttentionModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.Trainer;
import dev.attune.train.nn.AdditiveAttention;
import dev.attune.train.nn.CausalSelfAttention;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.Gru;
import dev.attune.train.nn.ParameterStore;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A GRU encoder with attention over its hidden states (NARM), trained with DJL on the PyTorch engine and exported
 * to a {@link WeightFile} that {@link GruAttentionModel} serves in pure Java.
 *
 * <p>Follows Li et al., "Neural Attentive Session-based Recommendation" (CIKM 2017), in the exact form of the
 * contract {@code docs/design/gru-attn.md}. Paper symbols: the item embedding E = {@code item_embedding} [N + 1, d]
 * with d = {@link Params#hidden}; the GRU's hidden size = {@link Params#gruHidden} (H); the global encoder's
 * c_g = h_t; the local encoder's weights α_tj from q(h_t, h_j) = v · σ(A1 h_t + A2 h_j) with A1, A2, v =
 * {@code attention.a1}, {@code .a2}, {@code .v}; c_l = Σ_j α_tj h_j; the bilinear decoder's B [2H, d] =
 * {@code decoder.weight}, score(t, i) = [c_g ; c_l] · B · E[i + 1].
 *
 * <p>Training ({@link SequenceTraining}, shared with the other next-item models): the input window is the last T
 * of a user's positive steps but the newest, and the target at every position the next step. Scoring every
 * prefix of a sequence is what the paper's prefix augmentation does, in one pass. The GRU state is zero over left
 * padding, so the length-bucketed batches of the shared loop compute the same function as full windows.
 *
 * <p>NOTE: departures from the paper, all within the contract. (1) α is a masked softmax over the real steps
 * j &lt;= t (the paper uses the unnormalised q), so the explanation weights sum to 1. (2) One dropout rate acts on
 * the input embeddings and on [c_g ; c_l] before the decoder (the paper: 0.25 and 0.5). (3) An optional event-type
 * embedding is added to the GRU input ({@link SequenceTraining.Options#useTypes}). (4) Item attributes are not
 * supported. Weights are Xavier-normal (embeddings, GRU, A1, A2, B; v from N(0, 2 / (H + 1))), biases zero; the
 * padding row 0 starts and stays zero.
 *
 * <p>Optimiser: {@link Adam} as configured by {@link SequenceTraining} (the paper also uses Adam).
 *
 * @implNote Cost of one epoch, in multiply-adds per position of the (length-bucketed) batches: 3H·(d + H) for the
 *     GRU, 2·H² + T'·H for the attention projections and pairwise scores over a window of T' steps (plus T'·H
 *     sigmoids), 2H·d for the decoder, and per real position the output layer: 2·d (BCE), (negatives + 1)·d
 *     (sampled softmax) or N·d (full softmax); backward costs about twice the forward. The GRU loop runs T'
 *     sequential steps per batch. Memory: {@link SequenceTraining.StateSize} (3 floats per parameter: (N + 1) × d
 *     for the items plus 3H·(d + H) + 2H² + H + 2H·d + 6H fixed) and one batch's activations, dominated by the
 *     attention's B × T'² × H pairwise term.
 */
public final class GruAttention implements Trainer<GruAttentionModel>, WeightTrainer {

  /**
   * Hyper-parameters.
   *
   * @param hidden d, the item embedding width (and of the decoder output), &gt; 0
   * @param gruHidden H, the width of the GRU state, &gt; 0
   * @param training the options of the shared training loop, non-null
   */
  public record Params(int hidden, int gruHidden, SequenceTraining.Options training) {

    /**
     * d 64, H 100, T 50, dropout 0.25, α 1e-3, batch 128, at most 100 epochs, full softmax, 100 negatives (sampled
     * softmax only), no types, seed 42, one thread per processor, patience 5, validation every 5 epochs.
     *
     * <p>Why: H 100, dropout 0.25, Adam with α 1e-3 and the full softmax over the catalogue are the paper's
     * settings (it embeds items in 50 dimensions; d 64 matches SASRec's default so the two models have item
     * tables of the same size). T 50 and batch 128 are SASRec's defaults, so the shared loop sees the same
     * batches. 100 epochs is a ceiling for early stopping, which ends training once validation NDCG@10 has not
     * improved for 5 checks.
     */
    public static final Params DEFAULTS = new Params(64, 100, new SequenceTraining.Options(50, 0.25f, 1e-3f, 128,
        100, SequenceTraining.Loss.FULL_CE, 100, false, 42L, Runtime.getRuntime().availableProcessors(), 5, 5));

    public Params {
      if (hidden <= 0) throw new IllegalArgumentException("hidden must be > 0: " + hidden);
      if (gruHidden <= 0) throw new IllegalArgumentException("gruHidden must be > 0: " + gruHidden);
      if (training == null) throw new IllegalArgumentException("training options must not be null");
    }

    /** A copy with other widths. */
    public Params withWidths(int newHidden, int newGruHidden) {
      return new Params(newHidden, newGruHidden, training);
    }

    /** A copy with other training options. */
    public Params withTraining(SequenceTraining.Options newTraining) {
      return new Params(hidden, gruHidden, newTraining);
    }

    /** A copy with another number of epochs. */
    public Params withEpochs(int epochs) {
      return withTraining(training.withEpochs(epochs));
    }

    /** A copy with another seed. */
    public Params withSeed(long seed) {
      return withTraining(training.withSeed(seed));
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public GruAttention(Params params) {
    if (params == null) throw new IllegalArgumentException("params must not be null");
    this.params = params;
  }

  /** The hyper-parameters. */
  public Params params() {
    return params;
  }

  @Override
  public String name() {
    return "GruAttention";
  }

  /** Trains without validation or checkpoints and returns the pure-Java model of the exported weights. */
  @Override
  public GruAttentionModel fit(TrainingSet train, FitListener listener) {
    return fit(train, SequenceTraining.Run.NONE, listener);
  }

  /**
   * Trains and returns the pure-Java model of the exported (best, when validating) weights.
   *
   * @throws IllegalArgumentException as {@link #train}
   * @throws UncheckedIOException if a checkpoint cannot be written or read
   */
  public GruAttentionModel fit(TrainingSet train, SequenceTraining.Run run, FitListener listener) {
    return GruAttentionModel.fromWeights(train(train, run, listener), train);
  }

  /**
   * Trains and exports the weights: the last epoch's, or the best validated ones when {@code run} has a
   * validation stage; progress as {@link SequenceTraining#train}.
   *
   * @throws IllegalArgumentException if a checkpoint was written with other settings
   * @throws UncheckedIOException if a checkpoint cannot be written or read
   */
  @Override
  public WeightFile train(TrainingSet train, SequenceTraining.Run run, FitListener listener) {
    SequenceTraining.Options o = params.training();
    int numTypes = o.useTypes() ? Math.max(1, train.dataset().typeNames().size()) : 0;
    Network.Config config = new Network.Config(train.numItems(), params.hidden(), params.gruHidden(), o.maxLength(),
        numTypes);
    return SequenceTraining.train(train, o, preset -> new Network(config, DataType.FLOAT32, o.seed(), preset),
        weights -> GruAttentionModel.fromWeights(weights, train), run, listener);
  }

  @Override
  public SequenceTraining.Options options() {
    return params.training();
  }

  /**
   * The GRU-attention network of the contract on DJL: parameters named as in the weight file, a training forward
   * pass (with dropout) and an inference one ({@link #scores}), and export ({@link #toWeights}).
   *
   * <p>Owns a base {@link NDManager}; every call works in a sub-manager it closes, so memory stays bounded. Not
   * thread-safe.
   */
  public static final class Network implements SequenceNetwork {
    /**
     * The shape of a network; {@link #properties()} are the weight file's properties.
     *
     * @param numItems N
     * @param hidden d
     * @param gruHidden H
     * @param maxLength T
     * @param numTypes type vocabulary, 0 when types are not used
     */
    public record Config(int numItems, int hidden, int gruHidden, int maxLength, int numTypes) {
      public Config {
        if (numItems <= 0 || hidden <= 0 || gruHidden <= 0 || maxLength <= 0 || numTypes < 0) {
          throw new IllegalArgumentException("sizes must be > 0 (numTypes >= 0): " + numItems + ", " + hidden + ", "
              + gruHidden + ", " + maxLength + ", " + numTypes);
        }
      }

      /** The weight-file properties of this shape. */
      public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("model", GruAttentionModel.MODEL_KIND);
        p.put("numItems", Integer.toString(numItems));
        p.put("hidden", Integer.toString(hidden));
        p.put("gruHidden", Integer.toString(gruHidden));
        p.put("maxLength", Integer.toString(maxLength));
        p.put("usesTypes", Boolean.toString(numTypes > 0));
        p.put("usesAttributes", "false");
        if (numTypes > 0) p.put("numTypes", Integer.toString(numTypes));
        return p;
      }
    }

    private final Config config;
    private final NDManager manager;
    private final ParameterStore store;
    private final Embedding item;
    private final Embedding type;
    private final Gru gru;
    private final AdditiveAttention attention;
    private final NDArray decoder;

    /**
     * Builds a network, initialised from {@code seed} or taken from {@code preset}.
     *
     * @param dataType float32 for training, float64 for checks
     * @param preset parameter values by name (null = initialise)
     */
    public Network(Config config, DataType dataType, long seed, Function<String, float[]> preset) {
      this.config = config;
      this.manager = NDManager.newBaseManager("PyTorch");
      this.store = new ParameterStore(manager, dataType, seed);
      store.preset(preset);
      int d = config.hidden();
      int h = config.gruHidden();
      this.item = new Embedding(store, "item_embedding", config.numItems() + 1, d, true);
      this.type = config.numTypes() > 0 ? new Embedding(store, "type_embedding", config.numTypes(), d, false) : null;
      this.gru = new Gru(store, "gru", d, h);
      this.attention = new AdditiveAttention(store, "attention", h);
      this.decoder = store.xavier("decoder.weight", 2L * h, d);
    }

    /**
     * Rebuilds the network a weight file describes (float32).
     *
     * @throws IllegalArgumentException if a property or tensor is missing or misshapen, or the file is not a
     *     {@code gru-attn} one
     */
    public static Network fromWeights(WeightFile w) {
      if (!GruAttentionModel.MODEL_KIND.equals(w.propertyOr("model", null))) {
        throw new IllegalArgumentException("not a " + GruAttentionModel.MODEL_KIND + " weight file: model = "
            + w.propertyOr("model", null));
      }
      boolean types = Boolean.parseBoolean(w.propertyOr("usesTypes", "false"));
      Config c = new Config(Integer.parseInt(w.property("numItems")), Integer.parseInt(w.property("hidden")),
          Integer.parseInt(w.property("gruHidden")), Integer.parseInt(w.property("maxLength")),
          types ? Integer.parseInt(w.property("numTypes")) : 0);
      return new Network(c, DataType.FLOAT32, 0L, name -> w.tensor(name).values());
    }

    /** The shape of this network. */
    public Config config() {
      return config;
    }

    @Override
    public NDManager manager() {
      return manager;
    }

    @Override
    public ParameterStore parameters() {
      return store;
    }

    @Override
    public Map<String, String> properties() {
      return config.properties();
    }

    /** The item embedding E [N + 1, d]: inputs and outputs share it; row 0 is padding. */
    @Override
    public NDArray itemTable() {
      return item.weight();
    }

    /** The decoder output s_t at every position [B, T, d], zero at padding. */
    @Override
    public NDArray encode(NDManager scope, NDArray table, SequenceBatch batch, boolean training, float dropout) {
      return forward(scope, table, batch, true, training, dropout);
    }

    /**
     * The forward pass of the contract; {@code withTypes} false leaves the type term out, as the pure-Java
     * model does when a caller gives no types.
     */
    private NDArray forward(NDManager scope, NDArray table, SequenceBatch batch, boolean withTypes, boolean training,
        float dropout) {
      int b = batch.size;
      int t = batch.length;
      DataType dt = store.dataType();
      NDArray x = Embedding.lookup(table, scope.create(batch.tokens, new Shape(b, t)));
      if (type != null && withTypes) x = x.add(type.forward(scope.create(batch.types, new Shape(b, t))));
      x = dropout(x, dropout, training);
      // the GRU's graph keeps the row mask for its backward pass: in engine memory, as SasRec's (see there)
      NDArray rows = ParameterStore.engineOwned(scope.create(batch.mask, new Shape(b, t, 1)).toType(dt, false));
      NDArray h = gru.forward(x, rows);
      NDArray context = attention.forward(h, CausalSelfAttention.mask(scope, dt, batch.mask, b, t)).context();
      NDArray c = dropout(h.concat(context, 2), dropout, training);
      // Padding positions attend over nothing (an all-masked row); zeroing them keeps that garbage out.
      return c.matMul(decoder).mul(rows);
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
      return training && rate > 0 ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }

    /**
     * Scores every item for a history in inference mode (no dropout): score(i) = s · E[i + 1] with s the decoder
     * output at the newest step, the DJL twin of {@link GruAttentionModel#scoreAll}.
     *
     * @param history item indices, oldest first (the last T are used)
     * @param types event type per step, or null (then no type term, as in {@link GruAttentionModel})
     * @return scores of items 0 .. N − 1
     */
    public float[] scores(int[] history, int[] types) {
      try (NDManager scope = manager.newSubManager()) {
        store.attachTo(scope);
        SequenceBatch batch = new SequenceBatch(1, config.maxLength());
        batch.fill(0, history, types, history.length);
        NDArray table = itemTable();
        NDArray s = forward(scope, table, batch, types != null, false, 0f).get(0, config.maxLength() - 1);
        return table.get("1:").matMul(s).toType(DataType.FLOAT32, false).toFloatArray();
      }
    }

    /** Writes the parameters and the properties of the contract into a new weight file. */
    @Override
    public WeightFile toWeights() {
      WeightFile w = new WeightFile();
      config.properties().forEach(w::property);
      for (String name : store.names()) w.put(name, store.shape(name), store.values(name));
      return w;
    }

    @Override
    public void close() {
      manager.close();
    }
  }
}
