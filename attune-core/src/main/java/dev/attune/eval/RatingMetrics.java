package dev.attune.eval;

/**
 * Error metrics of predicted against observed ratings, pooled over (user, item) pairs. Both take parallel
 * arrays ({@code predicted[j]} is the prediction for the pair whose observed value is {@code actual[j]}) and
 * return NaN for empty input.
 *
 * <p>Stateless and thread-safe; O(n), allocates nothing.
 */
public final class RatingMetrics {
  private RatingMetrics() {}

  /**
   * Root mean squared error: sqrt(Σ (predicted - actual)² / n).
   *
   * @throws IllegalArgumentException if the arrays differ in length
   */
  public static double rmse(float[] predicted, float[] actual) {
    checkLengths(predicted, actual);
    if (predicted.length == 0) return Double.NaN;
    double sum = 0;
    for (int j = 0; j < predicted.length; j++) {
      double d = (double) predicted[j] - actual[j];
      sum += d * d;
    }
    return Math.sqrt(sum / predicted.length);
  }

  /**
   * Mean absolute error: Σ |predicted - actual| / n.
   *
   * @throws IllegalArgumentException if the arrays differ in length
   */
  public static double mae(float[] predicted, float[] actual) {
    checkLengths(predicted, actual);
    if (predicted.length == 0) return Double.NaN;
    double sum = 0;
    for (int j = 0; j < predicted.length; j++) {
      sum += Math.abs((double) predicted[j] - actual[j]);
    }
    return sum / predicted.length;
  }

  private static void checkLengths(float[] predicted, float[] actual) {
    if (predicted.length != actual.length) {
      throw new IllegalArgumentException(
          "predicted and actual differ in length: " + predicted.length + " vs " + actual.length);
    }
  }
}
