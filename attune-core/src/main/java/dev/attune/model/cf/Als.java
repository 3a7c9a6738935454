package dev.attune.model.cf;

import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.kernel.VectorOps;
import dev.attune.model.FitListener;
import dev.attune.model.Trainer;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Implicit-feedback alternating least squares (iALS), solved with a few conjugate-gradient steps per row.
 *
 * <p>Follows Hu, Koren and Volinsky, "Collaborative Filtering for Implicit Feedback Datasets" (ICDM 2008)
 * for the model and Takács, Pilászy and Tikk, "Applications of the Conjugate Gradient Method for Implicit
 * Feedback Collaborative Filtering" (RecSys 2011) for the solver. Paper symbols: preference p_ui = 1 for
 * every positive entry; confidence c_ui = 1 + α·w_ui with α = {@link Params#alpha} and w_ui the summed
 * event weight; λ = {@link Params#regularization}; x_u and y_i are the user and item factor rows.
 *
 * <p>NOTE: instead of solving (YᵀY + Yᵀ(Cᵘ − I)Y + λI) x_u = YᵀCᵘp(u) exactly, each iteration warm-starts
 * from the previous x_u and takes {@link Params#cgSteps} CG steps (3 by default, as in the paper), which
 * costs O(|row| × f) per step instead of O(|row| × f² + f³). Negative entries (skips) are ignored.
 *
 * <p>Cost of {@code fit}: iterations × (nnz × f × (2 cgSteps + 1) + (users + items) × f² × cgSteps) flops,
 * spread over {@link Params#threads} threads. Each row's update reads only the other side's fixed factors,
 * so results do not depend on the thread count.
 */
public final class Als implements Trainer<FactorModel> {

  /**
   * Hyper-parameters.
   *
   * @param factors latent dimension f, &gt; 0
   * @param regularization L2 weight λ, &gt; 0
   * @param alpha confidence scale α, &gt;= 0
   * @param iterations alternating sweeps, &gt; 0
   * @param cgSteps conjugate-gradient steps per row and sweep, &gt; 0
   * @param threads worker threads, &gt; 0 (0 means all processors)
   * @param seed seed for the initial factors
   */
  public record Params(int factors, float regularization, float alpha, int iterations, int cgSteps, int threads, long seed) {
    /** 64 factors, λ 1, α 1, 15 iterations, 3 CG steps, all processors, seed 42. */
    public static final Params DEFAULTS = new Params(64, 1f, 1f, 15, 3, 0, 42L);

    public Params {
      if (factors <= 0) throw new IllegalArgumentException("factors must be > 0: " + factors);
      if (!(regularization > 0)) throw new IllegalArgumentException("regularization must be > 0: " + regularization);
      if (!(alpha >= 0)) throw new IllegalArgumentException("alpha must be >= 0: " + alpha);
      if (iterations <= 0) throw new IllegalArgumentException("iterations must be > 0: " + iterations);
      if (cgSteps <= 0) throw new IllegalArgumentException("cgSteps must be > 0: " + cgSteps);
      if (threads < 0) throw new IllegalArgumentException("threads must be >= 0: " + threads);
    }

    /** A copy with another number of iterations. */
    public Params withIterations(int n) {
      return new Params(factors, regularization, alpha, n, cgSteps, threads, seed);
    }

    /** A copy with another number of threads. */
    public Params withThreads(int n) {
      return new Params(factors, regularization, alpha, iterations, cgSteps, n, seed);
    }
  }

  private final Params params;

  public Als(Params params) {
    this.params = params;
  }

  @Override
  public String name() {
    return "Als";
  }

  @Override
  public FactorModel fit(TrainingSet train, FitListener listener) {
    Interactions byUser = train.interactions().positive();
    Interactions byItem = byUser.transpose();
    int f = params.factors();
    SplittableRandom random = new SplittableRandom(params.seed());
    float[] x = randomFactors(byUser.numUsers(), f, random);
    float[] y = randomFactors(byUser.numItems(), f, random);
    int threads = params.threads() == 0 ? Runtime.getRuntime().availableProcessors() : params.threads();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "attune-als");
      t.setDaemon(true);
      return t;
    });
    try {
      for (int it = 0; it < params.iterations(); it++) {
        update(byUser, x, y, pool, threads);
        update(byItem, y, x, pool, threads);
        listener.progress("iALS iteration", it + 1, params.iterations());
        listener.epochEnd(it + 1, Double.NaN);
      }
    } finally {
      pool.shutdownNow();
    }
    return new FactorModel("Als", train.interactions(), f, x, y, params.alpha(), params.regularization());
  }

  private static float[] randomFactors(int rows, int f, SplittableRandom random) {
    float[] m = new float[rows * f];
    for (int k = 0; k < m.length; k++) m[k] = (float) (random.nextDouble() * 0.01);
    return m;
  }

  /** Updates every row of {@code target} against the fixed {@code fixed} factors. */
  private void update(Interactions matrix, float[] target, float[] fixed, ExecutorService pool, int threads) {
    int f = params.factors();
    float[] gram = gramPlusRegularization(fixed, matrix.numItems(), f);
    int rows = matrix.numUsers();
    int chunks = Math.max(1, Math.min(rows, threads * 8));
    AtomicLong next = new AtomicLong();
    Future<?>[] futures = new Future<?>[threads];
    for (int t = 0; t < threads; t++) {
      futures[t] = pool.submit(() -> {
        float[] r = new float[f];
        float[] p = new float[f];
        float[] ap = new float[f];
        for (long c; (c = next.getAndIncrement()) < chunks; ) {
          int start = (int) (c * rows / chunks);
          int end = (int) ((c + 1) * rows / chunks);
          for (int u = start; u < end; u++) {
            solveRow(matrix, u, target, fixed, gram, r, p, ap);
          }
        }
      });
    }
    for (Future<?> future : futures) {
      try {
        future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("iALS worker failed", e.getCause());
      }
    }
  }

  /** (YᵀY + λI) as a row-major f × f float matrix. */
  private float[] gramPlusRegularization(float[] y, int rows, int f) {
    double[] g = new double[f * f];
    for (int i = 0; i < rows; i++) {
      int o = i * f;
      for (int a = 0; a < f; a++) {
        double ya = y[o + a];
        if (ya == 0) continue;
        for (int b = a; b < f; b++) g[a * f + b] += ya * y[o + b];
      }
    }
    float[] out = new float[f * f];
    for (int a = 0; a < f; a++) {
      for (int b = a; b < f; b++) {
        out[a * f + b] = (float) g[a * f + b];
        out[b * f + a] = (float) g[a * f + b];
      }
      out[a * f + a] += params.regularization();
    }
    return out;
  }

  /** Conjugate-gradient refinement of row u's factors (see class javadoc). */
  private void solveRow(Interactions m, int u, float[] x, float[] y, float[] gram, float[] r, float[] p, float[] ap) {
    int f = params.factors();
    int xo = u * f;
    int[] indptr = m.indptr();
    int[] indices = m.indices();
    float[] values = m.values();
    int start = indptr[u];
    int end = indptr[u + 1];
    if (start == end) {
      // an empty row's exact solution is 0 (b = 0); a few warm-started steps would leave part of its random start,
      // which scored items by the other side's factor norms, a popularity of sorts, for users with no events here
      java.util.Arrays.fill(x, xo, xo + f, 0f);
      return;
    }
    // r = b − A x = Σ_i [c_i − (c_i − 1) y_i·x] y_i − (YᵀY + λI) x
    matVec(gram, x, xo, r, f);
    for (int a = 0; a < f; a++) r[a] = -r[a];
    for (int q = start; q < end; q++) {
      int yo = indices[q] * f;
      float c = 1f + params.alpha() * values[q];
      float coef = c - (c - 1f) * VectorOps.dot(y, yo, x, xo, f);
      VectorOps.axpy(coef, y, yo, r, 0, f);
    }
    System.arraycopy(r, 0, p, 0, f);
    float rsOld = VectorOps.dot(r, 0, r, 0, f);
    for (int step = 0; step < params.cgSteps() && rsOld > 1e-20f; step++) {
      // Ap = (YᵀY + λI) p + Σ_i (c_i − 1)(y_i·p) y_i
      matVec(gram, p, 0, ap, f);
      for (int q = start; q < end; q++) {
        int yo = indices[q] * f;
        float c1 = params.alpha() * values[q];
        VectorOps.axpy(c1 * VectorOps.dot(y, yo, p, 0, f), y, yo, ap, 0, f);
      }
      float pAp = VectorOps.dot(p, 0, ap, 0, f);
      if (!(pAp > 0)) break;
      float step1 = rsOld / pAp;
      VectorOps.axpy(step1, p, 0, x, xo, f);
      VectorOps.axpy(-step1, ap, 0, r, 0, f);
      float rsNew = VectorOps.dot(r, 0, r, 0, f);
      float beta = rsNew / rsOld;
      for (int a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsOld = rsNew;
    }
  }

  private static void matVec(float[] m, float[] v, int vOff, float[] out, int f) {
    for (int a = 0; a < f; a++) out[a] = VectorOps.dot(m, a * f, v, vOff, f);
  }
}
