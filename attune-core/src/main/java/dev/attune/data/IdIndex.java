package dev.attune.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dense index of external string ids: the i-th distinct id added gets index i.
 *
 * <p>Not thread-safe while ids are being added; safe to share for reading afterwards.
 */
public final class IdIndex {
  private final Map<String, Integer> indexById;
  private final List<String> ids;

  /** An empty index. */
  public IdIndex() {
    this.indexById = new HashMap<>();
    this.ids = new ArrayList<>();
  }

  /** An index holding {@code ids} in order; duplicates are rejected. */
  public static IdIndex of(List<String> ids) {
    IdIndex index = new IdIndex();
    for (String id : ids) {
      if (index.indexOf(id) >= 0) {
        throw new IllegalArgumentException("duplicate id: " + id);
      }
      index.add(id);
    }
    return index;
  }

  /** Returns the index of {@code id}, adding it if absent. */
  public int add(String id) {
    Integer existing = indexById.get(id);
    if (existing != null) {
      return existing;
    }
    int index = ids.size();
    indexById.put(id, index);
    ids.add(id);
    return index;
  }

  /** Returns the index of {@code id}, or -1 if absent. */
  public int indexOf(String id) {
    Integer i = indexById.get(id);
    return i == null ? -1 : i;
  }

  /**
   * Returns the id at {@code index}.
   *
   * @throws IndexOutOfBoundsException if {@code index} is outside [0, size())
   */
  public String id(int index) {
    return ids.get(index);
  }

  /** Number of ids. */
  public int size() {
    return ids.size();
  }

  /** All ids in index order (unmodifiable view). */
  public List<String> ids() {
    return java.util.Collections.unmodifiableList(ids);
  }
}
