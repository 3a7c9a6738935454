package dev.attune.infer.nn;

/**
 * Layer normalisation over the feature axis: LN(v) = (v − mean(v)) / sqrt(var(v) + ε) × gamma + beta, with
 * the population variance (divided by d, not d − 1). Mean and variance are accumulated in double.
 *
 * <p>Immutable and thread-safe.
 */
public final class LayerNorm {
  private final int dim;
  private final float[] gamma;
  private final float[] beta;
  private final float eps;

  /**
   * Wraps the affine parameters (copied).
   *
   * @param gamma scale, length d &gt; 0
   * @param beta shift, length d
   * @param eps ε added to the variance, &gt;= 0
   * @throws IllegalArgumentException if the lengths differ or ε is negative
   */
  public LayerNorm(float[] gamma, float[] beta, float eps) {
    if (gamma.length == 0 || gamma.length != beta.length) {
      throw new IllegalArgumentException("LayerNorm gamma and beta need the same length > 0: "
          + gamma.length + ", " + beta.length);
    }
    if (!(eps >= 0)) {
      throw new IllegalArgumentException("LayerNorm eps must be >= 0: " + eps);
    }
    this.dim = gamma.length;
    this.gamma = gamma.clone();
    this.beta = beta.clone();
    this.eps = eps;
  }

  /** Feature width d. */
  public int dim() {
    return dim;
  }

  /**
   * Normalises x[xOff .. xOff + d) into y[yOff .. yOff + d). In place is allowed ({@code x == y} and
   * {@code xOff == yOff}); other overlaps are not.
   */
  public void forward(float[] x, int xOff, float[] y, int yOff) {
    double sum = 0;
    for (int j = 0; j < dim; j++) {
      sum += x[xOff + j];
    }
    double mean = sum / dim;
    double sq = 0;
    for (int j = 0; j < dim; j++) {
      double c = x[xOff + j] - mean;
      sq += c * c;
    }
    double variance = sq / dim + eps;
    // a constant row with ε = 0 (a weight file may say so) is its mean: (x − mean) is 0, so it normalises to β, not
    // 0 · ∞ = NaN in every score (a review: an empty history's user vector is LN(0))
    double inv = variance > 0 ? 1.0 / Math.sqrt(variance) : 0;
    for (int j = 0; j < dim; j++) {
      y[yOff + j] = (float) ((x[xOff + j] - mean) * inv) * gamma[j] + beta[j];
    }
  }

  /** Normalises {@code rows} consecutive rows of width d (row r at offset {@code off + r * d}) in place. */
  public void forwardRows(float[] x, int off, int rows, float[] y, int yOff) {
    for (int r = 0; r < rows; r++) {
      forward(x, off + r * dim, y, yOff + r * dim);
    }
  }
}
