package dev.attune.model;

import java.util.BitSet;

/**
 * Decides which items may be recommended. Implementations must be thread-safe and cheap: they are asked
 * once per item per request.
 */
@FunctionalInterface
public interface ItemFilter {
  /** Accepts every item. */
  ItemFilter ALL = item -> true;

  /** Whether {@code itemIndex} may be returned. */
  boolean accepts(int itemIndex);

  /** Rejects the set bits of {@code excluded} (the set is not copied: do not modify it while in use). */
  static ItemFilter excluding(BitSet excluded) {
    return item -> !excluded.get(item);
  }

  /** Rejects the listed item indices. */
  static ItemFilter excluding(int... items) {
    BitSet b = new BitSet();
    for (int i : items) b.set(i);
    return excluding(b);
  }

  /** Accepts only items whose scene index (from {@code itemScenes}) is {@code scene}. */
  static ItemFilter inScene(int[] itemScenes, int scene) {
    return item -> itemScenes[item] == scene;
  }

  /** Accepts items accepted by both. */
  default ItemFilter and(ItemFilter other) {
    if (this == ALL) return other;
    if (other == ALL) return this;
    return item -> accepts(item) && other.accepts(item);
  }
}
