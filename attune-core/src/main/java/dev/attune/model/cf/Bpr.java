package dev.attune.model.cf;

import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;
import dev.attune.kernel.VectorOps;
import dev.attune.model.FitListener;
import dev.attune.model.Trainer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Bayesian personalised ranking with matrix factorisation (BPR-MF), trained by stochastic gradient ascent.
 *
 * <p>Follows Rendle, Freudenthaler, Gantner and Schmidt-Thieme, "BPR: Bayesian Personalized Ranking from
 * Implicit Feedback" (UAI 2009). Paper symbols: x̂_uij = x_u · (y_i − y_j) for a positive item i and a
 * sampled item j the user has no entry for; the update climbs ln σ(x̂_uij) − λ‖Θ‖²; learning rate α =
 * {@link Params#learningRate}, λ = {@link Params#regularization}. One epoch draws as many (u, i, j) triples
 * as there are positive entries, with (u, i) drawn uniformly over entries (LearnBPR's bootstrap sampling).
 *
 * <p>NOTE: single-threaded on purpose, so a seed gives the same model on one machine (not on any: the dot
 * products' summation order follows the machine's vector width, so another CPU's factors differ in their last
 * bits); the returned
 * {@link FactorModel} folds in new histories with an ALS solve (α = 1, λ = 1).
 *
 * <p>Cost of {@code fit}: epochs × nnz × O(factors).
 */
public final class Bpr implements Trainer<FactorModel> {

  /**
   * Hyper-parameters.
   *
   * @param factors latent dimension, &gt; 0
   * @param learningRate SGD step α, &gt; 0
   * @param regularization L2 weight λ, &gt;= 0
   * @param epochs passes over the positive entries, &gt; 0
   * @param seed random seed
   */
  public record Params(int factors, float learningRate, float regularization, int epochs, long seed) {
    /** 64 factors, α 0.05, λ 0.002, 30 epochs, seed 42. */
    public static final Params DEFAULTS = new Params(64, 0.05f, 0.002f, 30, 42L);

    public Params {
      if (factors <= 0) throw new IllegalArgumentException("factors must be > 0: " + factors);
      if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0: " + learningRate);
      if (!(regularization >= 0)) throw new IllegalArgumentException("regularization must be >= 0: " + regularization);
      if (epochs <= 0) throw new IllegalArgumentException("epochs must be > 0: " + epochs);
    }
  }

  private final Params params;

  public Bpr(Params params) {
    this.params = params;
  }

  @Override
  public String name() {
    return "Bpr";
  }

  @Override
  public FactorModel fit(TrainingSet train, FitListener listener) {
    Interactions m = train.interactions().positive();
    int f = params.factors();
    int numItems = m.numItems();
    SplittableRandom random = new SplittableRandom(params.seed());
    float[] x = new float[m.numUsers() * f];
    float[] y = new float[numItems * f];
    for (int k = 0; k < x.length; k++) x[k] = (float) (random.nextGaussian() * 0.1);
    for (int k = 0; k < y.length; k++) y[k] = (float) (random.nextGaussian() * 0.1);
    int[] indptr = m.indptr();
    int[] indices = m.indices();
    int nnz = m.nnz();
    int[] owner = new int[nnz];
    for (int u = 0; u < m.numUsers(); u++) Arrays.fill(owner, indptr[u], indptr[u + 1], u);
    float[] diff = new float[f];
    float[] xu = new float[f];
    float lr = params.learningRate();
    float reg = params.regularization();
    for (int epoch = 0; epoch < params.epochs(); epoch++) {
      double loss = 0;
      int samples = 0;
      for (int s = 0; s < nnz; s++) {
        int p = random.nextInt(nnz);
        int u = owner[p];
        if (indptr[u + 1] - indptr[u] >= numItems) continue; // user has everything: no negative exists
        int i = indices[p];
        int j;
        do {
          j = random.nextInt(numItems);
        } while (Arrays.binarySearch(indices, indptr[u], indptr[u + 1], j) >= 0);
        int xo = u * f;
        int io = i * f;
        int jo = j * f;
        for (int a = 0; a < f; a++) diff[a] = y[io + a] - y[jo + a];
        float xuij = VectorOps.dot(x, xo, diff, 0, f);
        float g = (float) (1.0 / (1.0 + StrictMath.exp(xuij))); // StrictMath: JIT and interpreter agree bit for bit // σ(−x̂_uij)
        loss += StrictMath.log1p(StrictMath.exp(-xuij));
        samples++;
        System.arraycopy(x, xo, xu, 0, f);
        for (int a = 0; a < f; a++) {
          x[xo + a] += lr * (g * diff[a] - reg * x[xo + a]);
          y[io + a] += lr * (g * xu[a] - reg * y[io + a]);
          y[jo + a] += lr * (-g * xu[a] - reg * y[jo + a]);
        }
      }
      listener.progress("BPR epoch", epoch + 1, params.epochs());
      listener.epochEnd(epoch + 1, samples == 0 ? Double.NaN : loss / samples);
    }
    return new FactorModel("Bpr", train.interactions(), f, x, y, 1f, 1f);
  }
}
