package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.attune.data.CtrDataset;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.nn.CausalSelfAttention;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Sequential hierarchical attention network: attention over the user's long-term items gives a long-term vector,
 * then attention over that vector and the recent (short-term) items gives the user's hybrid representation,
 * trained as click prediction with {@link CtrTraining}; the weights of both levels are exposed.
 *
 * <p>Follows Ying et al., "Sequential Recommender System based on Hierarchical Attention Network" (IJCAI 2018).
 * Paper symbols: u = {@code user_embedding}, v_j = {@code item_embedding} (width d = {@link Params#dim}); layer 1
 * h1_j = ReLU(W1 v_j + b1), α_j = softmax of uᵀ h1_j over the long-term set L, u_long = Σ α_j v_j
 * ({@code long.weight}, {@code long.bias}); layer 2 over x ∈ {u_long} ∪ S: h2 = ReLU(W2 x + b2), β = softmax of
 * uᵀ h2, u_hybrid = β_0 u_long + Σ_j β_j v_j ({@code short.weight}, {@code short.bias}).
 *
 * <p>NOTE: departures. (1) MovieLens has no sessions: the short-term set S is the newest {@link Params#session}
 * items of the history window and the long-term set the older ones in the window. (2) The paper ranks items with
 * a BPR loss on u_hybrid · v_c; here the logit is u_hybrid · v_c + {@code item_bias}[c] + {@code bias}, trained
 * pointwise like the other CTR models. (3) A level without any real input pools to zero: u_long = 0 without
 * long-term items (and it is then masked in level 2); u_hybrid = 0 without history.
 *
 * @implNote Cost per impression: L·d² for the two projections plus O(L·d).
 */
public final class Shan implements CtrTrainer {
  /** Value of the {@code model} property. */
  public static final String MODEL_KIND = "shan";

  /**
   * Hyper-parameters.
   *
   * @param dim d, &gt; 0
   * @param session |S|, the newest history items treated as short-term, in [1, maxHistory)
   * @param training the shared loop's options, non-null
   */
  public record Params(int dim, int session, CtrTraining.Options training) {
    /** d 16 as the other CTR models here, a short-term set of the newest 5 items, the loop's defaults. */
    public static final Params DEFAULTS = new Params(16, 5, CtrTraining.Options.DEFAULTS);

    public Params {
      if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
      if (training == null) throw new IllegalArgumentException("training must not be null");
      if (session <= 0 || session >= training.maxHistory()) {
        throw new IllegalArgumentException("session must be in [1, maxHistory): session " + session + ", maxHistory "
            + training.maxHistory());
      }
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public Shan(Params params) {
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
    properties.put("numItems", Integer.toString(data.numItems()));
    properties.put("dim", Integer.toString(params.dim()));
    properties.put("session", Integer.toString(params.session()));
    properties.put("maxHistory", Integer.toString(params.training().maxHistory()));
    return CtrTraining.train(data, params.training(),
        preset -> new Network(properties, DataType.FLOAT32, params.training().seed(), preset), listener);
  }

  /** SHAN on DJL. Owns a base {@link NDManager}. Not thread-safe. */
  public static final class Network implements CtrNetwork {
    private final Map<String, String> properties;
    private final NDManager manager;
    private final ParameterStore store;
    private final int session;
    private final Embedding user;
    private final Embedding item;
    private final Embedding itemBias;
    private final NDArray bias;
    private final NDArray longWeight;
    private final NDArray longBias;
    private final NDArray shortWeight;
    private final NDArray shortBias;

    /**
     * The attention weights of a batch.
     *
     * @param longTerm α over the long-term positions [B, L − |S|] (left-padded as the history)
     * @param shortTerm β over [u_long, the |S| short-term positions] [B, 1 + |S|]
     */
    public record Weights(float[] longTerm, float[] shortTerm) {}

    /** Builds a network of the shape {@code properties} give (see {@link Shan#train}). */
    public Network(Map<String, String> properties, DataType dataType, long seed, Function<String, float[]> preset) {
      // insertion order, not Map.copyOf's per-run order: the same seed writes the same weight file byte for byte
      this.properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
      this.manager = NDManager.newBaseManager("PyTorch");
      this.store = new ParameterStore(manager, dataType, seed);
      store.preset(preset);
      int d = Integer.parseInt(properties.get("dim"));
      this.session = Integer.parseInt(properties.get("session"));
      this.user = new Embedding(store, "user_embedding", Integer.parseInt(properties.get("numUsers")), d, false);
      int items = Integer.parseInt(properties.get("numItems")) + 1;
      this.item = new Embedding(store, "item_embedding", items, d, true);
      this.itemBias = new Embedding(store.zeros("item_bias", items, 1));
      this.bias = store.zeros("bias", 1);
      this.longWeight = store.xavier("long.weight", d, d);
      this.longBias = store.zeros("long.bias", d);
      this.shortWeight = store.xavier("short.weight", d, d);
      this.shortBias = store.zeros("short.bias", d);
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

    /** The weights of both attention levels for a batch (inference mode). */
    public Weights weights(CtrBatch b) {
      try (NDManager scope = manager.newSubManager()) {
        store.attachTo(scope);
        NDArray[] f = forward(scope, b);
        return new Weights(f[1].toType(DataType.FLOAT32, false).toFloatArray(),
            f[2].toType(DataType.FLOAT32, false).toFloatArray());
      }
    }

    /** Logits [B], α [B, L − S], β [B, 1 + S]. */
    private NDArray[] forward(NDManager scope, CtrBatch b) {
      if (session >= b.length) throw new IllegalArgumentException("session " + session + " >= window " + b.length);
      DataType dt = store.dataType();
      int longLength = b.length - session;
      float[] longMask = new float[b.size * longLength];
      float[] levelTwoMask = new float[b.size * (1 + session)];
      float[] hasLong = new float[b.size];
      for (int r = 0; r < b.size; r++) {
        for (int j = 0; j < longLength; j++) longMask[r * longLength + j] = b.historyAdditiveMask[r * b.length + j];
        // left padding: the long-term set has an item iff its newest position does
        boolean any = b.historyAdditiveMask[r * b.length + longLength - 1] == 0f;
        hasLong[r] = any ? 1f : 0f;
        levelTwoMask[r * (1 + session)] = any ? 0f : (float) CausalSelfAttention.MASKED;
        for (int j = 0; j < session; j++) {
          levelTwoMask[r * (1 + session) + 1 + j] = b.historyAdditiveMask[r * b.length + longLength + j];
        }
      }
      NDArray u = CtrInputs.lookup(scope, user.weight(), b.user, new Shape(b.size)); // [B, d]
      NDArray uColumn = u.expandDims(2); // [B, d, 1]
      NDArray v = CtrInputs.lookup(scope, item.weight(), b.history, new Shape(b.size, b.length)); // [B, L, d]
      NDArray vLong = v.get(":, 0:" + longLength);
      NDArray vShort = v.get(":, " + longLength + ":");
      NDArray s1 = Activation.relu(vLong.matMul(longWeight).add(longBias)).matMul(uColumn).squeeze(2);
      NDArray alpha = s1.add(CtrInputs.constant(scope, longMask, new Shape(b.size, longLength), dt)).softmax(1);
      NDArray uLong = alpha.expandDims(1).matMul(vLong)
          .mul(CtrInputs.constant(scope, hasLong, new Shape(b.size, 1, 1), dt)); // [B, 1, d]
      NDArray x = uLong.concat(vShort, 1); // [B, 1 + S, d]
      NDArray s2 = Activation.relu(x.matMul(shortWeight).add(shortBias)).matMul(uColumn).squeeze(2);
      NDArray beta = s2.add(CtrInputs.constant(scope, levelTwoMask, new Shape(b.size, 1 + session), dt)).softmax(1);
      NDArray hybrid = beta.expandDims(1).matMul(x).squeeze(1)
          .mul(CtrInputs.constant(scope, b.hasHistory, new Shape(b.size, 1), dt)); // [B, d]
      NDArray candidate = CtrInputs.lookup(scope, item.weight(), b.item, new Shape(b.size));
      NDArray logits = hybrid.mul(candidate).sum(new int[] {1})
          .add(CtrInputs.lookup(scope, itemBias.weight(), b.item, new Shape(b.size)).squeeze(1)).add(bias);
      return new NDArray[] {logits, alpha, beta};
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
