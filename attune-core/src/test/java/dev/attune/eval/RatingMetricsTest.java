package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RatingMetricsTest {
  @Test
  void matchesHandComputedErrors() {
    float[] predicted = {3, 4, 5};
    float[] actual = {2, 4, 3};
    // Errors 1, 0, 2: RMSE = sqrt((1 + 0 + 4) / 3), MAE = (1 + 0 + 2) / 3 = 1.
    assertEquals(Math.sqrt(5.0 / 3), RatingMetrics.rmse(predicted, actual), 1e-12);
    assertEquals(1.0, RatingMetrics.mae(predicted, actual), 1e-12);
  }

  @Test
  void emptyInputIsNaNAndLengthsMustMatch() {
    assertTrue(Double.isNaN(RatingMetrics.rmse(new float[0], new float[0])));
    assertTrue(Double.isNaN(RatingMetrics.mae(new float[0], new float[0])));
    assertThrows(IllegalArgumentException.class, () -> RatingMetrics.rmse(new float[1], new float[2]));
  }
}
