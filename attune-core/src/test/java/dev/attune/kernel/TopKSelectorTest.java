package dev.attune.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attune.model.ItemFilter;
import dev.attune.model.TopK;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKSelectorTest {
  @Test
  void breaksTiesByAscendingIndexAndSkipsNaN() {
    float[] s = {1, 3, 3, Float.NaN, 2, 3};
    TopK top = TopKSelector.select(s, s.length, 4, ItemFilter.ALL);
    assertArrayEquals(new int[] {1, 2, 5, 4}, top.items());
  }

  @Test
  void matchesAFullSortOnRandomScores() {
    SplittableRandom r = new SplittableRandom(5);
    for (int trial = 0; trial < 50; trial++) {
      int n = 1 + r.nextInt(300);
      int k = 1 + r.nextInt(40);
      float[] s = new float[n];
      for (int i = 0; i < n; i++) s[i] = r.nextInt(20); // many ties
      ItemFilter odd = i -> i % 3 != 0;
      int[] expected = IntStream.range(0, n).filter(odd::accepts).boxed()
          .sorted(Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i))
          .limit(k).mapToInt(Integer::intValue).toArray();
      TopK top = TopKSelector.select(s, n, k, odd);
      assertArrayEquals(expected, top.items(), "trial " + trial);
      assertEquals(expected.length, top.size());
    }
  }

  @Test
  void returnsFewerWhenFewerQualify() {
    float[] s = new float[5];
    Arrays.fill(s, Float.NaN);
    s[2] = 1;
    assertEquals(1, TopKSelector.select(s, 5, 3, ItemFilter.ALL).size());
  }
}
