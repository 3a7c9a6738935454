package dev.attune.data.importers;

/**
 * Canonical strings for numeric ids, optionally prefixed ({@code "book:"}), through a small direct-mapped
 * cache: a recurring id is one {@link String} instance with its hash computed once, which saves an
 * allocation and a hash per event on the hot path. Memory is fixed ({@value #SLOTS} slots, about 400 KB)
 * whatever the ids' range; an id whose slot holds another id is simply formatted again.
 *
 * <p>Not thread-safe; one instance per file being read.
 */
final class NumericIds {
  /** Number of cache slots, a power of two. */
  static final int SLOTS = 1 << 15;

  private final String prefix;
  /** {@code id + 1} of the cached id in each slot; 0 marks an empty slot. */
  private final long[] keys = new long[SLOTS];
  private final String[] values = new String[SLOTS];

  NumericIds(String prefix) {
    this.prefix = prefix;
  }

  NumericIds() {
    this("");
  }

  /** The id {@code prefix + value} in decimal; {@code value >= 0}. */
  String get(long value) {
    assert value >= 0 : value;
    int slot = (int) (value ^ (value >>> 15)) & (SLOTS - 1);
    if (keys[slot] == value + 1) {
      return values[slot];
    }
    String s = prefix.isEmpty() ? Long.toString(value) : prefix + value;
    keys[slot] = value + 1;
    values[slot] = s;
    return s;
  }
}
