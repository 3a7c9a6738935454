package dev.attune.model;

import java.util.List;

/**
 * Why a model scored an item for a user: the pieces of evidence and their contributions.
 *
 * @param itemIndex the explained item
 * @param score the model's score for it
 * @param contributions evidence, largest absolute contribution first
 * @param summary one human-readable sentence
 */
public record Explanation(int itemIndex, float score, List<Contribution> contributions, String summary) {

  /** What a contribution refers to. */
  public enum Kind {
    /** An item in the user's history (index = item index). */
    HISTORY_ITEM,
    /** A similar user (index = user index). */
    NEIGHBOUR_USER,
    /** The item's popularity (index = item index). */
    POPULARITY
  }

  /**
   * One piece of evidence.
   *
   * @param kind what {@code index} refers to
   * @param index item or user index
   * @param weight contribution to the score (same units as the score)
   */
  public record Contribution(Kind kind, int index, float weight) {}

  public Explanation {
    contributions = List.copyOf(contributions);
  }
}
