package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.attune.data.CtrDataset;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.ParameterStore;
import dev.attune.train.nn.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A factorisation machine over the CTR features, the factorisation baseline of the ranking models, trained with
 * {@link CtrTraining}.
 *
 * <p>Follows Rendle, "Factorization Machines" (ICDM 2010): ŷ(x) = w0 + Σ_i w_i x_i + Σ_{i&lt;j} ⟨v_i, v_j⟩ x_i x_j,
 * computed in O(k·m) as ½ Σ_f [(Σ_i v_if x_i)² − Σ_i v_if² x_i²]. Paper symbols: w0 = {@code bias}, w_i = the
 * {@code *_bias} tables, v_i = the {@code *_embedding} tables (k = {@link Params#dim}). The active features x of
 * an impression: the user id (x = 1), each user field (1), the candidate item id (1), the candidate's categories
 * (1 / their number each) and the history items (1 / the history length each, the usual way to feed a
 * behaviour sequence to an FM).
 *
 * <p>NOTE: history items and the candidate share one item table, so ⟨v_candidate, v_history⟩ is an item-item
 * similarity the FM can learn (what DIN's baselines do: their behaviour and goods ids share embeddings).
 *
 * <p>Weights: {@code bias} [1], {@code user_embedding}/{@code user_bias} [U, k]/[U, 1], {@code
 * attribute_embedding}/{@code attribute_bias} [A, ·], {@code item_embedding}/{@code item_bias} [N + 1, ·] and
 * {@code category_embedding}/{@code category_bias} [C + 1, ·] with padding row 0. Model kind {@code fm}.
 *
 * @implNote Cost per impression: O(k·(3 + F + slots + L)).
 */
public final class Fm implements CtrTrainer {
  /** Value of the {@code model} property. */
  public static final String MODEL_KIND = "fm";

  /**
   * Hyper-parameters.
   *
   * @param dim k, the factor width, &gt; 0
   * @param training the shared loop's options, non-null
   */
  public record Params(int dim, CtrTraining.Options training) {
    /** k 16 (the width DIN's embeddings use here) and the loop's defaults. */
    public static final Params DEFAULTS = new Params(16, CtrTraining.Options.DEFAULTS);

    public Params {
      if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
      if (training == null) throw new IllegalArgumentException("training must not be null");
    }

    /** A copy with other training options. */
    public Params withTraining(CtrTraining.Options newTraining) {
      return new Params(dim, newTraining);
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public Fm(Params params) {
    if (params == null) throw new IllegalArgumentException("params must not be null");
    this.params = params;
  }

  @Override
  public String name() {
    return MODEL_KIND;
  }

  @Override
  public CtrTraining.Options options() {
    return params.training();
  }

  @Override
  public Params params() {
    return params;
  }

  /** Trains on {@code data} (early stopping on its validation part) and exports the best weights. */
  @Override
  public CtrTraining.Result train(CtrDataset data, FitListener listener) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("model", MODEL_KIND);
    properties.put("numUsers", Integer.toString(data.numUsers()));
    properties.put("numAttributeValues", Integer.toString(Math.max(1, data.numAttributeValues())));
    properties.put("numFields", Integer.toString(data.numUserFields()));
    properties.put("numItems", Integer.toString(data.numItems()));
    properties.put("numCategories", Integer.toString(data.numCategories()));
    properties.put("dim", Integer.toString(params.dim()));
    properties.put("maxHistory", Integer.toString(params.training().maxHistory()));
    CtrTraining.Result result = CtrTraining.train(data, params.training(),
        preset -> new Network(properties, DataType.FLOAT32, params.training().seed(), preset), listener);
    CtrInputs.putItemCategories(result.weights(), data, CtrBatch.slotsFor(data));
    return result;
  }

  /** The FM on DJL. Owns a base {@link NDManager}. Not thread-safe. */
  public static final class Network implements CtrNetwork {
    private final Map<String, String> properties;
    private final NDManager manager;
    private final ParameterStore store;
    private final NDArray bias;
    private final Embedding user;
    private final Embedding userBias;
    private final Embedding attribute;
    private final Embedding attributeBias;
    private final Embedding item;
    private final Embedding itemBias;
    private final Embedding category;
    private final Embedding categoryBias;

    /**
     * Builds a network of the shape {@code properties} give (see {@link Fm#train}).
     *
     * @param dataType float32 for training, float64 for checks
     */
    public Network(Map<String, String> properties, DataType dataType, long seed, Function<String, float[]> preset) {
      // insertion order, not Map.copyOf's per-run order: the same seed writes the same weight file byte for byte
      this.properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
      this.manager = NDManager.newBaseManager("PyTorch");
      this.store = new ParameterStore(manager, dataType, seed);
      store.preset(preset);
      int k = Integer.parseInt(properties.get("dim"));
      int users = Integer.parseInt(properties.get("numUsers"));
      int attributes = Integer.parseInt(properties.get("numAttributeValues"));
      int items = Integer.parseInt(properties.get("numItems")) + 1;
      int categories = Integer.parseInt(properties.get("numCategories")) + 1;
      this.bias = store.zeros("bias", 1);
      this.user = new Embedding(store, "user_embedding", users, k, false);
      this.userBias = zeroTable("user_bias", users);
      this.attribute = new Embedding(store, "attribute_embedding", attributes, k, false);
      this.attributeBias = zeroTable("attribute_bias", attributes);
      this.item = new Embedding(store, "item_embedding", items, k, true);
      this.itemBias = zeroTable("item_bias", items);
      this.category = new Embedding(store, "category_embedding", categories, k, true);
      this.categoryBias = zeroTable("category_bias", categories);
    }

    private Embedding zeroTable(String name, int rows) {
      NDArray t = store.zeros(name, rows, 1);
      return new Embedding(t);
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
      return properties;
    }

    @Override
    public NDArray logits(NDManager scope, CtrBatch b, boolean training) {
      NDArray vectors = features(scope, b, user, attribute, item, category); // [B, M, k]
      NDArray biases = features(scope, b, userBias, attributeBias, itemBias, categoryBias); // [B, M, 1]
      NDArray x = values(scope, b, vectors.getDataType()); // [B, M, 1]
      NDArray xv = vectors.mul(x);
      NDArray sum = xv.sum(new int[] {1}); // [B, k]
      NDArray squares = xv.square().sum(new int[] {1}); // [B, k]
      NDArray pairs = Scalars.times(sum.square().sub(squares).sum(new int[] {1}), 0.5); // [B]
      NDArray linear = biases.mul(x).sum(new int[] {1, 2}); // [B]
      return pairs.add(linear).add(bias);
    }

    /** The rows of the active features of every impression, [B, M, width], M = 2 + F + slots + L. */
    private static NDArray features(NDManager scope, CtrBatch b, Embedding users, Embedding attributes,
        Embedding items, Embedding categories) {
      NDArray u = CtrInputs.lookup(scope, users.weight(), b.user, new Shape(b.size, 1));
      NDArray f = CtrInputs.lookup(scope, attributes.weight(), b.userFields, new Shape(b.size, b.fields));
      NDArray i = CtrInputs.lookup(scope, items.weight(), b.item, new Shape(b.size, 1));
      NDArray c = CtrInputs.lookup(scope, categories.weight(), b.itemCategories, new Shape(b.size, b.slots));
      NDArray h = CtrInputs.lookup(scope, items.weight(), b.history, new Shape(b.size, b.length));
      return NDArrays.concat(new NDList(u, f, i, c, h), 1);
    }

    /** The feature values x [B, M, 1] in the order of {@link #features}. */
    private static NDArray values(NDManager scope, CtrBatch b, DataType dt) {
      int m = 2 + b.fields + b.slots + b.length;
      float[] x = new float[b.size * m];
      for (int r = 0; r < b.size; r++) {
        int at = r * m;
        x[at++] = 1f;
        for (int f = 0; f < b.fields; f++) x[at++] = 1f;
        x[at++] = 1f;
        for (int s = 0; s < b.slots; s++) x[at++] = b.itemCategoryWeights[r * b.slots + s];
        for (int j = 0; j < b.length; j++) x[at++] = b.historyMeanWeights[r * b.length + j];
      }
      return CtrInputs.constant(scope, x, new Shape(b.size, m, 1), dt);
    }

    @Override
    public WeightFile toWeights() {
      WeightFile w = new WeightFile();
      properties.forEach(w::property);
      for (String name : store.names()) w.put(name, store.shape(name), store.values(name));
      return w;
    }

    @Override
    public void close() {
      manager.close();
    }
  }
}
