package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import dev.attune.data.ItemFeatures;
import dev.attune.data.TrainingSet;
import dev.attune.infer.Bert4RecModel;
import dev.attune.infer.SasRecModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.Trainer;
import dev.attune.train.nn.AttributeMean;
import dev.attune.train.nn.CausalSelfAttention;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.FeedForward;
import dev.attune.train.nn.LayerNorm;
import dev.attune.train.nn.ParameterStore;
import dev.attune.train.nn.Scalars;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Self-attentive sequential recommendation (SASRec), trained with DJL on the PyTorch engine and exported to a
 * {@link WeightFile} that {@link SasRecModel} serves in pure Java.
 *
 * <p>Follows Kang and McAuley, "Self-Attentive Sequential Recommendation" (ICDM 2018), in the exact form of the
 * contract {@code docs/design/sasrec.md} (pre-LayerNorm blocks, shared input/output item embedding). Paper
 * symbols: d = {@link Params#hidden}, b (blocks) = {@link Params#blocks}, n (sequence length) =
 * {@link SequenceTraining.Options#maxLength}, M (item embedding) = {@code item_embedding}, P (positions) =
 * {@code position_embedding}, F_t (the output at step t) = LN(x_t; final_norm), r_{i,t} = F_t · M_i.
 *
 * <p>Training ({@link SequenceTraining}, shared with the other next-item models): the input window is the last T
 * of a user's positive steps but the newest, the target at every position the next step, as in the paper; the
 * loss is the paper's binary cross-entropy with one sampled negative, a sampled softmax or the full softmax over
 * the catalogue. Positions are counted back from the newest step, so a batch cut to its longest window computes
 * the same function as a full-length one.
 *
 * <p>NOTE: departures from the paper, all within the contract. Q, K and V are all computed from the
 * normalised input (the reference implementation takes K and V from the unnormalised x). Only the last T + 1
 * steps of a long sequence are used, as in the paper, unless {@link SequenceTraining.Options#allWindows} asks for
 * every step (which closes most of the gap to the published numbers on LastFM, docs/benchmarks.md). Dropout acts on the embedding sum, the attention
 * probabilities and the feed-forward output. Weights are Xavier-normal (items, positions, types, attributes
 * and all linear maps), biases and betas zero, gammas one; padding row 0 starts and stays zero.
 *
 * <p>Optimiser: {@link Adam} with β = (0.9, 0.98), ε = 1e-8, as in the paper.
 *
 * @implNote Cost of one epoch, in multiply-adds per position of the (length-bucketed) batches: per block 4·d²
 *     (Q, K, V, O) + 2·d·ffnHidden (feed-forward) + 2·T'·d (attention over a window of T' steps), and per real
 *     position the output layer: 2·d (BCE), (negatives + 1)·d (sampled softmax) or N·d (full softmax); backward
 *     costs about twice the forward. Memory: {@link SequenceTraining.StateSize}, 3 floats per parameter, i.e.
 *     (N + 1) × d × 3 floats for the items plus the fixed blocks, and one batch's activations.
 */
public final class SasRec implements Trainer<SasRecModel>, WeightTrainer {

  /**
   * Hyper-parameters.
   *
   * @param hidden d, the width of every representation, &gt; 0 and a multiple of {@code heads}
   * @param blocks number of transformer blocks, &gt; 0
   * @param heads attention heads, &gt; 0
   * @param useAttributes whether item representations include the mean of their attribute embeddings (the
   *     attributes are the training set's {@link ItemFeatures})
   * @param training the options of the shared training loop (window T = {@code maxLength}), non-null
   */
  public record Params(int hidden, int blocks, int heads, boolean useAttributes, SequenceTraining.Options training) {

    /**
     * The paper's settings for sparse data: d 64, 2 blocks, 2 heads, T 50, dropout 0.2, α 1e-3, batch 128, 200
     * epochs, BCE, 100 negatives (sampled softmax only), no types or attributes, seed 42, one thread per
     * processor, patience 5, validation every 5 epochs.
     */
    public static final Params DEFAULTS = new Params(64, 2, 2, false, new SequenceTraining.Options(50, 0.2f, 1e-3f,
        128, 200, SequenceTraining.Loss.BCE, 100, false, 42L, Runtime.getRuntime().availableProcessors(), 5, 5));

    public Params {
      if (hidden <= 0 || heads <= 0 || hidden % heads != 0) {
        throw new IllegalArgumentException("hidden must be > 0 and a multiple of heads: " + hidden + ", " + heads);
      }
      if (blocks <= 0) throw new IllegalArgumentException("blocks must be > 0: " + blocks);
      if (training == null) throw new IllegalArgumentException("training options must not be null");
    }

    /** A copy with another width. */
    public Params withHidden(int newHidden) {
      return new Params(newHidden, blocks, heads, useAttributes, training);
    }

    /** A copy with another number of blocks. */
    public Params withBlocks(int newBlocks) {
      return new Params(hidden, newBlocks, heads, useAttributes, training);
    }

    /** A copy with other training options. */
    public Params withTraining(SequenceTraining.Options newTraining) {
      return new Params(hidden, blocks, heads, useAttributes, newTraining);
    }

    /** A copy with another number of epochs. */
    public Params withEpochs(int newEpochs) {
      return withTraining(training.withEpochs(newEpochs));
    }

    /** A copy with another loss and number of negatives. */
    public Params withLoss(SequenceTraining.Loss newLoss, int newNegatives) {
      return withTraining(training.withLoss(newLoss, newNegatives));
    }

    /** A copy with event types and item attributes switched on or off. */
    public Params withSideInformation(boolean types, boolean attributes) {
      return new Params(hidden, blocks, heads, attributes, training.withTypes(types));
    }

    /** A copy with another seed. */
    public Params withSeed(long newSeed) {
      return withTraining(training.withSeed(newSeed));
    }

    /** A copy with another number of engine threads. */
    public Params withThreads(int newThreads) {
      return withTraining(training.withThreads(newThreads));
    }

    /** A copy with other early-stopping settings. */
    public Params withValidation(int newPatience, int newValidateEvery) {
      return withTraining(training.withValidation(newPatience, newValidateEvery));
    }
  }

  private static final float LAYER_NORM_EPS = 1e-6f;

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public SasRec(Params params) {
    if (params == null) throw new IllegalArgumentException("params must not be null");
    this.params = params;
  }

  @Override
  public Params params() {
    return params;
  }

  @Override
  public String name() {
    return "SasRec";
  }

  /** Trains without validation or checkpoints and returns the pure-Java model of the exported weights. */
  @Override
  public SasRecModel fit(TrainingSet train, FitListener listener) {
    return fit(train, SequenceTraining.Run.NONE, listener);
  }

  /**
   * Trains and returns the pure-Java model of the exported (best, when validating) weights.
   *
   * @throws IllegalArgumentException as {@link #train}
   * @throws UncheckedIOException if a checkpoint cannot be written or read
   */
  public SasRecModel fit(TrainingSet train, SequenceTraining.Run run, FitListener listener) {
    return SasRecModel.fromWeights(train(train, run, listener), train);
  }

  /**
   * Trains and exports the weights: the last epoch's, or the best validated ones when {@code run} has a
   * validation stage; progress as {@link SequenceTraining#train}.
   *
   * @throws IllegalArgumentException if attributes are asked for and the training set has none, or a checkpoint
   *     was written with other settings
   * @throws UncheckedIOException if a checkpoint cannot be written or read
   */
  @Override
  public WeightFile train(TrainingSet train, SequenceTraining.Run run, FitListener listener) {
    Network.Config config = config(train);
    return SequenceTraining.train(train, options(), preset -> new Network(config, DataType.FLOAT32, params.training().seed(),
        preset), weights -> SasRecModel.fromWeights(weights, train), run, listener);
  }

  @Override
  public SequenceTraining.Options options() {
    return params.training();
  }


  private Network.Config config(TrainingSet train) {
    return config(train, params.hidden(), params.blocks(), params.heads(), params.useAttributes(), params.training(),
        false);
  }

  /** The largest count a float holds exactly (2^24): a weight file's integer tensors must stay within it. */
  static final int EXACT_FLOAT_INTS = 1 << 24;

  /**
   * The network shape for {@code train}: d-wide feed-forward layers, ε 1e-6, input scale sqrt(d), the type and
   * attribute vocabularies of the training set when used.
   *
   * @throws IllegalArgumentException if attributes are asked for and the training set has none, or more of them
   *     than a weight file stores exactly
   */
  static Network.Config config(TrainingSet train, int hidden, int blocks, int heads, boolean useAttributes,
      SequenceTraining.Options training, boolean bidirectional) {
    int numTypes = training.useTypes() ? Math.max(1, train.dataset().typeNames().size()) : 0;
    int[] indptr = null;
    int[] indices = null;
    int numAttributes = 0;
    if (useAttributes) {
      ItemFeatures f = train.itemFeatures();
      if (f == null || f.numFeatures() == 0 || f.numItems() != train.numItems()) {
        throw new IllegalArgumentException("useAttributes needs item features covering the catalogue");
      }
      indptr = f.indptr();
      indices = f.indices();
      numAttributes = f.numFeatures();
      // the weight file stores the row pointers as floats, exact up to 2^24: beyond, attributes would shift between
      // neighbouring items unnoticed (a review); refused before training rather than after it
      if (indptr[train.numItems()] > EXACT_FLOAT_INTS || numAttributes > EXACT_FLOAT_INTS) {
        throw new IllegalArgumentException("useAttributes: the catalogue's " + indptr[train.numItems()]
            + " item-attribute pairs (" + numAttributes + " attributes) exceed the " + EXACT_FLOAT_INTS + " a model"
            + " file stores exactly; train without attributes (--param <model>.useAttributes=false)");
      }
    }
    return new Network.Config(train.numItems(), hidden, blocks, heads, hidden, training.maxLength(), LAYER_NORM_EPS,
        (float) Math.sqrt(hidden), numTypes, numAttributes, indptr, indices, bidirectional);
  }

  /**
   * The SASRec network of the contract on DJL: parameters named as in the weight file, a training forward pass
   * (with dropout) and an inference one ({@link #scores}), and export ({@link #toWeights}).
   *
   * <p>With {@link Config#bidirectional} it is the BERT4Rec network of {@code docs/design/bert4rec.md} that
   * {@link Bert4Rec} trains: attention over every real step in both directions and a learned [MASK] input
   * ({@code mask_embedding}, token N + 1); everything else is shared, which is why both live here.
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
     * @param blocks L
     * @param heads H
     * @param ffnHidden inner width of the feed-forward layers
     * @param maxLength T
     * @param layerNormEps ε of every LayerNorm
     * @param embeddingScale factor on the item representations at the input
     * @param numTypes type vocabulary, 0 when types are not used
     * @param numAttributes attribute vocabulary, 0 when attributes are not used
     * @param attributeIndptr CSR row pointers of each item's attributes (length N + 1), or null
     * @param attributeIndices attribute ids, or null
     * @param bidirectional whether this is the BERT4Rec network (bidirectional attention, a [MASK] input)
     */
    public record Config(
        int numItems, int hidden, int blocks, int heads, int ffnHidden, int maxLength, float layerNormEps,
        float embeddingScale, int numTypes, int numAttributes, int[] attributeIndptr, int[] attributeIndices,
        boolean bidirectional) {

      /** The weight-file properties of this shape. */
      public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("model", bidirectional ? Bert4RecModel.MODEL_KIND : SasRecModel.MODEL_KIND);
        p.put("numItems", Integer.toString(numItems));
        p.put("hidden", Integer.toString(hidden));
        p.put("blocks", Integer.toString(blocks));
        p.put("heads", Integer.toString(heads));
        p.put("ffnHidden", Integer.toString(ffnHidden));
        p.put("maxLength", Integer.toString(maxLength));
        p.put("layerNormEps", Float.toString(layerNormEps));
        p.put("embeddingScale", Float.toString(embeddingScale));
        p.put("usesTypes", Boolean.toString(numTypes > 0));
        p.put("usesAttributes", Boolean.toString(numAttributes > 0));
        if (numTypes > 0) p.put("numTypes", Integer.toString(numTypes));
        if (numAttributes > 0) p.put("numAttributes", Integer.toString(numAttributes));
        return p;
      }
    }

    final Config config;
    final NDManager manager;
    final ParameterStore store;
    private final Embedding item;
    private final Embedding position;
    private final Embedding type;
    private final Embedding attribute;
    private final AttributeMean attributeMean;
    /** The [MASK] input of BERT4Rec, or null. */
    private final Embedding maskInput;
    private final LayerNorm[] attentionNorm;
    private final CausalSelfAttention[] attention;
    private final LayerNorm[] ffnNorm;
    private final FeedForward[] ffn;
    private final LayerNorm finalNorm;

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
      this.item = new Embedding(store, "item_embedding", config.numItems() + 1, d, true);
      this.position = new Embedding(store, "position_embedding", config.maxLength(), d, false);
      this.type = config.numTypes() > 0 ? new Embedding(store, "type_embedding", config.numTypes(), d, false) : null;
      this.maskInput = config.bidirectional() ? new Embedding(store, "mask_embedding", 1, d, false) : null;
      if (config.numAttributes() > 0) {
        this.attribute = new Embedding(store, "attribute_embedding", config.numAttributes(), d, false);
        int[] tokenIndptr = new int[config.numItems() + 2]; // token 0 (padding) has no attributes
        System.arraycopy(config.attributeIndptr(), 0, tokenIndptr, 1, config.numItems() + 1);
        this.attributeMean = new AttributeMean(store.manager(), dataType, tokenIndptr, config.attributeIndices(),
            config.numAttributes());
      } else {
        this.attribute = null;
        this.attributeMean = null;
      }
      int l = config.blocks();
      attentionNorm = new LayerNorm[l];
      attention = new CausalSelfAttention[l];
      ffnNorm = new LayerNorm[l];
      ffn = new FeedForward[l];
      for (int b = 0; b < l; b++) {
        String p = "block" + b + ".";
        attentionNorm[b] = new LayerNorm(store, p + "attention_norm", d, config.layerNormEps());
        attention[b] = new CausalSelfAttention(store, p + "attention", d, config.heads());
        ffnNorm[b] = new LayerNorm(store, p + "ffn_norm", d, config.layerNormEps());
        ffn[b] = new FeedForward(store, p + "ffn", d, config.ffnHidden());
      }
      finalNorm = new LayerNorm(store, "final_norm", d, config.layerNormEps());
    }

    /**
     * Rebuilds the network a weight file describes (float32).
     *
     * @throws IllegalArgumentException if a property or tensor is missing or misshapen
     */
    public static Network fromWeights(WeightFile w) {
      boolean types = Boolean.parseBoolean(w.propertyOr("usesTypes", "false"));
      boolean attributes = Boolean.parseBoolean(w.propertyOr("usesAttributes", "false"));
      int numItems = Integer.parseInt(w.property("numItems"));
      int hidden = Integer.parseInt(w.property("hidden"));
      int[] indptr = null;
      int[] indices = null;
      if (attributes) {
        indptr = ints(w.tensor("item_attributes_indptr", numItems + 1).values());
        indices = ints(w.tensor("item_attributes_indices", -1).values());
      }
      Config c = new Config(numItems, hidden, Integer.parseInt(w.property("blocks")),
          Integer.parseInt(w.property("heads")), Integer.parseInt(w.propertyOr("ffnHidden", Integer.toString(hidden))),
          Integer.parseInt(w.property("maxLength")), Float.parseFloat(w.propertyOr("layerNormEps", "1e-6")),
          Float.parseFloat(w.propertyOr("embeddingScale", Double.toString(Math.sqrt(hidden)))),
          types ? Integer.parseInt(w.property("numTypes")) : 0,
          attributes ? Integer.parseInt(w.property("numAttributes")) : 0, indptr, indices,
          Bert4RecModel.MODEL_KIND.equals(w.property("model")));
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
    public Map<String, String> properties() {
      return config.properties();
    }

    @Override
    public ParameterStore parameters() {
      return store;
    }

    /** Every token's representation [N + 1, d]: item embedding plus attribute mean; row 0 is padding. */
    @Override
    public NDArray itemTable() {
      NDArray table = item.weight();
      return attributeMean == null ? table : table.add(attributeMean.forward(attribute.weight()));
    }

    /**
     * LN(x; final_norm) at every position [B, T, d]; parameters must be attached to {@code scope}. In the
     * bidirectional network token N + 1 is the [MASK] input.
     */
    @Override
    public NDArray encode(NDManager scope, NDArray table, SequenceBatch batch, boolean training, float dropout) {
      int b = batch.size;
      int t = batch.length;
      DataType dt = store.dataType();
      NDArray tokens = scope.create(batch.tokens, new Shape(b, t));
      // the newest step is always position T − 1, whatever the batch's length
      NDArray positions = t == config.maxLength() ? position.weight() : position.weight().get((config.maxLength() - t) + ":");
      NDArray inputs = maskInput == null ? table : table.concat(maskInput.weight(), 0);
      NDArray x = Scalars.times(Embedding.lookup(inputs, tokens), config.embeddingScale()).add(positions);
      if (type != null) x = x.add(type.forward(scope.create(batch.types, new Shape(b, t))));
      x = dropout(x, dropout, training);
      // autograd keeps the row mask for the backward pass of every x.mul(rows): in engine memory, as the numeric rules
      // ask of anything a recorded graph holds (a float32 mask would otherwise alias the JVM buffer DJL made for it)
      NDArray rows = ParameterStore.engineOwned(scope.create(batch.mask, new Shape(b, t, 1)).toType(dt, false));
      x = x.mul(rows);
      NDArray mask = config.bidirectional() ? CausalSelfAttention.bidirectionalMask(scope, dt, batch.mask, b, t)
          : CausalSelfAttention.mask(scope, dt, batch.mask, b, t);
      for (int l = 0; l < attention.length; l++) {
        NDArray o = attention[l].forward(attentionNorm[l].forward(x), mask, dropout, training).output();
        x = x.add(o).mul(rows);
        NDArray f = dropout(ffn[l].forward(ffnNorm[l].forward(x)), dropout, training);
        x = x.add(f).mul(rows);
      }
      return finalNorm.forward(x);
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
      return training && rate > 0 ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }

    /**
     * Scores every item for a history in inference mode (no dropout): score(i) = u · r_i with u the final
     * representation at the newest step, the DJL twin of {@link SasRecModel#scoreAll}. The bidirectional network
     * reads the last T − 1 steps followed by [MASK], and u is the state at [MASK].
     *
     * @param history item indices, oldest first (the last T are used)
     * @param types event type per step, or null (then type 0 when the network uses types)
     * @return scores of items 0 .. N − 1
     */
    public float[] scores(int[] history, int[] types) {
      try (NDManager scope = manager.newSubManager()) {
        store.attachTo(scope);
        SequenceBatch batch = new SequenceBatch(1, config.maxLength());
        if (maskInput == null) {
          batch.fill(0, history, types, history.length);
        } else {
          int[] window = Arrays.copyOfRange(history, Math.max(0, history.length - (config.maxLength() - 1)),
              history.length + 1);
          window[window.length - 1] = config.numItems(); // item index N is token N + 1, the [MASK] input
          batch.fill(0, window, null, window.length);
        }
        NDArray table = itemTable();
        NDArray u = encode(scope, table, batch, false, 0f).get(0, config.maxLength() - 1);
        return table.get("1:").matMul(u).toType(DataType.FLOAT32, false).toFloatArray();
      }
    }

    /** Writes the parameters, the attribute CSR and the properties of the contract into a new weight file. */
    @Override
    public WeightFile toWeights() {
      WeightFile w = new WeightFile();
      config.properties().forEach(w::property);
      for (String name : store.names()) w.put(name, store.shape(name), store.values(name));
      if (config.numAttributes() > 0) {
        w.put("item_attributes_indptr", new int[] {config.numItems() + 1}, floats(config.attributeIndptr()));
        w.put("item_attributes_indices", new int[] {config.attributeIndices().length},
            floats(config.attributeIndices()));
      }
      return w;
    }

    private static float[] floats(int[] v) {
      float[] f = new float[v.length];
      for (int k = 0; k < v.length; k++) f[k] = v[k];
      return f;
    }

    private static int[] ints(float[] v) {
      int[] out = new int[v.length];
      for (int k = 0; k < v.length; k++) out[k] = (int) v[k];
      return out;
    }

    @Override
    public void close() {
      manager.close();
    }
  }
}
