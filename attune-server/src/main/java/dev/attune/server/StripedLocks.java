package dev.attune.server;

import java.util.Collection;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks by id, for a write to the store that is read back into memory: a profile's read-merge-write
 * (onboarding choices merged into the stored attributes, a profile write keeping them), an item's write, hide or
 * deletion and its catalogue entry. Two requests for one id run one after the other, requests for ids of other
 * stripes side by side. A request for several ids takes their stripes in ascending order, so two such requests never
 * wait on each other in a circle.
 */
final class StripedLocks {
  private final ReentrantLock[] stripes;

  StripedLocks(int count) {
    stripes = new ReentrantLock[count];
    for (int k = 0; k < count; k++) stripes[k] = new ReentrantLock();
  }

  /** The stripes of the ids, locked; close the result to unlock them. */
  Held lock(Collection<String> ids) {
    TreeSet<Integer> order = new TreeSet<>();
    for (String id : ids) order.add(Math.floorMod(id.hashCode(), stripes.length));
    int[] taken = new int[order.size()];
    int n = 0;
    try {
      for (int k : order) {
        stripes[k].lock();
        taken[n++] = k;
      }
    } catch (RuntimeException | Error e) {
      for (int j = n - 1; j >= 0; j--) stripes[taken[j]].unlock();
      throw e;
    }
    return new Held(taken);
  }

  /** Locked stripes; {@link #close} unlocks them. */
  final class Held implements AutoCloseable {
    private final int[] taken;

    private Held(int[] taken) {
      this.taken = taken;
    }

    @Override
    public void close() {
      for (int j = taken.length - 1; j >= 0; j--) stripes[taken[j]].unlock();
    }
  }
}
