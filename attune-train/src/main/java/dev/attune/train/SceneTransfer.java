package dev.attune.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.WeightFile;
import dev.attune.kernel.TopKSelector;
import dev.attune.model.FitListener;
import dev.attune.model.ItemFilter;
import dev.attune.model.ModelParams;
import dev.attune.model.TopK;
import dev.attune.model.cf.Als;
import dev.attune.model.cf.Ease;
import dev.attune.model.cf.FactorModel;
import dev.attune.train.nn.SharedQueryAttention;
import dev.attune.train.nn.CausalSelfAttention;
import dev.attune.train.nn.Embedding;
import dev.attune.train.nn.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Multi-scene interest transfer (#5): a user active in one scene (books) and new or sparse in another (music) gets
 * recommendations there from what they did elsewhere. Trained with DJL, exported to a {@link WeightFile} that
 * {@link SceneTransferModel} serves and explains in pure Java; the contract is {@code docs/design/scene-transfer.md}.
 *
 * <p>The model, with d = {@link Params#dim} and K = {@link Params#interests}:
 * <pre>
 *   h_j  = E[j] + S[scene(j)]                           user-interest encoder: every past item with its scene
 *   x_tk = S[t] + P[k]                                  target-scene encoder: K interest features of scene t
 *   z_k  = Σ_j α_kj v_j,  α_k = softmax_j(q_k·k_j/√d)   attention between them ({@link SharedQueryAttention})
 *   g    = mean_{j∈t}(h_j) · W_o                          the target scene's own past items, if any
 *   β_ik = softmax_k(z_k · C[i])                        which interest speaks for target item i
 *   s(i) = Σ_k β_ik (z_k · C[i]) + g · C[i] + b[i]      decoder: the score of target item i
 * </pre>
 * The shared user representation is the attention over every scene's behaviour (z); the target scene's own past
 * items also get their own mean and projection W_o ({@code own_scene_projection}), so a few of them weigh as much
 * as the many of other scenes. NOTE: a mean over all past items (the first version) let the mean carry the
 * transfer and left the attention unused, and 3 music items among 45 books barely moved it: iALS on music alone
 * won at 3 music events (0.133 against 0.112 NDCG@10) and for warm users (0.089 against 0.052). E ({@code item_embedding}), C
 * ({@code target_embedding}), S ({@code scene_embedding}), P
 * ({@code interest_embedding}), b ({@code item_bias}) and the projections are shared by every scene, and any scene
 * can be the target: the same weights serve book → music and music → book. The effective attention of item i over
 * the history, Σ_k β_ik α_kj, sums to 1 and says which past events drove its score; since s(i) is linear in the
 * values, each past event's share of the score is exact ({@link SceneTransferModel#explain}).
 *
 * <p>The served score is a blend ({@link SceneTransferModel}): s(i) above, iALS fitted on the target scene alone,
 * popularity, and the target-scene items of the user's nearest training users over every scene and over the
 * target scene alone, mixed with weights chosen by the user's number of target-scene events. {@link #train} adds
 * the iALS factors, popularity and the neighbour counts ({@link #addBlend}) with a gate of (1, 0, 0, 0, 0), the
 * attention score alone;
 * {@link SceneBlendGate} tunes the gate on validation users. Why: the attention score alone lost clearly to
 * target-only iALS for warm users on Douban, and to UserKNN over both scenes for books users new to a scene (see
 * {@code docs/benchmarks.md}).
 *
 * <p>Training: one example per (user, scene t the user has items in). Its target-scene items are shuffled; the
 * first r join the input history (r uniform in 0..min(3, n − 1) for half of the examples, uniform in 0..n − 1 for
 * the rest, so the network sees cold and warm users alike) and the others are predicted from the history, which
 * also holds every item of the other scenes; each past event is then dropped with probability
 * {@link Params#historyDropout} (a denoising input, as in Mult-DAE), and a random {@link Params#maxHistory} are kept
 * when more remain.
 * Loss: the multinomial log-likelihood of the targets, −Σ_{i∈T} log softmax(s)_i (as in Mult-VAE, so a heavy user
 * weighs more and b tends to the scene's raw popularity), the softmax over every item of scene t except the
 * example's own history items; b starts at ln(1 + users of the item). A batch holds examples of one target scene. Adam, a
 * fixed number of epochs, no early stopping.
 *
 * <p>NOTE: departures from the usual cross-domain models (EMCDR, PTUPCDR, DTCDR): no user-id embedding (a user is
 * their history, so a user new to a scene is served without retraining and nothing is learned per user), and one
 * set of weights for every direction instead of a mapping per pair of domains. The first version attended from
 * every candidate item over the history; trained with sampled candidates it scored below popularity on Douban
 * (NDCG@10 0.031-0.076 against 0.108, cold music users), and full softmax was too slow with one query per
 * candidate. K interest queries per scene keep the candidate-specific reading (through β) at K dot products per
 * item, so the softmax runs over the whole target scene.
 *
 * <p>Reproducibility: initial values from the seeded store, examples from a {@link SplittableRandom} derived from
 * the seed and the epoch, one engine thread by default; same seed, same weights on one machine.
 *
 * @implNote Cost per batch of B examples with histories of length L over a target scene of M items: B·K·L·d for
 *     the attention and 2·B·K·M·d for the decoder; backward about twice that.
 */
public final class SceneTransfer {
  /** The weight file's {@code model} property. */
  public static final String MODEL_KIND = SceneTransferModel.MODEL_KIND;

  /**
   * Hyper-parameters.
   *
   * @param dim d, the width of every embedding, &gt; 0
   * @param interests K, interest queries per scene, &gt; 0
   * @param maxHistory L, the most past events read per training example, &gt; 0 (serving reads them all)
   * @param historyDropout the chance each past event of a training example is left out, in [0, 1) (a denoising
   *     input, as in Mult-DAE; at least one event is kept)
   * @param learningRate Adam's α, &gt; 0
   * @param batchSize examples per batch, &gt; 0
   * @param epochs passes over the examples, &gt; 0
   * @param seed random seed
   * @param threads intra-op threads of the PyTorch engine (process-wide), &gt; 0
   * @param cfFactors factors of the blend's iALS, fitted on each scene alone, &gt; 0
   * @param cfRegularization λ of the blend's iALS, &gt; 0
   * @param neighbours |N(H)|, the training users whose items make the blend's neighbour score s_N, &gt; 0
   * @param targetNeighbours |N_t(H)|, the same for s_U, the neighbours on the target scene's items alone, &gt; 0
   * @param easeRegularization λ of the blend's EASE, fitted on each scene alone, &gt; 0
   * @param easeNeighbours the largest EASE weights kept per item (from past items of its scene), &gt; 0
   * @param blendBuckets lower bounds of the gate's buckets of target-scene events, comma-separated, from 0 and
   *     increasing (each bucket gets its own tuned weights)
   */
  public record Params(int dim, int interests, int maxHistory, float historyDropout, float learningRate,
      int batchSize, int epochs, long seed, int threads, int cfFactors, float cfRegularization, int neighbours,
      int targetNeighbours, float easeRegularization, int easeNeighbours, String blendBuckets) {
    /**
     * d 32, K 4, L 128, history dropout 0.8, α 5e-3, batch 64, 12 epochs, seed 42, one thread. Why: Douban users
     * have 40-90 ratings per scene, so L 128 keeps nearly every history whole; d 32 because 1,566 shared users cannot
     * fill wider embeddings; without dropout the model overfit within 6 epochs and fell below popularity for cold
     * music users, with 0.8 it held 0.11-0.12 NDCG@10 from epoch 6 to 24 (0.5: peak at 6, then down); 12 epochs
     * from the validation curves of the benchmark; one thread because the machine is shared (see
     * {@link CtrTraining.Options#DEFAULTS}); the blend's iALS with 128 factors and λ 10, the setting the benchmark's
     * validation users picked most often for iALS on one Douban scene; 200 neighbours for s_N, what the validation
     * users picked most often (25 of 30 cold settings over five seeds) for UserKNN on both Douban scenes merged, and
     * 50 for s_U, in the middle of the 20-200 they picked for UserKNN on one scene (docs/benchmarks.md); EASE with λ
     * 2000, between what they picked for EASE on one Douban scene (500 for warm users, 8000 for 15 of 16 settings
     * with 1-3 events; the CLI's protocols are of both kinds), and the 100 largest weights per item, which hold most
     * of a score (a user has 40-90 items per scene); the seven buckets of {@link SceneTransferModel#DEFAULT_BUCKETS}
     * (one gate for all users with 4+ events was the same within the seed spread).
     */
    public static final Params DEFAULTS = new Params(32, 4, 128, 0.8f, 5e-3f, 64, 12, 42L, 1, 128, 10f, 200, 50,
        2000f, 100, "0,1,2,4,8,16,32");

    public Params {
      if (dim <= 0) throw new IllegalArgumentException("dim must be > 0: " + dim);
      if (interests <= 0) throw new IllegalArgumentException("interests must be > 0: " + interests);
      if (maxHistory <= 0) throw new IllegalArgumentException("maxHistory must be > 0: " + maxHistory);
      if (!(historyDropout >= 0 && historyDropout < 1)) {
        throw new IllegalArgumentException("historyDropout must be in [0, 1): " + historyDropout);
      }
      if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0: " + learningRate);
      if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be > 0: " + batchSize);
      if (epochs <= 0) throw new IllegalArgumentException("epochs must be > 0: " + epochs);
      if (threads <= 0) throw new IllegalArgumentException("threads must be > 0: " + threads);
      if (cfFactors <= 0) throw new IllegalArgumentException("cfFactors must be > 0: " + cfFactors);
      if (!(cfRegularization > 0)) throw new IllegalArgumentException("cfRegularization must be > 0: " + cfRegularization);
      if (neighbours <= 0) throw new IllegalArgumentException("neighbours must be > 0: " + neighbours);
      if (targetNeighbours <= 0) {
        throw new IllegalArgumentException("targetNeighbours must be > 0: " + targetNeighbours);
      }
      if (!(easeRegularization > 0)) {
        throw new IllegalArgumentException("easeRegularization must be > 0: " + easeRegularization);
      }
      if (easeNeighbours <= 0) throw new IllegalArgumentException("easeNeighbours must be > 0: " + easeNeighbours);
      try {
        SceneTransferModel.buckets(blendBuckets);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("blendBuckets must be comma-separated integers from 0: " + blendBuckets);
      }
    }

    /** A copy with another seed. */
    public Params withSeed(long newSeed) {
      return new Params(dim, interests, maxHistory, historyDropout, learningRate, batchSize, epochs, newSeed, threads,
          cfFactors, cfRegularization, neighbours, targetNeighbours, easeRegularization, easeNeighbours, blendBuckets);
    }

    /** A copy with another number of epochs. */
    public Params withEpochs(int newEpochs) {
      return new Params(dim, interests, maxHistory, historyDropout, learningRate, batchSize, newEpochs, seed, threads,
          cfFactors, cfRegularization, neighbours, targetNeighbours, easeRegularization, easeNeighbours, blendBuckets);
    }

    /**
     * These parameters with overrides by component name ({@code dim=16}, {@code epochs=30}...).
     *
     * @throws IllegalArgumentException for an unknown name or a bad value
     */
    public Params with(Map<String, String> overrides) {
      ModelParams o = new ModelParams("scene-transfer", overrides);
      Params p;
      try {
        p = new Params(o.integer("dim", dim), o.integer("interests", interests),
          o.integer("maxHistory", maxHistory), o.flt("historyDropout", historyDropout),
          o.flt("learningRate", learningRate), o.integer("batchSize", batchSize), o.integer("epochs", epochs),
          o.lng("seed", seed), o.integer("threads", threads), o.integer("cfFactors", cfFactors),
          o.flt("cfRegularization", cfRegularization), o.integer("neighbours", neighbours),
          o.integer("targetNeighbours", targetNeighbours), o.flt("easeRegularization", easeRegularization),
          o.integer("easeNeighbours", easeNeighbours), o.str("blendBuckets", blendBuckets));
      } catch (IllegalArgumentException e) {
        throw ModelParams.whose("scene-transfer", e); // a check of the record's ("dim must be > 0") names the model
      }
      o.checkAllUsed();
      return p;
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public SceneTransfer(Params params) {
    this.params = params;
  }

  /** The model name for reports. */
  public String name() {
    return "SceneTransfer";
  }

  /** The hyper-parameters. */
  public Params params() {
    return params;
  }

  /**
   * Trains on the positive training items of every user and scene of {@code train}. Progress:
   * {@link FitListener#progress} in examples (stage {@code "epoch e/E"}), {@link FitListener#epochEnd} with the
   * mean loss per held-out target, −log softmax(s)_i in nats (the loss trained on sums it over each example's
   * targets, whose number is drawn anew every epoch, so its per-example mean moves with the draw; on Douban it
   * stayed within 254-268 while validation NDCG@10 rose).
   *
   * @return the weights, with the scene names and each item's scene, ready for {@link SceneTransferModel}
   * @throws IllegalArgumentException if the training set has no positive interaction
   */
  public WeightFile train(TrainingSet train, FitListener listener) {
    return train(train, listener, null);
  }

  /** Receives the weights after every epoch (for learning curves and early stopping outside the trainer). */
  @FunctionalInterface
  public interface EpochWeights {
    /**
     * Called on the training thread after epoch {@code epoch} (1-based).
     *
     * @param weights a copy of the weights, as {@link #train(TrainingSet, FitListener)} would return them
     */
    void accept(int epoch, WeightFile weights);
  }

  /**
   * {@link #train(TrainingSet, FitListener)}, handing the weights to {@code afterEpoch} after every epoch.
   *
   * @param afterEpoch receives each epoch's weights, or null
   */
  public WeightFile train(TrainingSet train, FitListener listener, EpochWeights afterEpoch) {
    FitListener report = listener == null ? FitListener.NONE : listener;
    Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(params.threads());
    JniUtils.setGradMode(false); // grad mode is per thread: Adam's in-place updates need it off here
    Examples ex = Examples.of(train);
    if (ex.size() == 0) throw new IllegalArgumentException("no positive training interactions");
    requireBlendFits(train.itemScenes()); // before the epochs, not after them
    List<String> sceneNames = train.dataset().sceneNames().ids();
    // b starts at ln(1 + users of the item): the scene's popularity, which a cold user's score rests on. From zero,
    // Adam's small steps needed more epochs to reach it than the embeddings needed to overfit (measured on Douban).
    float[] logCounts = new float[train.numItems()];
    int[] counts = train.interactions().positive().itemCounts();
    for (int i = 0; i < counts.length; i++) logCounts[i] = (float) Math.log1p(counts[i]);
    try (Network net = new Network(train.numItems(), sceneNames.size(), params.dim(), params.interests(),
        DataType.FLOAT32, params.seed(), name -> name.equals("item_bias") ? logCounts : null);
        Adam adam = new Adam(net.store, params.learningRate(), 0.9f, 0.999f, 1e-8f)) {
      net.store.requireGradients();
      DivergenceWatch watch = new DivergenceWatch("learningRate (" + params.learningRate() + ")");
      for (int epoch = 0; epoch < params.epochs(); epoch++) {
        double loss = runEpoch(net, adam, ex, epoch, watch, report);
        report.epochEnd(epoch + 1, loss);
        if (afterEpoch != null) afterEpoch.accept(epoch + 1, net.toWeights(sceneNames, train.itemScenes()));
      }
      WeightFile w = net.toWeights(sceneNames, train.itemScenes());
      w.property("epochs", Integer.toString(params.epochs()));
      addBlend(w, train, params);
      return w;
    }
  }

  /**
   * Refuses a catalogue the blend cannot hold, said as this model's limits (the user did not choose EASE, the blend
   * did; a review): a scene of more than {@link Ease#MAX_ITEMS} items (EASE's dense matrix), or more than 2^24 items
   * in all (the EASE neighbours' item indices are stored as floats, exact only up to there).
   */
  static void requireBlendFits(int[] itemScenes) {
    if (itemScenes.length > SasRec.EXACT_FLOAT_INTS) {
      throw new IllegalArgumentException("scene-transfer holds item indices as 32-bit floats, exact up to "
          + SasRec.EXACT_FLOAT_INTS + " items; this catalogue has " + itemScenes.length);
    }
    Map<Integer, Integer> perScene = new HashMap<>();
    for (int s : itemScenes) perScene.merge(s, 1, Integer::sum);
    for (int n : perScene.values()) {
      if (n > Ease.MAX_ITEMS) {
        throw new IllegalArgumentException("scene-transfer blends EASE over each scene's items, and its dense " + n
            + " x " + n + " matrix takes at most " + Ease.MAX_ITEMS + " items; train a single-scene model for this"
            + " target, or one with fewer items");
      }
    }
  }

  /**
   * Adds the blend's single-scene parts to a weight file ({@code docs/design/scene-transfer.md}): per scene, iALS
   * fitted on that scene's positive training items alone ({@code cf_item_factors}, each item's row from its own
   * scene's fit), {@code item_popularity} = ln(1 + users of the item), {@code blendNeighbours} and {@code
   * blendTargetNeighbours} for the neighbours' scores (computed at serving time from the training matrix), and a
   * gate of (1, 0, 0, 0, 0) in every bucket (the attention score alone) until {@link SceneBlendGate} tunes it on
   * validation users. Replaces any earlier blend in {@code w}. Deterministic for a seed: iALS starts from the seeded
   * factors and its result does not depend on the thread count.
   *
   * @param train the training set the network was trained on
   */
  public static void addBlend(WeightFile w, TrainingSet train, Params params) {
    int numItems = train.numItems();
    int[] itemScenes = train.itemScenes();
    requireBlendFits(itemScenes);
    int numScenes = Integer.parseInt(w.property("numScenes"));
    Interactions positive = train.interactions().positive();
    int f = params.cfFactors();
    float alpha = Als.Params.DEFAULTS.alpha();
    float[] factors = new float[numItems * f];
    for (int s = 0; s < numScenes; s++) {
      // the scene's items only; other items have no entries, so their factors stay 0 and do not touch the scene's
      // fit (the same solution as iALS on a matrix of the scene's items)
      Interactions scene = onlyScene(positive, itemScenes, s);
      TrainingSet sceneSet = new TrainingSet(train.dataset(), scene, train.sequences(), train.itemFeatures(),
          itemScenes, train.latestTime());
      Als.Params p = new Als.Params(f, params.cfRegularization(), alpha, Als.Params.DEFAULTS.iterations(),
          Als.Params.DEFAULTS.cgSteps(), params.threads(), params.seed());
      FactorModel m = new Als(p).fit(sceneSet, FitListener.NONE);
      for (int i = 0; i < numItems; i++) {
        if (itemScenes[i] == s) System.arraycopy(m.itemVector(i), 0, factors, i * f, f);
      }
    }
    int kept = params.easeNeighbours();
    float[] easeItems = new float[numItems * kept];
    float[] easeWeights = new float[numItems * kept];
    Arrays.fill(easeItems, -1f);
    for (int s = 0; s < numScenes; s++) addEase(positive, itemScenes, s, params, easeItems, easeWeights);
    float[] popularity = new float[numItems];
    int[] counts = positive.itemCounts();
    for (int i = 0; i < numItems; i++) popularity[i] = (float) Math.log1p(counts[i]);
    int[] buckets = SceneTransferModel.buckets(params.blendBuckets());
    float[] gate = new float[numScenes * buckets.length * SceneTransferModel.COMPONENTS];
    for (int k = 0; k < gate.length; k += SceneTransferModel.COMPONENTS) gate[k] = 1f;
    StringBuilder bounds = new StringBuilder();
    for (int b : buckets) bounds.append(bounds.length() == 0 ? "" : ",").append(b);
    w.property("cfFactors", Integer.toString(f)).property("cfAlpha", Float.toString(alpha))
        .property("cfRegularization", Float.toString(params.cfRegularization()))
        .property("blendBuckets", bounds.toString())
        .property("blendNeighbours", Integer.toString(params.neighbours()))
        .property("blendTargetNeighbours", Integer.toString(params.targetNeighbours()))
        .property("easeRegularization", Float.toString(params.easeRegularization()));
    w.put("cf_item_factors", new int[] {numItems, f}, factors);
    w.put("ease_items", new int[] {numItems, kept}, easeItems);
    w.put("ease_weights", new int[] {numItems, kept}, easeWeights);
    w.put("item_popularity", new int[] {numItems}, popularity);
    w.put("blend_gate", new int[] {numScenes, buckets.length, SceneTransferModel.COMPONENTS}, gate);
  }

  /**
   * EASE fitted on scene {@code s} alone (its items renumbered densely, so the inverse is of the scene's size): for
   * each item i of s, the {@code easeNeighbours} largest B[j, i] over the other items j of s, largest first, into
   * row i of {@code items} (j as a float, −1 where the scene has fewer items) and {@code weights}.
   */
  private static void addEase(Interactions positive, int[] itemScenes, int s, Params params, float[] items,
      float[] weights) {
    int[] sceneItems = IntStream.range(0, itemScenes.length).filter(i -> itemScenes[i] == s).toArray();
    int n = sceneItems.length;
    if (n < 2) return; // an item is never its own neighbour: a scene of one item has none (its row stays −1)
    int[] local = new int[itemScenes.length];
    Arrays.fill(local, -1);
    for (int c = 0; c < n; c++) local[sceneItems[c]] = c;
    Interactions scene = onlyScene(positive, itemScenes, s);
    int[] indices = scene.indices().clone();
    for (int q = 0; q < indices.length; q++) indices[q] = local[indices[q]];
    Interactions compact = new Interactions(scene.numUsers(), n, scene.indptr(), indices, scene.values(),
        scene.lastTimes()); // renumbering keeps each row ascending
    float[] b = new Ease(new Ease.Params(params.easeRegularization(), Math.max(n, Ease.Params.DEFAULTS.maxItems())))
        .itemWeights(compact, FitListener.NONE);
    int kept = params.easeNeighbours();
    float[] column = new float[n];
    for (int c = 0; c < n; c++) {
      for (int r = 0; r < n; r++) column[r] = b[r * n + c];
      column[c] = Float.NaN; // B[i, i] = 0 by construction: never its own neighbour
      TopK top = TopKSelector.select(column, n, Math.min(kept, n - 1), ItemFilter.ALL);
      int i = sceneItems[c];
      for (int k = 0; k < top.size(); k++) {
        items[i * kept + k] = sceneItems[top.item(k)];
        weights[i * kept + k] = top.score(k);
      }
    }
  }

  /** The entries of {@code m} whose item is in scene {@code s}. */
  private static Interactions onlyScene(Interactions m, int[] itemScenes, int s) {
    int[] indptr = m.indptr();
    int[] indices = m.indices();
    float[] values = m.values();
    int nnz = 0;
    for (int q = 0; q < indptr[m.numUsers()]; q++) if (itemScenes[indices[q]] == s) nnz++;
    int[] users = new int[nnz];
    int[] items = new int[nnz];
    float[] weights = new float[nnz];
    int k = 0;
    for (int u = 0; u < m.numUsers(); u++) {
      for (int q = indptr[u]; q < indptr[u + 1]; q++) {
        if (itemScenes[indices[q]] != s) continue;
        users[k] = u;
        items[k] = indices[q];
        weights[k++] = values[q];
      }
    }
    return Interactions.fromTriples(m.numUsers(), m.numItems(), users, items, weights);
  }

  private double runEpoch(Network net, Adam adam, Examples ex, int epoch, DivergenceWatch watch,
      FitListener report) {
    long seed = new SplittableRandom(params.seed() ^ (0x9E3779B97F4A7C15L * (epoch + 1))).nextLong();
    Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    SplittableRandom random = new SplittableRandom(seed);
    List<int[]> batches = ex.batches(params.batchSize(), random);
    String stage = "epoch " + (epoch + 1) + "/" + params.epochs();
    double lossSum = 0;
    long targets = 0;
    long done = 0;
    int skipped = 0;
    for (int[] rows : batches) {
      Batch batch = ex.batch(rows, params, random);
      try (NDManager scope = net.manager.newSubManager()) {
        net.store.attachTo(scope);
        float value;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray loss = net.loss(scope, batch);
          value = loss.getFloat();
          collector.backward(loss);
        }
        if (Float.isFinite(value) && SequenceTraining.gradientsFinite(net.store, scope)) {
          adam.update(net.store, scope);
          lossSum += value * (double) rows.length; // the batch's loss is a mean over its examples
          targets += batch.targetCount();
          // per target, as the epoch's printed loss is: the limit then reads against the numbers shown
          watch.trained(value * (double) rows.length / Math.max(1, batch.targetCount()), batch.targetCount());
        } else if ((skipped = watch.skipped()) == 1) {
          report.status("skipped a batch with a non-finite loss or gradient at epoch " + (epoch + 1));
        }
        net.store.zeroGradients();
      }
      done += rows.length;
      report.progress(stage, done, ex.size());
    }
    if (skipped > 1) report.status("epoch " + (epoch + 1) + ": skipped " + skipped + " batches with non-finite gradients");
    watch.endEpoch(epoch);
    return targets == 0 ? Double.NaN : lossSum / targets;
  }

  // ---------------------------------------------------------------- examples and batches

  /** Every user's positive items by scene, and the (user, target scene) examples. */
  static final class Examples {
    /** items[u][s]: user u's positive training items of scene s, ascending. */
    final int[][][] items;
    /** Items of each scene, ascending. */
    final int[][] sceneItems;
    final int[] itemScenes;
    /** Example k is (exampleUser[k], exampleScene[k]). */
    final int[] exampleUser;
    final int[] exampleScene;

    private Examples(int[][][] items, int[][] sceneItems, int[] itemScenes, int[] exampleUser, int[] exampleScene) {
      this.items = items;
      this.sceneItems = sceneItems;
      this.itemScenes = itemScenes;
      this.exampleUser = exampleUser;
      this.exampleScene = exampleScene;
    }

    static Examples of(TrainingSet train) {
      int numScenes = train.dataset().sceneNames().size();
      int[] itemScenes = train.itemScenes();
      Interactions positive = train.interactions().positive();
      int[][][] items = new int[train.numUsers()][numScenes][];
      int[] counts = new int[numScenes];
      List<Integer> users = new ArrayList<>();
      List<Integer> scenes = new ArrayList<>();
      for (int u = 0; u < train.numUsers(); u++) {
        int[] row = positive.row(u);
        Arrays.fill(counts, 0);
        for (int i : row) counts[itemScenes[i]]++;
        for (int s = 0; s < numScenes; s++) items[u][s] = new int[counts[s]];
        Arrays.fill(counts, 0);
        for (int i : row) items[u][itemScenes[i]][counts[itemScenes[i]]++] = i;
        for (int s = 0; s < numScenes; s++) {
          if (counts[s] > 0) {
            users.add(u);
            scenes.add(s);
          }
        }
      }
      int[] sceneCounts = new int[numScenes];
      for (int s : itemScenes) sceneCounts[s]++;
      int[][] sceneItems = new int[numScenes][];
      for (int s = 0; s < numScenes; s++) sceneItems[s] = new int[sceneCounts[s]];
      Arrays.fill(sceneCounts, 0);
      for (int i = 0; i < itemScenes.length; i++) sceneItems[itemScenes[i]][sceneCounts[itemScenes[i]]++] = i;
      return new Examples(items, sceneItems, itemScenes, users.stream().mapToInt(Integer::intValue).toArray(),
          scenes.stream().mapToInt(Integer::intValue).toArray());
    }

    int size() {
      return exampleUser.length;
    }

    /** Examples cut into batches of one target scene each, shuffled within the scene, batch order shuffled. */
    List<int[]> batches(int batchSize, SplittableRandom random) {
      int[] order = new int[size()];
      for (int k = 0; k < order.length; k++) order[k] = k;
      shuffle(order, order.length, random);
      List<int[]> out = new ArrayList<>();
      for (int s = 0; s < sceneItems.length; s++) {
        int[] buffer = new int[batchSize];
        int n = 0;
        for (int k : order) {
          if (exampleScene[k] != s) continue;
          buffer[n++] = k;
          if (n == batchSize) {
            out.add(buffer.clone());
            n = 0;
          }
        }
        if (n > 0) out.add(Arrays.copyOf(buffer, n));
      }
      for (int j = out.size() - 1; j > 0; j--) {
        int k = random.nextInt(j + 1);
        int[] t = out.get(j);
        out.set(j, out.get(k));
        out.set(k, t);
      }
      return out;
    }

    /** Draws each example's history and targets; the candidates are every item of the target scene. */
    Batch batch(int[] rows, Params p, SplittableRandom random) {
      int b = rows.length;
      int target = exampleScene[rows[0]];
      int[][] histories = new int[b][];
      int[][] targets = new int[b][];
      int[][] known = new int[b][];
      for (int e = 0; e < b; e++) {
        int u = exampleUser[rows[e]];
        int[] own = items[u][target].clone();
        int n = own.length;
        shuffle(own, n, random);
        int kept = random.nextBoolean() ? random.nextInt(Math.min(4, n)) : random.nextInt(n);
        int total = kept;
        for (int s = 0; s < items[u].length; s++) total += s == target ? 0 : items[u][s].length;
        int[] history = new int[total]; // other scenes' items plus the kept ones
        int h = 0;
        for (int s = 0; s < items[u].length; s++) {
          if (s == target) continue;
          int[] other = items[u][s];
          System.arraycopy(other, 0, history, h, other.length);
          h += other.length;
        }
        System.arraycopy(own, 0, history, h, kept);
        h += kept;
        if (p.historyDropout() > 0 && h > 1) {
          int w = 0;
          for (int j = 0; j < h; j++) if (random.nextDouble() >= p.historyDropout()) history[w++] = history[j];
          if (w == 0) history[w++] = history[random.nextInt(h)];
          h = w;
        }
        if (h > p.maxHistory()) {
          shuffle(history, h, random);
          h = p.maxHistory();
        }
        histories[e] = Arrays.copyOf(history, h);
        targets[e] = Arrays.copyOfRange(own, kept, n);
        known[e] = Arrays.copyOf(own, kept);
      }
      Batch batch = Batch.forScoring(histories, itemScenes, target, sceneItems[target]);
      int m = batch.m;
      for (int e = 0; e < b; e++) {
        // every kept item is masked, also one that dropout or the length cut took out of the history: it is one the
        // user is known to like, and as a candidate labelled 0 the loss would push it down (a review counted 1,741
        // such negatives in an epoch of a small planted set); serving excludes such items from the ranking anyway
        for (int i : known[e]) {
          batch.candidateMask[e * m + Arrays.binarySearch(sceneItems[target], i)] = (float) CausalSelfAttention.MASKED;
        }
        for (int i : targets[e]) batch.labels[e * m + Arrays.binarySearch(sceneItems[target], i)] = 1f;
      }
      return batch;
    }

    private static void shuffle(int[] a, int n, SplittableRandom random) {
      for (int j = n - 1; j > 0; j--) {
        int k = random.nextInt(j + 1);
        int t = a[j];
        a[j] = a[k];
        a[k] = t;
      }
    }
  }

  /**
   * One batch, row-major arrays: B examples of one target scene, histories padded to L, M shared candidates.
   */
  static final class Batch {
    final int b;
    final int l;
    final int m;
    final int targetScene;
    /** [B, L] item indices (0 at padding). */
    final long[] history;
    /** [B, L] scene of each history item. */
    final long[] historyScenes;
    /** [B, L] additive: 0 at real steps, MASKED at padding. */
    final float[] historyMask;
    /** [B, L] 1 at real steps of the target scene. */
    final float[] ownSteps;
    /** [B] 1 when the row has a history. */
    final float[] hasHistory;
    /** [B] 1 / max(1, steps of the target scene). */
    final float[] inverseOwn;
    /** [M] candidate items. */
    final long[] candidates;
    /** [B, M] additive: MASKED where the candidate is in the row's history. */
    final float[] candidateMask;
    /** [B, M] 1 at the row's targets. */
    final float[] labels;

    Batch(int b, int l, int m, int targetScene) {
      this.b = b;
      this.l = l;
      this.m = m;
      this.targetScene = targetScene;
      this.history = new long[b * l];
      this.historyScenes = new long[b * l];
      this.historyMask = new float[b * l];
      this.ownSteps = new float[b * l];
      this.hasHistory = new float[b];
      this.inverseOwn = new float[b];
      this.candidates = new long[m];
      this.candidateMask = new float[b * m];
      this.labels = new float[b * m];
    }

    /** The number of targets (labels set to 1) over the batch's rows. */
    long targetCount() {
      long n = 0;
      for (float y : labels) if (y > 0) n++;
      return n;
    }

    /**
     * A batch of given histories against given candidates (no labels), for scoring and the parity test.
     *
     * @param histories past item indices per row
     * @param itemScenes scene of every item
     */
    static Batch forScoring(int[][] histories, int[] itemScenes, int targetScene, int[] candidates) {
      int longest = 1;
      for (int[] h : histories) longest = Math.max(longest, h.length);
      Batch batch = new Batch(histories.length, longest, candidates.length, targetScene);
      for (int c = 0; c < candidates.length; c++) batch.candidates[c] = candidates[c];
      for (int e = 0; e < histories.length; e++) {
        int[] h = histories[e];
        for (int j = 0; j < longest; j++) {
          boolean real = j < h.length;
          int item = real ? h[j] : 0;
          batch.history[e * longest + j] = item;
          batch.historyScenes[e * longest + j] = itemScenes[item];
          batch.historyMask[e * longest + j] = real ? 0f : (float) CausalSelfAttention.MASKED;
          boolean own = real && itemScenes[item] == targetScene;
          batch.ownSteps[e * longest + j] = own ? 1f : 0f;
        }
        int own = 0;
        for (int i : h) if (itemScenes[i] == targetScene) own++;
        batch.hasHistory[e] = h.length > 0 ? 1f : 0f;
        batch.inverseOwn[e] = 1f / Math.max(1, own);
      }
      return batch;
    }
  }

  // ---------------------------------------------------------------- the network

  /**
   * The DJL network: parameters named as in the weight-file contract and the forward pass of the class
   * documentation. Not thread-safe.
   */
  public static final class Network implements AutoCloseable {
    final NDManager manager;
    final ParameterStore store;
    private final int numItems;
    private final int dim;
    private final int interests;
    private final NDArray items;
    private final NDArray targets;
    private final NDArray scenes;
    private final NDArray interestEmbedding;
    private final NDArray bias;
    private final NDArray ownProjection;
    private final SharedQueryAttention attention;
    private float[] lastAttention;

    /**
     * Creates the parameters: embeddings N(0, 0.1²), projections Xavier-normal, biases zero (unless preset).
     *
     * @param preset parameter name to values (a loaded weight file), or null to initialise from the seed
     */
    public Network(int numItems, int numScenes, int dim, int interests, DataType dataType, long seed,
        Function<String, float[]> preset) {
      this.manager = NDManager.newBaseManager("PyTorch");
      this.store = new ParameterStore(manager, dataType, seed);
      store.preset(preset);
      this.numItems = numItems;
      this.dim = dim;
      this.interests = interests;
      this.items = store.normal("item_embedding", 0.1, numItems, dim);
      this.targets = store.normal("target_embedding", 0.1, numItems, dim);
      this.scenes = store.normal("scene_embedding", 0.1, numScenes, dim);
      this.interestEmbedding = store.normal("interest_embedding", 0.1, interests, dim);
      this.bias = store.zeros("item_bias", numItems, 1);
      this.ownProjection = store.xavier("own_scene_projection", dim, dim);
      this.attention = new SharedQueryAttention(store, "attention", dim);
    }

    /**
     * Rebuilds a network from its weight file (float32).
     *
     * @throws IllegalArgumentException if the file is not a scene-transfer weight file
     */
    public static Network fromWeights(WeightFile w) {
      if (!MODEL_KIND.equals(w.propertyOr("model", null))) {
        throw new IllegalArgumentException("not a " + MODEL_KIND + " weight file");
      }
      return new Network(Integer.parseInt(w.property("numItems")), Integer.parseInt(w.property("numScenes")),
          Integer.parseInt(w.property("dim")), Integer.parseInt(w.property("interests")), DataType.FLOAT32, 0L,
          name -> w.has(name) ? w.tensor(name).values() : null);
    }

    /** The trainable parameters. */
    public ParameterStore parameters() {
      return store;
    }

    /**
     * The scores s(i) of every candidate for every row [B, M].
     *
     * @param keepAttention whether to copy the effective attention Σ_k β_ik α_kj out for
     *     {@link #lastAttentionWeights}
     */
    NDArray scores(NDManager scope, Batch batch, boolean keepAttention) {
      DataType type = items.getDataType();
      NDArray history = scope.create(batch.history, new Shape(batch.b, batch.l));
      NDArray historyScenes = scope.create(batch.historyScenes, new Shape(batch.b, batch.l));
      NDArray h = Embedding.lookup(items, history).add(Embedding.lookup(scenes, historyScenes)); // [B, L, d]
      NDArray target = scope.create(new long[] {batch.targetScene}, new Shape(1));
      NDArray x = interestEmbedding.add(Embedding.lookup(scenes, target)); // [K, d]
      NDArray mask = constant(scope, batch.historyMask, type, batch.b, batch.l);
      NDArray has = constant(scope, batch.hasHistory, type, batch.b, 1);
      SharedQueryAttention.Output att = attention.forward(x, h, mask, has); // pooled z [B, K, d]
      NDArray own = constant(scope, batch.ownSteps, type, batch.b, batch.l, 1);
      NDArray inverseOwn = constant(scope, batch.inverseOwn, type, batch.b, 1);
      NDArray g = h.mul(own).sum(new int[] {1}).mul(inverseOwn).matMul(ownProjection); // [B, d]
      NDArray candidates = scope.create(batch.candidates, new Shape(batch.m));
      NDArray c = Embedding.lookup(targets, candidates); // [M, d]
      NDArray ct = c.transpose(); // [d, M]
      NDArray perInterest = att.pooled().matMul(ct); // z_k · C[i], [B, K, M]
      NDArray beta = perInterest.softmax(1);
      NDArray b = Embedding.lookup(bias, candidates).reshape(1, batch.m); // [1, M]
      NDArray s = beta.mul(perInterest).sum(new int[] {1}).add(g.matMul(ct)).add(b); // [B, M]
      lastAttention = keepAttention
          ? beta.transpose(0, 2, 1).matMul(att.weights()).toType(DataType.FLOAT32, false).toFloatArray() : null;
      return s;
    }

    /** The batch's mean multinomial loss (a scalar). */
    NDArray loss(NDManager scope, Batch batch) {
      DataType type = items.getDataType();
      NDArray s = scores(scope, batch, false).add(constant(scope, batch.candidateMask, type, batch.b, batch.m));
      NDArray y = constant(scope, batch.labels, type, batch.b, batch.m);
      return s.logSoftmax(1).mul(y).sum(new int[] {1}).neg().mean();
    }

    /**
     * Scores candidates for given histories without recording a graph (for tests and the parity check).
     *
     * @param histories past item indices per row
     * @param itemScenes scene of every item
     * @return [rows × candidates] scores, row-major
     */
    public float[] score(int[][] histories, int[] itemScenes, int targetScene, int[] candidates) {
      Batch batch = Batch.forScoring(histories, itemScenes, targetScene, candidates);
      try (NDManager scope = manager.newSubManager()) {
        store.attachTo(scope);
        return scores(scope, batch, true).toType(DataType.FLOAT32, false).toFloatArray();
      }
    }

    /**
     * The effective attention weights Σ_k β_ik α_kj [B, M, L] of the last {@link #score} call (L = its longest
     * history).
     */
    public float[] lastAttentionWeights() {
      return lastAttention.clone();
    }

    private static NDArray constant(NDManager scope, float[] values, DataType type, long... shape) {
      return ParameterStore.engineOwned(scope.create(values, new Shape(shape)).toType(type, false));
    }

    /**
     * The parameters and properties as the weight file {@link SceneTransferModel} reads.
     *
     * @param sceneNames scene names by index
     * @param itemScenes scene index of every item
     */
    public WeightFile toWeights(List<String> sceneNames, int[] itemScenes) {
      if (itemScenes.length != numItems) {
        throw new IllegalArgumentException("itemScenes covers " + itemScenes.length + " items, not " + numItems);
      }
      WeightFile w = new WeightFile().property("model", MODEL_KIND).property("numItems", Integer.toString(numItems))
          .property("numScenes", Integer.toString(sceneNames.size())).property("dim", Integer.toString(dim))
          .property("interests", Integer.toString(interests))
          .property("scenes", SceneTransferModel.joinSceneNames(sceneNames));
      for (String name : store.names()) {
        int[] shape = name.equals("item_bias") ? new int[] {numItems} : store.shape(name);
        w.put(name, shape, store.values(name));
      }
      float[] scenesOfItems = new float[numItems];
      for (int i = 0; i < numItems; i++) scenesOfItems[i] = itemScenes[i];
      w.put("item_scenes", new int[] {numItems}, scenesOfItems);
      return w;
    }

    @Override
    public void close() {
      manager.close();
    }
  }
}
