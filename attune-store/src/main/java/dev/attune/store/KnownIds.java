package dev.attune.store;

import java.util.HashSet;
import java.util.Set;

/**
 * Ids of users or items that a store has committed and not deleted since, so that an append can skip the
 * {@code INSERT ... ON CONFLICT DO NOTHING} for them. On SQLite those inserts are index probes on the one writer's
 * path: two per event, about a third of an append's time with 100,000 users and items.
 *
 * <p>A cache, never the truth: an id missing here is simply inserted (and skipped by the database when stored),
 * so the set may be cleared at any time. What must never happen is an id here that the database does not hold:
 * ids are added only after their transaction committed ({@link #addAll}) and removed inside the deleting
 * transaction, before it commits ({@link #remove}). That holds only while this process is the database's one
 * writer, as it is for the embedded SQLite store; if another process deletes a remembered user anyway, the
 * append that skipped its insert fails on the foreign key, and the store clears the set and retries.
 *
 * <p>Not thread-safe: used only by the holder of the store's write lock.
 */
final class KnownIds {
  private final int capacity;
  private final Set<String> ids = new HashSet<>();

  /** @param capacity most ids kept; past it the set starts again empty (memory stays bounded) */
  KnownIds(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
    }
    this.capacity = capacity;
  }

  /** Whether {@code id} is known to be stored. */
  boolean contains(String id) {
    return ids.contains(id);
  }

  /** Records ids whose rows a committed transaction wrote or found. */
  void addAll(java.util.Collection<String> committed) {
    if (ids.size() + committed.size() > capacity) {
      ids.clear();
    }
    ids.addAll(committed);
  }

  /** Forgets every id. */
  void clear() {
    ids.clear();
  }

  /** Forgets an id whose row is being deleted. */
  void remove(String id) {
    ids.remove(id);
  }

  /** Ids held. */
  int size() {
    return ids.size();
  }
}
