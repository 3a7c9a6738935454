package dev.attune.model.cf;

import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.kernel.SpdInverse;
import dev.attune.kernel.TopKSelector;
import dev.attune.kernel.VectorOps;
import dev.attune.model.Explainable;
import dev.attune.model.Explanation;
import dev.attune.model.FitListener;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.ScoringRecommender;
import dev.attune.model.TopK;
import dev.attune.model.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * EASE: an item-item linear model with a closed-form solution.
 *
 * <p>Follows Steck, "Embarrassingly Shallow Autoencoders for Sparse Data" (WWW 2019). Paper symbols: X is
 * the user × item matrix of positive weights; λ = {@link Params#regularization}; P = (XᵀX + λI)⁻¹;
 * B_ij = −P_ij / P_jj with B_jj = 0. A user's scores are x_u B.
 *
 * <p>NOTE: the paper uses binary X; we use the summed positive event weights, which equal 1 for plain
 * implicit data and carry play counts (log-scaled) or purchase strength when present.
 *
 * <p>Cost of {@code fit}: O(Σ_u |row_u|²) for the Gram matrix plus O(m³) for the SPD inverse over the m items
 * with entries ({@link SpdInverse}, in place, all cores), and 8 m² + 4 items² bytes while fitting. Items beyond
 * {@link Params#maxItems}, or those bytes times 1.7 beyond the heap's limit, are refused rather than left to exhaust
 * memory.
 */
public final class Ease implements Trainer<Ease.Model> {

  /**
   * Hyper-parameters.
   *
   * @param regularization λ added to the Gram diagonal, &gt; 0
   * @param maxItems largest catalogue accepted, &gt; 0 (a catalogue of n items needs about 12 n² bytes)
   */
  public record Params(float regularization, int maxItems) {
    /** λ 500 (the paper's ML-20M setting is of this order), at most 20,000 items. */
    public static final Params DEFAULTS = new Params(500f, 20_000);

    public Params {
      if (!(regularization > 0)) throw new IllegalArgumentException("regularization must be > 0: " + regularization);
      if (maxItems <= 0 || maxItems > MAX_ITEMS) {
        throw new IllegalArgumentException("maxItems must be in [1, " + MAX_ITEMS + "] (a dense n x n matrix in one"
            + " array): " + maxItems);
      }
    }
  }

  /** The largest catalogue whose n x n matrix one Java array holds (46,340² &lt; 2^31). */
  public static final int MAX_ITEMS = 46_340;

  private final Params params;

  public Ease(Params params) {
    this.params = params;
  }

  @Override
  public String name() {
    return "Ease";
  }

  /**
   * Fits B.
   *
   * @throws IllegalArgumentException if the catalogue exceeds {@link Params#maxItems} or its matrices the heap
   */
  @Override
  public Model fit(TrainingSet train, FitListener listener) {
    return new Model(train.interactions(), itemWeights(train.interactions().positive(), listener));
  }

  /**
   * B of the class documentation for the positive matrix {@code x}, row-major [items, items]: a user's scores are
   * Σ_j x_uj B[j, ·].
   *
   * @throws IllegalArgumentException if the catalogue exceeds {@link Params#maxItems} or its matrices the heap
   * @throws IllegalArgumentException if the Gram matrix plus the regularization is not positive definite
   */
  public float[] itemWeights(Interactions x, FitListener listener) {
    int numItems = x.numItems();
    if (numItems > MAX_ITEMS) {
      // its matrices are Java arrays of numItems² entries: past 46,340 items the size wrapped around int and the fit
      // ended in NegativeArraySizeException (a review), whatever maxItems said
      throw new IllegalArgumentException("EASE holds a dense " + numItems + " x " + numItems + " matrix in one array,"
          + " which takes at most " + MAX_ITEMS + " items; leave EASE out for this catalogue");
    }
    if (numItems > params.maxItems()) {
      throw new IllegalArgumentException("EASE needs a dense " + numItems + " x " + numItems + " matrix; the limit is "
          + params.maxItems() + " items (raise maxItems if memory allows)");
    }
    // An item without entries has a Gram row and column of 0 but for λ on the diagonal, so the inverse is block
    // diagonal and its weights to and from every other item are 0: the inverse is taken over the items with entries
    // only (a catalogue of several scenes fitted on one of them costs that scene's size, not the catalogue's).
    int[] counts = x.itemCounts();
    int[] active = IntStream.range(0, numItems).filter(i -> counts[i] > 0).toArray();
    int[] local = new int[numItems];
    Arrays.fill(local, -1);
    for (int a = 0; a < active.length; a++) local[active[a]] = a;
    int n = active.length;
    // refused before the O(n³) work, not by an OutOfMemoryError after it: the Gram matrix (doubles) and B (floats over
    // the whole catalogue) live side by side
    long needed = 8L * n * n + 4L * numItems * numItems;
    long heap = Runtime.getRuntime().maxMemory();
    // the arrays must fit the collector's old generation, about 2/3 of the heap with the parallel collector: on
    // ML-1M, heaps up to 1.6 times these bytes still ran out of memory (a QA run, 2026-12-05)
    if (needed * 1.7 > heap) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "EASE on %,d items needs about %.1f GB of heap for"
          + " its matrices, and this JVM may use %.1f GB: give it more (ATTUNE_JAVA_OPTS=-Xmx...) or leave EASE out",
          numItems, needed / 1e9, heap / 1e9));
    }
    double[] gram = new double[n * n];
    int[] indptr = x.indptr();
    int[] indices = x.indices();
    float[] values = x.values();
    for (int u = 0; u < x.numUsers(); u++) {
      for (int p = indptr[u]; p < indptr[u + 1]; p++) {
        int row = local[indices[p]] * n;
        double v = values[p];
        for (int q = p; q < indptr[u + 1]; q++) {
          gram[row + local[indices[q]]] += v * values[q]; // upper triangle (row items ascending, so local ones too)
        }
      }
      if ((u & 1023) == 0) listener.progress("EASE Gram matrix", u, x.numUsers());
    }
    listener.progress("EASE Gram matrix", x.numUsers(), x.numUsers()); // the bar ends full, not at its last tick
    for (int a = 0; a < n; a++) {
      gram[a * n + a] += params.regularization();
      for (int b = a + 1; b < n; b++) gram[b * n + a] = gram[a * n + b];
    }
    listener.progress("EASE inverse", 0, 1);
    try {
      SpdInverse.invertInPlace(gram, n, Runtime.getRuntime().availableProcessors());
    } catch (IllegalArgumentException e) {
      // the setting's fault, said as one (a QA run's 1e-30 ended in an internal error and its trace)
      throw new IllegalArgumentException("EASE regularization (" + params.regularization() + ") is too small for this"
          + " data: the Gram matrix plus it is not positive definite in float precision; raise it (the default is "
          + Params.DEFAULTS.regularization() + ")", e);
    }
    double[] p = gram;
    float[] b = new float[numItems * numItems];
    for (int a = 0; a < n; a++) {
      int i = active[a];
      for (int c = 0; c < n; c++) {
        if (a != c) b[i * numItems + active[c]] = (float) (-p[a * n + c] / p[c * n + c]);
      }
    }
    listener.progress("EASE inverse", 1, 1);
    return b;
  }

  /** A fitted EASE model: scores are x_u B. Immutable and thread-safe. */
  public static final class Model extends ScoringRecommender implements Explainable {
    private final float[] weights;

    Model(Interactions train, float[] weights) {
      super(train);
      this.weights = weights;
    }

    @Override
    public String name() {
      return "Ease";
    }

    /** B_ij. */
    public float weight(int i, int j) {
      return weights[i * numItems() + j];
    }

    @Override
    protected void scoreAll(int userIndex, int[] history, boolean useTrainingRow, float[] scores) {
      int n = numItems();
      java.util.Arrays.fill(scores, 0f);
      if (useTrainingRow) {
        int[] indptr = train.indptr();
        int[] indices = train.indices();
        float[] values = train.values();
        for (int p = indptr[userIndex]; p < indptr[userIndex + 1]; p++) {
          if (values[p] > 0) VectorOps.axpy(values[p], weights, indices[p] * n, scores, 0, n);
        }
      } else {
        for (int j : history) VectorOps.axpy(1f, weights, j * n, scores, 0, n);
      }
    }

    @Override
    public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
      checkItem(itemIndex);
      float[] scores = java.util.Arrays.copyOfRange(weights, itemIndex * numItems(), (itemIndex + 1) * numItems());
      scores[itemIndex] = Float.NaN;
      return TopKSelector.select(scores, numItems(), k, filter);
    }

    /** Contributions x_uj B_ji of each history item j; they sum to the score. */
    @Override
    public Explanation explain(Query query, int itemIndex) {
      checkItem(itemIndex);
      int[] history = validatedHistory(query);
      boolean trainingRow = query.history() == null;
      List<Explanation.Contribution> parts = new ArrayList<>();
      double total = 0;
      for (int j : history) {
        float xj = trainingRow ? train.get(query.userIndex(), j) : 1f;
        float c = xj * weight(j, itemIndex);
        total += c;
        parts.add(new Explanation.Contribution(Explanation.Kind.HISTORY_ITEM, j, c));
      }
      parts.sort(Comparator.comparingDouble((Explanation.Contribution c) -> -Math.abs(c.weight())));
      return new Explanation(itemIndex, (float) total, parts, "item-item weights from " + history.length + " history items");
    }
  }
}
