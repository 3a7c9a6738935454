package dev.attune.server;

import dev.attune.events.Item;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Finds catalogue items by a text an operator types: part of an id, a title or a creator, in any case and with or
 * without accents (the dashboard's item search). An operator rarely knows an id's exact prefix and case, but knows
 * the song: "istanbul" finds "İstanbul Nights", "strasse" finds "Straße", "cafe" finds "Café".
 *
 * <p>Ranking, best first: the id is the text; the id starts with it; the title starts with it; the creator starts
 * with it; a word of the title or creator starts with it; the id, title or creator holds it elsewhere. Ties go in id
 * order. Hidden items are found too: this is an operator's search, not a recommendation.
 *
 * <p>Cost: one pass over the catalogue in memory, a few milliseconds per 100,000 items; meant for a person's
 * searches, not the request path.
 */
final class ItemSearch {
  /** A match's rank: lower is better; {@link #NO_MATCH} when the item does not hold the text. */
  private static final int ID_EQUALS = 0, ID_STARTS = 1, TITLE_STARTS = 2, CREATOR_STARTS = 3, WORD_STARTS = 4,
      HOLDS = 5, NO_MATCH = Integer.MAX_VALUE;

  private ItemSearch() {}

  /**
   * The items matching {@code text}, best first.
   *
   * @param text not blank; compared {@linkplain #fold folded}
   * @param limit most items returned, at least 1
   */
  static List<Store.StoredItem> find(Collection<Store.StoredItem> catalogue, String text, int limit) {
    String needle = fold(text);
    record Match(Store.StoredItem item, int rank) {}
    List<Match> matches = new ArrayList<>();
    for (Store.StoredItem s : catalogue) {
      int rank = rank(s.item(), needle);
      if (rank != NO_MATCH) matches.add(new Match(s, rank));
    }
    matches.sort(Comparator.comparingInt(Match::rank).thenComparing(m -> m.item().item().id()));
    List<Store.StoredItem> out = new ArrayList<>(Math.min(limit, matches.size()));
    for (Match m : matches.subList(0, Math.min(limit, matches.size()))) out.add(m.item());
    return out;
  }

  /** How well {@code item} matches {@code needle} (folded): one of the ranks above. */
  static int rank(Item item, String needle) {
    String id = fold(item.id());
    if (id.equals(needle)) return ID_EQUALS;
    if (id.startsWith(needle)) return ID_STARTS;
    String title = fold(item.title());
    String creator = fold(item.creator());
    if (title.startsWith(needle)) return TITLE_STARTS;
    if (creator.startsWith(needle)) return CREATOR_STARTS;
    if (wordStarts(title, needle) || wordStarts(creator, needle)) return WORD_STARTS;
    if (id.contains(needle) || title.contains(needle) || creator.contains(needle)) return HOLDS;
    return NO_MATCH;
  }

  private static final java.util.regex.Pattern MARKS = java.util.regex.Pattern.compile("\\p{M}+");

  /**
   * {@code s} in one case and without accents: upper then lower case (so "ß" is "ss", as "SS" would be), decomposed,
   * with its combining marks left out ("İ" is "i", "é" is "e"); "" for null. ASCII text only changes case.
   */
  static String fold(String s) {
    if (s == null) return "";
    boolean ascii = true;
    for (int k = 0; k < s.length() && ascii; k++) ascii = s.charAt(k) < 0x80;
    if (ascii) return s.toLowerCase(Locale.ROOT);
    String cased = s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    return MARKS.matcher(java.text.Normalizer.normalize(cased, java.text.Normalizer.Form.NFD)).replaceAll("");
  }

  /** Whether a word of {@code s} (after a character that is not a letter or digit) starts with {@code needle}. */
  private static boolean wordStarts(String s, String needle) {
    for (int at = s.indexOf(needle); at > 0; at = s.indexOf(needle, at + 1)) {
      if (!Character.isLetterOrDigit(s.charAt(at - 1))) return true;
    }
    return false;
  }
}
