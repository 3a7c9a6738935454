package dev.attune.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetBuilder;
import dev.attune.data.TrainingSet;
import dev.attune.events.EventWeights;
import org.junit.jupiter.api.Test;

class MusicPlatformGeneratorTest {
  @Test
  void isDeterministicForASeed() {
    Dataset a = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL).dataset();
    Dataset b = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL).dataset();
    assertEquals(a.events().size(), b.events().size());
    for (int r = 0; r < a.events().size(); r += 101) assertEquals(a.event(a.events(), r), b.event(b.events(), r));
  }

  @Test
  void plantsTasteSkipsAndAlbumOrder() {
    MusicPlatformGenerator.Generated g = MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.SMALL);
    TrainingSet t = DatasetBuilder.build(g.dataset(), EventWeights.defaults());
    int[] itemGenre = g.truth().itemGenre();
    int loved = 0;
    int lovedPositive = 0;
    int other = 0;
    int otherNegative = 0;
    int nextTrack = 0;
    int steps = 0;
    for (int u = 0; u < t.numUsers(); u++) {
      int[] genres = g.truth().userGenres()[u];
      int[] seq = t.sequences().itemsOf(u);
      float[] w = java.util.Arrays.copyOfRange(t.sequences().weights(), t.sequences().indptr()[u], t.sequences().indptr()[u + 1]);
      for (int p = 0; p < seq.length; p++) {
        int genre = itemGenre[seq[p]];
        boolean isLoved = java.util.Arrays.stream(genres).anyMatch(x -> x == genre);
        if (isLoved) {
          loved++;
          if (w[p] > 0) lovedPositive++;
        } else {
          other++;
          if (w[p] < 0) otherNegative++;
        }
        if (p > 0 && seq[p] == seq[p - 1] + 1) nextTrack++;
        if (p > 0) steps++;
      }
    }
    assertTrue(loved > 3 * other, "most plays are in loved genres: " + loved + " vs " + other);
    assertEquals(loved, lovedPositive, "loved tracks are never skipped");
    assertEquals(other, otherNegative, "tracks outside the taste are skipped");
    assertTrue(nextTrack > steps / 3, "album order is a strong sequential signal: " + nextTrack + "/" + steps);
  }
}
