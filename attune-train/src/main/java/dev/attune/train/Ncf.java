package dev.attune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.attune.data.CtrDataset;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.Mlp;
import dev.attune.train.nn.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Neural collaborative filtering (NeuMF: GMF and an MLP side by side), the deep collaborative-filtering baseline
 * of the ranking models, trained pointwise with {@link CtrTraining}.
 *
 * <p>Follows He et al., "Neural Collaborative Filtering" (WWW 2017), §3.4: φ_GMF = p_u^G ⊙ q_i^G, φ_MLP = the
 * tower over [p_u^M ; q_i^M], ŷ = σ(hᵀ [φ_GMF ; φ_MLP]). Paper symbols: p^G, q^G = {@code gmf_user},
 * {@code gmf_item}; p^M, q^M = {@code mlp_user}, {@code mlp_item} (k = {@link Params#dim} each); the tower =
 * {@code tower} (widths 2k → {@link Params#tower}, ReLU after every layer); h = {@code output} (a
 * {@link Mlp} of one layer, with a bias).
 *
 * <p>NOTE: departures: no pre-training of GMF and MLP (the paper's optional §3.4.1); the loss is the CTR task's
 * observed positives and negatives (ratings), not sampled unobserved items; item tables have a padding row 0 so
 * tokens match the other CTR models. NCF reads ids only: no user fields, categories or history, which is what
 * makes it the pure collaborative baseline.
 *
 * @implNote Cost per impression: k + the tower's multiply-adds.
 */
public final class Ncf implements CtrTrainer {
  /** Value of the {@code model} property. */
  public static final String MODEL_KIND = "ncf";

  /**
   * Hyper-parameters.
   *
   * @param dim k, the width of each of the four embeddings, &gt; 0
   * @param tower widths of the MLP tower after its 2k input, non-empty, each &gt; 0
   * @param training the shared loop's options, non-null
   */
  public record Params(int dim, int[] tower, CtrTraining.Options training) {
    /** k 16, tower 32 → 16 → 8 (the paper's halving tower for a predictive factor of 8), the loop's defaults. */
    public static final Params DEFAULTS = new Params(16, new int[] {32, 16, 8}, CtrTraining.Options.DEFAULTS);

    public Params {
      if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
      if (tower == null || tower.length == 0 || training == null) {
        throw new IllegalArgumentException("tower and training must be set");
      }
      tower = tower.clone();
      for (int t : tower) if (t <= 0) throw new IllegalArgumentException("tower widths must be > 0");
    }

    /** A copy with other training options. */
    public Params withTraining(CtrTraining.Options newTraining) {
      return new Params(dim, tower, newTraining);
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public Ncf(Params params) {
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
    properties.put("tower", Din.join(params.tower()));
    return CtrTraining.train(data, params.training(),
        preset -> new Network(properties, DataType.FLOAT32, params.training().seed(), preset), listener);
  }

  /** NeuMF on DJL. Owns a base {@link NDManager}. Not thread-safe. */
  public static final class Network implements CtrNetwork {
    private final Map<String, String> properties;
    private final NDManager manager;
    private final ParameterStore store;
    private final Embedding gmfUser;
    private final Embedding gmfItem;
    private final Embedding mlpUser;
    private final Embedding mlpItem;
    private final Mlp tower;
    private final Mlp output;

    /** Builds a network of the shape {@code properties} give (see {@link Ncf#train}). */
    public Network(Map<String, String> properties, DataType dataType, long seed, Function<String, float[]> preset) {
      // insertion order, not Map.copyOf's per-run order: the same seed writes the same weight file byte for byte
      this.properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
      this.manager = NDManager.newBaseManager("PyTorch");
      this.store = new ParameterStore(manager, dataType, seed);
      store.preset(preset);
      int k = Integer.parseInt(properties.get("dim"));
      int users = Integer.parseInt(properties.get("numUsers"));
      int items = Integer.parseInt(properties.get("numItems")) + 1;
      int[] widths = Din.split(properties.get("tower"));
      this.gmfUser = new Embedding(store, "gmf_user", users, k, false);
      this.gmfItem = new Embedding(store, "gmf_item", items, k, true);
      this.mlpUser = new Embedding(store, "mlp_user", users, k, false);
      this.mlpItem = new Embedding(store, "mlp_item", items, k, true);
      int[] towerWidths = new int[widths.length + 1];
      towerWidths[0] = 2 * k;
      System.arraycopy(widths, 0, towerWidths, 1, widths.length);
      this.tower = new Mlp(store, "tower", towerWidths);
      this.output = new Mlp(store, "output", k + widths[widths.length - 1], 1);
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
      Shape rows = new Shape(b.size);
      NDArray gmf = CtrInputs.lookup(scope, gmfUser.weight(), b.user, rows)
          .mul(CtrInputs.lookup(scope, gmfItem.weight(), b.item, rows));
      NDArray mlpIn = CtrInputs.lookup(scope, mlpUser.weight(), b.user, rows)
          .concat(CtrInputs.lookup(scope, mlpItem.weight(), b.item, rows), 1);
      // Mlp leaves its last layer linear; NeuMF's tower has ReLU after every layer.
      NDArray mlp = ai.djl.nn.Activation.relu(tower.forward(mlpIn));
      return output.forward(gmf.concat(mlp, 1)).squeeze(1);
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
