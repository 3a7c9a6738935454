package dev.attune.data;

/** A bit mixer for the hashes Attune keeps or compares (event keys, the tie order of imports, split fingerprints). */
public final class Hashes {
  private Hashes() {}

  /**
   * Spreads every bit of {@code h} over all 64 (murmur3's finalizer shape: xor-shift, multiply, twice), so that
   * combines of nearby ids differ everywhere. Its constants are fixed: the MovieLens importers' tie order and the
   * held-out fingerprints model directories record depend on them.
   */
  public static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB93FE1AC5369L;
    h ^= h >>> 33;
    return h;
  }
}
