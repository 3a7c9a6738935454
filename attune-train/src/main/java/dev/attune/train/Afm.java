package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.attune.data.CtrDataset;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Attentional factorisation machine: feature-level attention over the pairwise interactions of user and item
 * features, trained with {@link CtrTraining}; the attention weight of every feature pair is exposed.
 *
 * <p>Follows Xiao et al., "Attentional Factorization Machines: Learning the Weight of Feature Interactions via
 * Attention Networks" (IJCAI 2017): ŷ = w0 + Σ_i w_i x_i + pᵀ Σ_{i&lt;j} a_ij (v_i ⊙ v_j) x_i x_j with
 * a_ij = softmax over pairs of hᵀ ReLU(W (v_i ⊙ v_j) x_i x_j + b). Paper symbols: w0 = {@code bias}, w_i = the
 * {@code *_bias} tables, v_i = the {@code *_embedding} tables (k = {@link Params#dim}), W, b = {@code
 * attention.weight} [k, t], {@code attention.bias} [t], h = {@code attention.projection} [t], p = {@code
 * output} [k] (t = {@link Params#attentionHidden}).
 *
 * <p>NOTE: departure: the features are fields, each one vector: user id, each user field, candidate id, the
 * mean of the candidate's categories and the mean of the history items (the paper's x are one-hot features; a
 * multi-valued field would otherwise give O(L²) pairs, and pairs of fields are what an explanation can name:
 * "gender × category"). Linear terms are the same pooled biases. So there are M = F + 4 fields and M(M − 1)/2
 * pairs, named by {@link #pairNames}. No dropout (the paper uses it on the pair layer).
 *
 * @implNote Cost per impression: M(M − 1)/2 pairs × (k + k·t + t) multiply-adds plus the lookups.
 */
public final class Afm implements CtrTrainer {
  /** Value of the {@code model} property. */
  public static final String MODEL_KIND = "afm";

  /**
   * Hyper-parameters.
   *
   * @param dim k, the factor width, &gt; 0
   * @param attentionHidden t, the attention network's width, &gt; 0
   * @param training the shared loop's options, non-null
   */
  public record Params(int dim, int attentionHidden, CtrTraining.Options training) {
    /** k 16 (as the other CTR models here), t 16 (the paper's attention factor range is 1-256), loop defaults. */
    public static final Params DEFAULTS = new Params(16, 16, CtrTraining.Options.DEFAULTS);

    public Params {
      if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
      if (attentionHidden <= 0) throw new IllegalArgumentException("attentionHidden must be > 0: " + attentionHidden);
      if (training == null) throw new IllegalArgumentException("training must not be null");
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public Afm(Params params) {
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
    properties.put("attentionHidden", Integer.toString(params.attentionHidden()));
    properties.put("maxHistory", Integer.toString(params.training().maxHistory()));
    CtrTraining.Result result = CtrTraining.train(data, params.training(),
        preset -> new Network(properties, DataType.FLOAT32, params.training().seed(), preset), listener);
    CtrInputs.putItemCategories(result.weights(), data, CtrBatch.slotsFor(data));
    return result;
  }

  /**
   * Names of the feature pairs in the order of {@link Network#pairWeights}: {@code "user × item"} and so on, with
   * the user fields named by {@code fieldNames}.
   */
  public static List<String> pairNames(List<String> fieldNames) {
    List<String> fields = new ArrayList<>();
    fields.add("user");
    fields.addAll(fieldNames);
    fields.add("item");
    fields.add("categories");
    fields.add("history");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < fields.size(); i++) {
      for (int j = i + 1; j < fields.size(); j++) out.add(fields.get(i) + " × " + fields.get(j));
    }
    return out;
  }

  /** AFM on DJL. Owns a base {@link NDManager}. Not thread-safe. */
  public static final class Network implements CtrNetwork {
    private final Map<String, String> properties;
    private final NDManager manager;
    private final ParameterStore store;
    private final int fields;
    private final long[] left;
    private final long[] right;
    private final NDArray bias;
    private final Embedding user;
    private final Embedding userBias;
    private final Embedding attribute;
    private final Embedding attributeBias;
    private final Embedding item;
    private final Embedding itemBias;
    private final Embedding category;
    private final Embedding categoryBias;
    private final NDArray attentionWeight;
    private final NDArray attentionBias;
    private final NDArray attentionProjection;
    private final NDArray output;

    /** Builds a network of the shape {@code properties} give (see {@link Afm#train}). */
    public Network(Map<String, String> properties, DataType dataType, long seed, Function<String, float[]> preset) {
      // insertion order, not Map.copyOf's per-run order: the same seed writes the same weight file byte for byte
      this.properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
      this.manager = NDManager.newBaseManager("PyTorch");
      this.store = new ParameterStore(manager, dataType, seed);
      store.preset(preset);
      int k = Integer.parseInt(properties.get("dim"));
      int t = Integer.parseInt(properties.get("attentionHidden"));
      int users = Integer.parseInt(properties.get("numUsers"));
      int attributes = Integer.parseInt(properties.get("numAttributeValues"));
      int items = Integer.parseInt(properties.get("numItems")) + 1;
      int categories = Integer.parseInt(properties.get("numCategories")) + 1;
      this.fields = Integer.parseInt(properties.get("numFields")) + 4;
      int pairs = fields * (fields - 1) / 2;
      this.left = new long[pairs];
      this.right = new long[pairs];
      for (int i = 0, p = 0; i < fields; i++) {
        for (int j = i + 1; j < fields; j++, p++) {
          left[p] = i;
          right[p] = j;
        }
      }
      this.bias = store.zeros("bias", 1);
      this.user = new Embedding(store, "user_embedding", users, k, false);
      this.userBias = new Embedding(store.zeros("user_bias", users, 1));
      this.attribute = new Embedding(store, "attribute_embedding", attributes, k, false);
      this.attributeBias = new Embedding(store.zeros("attribute_bias", attributes, 1));
      this.item = new Embedding(store, "item_embedding", items, k, true);
      this.itemBias = new Embedding(store.zeros("item_bias", items, 1));
      this.category = new Embedding(store, "category_embedding", categories, k, true);
      this.categoryBias = new Embedding(store.zeros("category_bias", categories, 1));
      this.attentionWeight = store.xavier("attention.weight", k, t);
      this.attentionBias = store.zeros("attention.bias", t);
      this.attentionProjection = store.normal("attention.projection", Math.sqrt(2.0 / (t + 1)), t);
      this.output = store.normal("output", Math.sqrt(2.0 / (k + 1)), k);
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
      return forward(scope, b)[0];
    }

    /**
     * The attention weight of every feature pair [B, P] (rows sum to 1), in the order of {@link Afm#pairNames}.
     */
    public float[] pairWeights(CtrBatch b) {
      try (NDManager scope = manager.newSubManager()) {
        store.attachTo(scope);
        return forward(scope, b)[1].toType(DataType.FLOAT32, false).toFloatArray();
      }
    }

    /** Logits [B] and pair weights [B, P]. */
    private NDArray[] forward(NDManager scope, CtrBatch b) {
      NDArray v = fieldVectors(scope, b, user, attribute, item, category); // [B, M, k]
      NDArray w = fieldVectors(scope, b, userBias, attributeBias, itemBias, categoryBias); // [B, M, 1]
      long k = v.getShape().get(2);
      int pairs = left.length;
      NDArray vi = v.gather(index(scope, left, b.size, k), 1); // [B, P, k]
      NDArray vj = v.gather(index(scope, right, b.size, k), 1);
      NDArray interactions = vi.mul(vj); // [B, P, k]
      NDArray scores = Activation.relu(interactions.matMul(attentionWeight).add(attentionBias))
          .matMul(attentionProjection.reshape(-1, 1)).squeeze(2); // [B, P]
      NDArray alpha = scores.softmax(1);
      NDArray pooled = alpha.expandDims(1).matMul(interactions).squeeze(1); // [B, k]
      NDArray logits = pooled.matMul(output.reshape(-1, 1)).squeeze(1).add(w.sum(new int[] {1, 2})).add(bias);
      assert alpha.getShape().get(1) == pairs;
      return new NDArray[] {logits, alpha};
    }

    private static NDArray index(NDManager scope, long[] fieldsOfPairs, int batch, long k) {
      long[] idx = new long[batch * fieldsOfPairs.length * (int) k];
      int at = 0;
      for (int r = 0; r < batch; r++) {
        for (long f : fieldsOfPairs) {
          for (int c = 0; c < k; c++) idx[at++] = f;
        }
      }
      return scope.create(idx, new Shape(batch, fieldsOfPairs.length, k));
    }

    /** One vector per field [B, M, width]: user, user fields, item, mean category, mean history item. */
    private static NDArray fieldVectors(NDManager scope, CtrBatch b, Embedding users, Embedding attributes,
        Embedding items, Embedding categories) {
      NDArray u = CtrInputs.lookup(scope, users.weight(), b.user, new Shape(b.size, 1));
      NDArray f = CtrInputs.lookup(scope, attributes.weight(), b.userFields, new Shape(b.size, b.fields));
      NDArray i = CtrInputs.lookup(scope, items.weight(), b.item, new Shape(b.size, 1));
      NDArray c = CtrInputs.weightedSum(scope, categories.weight(), b.itemCategories, b.itemCategoryWeights,
          new Shape(b.size, b.slots)).expandDims(1);
      NDArray h = CtrInputs.weightedSum(scope, items.weight(), b.history, b.historyMeanWeights,
          new Shape(b.size, b.length)).expandDims(1);
      return NDArrays.concat(new NDList(u, f, i, c, h), 1);
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
