package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.attune.data.CtrDataset;
import dev.attune.infer.DinModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.Mlp;
import dev.attune.train.nn.ParameterStore;
import dev.attune.train.nn.TargetAttention;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Deep Interest Network: target attention from the candidate item over the user's past positive items, then an
 * MLP over the user profile, the attention-pooled history and the candidate, trained as click prediction with
 * DJL and exported to a {@link WeightFile} that {@link DinModel} serves in pure Java.
 *
 * <p>Follows Zhou et al., "Deep Interest Network for Click-Through Rate Prediction" (KDD 2018), in the exact form
 * of the contract {@code docs/design/din.md}. Paper symbols: the goods embedding e = [item id ; mean of its
 * categories] (the paper's goods id and category id), width 2d with d = {@link Params#dim}; the user behaviour
 * embeddings e_1..e_H = the same representation of the user's last L positive items ({@link
 * CtrTraining.Options#maxHistory}); the local activation unit a(e_j, v_A) = {@link TargetAttention}
 * ({@code attention.mlp}); the user profile = user id embedding and one embedding per user field ({@code
 * user_embedding}, {@code attribute_embedding}); the final MLP 200 → 80 → 1 ({@code mlp}, widths of
 * {@link Params#hidden}).
 *
 * <p>NOTE: departures from the paper. (1) The attention weights are a masked softmax (the paper: raw activations)
 * so they form a distribution that explains a prediction; to keep the intensity the paper's sum pooling carries,
 * the MLP also receives ln(1 + history length) / ln(1 + L). (2) ReLU instead of PReLU / Dice, and no
 * mini-batch-aware regularisation (the optional L2 of {@link CtrTraining} covers every parameter). (3) No
 * context / scene field: the MovieLens task has none. (4) All events of the history are positives of one type,
 * so no event-type embedding.
 *
 * @implNote Cost per impression: the attention MLP over L positions, L·(8d·a + a) multiply-adds with a =
 *     {@link Params#attentionHidden}, plus the final MLP (input (1 + F)·d + 4d + 1); backward about twice that.
 */
public final class Din implements CtrTrainer {

  /**
   * Hyper-parameters.
   *
   * @param dim d, the width of every embedding (an item is 2d wide), &gt; 0
   * @param attentionHidden width of the activation unit's hidden layer, &gt; 0
   * @param hidden widths of the final MLP's hidden layers, each &gt; 0, non-null
   * @param training the shared loop's options, non-null
   */
  public record Params(int dim, int attentionHidden, int[] hidden, CtrTraining.Options training) {
    /**
     * d 16, activation unit 36, MLP 200 → 80, the loop's defaults. Why: 200 → 80 is the paper's final MLP; 36 is
     * the activation unit's width in the authors' code; d 16 because MovieLens-100K has 1,682 items and 100K
     * events, too few to fill wider embeddings without overfitting.
     */
    public static final Params DEFAULTS = new Params(16, 36, new int[] {200, 80}, CtrTraining.Options.DEFAULTS);

    public Params {
      if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
      if (attentionHidden <= 0) throw new IllegalArgumentException("attentionHidden must be > 0: " + attentionHidden);
      if (hidden == null || training == null) throw new IllegalArgumentException("hidden and training must be set");
      hidden = hidden.clone();
      if (hidden.length == 0) throw new IllegalArgumentException("the final MLP needs a hidden layer");
      for (int h : hidden) if (h <= 0) throw new IllegalArgumentException("hidden widths must be > 0");
    }

    /** A copy with other training options. */
    public Params withTraining(CtrTraining.Options newTraining) {
      return new Params(dim, attentionHidden, hidden, newTraining);
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public Din(Params params) {
    if (params == null) throw new IllegalArgumentException("params must not be null");
    this.params = params;
  }

  /** The hyper-parameters. */
  @Override
  public Params params() {
    return params;
  }

  @Override
  public String name() {
    return DinModel.MODEL_KIND;
  }

  @Override
  public CtrTraining.Options options() {
    return params.training();
  }

  /** Trains on {@code data} (early stopping on its validation part) and exports the best weights. */
  @Override
  public CtrTraining.Result train(CtrDataset data, FitListener listener) {
    Network.Config config = Network.Config.of(data, params);
    CtrTraining.Result result = CtrTraining.train(data, params.training(),
        preset -> new Network(config, DataType.FLOAT32, params.training().seed(), preset), listener);
    CtrInputs.putItemCategories(result.weights(), data, config.slots());
    return result;
  }

  /**
   * The DIN network of the contract on DJL. Owns a base {@link NDManager}. Not thread-safe.
   */
  public static final class Network implements CtrNetwork {
    /**
     * The shape of a network; {@link #properties()} go into the weight file.
     *
     * @param numUsers U
     * @param numAttributeValues A, the user-field vocabulary
     * @param numFields F
     * @param numItems N
     * @param numCategories C
     * @param slots category slots per item
     * @param dim d
     * @param attentionHidden activation unit width
     * @param hidden final MLP hidden widths
     * @param maxHistory L
     */
    public record Config(int numUsers, int numAttributeValues, int numFields, int numItems, int numCategories,
        int slots, int dim, int attentionHidden, int[] hidden, int maxHistory) {

      /** The shape for {@code data} and {@code params}. */
      public static Config of(CtrDataset data, Params params) {
        return new Config(data.numUsers(), Math.max(1, data.numAttributeValues()), data.numUserFields(),
            data.numItems(), data.numCategories(), CtrBatch.slotsFor(data), params.dim(), params.attentionHidden(),
            params.hidden(), params.training().maxHistory());
      }

      /** Width of the final MLP's input: (1 + F)·d for the user, 2d pooled history, 2d candidate, 1 length. */
      public int mlpInput() {
        return (1 + numFields) * dim + 4 * dim + 1;
      }

      /** The weight-file properties of this shape. */
      public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("model", DinModel.MODEL_KIND);
        p.put("numUsers", Integer.toString(numUsers));
        p.put("numAttributeValues", Integer.toString(numAttributeValues));
        p.put("numFields", Integer.toString(numFields));
        p.put("numItems", Integer.toString(numItems));
        p.put("numCategories", Integer.toString(numCategories));
        p.put("slots", Integer.toString(slots));
        p.put("dim", Integer.toString(dim));
        p.put("attentionHidden", Integer.toString(attentionHidden));
        p.put("hidden", join(hidden));
        p.put("maxHistory", Integer.toString(maxHistory));
        return p;
      }
    }

    private final Config config;
    private final NDManager manager;
    private final ParameterStore store;
    private final Embedding user;
    private final Embedding attribute;
    private final Embedding item;
    private final Embedding category;
    private final TargetAttention attention;
    private final Mlp mlp;
    /** Scratch of the last inference forward pass: attention weights [B, L]. */
    private float[] lastWeights;

    /**
     * Builds a network, initialised from {@code seed} or taken from {@code preset}.
     *
     * @param dataType float32 for training, float64 for checks
     */
    public Network(Config config, DataType dataType, long seed, Function<String, float[]> preset) {
      this.config = config;
      this.manager = NDManager.newBaseManager("PyTorch");
      this.store = new ParameterStore(manager, dataType, seed);
      store.preset(preset);
      int d = config.dim();
      this.user = new Embedding(store, "user_embedding", config.numUsers(), d, false);
      this.attribute = new Embedding(store, "attribute_embedding", config.numAttributeValues(), d, false);
      this.item = new Embedding(store, "item_embedding", config.numItems() + 1, d, true);
      this.category = new Embedding(store, "category_embedding", config.numCategories() + 1, d, true);
      this.attention = new TargetAttention(store, "attention", 2 * d, config.attentionHidden());
      int[] widths = new int[config.hidden().length + 2];
      widths[0] = config.mlpInput();
      System.arraycopy(config.hidden(), 0, widths, 1, config.hidden().length);
      widths[widths.length - 1] = 1;
      this.mlp = new Mlp(store, "mlp", widths);
    }

    /** Rebuilds the network a weight file describes (float32). */
    public static Network fromWeights(WeightFile w) {
      if (!DinModel.MODEL_KIND.equals(w.propertyOr("model", null))) {
        throw new IllegalArgumentException("not a " + DinModel.MODEL_KIND + " weight file");
      }
      Config c = new Config(Integer.parseInt(w.property("numUsers")),
          Integer.parseInt(w.property("numAttributeValues")), Integer.parseInt(w.property("numFields")),
          Integer.parseInt(w.property("numItems")), Integer.parseInt(w.property("numCategories")),
          Integer.parseInt(w.property("slots")), Integer.parseInt(w.property("dim")),
          Integer.parseInt(w.property("attentionHidden")), split(w.property("hidden")),
          Integer.parseInt(w.property("maxHistory")));
      return new Network(c, DataType.FLOAT32, 0L, name -> w.has(name) ? w.tensor(name).values() : null);
    }

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

    @Override
    public NDArray logits(NDManager scope, CtrBatch b, boolean training) {
      return forward(scope, b).logits;
    }

    private record Forward(NDArray logits, NDArray weights) {}

    private Forward forward(NDManager scope, CtrBatch b) {
      DataType dt = store.dataType();
      NDArray u = CtrInputs.lookup(scope, user.weight(), b.user, new Shape(b.size));
      NDArray fields = CtrInputs.lookup(scope, attribute.weight(), b.userFields, new Shape(b.size, b.fields))
          .reshape(b.size, (long) b.fields * config.dim());
      NDArray candidate = CtrInputs.candidate(scope, b, item.weight(), category.weight());
      NDArray history = CtrInputs.history(scope, b, item.weight(), category.weight());
      TargetAttention.Output att = attention.forward(history, candidate,
          CtrInputs.constant(scope, b.historyAdditiveMask, new Shape(b.size, b.length), dt),
          CtrInputs.constant(scope, b.hasHistory, new Shape(b.size, 1), dt));
      NDArray length = CtrInputs.constant(scope, b.historyLength, new Shape(b.size, 1), dt);
      NDArray input = NDArrays.concat(new NDList(u, fields, att.pooled(), candidate, length), 1);
      return new Forward(mlp.forward(input).squeeze(1), att.weights());
    }

    /**
     * Probabilities and attention weights of a batch in inference mode, the DJL twin of {@link DinModel}.
     *
     * @return probabilities [B]; {@link #lastAttentionWeights()} then holds the weights [B·L]
     */
    public float[] predict(CtrBatch b) {
      try (NDManager scope = manager.newSubManager()) {
        store.attachTo(scope);
        Forward f = forward(scope, b);
        lastWeights = f.weights.toType(DataType.FLOAT32, false).toFloatArray();
        return ai.djl.nn.Activation.sigmoid(f.logits).toType(DataType.FLOAT32, false).toFloatArray();
      }
    }

    /** The attention weights of the last {@link #predict} call, row-major [B, L], or null. */
    public float[] lastAttentionWeights() {
      return lastWeights;
    }

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

  static String join(int[] widths) {
    StringBuilder s = new StringBuilder();
    for (int k = 0; k < widths.length; k++) s.append(k == 0 ? "" : ",").append(widths[k]);
    return s.toString();
  }

  static int[] split(String widths) {
    if (widths.isBlank()) return new int[0];
    String[] parts = widths.split(",");
    int[] out = new int[parts.length];
    for (int k = 0; k < parts.length; k++) {
      try {
        out[k] = Integer.parseInt(parts[k].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("layer widths are whole numbers separated by '/' (such as 64/32), not '"
            + widths.replace(',', '/') + "'");
      }
    }
    return out;
  }
}
