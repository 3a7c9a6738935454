package dev.attune.infer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MultiHeadAttentionTest {
  private static float[] gaussian(SplittableRandom r, int n, double sd) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) v[k] = (float) (r.nextGaussian() * sd);
    return v;
  }

  private static MultiHeadAttention layer(SplittableRandom r, int d, int heads) {
    Linear[] p = new Linear[4];
    for (int k = 0; k < 4; k++) p[k] = new Linear(d, d, gaussian(r, d * d, 1.5), gaussian(r, d, 0.1));
    return new MultiHeadAttention(heads, p[0], p[1], p[2], p[3]);
  }

  @Test
  void probabilitiesSumToOneOverRealPastKeysAndVanishElsewhere() {
    for (int heads : new int[] {1, 2, 4}) {
      SplittableRandom r = new SplittableRandom(heads);
      int d = 8;
      int len = 9;
      MultiHeadAttention a = layer(r, d, heads);
      float[] h = gaussian(r, len * d, 1);
      // Left padding (rows 0, 1) and one padding row in the middle (5).
      boolean[] keyMask = {false, false, true, true, true, false, true, true, true};
      float[] out = new float[len * d];
      float[] probs = new float[heads * len * len];
      a.forward(h, len, keyMask, 0, out, probs, a.newScratch(len));
      for (int j = 0; j < heads; j++) {
        for (int t = 0; t < len; t++) {
          int off = (j * len + t) * len;
          double sum = 0;
          for (int s = 0; s < len; s++) sum += probs[off + s];
          assertEquals(1.0, sum, 1e-5, "head " + j + " row " + t);
          if (t < 2) continue; // all keys masked: the literal rule gives a defined, near-uniform row
          double real = 0;
          for (int s = 0; s < len; s++) {
            boolean masked = s > t || !keyMask[s];
            if (masked) {
              assertTrue(probs[off + s] < 1e-6, "masked key " + s + " of row " + t + ": " + probs[off + s]);
            } else {
              real += probs[off + s];
            }
          }
          assertEquals(1.0, real, 1e-5);
        }
      }
    }
  }

  @Test
  void queryRowsFromFirstQueryMatchTheFullComputation() {
    SplittableRandom r = new SplittableRandom(7);
    int d = 6;
    int len = 5;
    MultiHeadAttention a = layer(r, d, 3);
    float[] h = gaussian(r, len * d, 1);
    float[] full = new float[len * d];
    float[] fullProbs = new float[3 * len * len];
    a.forward(h, len, null, 0, full, fullProbs, a.newScratch(len));
    float[] last = new float[len * d];
    float[] lastProbs = new float[3 * len];
    a.forward(h, len, null, len - 1, last, lastProbs, a.newScratch(8));
    for (int c = 0; c < d; c++) assertEquals(full[(len - 1) * d + c], last[(len - 1) * d + c], 0f);
    for (int j = 0; j < 3; j++) {
      for (int s = 0; s < len; s++) {
        assertEquals(fullProbs[(j * len + len - 1) * len + s], lastProbs[j * len + s], 0f);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> a.forward(h, 9, null, 0, full, null, a.newScratch(5)));
    assertThrows(IllegalArgumentException.class, () -> a.forward(h, len, null, len, full, null, a.newScratch(5)));
  }

  @Test
  void rejectsHeadsThatDoNotDivideTheWidth() {
    SplittableRandom r = new SplittableRandom(1);
    assertThrows(IllegalArgumentException.class, () -> layer(r, 6, 4));
  }
}
