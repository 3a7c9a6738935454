package dev.attune.server;

import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.events.Item;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.SequentialModel;
import dev.attune.model.ItemFilter;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import dev.attune.store.Store;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers a recommendation request for a history: candidates from the served model, then rules and re-ranking.
 *
 * <p>Candidates, each naming its source: (1) the served model over the history's items it knows
 * ({@code sasrec}, {@code gru-attn}, or {@code two-stage}: retrievers re-ranked by a fusion ranker), or, when it
 * yields nothing (no model, or no item of the history in it), the classic fallback model fitted at start ({@link
 * FallbackModel}: {@code itemknn} or {@code als}); (2) items the model does not know yet that share a category or
 * creator with the liked items ({@code content}, see {@link #addContentCandidates}); (3) popularity in the
 * requested scene (all-time counts, {@code popular}) to fill the list. A user with no history gets (3) only,
 * unless onboarding choices give them a history (see {@link Api}).
 *
 * <p>Rules applied to every candidate: hidden and unknown items are left out; the scene filter, exclude list and
 * category filter; items already in the history are left out unless the request allows repeats (music); then
 * the freshness boost, MMR diversity (λ = {@code diversity}: 0 = by score only) with cosine similarity of the
 * model's item representations (or shared categories when an item is not in the model or the model has none, or,
 * when neither tells, the typical similarity of the model's candidates), and the cap per creator.
 *
 * <p>Thread-safe; one request allocates O(candidates).
 */
final class Recommendations {
  /** The event type of items a user picked at onboarding. */
  static final String ONBOARD_TYPE = "onboard";

  /**
   * What a tag's resemblance counts for against a category's: the cosine of an item's tags to a history's is halved.
   * Whole, on S3Rec Beauty (its attributes are tags, a tenth of the items new) content candidates took 40% of the
   * places of a list of 10 and NDCG@10 fell 11% over all test users; halved, 9% of the places and 1%, with new items
   * still found (HR@10 1.25% for those whose next item was new); on Last.fm HetRec halved tags reach no list of 10,
   * whole ones did better (attune-bench ContentColdStart, docs/benchmarks.md, "New items before retraining").
   */
  static final double TAG_SHARE = 0.5;

  /** Candidates taken from the model per requested item, before rules and re-ranking thin them out. */
  static final int OVERFETCH = 5;
  /**
   * Fewest candidates a list is ranked from, whatever its length: the re-ranking reads the pool (the scores' range and
   * spread, which the freshness boost and the skip penalty weigh against), so a pool of k × 5 made the first item of a
   * list of 1 another than that of a list of 10 (QA: a boosted release entered from k = 3). From 100, lists up to 20
   * long are ranked from one pool, each the start of the longer ones (without diversity or a cap per creator).
   */
  static final int MIN_POOL = 100;

  /** Candidates a list of {@code k} is ranked from ({@link #OVERFETCH}, {@link #MIN_POOL}). */
  static int poolSize(int k) {
    return Math.max(k * OVERFETCH, MIN_POOL);
  }
  /** How much further down the popularity ranking the fill reads, per item it needs, under a cap per creator. */
  static final int POPULAR_READ_PER_CAPPED = 20;

  private final Catalog catalog;
  private final ItemCounters counters;
  /** Which events count as liking: the service's table ({@link ModelTrainer#WEIGHTS}). */
  static final EventWeights WEIGHTS = ModelTrainer.WEIGHTS;
  /**
   * At most this many items outside the model that match a history (a category or the creator), the newest, are read
   * per request for content candidates, and as many for the unused fill ({@link OutsideItems}).
   */
  static final int MAX_CONTENT_SCAN = 10_000;
  /**
   * At most this many index entries read per request, those passed over unread included (items the fallback learnt,
   * hidden ones, releases to come): the bound on the work when they are many.
   */
  static final int MAX_INDEX_READ = 10 * MAX_CONTENT_SCAN;
  /**
   * Most tags of a history the content rule reads, those that weigh most: each opens a set of the index, and a common
   * one matches most of the catalogue (a review: 50 events of 20 tags each took 105 ms over 100,000 new items).
   */
  static final int MAX_HISTORY_TAGS = 20;

  /**
   * Items the served model does not know (added after it was trained), those it never learnt that were released
   * within {@code newItemDays} of its swap (a news site's articles published shortly before a job, not yet read, fell
   * from the top of a reader's list to the popularity fill's end once the job was published: QA), and a transfer
   * model's items moved to another scene since, which its model for that scene does not score: content candidates.
   */
  private volatile OutsideItems unmodelled = new OutsideItems(true);
  /**
   * Items of the served model that it never learnt ({@link ServingModel#untrained}), older releases or of no release
   * time: not new content, so apart from {@link #unmodelled}, whose content scan they filled (a review: items nobody
   * had played took 232 of 300 places ahead of the model's own), but unused items to fill a list with all the same.
   */
  private volatile OutsideItems untrained = new OutsideItems(false);
  /** Scene name → small id, for the per-model-index scene array. */
  private final ConcurrentHashMap<String, Integer> sceneIds = new ConcurrentHashMap<>();
  /**
   * Per model item index: whether it may not be recommended (hidden or not in the catalogue), and its scene id.
   * Why arrays: the model's top-k selection asks about a few hundred items per request, and answering by index
   * instead of looking each id up in the catalogue took a third of the server's CPU off (profiled at 100k items).
   * Writes are rare (hide, delete, upsert) and serialised on this object; readers may see a change one request
   * late, which is fine for flags that are eventually consistent anyway.
   */
  private volatile IndexView view;

  /** The flags of {@link #view} for one model. */
  private record IndexView(ServingModel model, boolean[] blocked, int[] sceneOf, long[] releaseOf) {}
  private final ServerConfig config;
  private volatile ServingModel model;
  private volatile FallbackModel fallback;

  Recommendations(Catalog catalog, ItemCounters counters, ServerConfig config, ServingModel model) {
    this.catalog = catalog;
    this.counters = counters;
    this.config = config;
    this.model = model;
    rebuildView();
  }

  /** Builds the flags for the current model off to the side, then publishes them with the model in one write. */
  private synchronized void rebuildView() {
    ServingModel m = model;
    // filled off to the side and then published: cleared in place, a request during a swap saw no items outside the
    // model, so no content candidates (a review)
    OutsideItems outside = new OutsideItems(true);
    OutsideItems unlearnt = new OutsideItems(false);
    if (m == null) {
      outside.putAll(catalog.all());
      unmodelled = outside;
      untrained = unlearnt;
      view = null;
      return;
    }
    boolean[] blocked = new boolean[m.items().size()];
    int[] sceneOf = new int[m.items().size()];
    long[] releaseOf = new long[m.items().size()];
    Arrays.fill(blocked, true);
    long now = System.currentTimeMillis();
    List<Store.StoredItem> added = new ArrayList<>();
    List<Store.StoredItem> neverLearnt = new ArrayList<>();
    for (Store.StoredItem i : catalog.all()) {
      int index = m.items().indexOf(i.item().id());
      if (index < 0) {
        (unlearntAndOld(m, i.item(), now) ? neverLearnt : added).add(i);
      } else {
        // moved to another scene since a transfer model learnt it: unknown in its new scene, as a new item is
        if (m.learntInAnotherScene(index, i.item().scene())) added.add(i);
        sceneOf[index] = sceneIds.computeIfAbsent(i.item().scene(), k -> sceneIds.size());
        blocked[index] = i.hidden();
        releaseOf[index] = i.item().releaseTime();
      }
    }
    outside.putAll(added);
    unlearnt.putAll(neverLearnt);
    unmodelled = outside;
    untrained = unlearnt;
    view = new IndexView(m, blocked, sceneOf, releaseOf);
  }

  /**
   * Whether {@code m} never learnt {@code item} and it is no recent release (released, or to be, within {@code
   * newItemDays} of {@code now}): an unused item, but no new content ({@link #untrained}).
   */
  private boolean unlearntAndOld(ServingModel m, Item item, long now) {
    return m.untrained(item.id())
        && !(item.hasReleaseTime() && item.releaseTime() >= now - config.newItemDays() * 86_400_000L);
  }

  /** Sets the classic model used when the attention model cannot read a history (null = none). */
  void fallback(FallbackModel next) {
    this.fallback = next;
  }

  /** The classic fallback model, or null. */
  FallbackModel fallback() {
    return fallback;
  }

  /** Updates the per-item flags after an item entered, changed in or left the catalogue. */
  synchronized void itemChanged(String itemId) {
    Store.StoredItem s = catalog.get(itemId);
    IndexView v = view;
    int index = v == null ? -1 : v.model().items().indexOf(itemId);
    if (index < 0) {
      unmodelled.remove(itemId);
      untrained.remove(itemId);
      if (s != null) {
        (v != null && unlearntAndOld(v.model(), s.item(), System.currentTimeMillis()) ? untrained : unmodelled)
            .put(s);
      }
      return;
    }
    v.sceneOf()[index] = s == null ? -1 : sceneIds.computeIfAbsent(s.item().scene(), k -> sceneIds.size());
    // a transfer model's item moved to another scene (a QA run: it was in no list of its new scene until retraining)
    // is, there, an item the model does not know: a content candidate and new item, as one just added
    unmodelled.remove(itemId);
    if (s != null && v.model().learntInAnotherScene(index, s.item().scene())) unmodelled.put(s);
    v.blocked()[index] = s == null || s.hidden();
    v.releaseOf()[index] = s == null ? Item.UNKNOWN_TIME : s.item().releaseTime();
  }

  /** The model served now, or null. */
  ServingModel model() {
    IndexView v = view;
    return v == null ? null : v.model();
  }

  /** Replaces the served model (atomic: a request uses one model from start to end). */
  void swap(ServingModel next) {
    this.model = next;
    rebuildView();
  }

  /**
   * A request's options.
   *
   * @param k items wanted, 1..1000
   * @param scene only items of this scene, or null (any scene; for a transfer model, the scene it was trained
   *     to recommend in)
   * @param exclude item ids never to return
   * @param category only items with this category, or null
   * @param diversity MMR trade-off in [0, 1]
   * @param maxPerCreator at most this many items of one creator (0 = no cap)
   * @param allowRepeats whether items in the history may come back
   * @param explain whether to attach attention explanations
   */
  record Options(int k, String scene, Set<String> exclude, String category, double diversity, int maxPerCreator,
      boolean allowRepeats, boolean explain) {
    Options inScene(String scene) {
      return new Options(k, scene, exclude, category, diversity, maxPerCreator, allowRepeats, explain);
    }
  }

  /**
   * What a user said they like at onboarding; used only while their history is short ({@link #COLD_EVENTS}).
   *
   * @param categories genres or categories
   * @param creators artists, authors, brands
   */
  record Preferences(Set<String> categories, Set<String> creators) {
    static final Preferences NONE = new Preferences(Set.of(), Set.of());

    boolean isEmpty() {
      return categories.isEmpty() && creators.isEmpty();
    }
  }

  /** Below this many liked events, onboarding preferences seed the history. */
  static final int COLD_EVENTS = 3;

  /**
   * Whether onboarding choices still apply to {@code history}: it holds fewer than {@link #COLD_EVENTS} liked events
   * (skips, dislikes and short plays do not count). The routes ask this before they read a user's profile, so they
   * must count as {@link #recommend} does: counting every event, a user who chose categories and then skipped three
   * tracks lost the choices the engine would have used (a review).
   */
  boolean cold(List<Event> history) {
    int liked = 0;
    for (Event e : history) if (catalog.likes(e) && ++liked >= COLD_EVENTS) return false;
    return true;
  }
  /** How many popular items of the preferred categories or creators seed a cold history. */
  static final int SEED_ITEMS = 5;

  /**
   * One recommended item.
   *
   * @param score the rank score of this response (see {@link #rank}): min-max over the request's model candidates
   *     into [0.5, 1], popularity below 0.5, times 1 + the freshness boost for new releases, so the same item's
   *     score moves with {@code k} and the other candidates
   * @param modelScore the score the model it came from (the served one, or the fallback) gave it for this history,
   *     comparable across requests; null for content and popularity candidates
   * @param explanation null unless asked for and the source is the served model
   */
  record Recommended(String itemId, double score, Double modelScore, String source, Explained explanation) {}

  /**
   * The explanation of one item: the history events the model read, the one its score owes most first.
   *
   * @param steps for an attention network, ordered by {@link Step#drop}, largest first (ties: the more attended, then
   *     the older); for a transfer model, by share, largest first
   * @param rest for a transfer model, the part of {@code modelScore} no history event accounts for (the bias and
   *     popularity terms and the per-history centring), so the step weights plus {@code rest} equal the model
   *     score; null for an attention network, whose weights are attention, not shares
   * @param topItemId the first step's item: the event the item's score owes most to
   * @param topStepDrop the model score less the model score without the top event (may be negative: for a transfer
   *     model, leaving an event out also re-standardises every component over the scene)
   * @param randomStepDrop the same for a seeded random other event of the history; null when it has no other
   * @param omittedSteps for a transfer model, the history events beyond the {@link #MAX_TRANSFER_STEPS} largest shares,
   *     left out of {@code steps} (a user of 1,924 events made an answer of 24 MB at k = 100: a QA run); 0 otherwise
   * @param omittedWeight for a transfer model, their shares' sum, so that the steps' weights, it and {@code rest} equal
   *     the model score; null for an attention network
   */
  record Explained(List<Step> steps, Double rest, String topItemId, double topStepDrop, Double randomStepDrop,
      int omittedSteps, Double omittedWeight) {}

  /** Most steps a transfer model's explanation lists, the largest shares (as the influence route lists 100 events). */
  static final int MAX_TRANSFER_STEPS = 100;

  /**
   * A history event in an explanation.
   *
   * @param timestamp the event's time; null for a stand-in, which is no event of the user's, and for a history event
   *     sent without one (it was 0, and the time of receipt, where {@code POST /v1/admin/influence} said null: QA)
   * @param weight an attention network's attention to the event (the same for every item: what it read, not why an
   *     item scored as it did); a transfer model's exact share of the score
   * @param drop an attention network's score of the item less its score with this event left out of the window
   *     (positive when the event raised it); null for a transfer model, whose weight is already the event's share
   * @param standIn whether it is not the user's own event but an item standing in for a history while they have few
   *     (the most popular of the categories and creators they chose at onboarding)
   * @param hidden whether the item is hidden: a step still names it (it is the user's own event), and a client that
   *     must never show a taken-down item reads this rather than looking every step's item up
   */
  record Step(String itemId, Long timestamp, String type, double weight, Double drop, boolean standIn,
      boolean hidden) {
    static Step of(Event e, double weight, Double drop, StepMarks marks) {
      boolean standIn = marks.standIns().contains(e);
      return new Step(e.itemId(), standIn || marks.undated().contains(e) ? null : e.timestamp(), e.type(), weight,
          drop, standIn, marks.hidden().contains(e.itemId()));
    }
  }

  /**
   * What a {@link Step} says of a history event besides the model's numbers.
   *
   * @param standIns the stand-ins among the events (by identity)
   * @param undated the events sent without a time (by identity)
   * @param hidden the ids of the history's hidden items
   */
  record StepMarks(Set<Event> standIns, Set<Event> undated, Set<String> hidden) {}

  /**
   * The items that stand in for a new user's history, put before their {@code liked} events: the most popular of the
   * categories and creators they chose at onboarding that they have not {@code seen}, as {@code onboard} events at
   * time 0 (new objects: tell them from the user's own by identity). None once they have {@link #COLD_EVENTS} liked
   * events, or chose nothing.
   */
  List<Event> standIns(List<Event> liked, Set<String> seen, Preferences preferences, long nowMillis) {
    if (liked.size() >= COLD_EVENTS || preferences.isEmpty()) return List.of();
    List<Event> seeds = new ArrayList<>();
    for (ItemCounters.Ranked r : counters.popular(SEED_ITEMS,
        id -> !seen.contains(id) && matches(id, preferences, nowMillis))) {
      Item item = itemOrNull(r.itemId()); // deleted since it was ranked, by a request beside this one: none
      if (item != null) seeds.add(new Event("onboarding", r.itemId(), ONBOARD_TYPE, 1f, 0L, item.scene()));
    }
    return seeds;
  }

  /** Recommends for {@code history} (oldest first). */
  List<Recommended> recommend(List<Event> history, Options o, long nowMillis) {
    return recommend(history, Preferences.NONE, o, nowMillis);
  }

  /**
   * Recommends for {@code history} (oldest first); while it holds fewer than {@link #COLD_EVENTS} liked events,
   * the most popular items matching {@code preferences} are put before it as if chosen (type {@link
   * #ONBOARD_TYPE}, not excluded as seen), so a new user gets a personalised list from the first request.
   */
  List<Recommended> recommend(List<Event> history, Preferences preferences, Options requested, long nowMillis) {
    return recommend(history, Set.of(), preferences, requested, nowMillis);
  }

  /**
   * As {@link #recommend(List, Preferences, Options, long)}, for a user who also consumed {@code earlierItems}
   * before {@code history} (the window the models read): those are left out too unless repeats are allowed.
   */
  List<Recommended> recommend(List<Event> history, Set<String> earlierItems, Preferences preferences,
      Options requested, long nowMillis) {
    return answer(history, earlierItems, preferences, requested, nowMillis).items();
  }

  /**
   * What {@link #recommend(List, Set, Preferences, Options, long)} answered, with the model and the fallback that
   * answered it (either may be null): read again after the answer, they could name a version swapped in meanwhile.
   * {@code model} is the model served, whether or not it ranked anything: {@link #rankedByModel} says whether it did.
   */
  record Answer(List<Recommended> items, ServingModel model, FallbackModel fallback, boolean rankedByModel) {}

  /** {@link ServingModel#unknownItemsWarning} of the model these recommendations serve over their catalogue. */
  String unknownItemsWarning() {
    IndexView v = view;
    return v == null ? null : v.model().unknownItemsWarning(catalog);
  }

  /** As {@link #recommend(List, Set, Preferences, Options, long)}, with what answered. */
  Answer answer(List<Event> history, Set<String> earlierItems, Preferences preferences, Options requested,
      long nowMillis) {
    return answer(history, earlierItems, preferences, requested, nowMillis, Set.of());
  }

  /**
   * As {@link #answer(List, Set, Preferences, Options, long)}, where the events of {@code undated} (by identity) were
   * sent without a time: they are ordered by the one they were given, and explained without it.
   */
  Answer answer(List<Event> history, Set<String> earlierItems, Preferences preferences, Options requested,
      long nowMillis, Set<Event> undated) {
    IndexView v = view; // one read: the model and its flags belong together, even during a swap
    ServingModel m = v == null ? null : v.model();
    // a transfer model asked for no scene answers in its training target, and so do the fallbacks and popularity
    Options o = m == null ? requested : requested.inScene(m.sceneOrDefault(requested.scene()));
    Set<String> seen = new HashSet<>(earlierItems);
    List<Event> positive = new ArrayList<>();
    for (Event e : history) {
      seen.add(e.itemId());
      if (catalog.likes(e)) positive.add(e); // a short play_seconds is a skip, as in training
    }
    boolean onboarding = positive.size() < COLD_EVENTS && !preferences.isEmpty();
    Set<Event> standIns = Set.of(); // by identity: a user's own event may equal one
    if (onboarding) {
      List<Event> seeds = new ArrayList<>(standIns(positive, seen, preferences, nowMillis));
      standIns = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      standIns.addAll(seeds);
      seeds.addAll(positive);
      positive = seeds;
    }
    Map<String, Candidate> pool = new LinkedHashMap<>();
    int[] modelHistory = null;
    int[] modelTypes = null;
    List<Event> modelEvents = new ArrayList<>();
    int sceneId = o.scene() == null ? -1 : sceneIds.getOrDefault(o.scene(), -2);
    if (m != null && sceneId != -2) {
      List<Integer> idx = new ArrayList<>();
      for (Event e : positive) {
        int i = m.items().indexOf(e.itemId());
        if (i >= 0) {
          idx.add(i);
          modelEvents.add(e);
        }
      }
      if (!idx.isEmpty()) {
        modelHistory = idx.stream().mapToInt(Integer::intValue).toArray();
        modelTypes = m.typesOf(modelEvents);
        int fetch = Math.min(m.items().size(), poolSize(o.k()));
        int[] excluded = excludedIndices(m, o, seen);
        boolean[] blocked = v.blocked();
        int[] sceneOf = v.sceneOf();
        long[] releaseOf = v.releaseOf(); // Item.UNKNOWN_TIME (Long.MIN_VALUE) is no release to come
        ItemFilter keep = i -> !blocked[i] && releaseOf[i] <= nowMillis && (sceneId < 0 || sceneOf[i] == sceneId)
            && (o.category() == null || inCategory(m.items().id(i), o.category()));
        TopK top = m.recommend(modelHistory, modelTypes, fetch, excluded, keep, o.scene());
        for (int r = 0; r < top.size(); r++) {
          String id = m.items().id(top.item(r));
          Candidate c = new Candidate(id, top.score(r), m.kind(), top.item(r));
          c.fromModel = true;
          pool.put(id, c);
        }
      }
    }
    FallbackModel f = fallback;
    boolean fellBack = pool.isEmpty() && f != null && addFallbackCandidates(pool, f, positive, o, seen, nowMillis);
    // content affinity from the user's own liked events only: stand-ins, popular items of the chosen categories, made
    // every unused item of those categories a content candidate of affinity 1, ahead of their most popular items (QA)
    Set<Event> standing = standIns;
    addContentCandidates(pool, standing.isEmpty() ? positive
        : positive.stream().filter(e -> !standing.contains(e)).toList(), o, seen, fellBack ? f : null, nowMillis);
    if (onboarding) {
      // the most popular items of the chosen categories and creators are candidates whatever the model says
      // under a cap per creator, further down: k of them on a few creators left the list's rest to other items while
      // the choices' other creators had popular items (a QA run: 8 of 15 jazz artists, then rock)
      int read = o.maxPerCreator() > 0 ? o.k() * POPULAR_READ_PER_CAPPED : o.k();
      for (ItemCounters.Ranked r : counters.popular(read,
          id -> !pool.containsKey(id) && accepts(id, o, seen, nowMillis) && matches(id, preferences, nowMillis))) {
        Candidate c = new Candidate(r.itemId(), Double.NaN, "popular", m == null ? -1 : m.items().indexOf(r.itemId()));
        c.popularity = r.count();
        pool.put(r.itemId(), c);
      }
      // popularity reads used items only: chosen categories or creators whose items nobody has used yet (a QA run's
      // "Drama") got none of them, and a plain popular list
      // counted as the cap per creator lets them through: matches on a few creators are not k of them (QA)
      int chosen = usableUnderCap(pool.keySet().stream().filter(id -> matches(id, preferences, nowMillis)).toList(),
          o.maxPerCreator(), new HashMap<>());
      if (chosen < o.k()) {
        int want = (o.k() - chosen) * (o.maxPerCreator() > 0 ? POPULAR_READ_PER_CAPPED : 1);
        addUnused(pool, id -> accepts(id, o, seen, nowMillis) && matches(id, preferences, nowMillis), want,
            outside -> outside.newestFirstOf(preferences.categories(), preferences.creators(), List.of()));
      }
      for (Candidate c : pool.values()) c.preferred = matches(c.itemId, preferences, nowMillis);
    }
    // with a cap per creator, what counts is the candidates the cap lets through: a model's candidates on a few
    // creators filled the pool and left the list short (4 of 10 with one per artist, a review), and the most popular
    // items crowd on a few creators too: read further down the ranking, taking at most the cap of each creator
    Map<String, Integer> perCreator = new HashMap<>();
    int usable = usableUnderCap(pool.keySet(), o.maxPerCreator(), perCreator);
    if (usable < poolSize(o.k())) {
      int need = poolSize(o.k()) - usable;
      int read = o.maxPerCreator() > 0 ? need * POPULAR_READ_PER_CAPPED : need;
      for (ItemCounters.Ranked r : counters.popular(read + pool.size(),
          id -> !pool.containsKey(id) && accepts(id, o, seen, nowMillis))) {
        if (need == 0) break;
        Item item = itemOrNull(r.itemId());
        if (item == null) continue;
        String creator = item.creator();
        if (o.maxPerCreator() > 0 && creator != null && perCreator.merge(creator, 1, Integer::sum) > o.maxPerCreator()) {
          continue;
        }
        // below every model score, in popularity order
        pool.put(r.itemId(), new Candidate(r.itemId(), Double.NaN, "popular", m == null ? -1 : m.items().indexOf(r.itemId())));
        pool.get(r.itemId()).popularity = r.count();
        need--;
      }
    }
    // too few used items pass (a category or a scene whose items are all new, a platform younger than k plays): the
    // unused ones fill the list; only under a category filter, a scene nobody had used yet answered an empty list (QA)
    if (pool.size() < o.k()) {
      // the filter's own items: read across every scene, a new scene's items came after 10,000 others (a review)
      addUnused(pool, id -> accepts(id, o, seen, nowMillis), o.k() - pool.size(),
          o.category() != null ? outside -> outside.newestFirstIn(o.category())
              : o.scene() != null ? outside -> outside.newestFirstInScene(o.scene()) : OutsideItems::newestFirst);
    }
    List<Candidate> ranked = rank(new ArrayList<>(pool.values()), o, nowMillis, m, dislikedVectors(m, history));
    StepMarks marks = o.explain() ? new StepMarks(standIns, undated, hiddenOf(modelEvents)) : null;
    Map<Candidate, Explained> explained = !o.explain() || m == null || modelHistory == null ? Map.of()
        : m.explains() ? explain(m, modelHistory, modelTypes, modelEvents, marks, ranked)
        : m.sceneTarget(o.scene()) != null
            ? explainTransfer(m, o.scene(), modelHistory, modelEvents, marks, ranked)
        : Map.of();
    List<Recommended> out = new ArrayList<>(ranked.size());
    boolean byModel = false;
    for (Candidate c : ranked) {
      Double modelScore = Double.isNaN(c.modelScore) ? null : c.modelScore;
      out.add(new Recommended(c.itemId, c.finalScore, modelScore, c.source, explained.get(c)));
      byModel |= c.fromModel;
    }
    return new Answer(out, m, f, byModel);
  }

  /**
   * The classic model's top items for the history's items it knows, scored by it (source = its name). Returns
   * whether it read the history (knew some of its items).
   */
  private boolean addFallbackCandidates(Map<String, Candidate> pool, FallbackModel f, List<Event> positive, Options o,
      Set<String> seen, long nowMillis) {
    List<Integer> idx = new ArrayList<>();
    for (Event e : positive) {
      int i = f.items().indexOf(e.itemId());
      if (i >= 0) idx.add(i);
    }
    if (idx.isEmpty()) return false;
    int[] history = idx.stream().mapToInt(Integer::intValue).toArray();
    int fetch = Math.min(f.items().size(), poolSize(o.k()));
    ItemFilter keep = i -> accepts(f.items().id(i), o, seen, nowMillis);
    TopK top = f.model().recommend(new Query(-1, history, fetch, keep, false));
    for (int r = 0; r < top.size(); r++) {
      // no score (or exactly 0: item co-occurrence with nothing of the history) is no evidence for the item
      if (!Float.isFinite(top.score(r)) || top.score(r) == 0f) continue;
      String id = f.items().id(top.item(r));
      pool.put(id, new Candidate(id, top.score(r), f.kind(), -1));
    }
    return true;
  }

  /**
   * Items the model does not know (added since it was trained) that share a category, the creator or a tag with the
   * history's liked items, source {@code content}: their affinity is the larger of the largest share of liked events
   * that have one of the item's categories, or its creator (each counted apart), and {@link #TAG_SHARE} times the
   * cosine of the item's tags to the liked events' tags, each tag weighted by {@link Catalog#tagWeight} (a tag on most
   * items tells little, one on every item nothing; tags are free-form and many, so the share of one tag would put every
   * item of a common one first); ranked by {@link ServerConfig#contentWeight} times it. This is what makes a new item
   * with attributes recommendable before retraining. A request for a scene reads the liked events on that scene's
   * items when the history has some (a QA run: a user of 32 books and 3 music items, all 3 of one category, got an
   * item of that category moved into music at an affinity of 3 / 35, below every model candidate), else all of them.
   *
   * @param scoredBy the fallback when it read the history, else null: the items some user liked when it was fitted
   *     it scored (or found no evidence for), so they are no content candidates ({@link FallbackModel#learnt}). With
   *     no model served every item is one the model does not know, and a whole catalogue's items of the history's
   *     categories outranked the fallback's own (a review).
   */
  private void addContentCandidates(Map<String, Candidate> pool, List<Event> positive, Options o, Set<String> seen,
      FallbackModel scoredBy, long nowMillis) {
    if (unmodelled.isEmpty() || positive.isEmpty() || config.contentWeight() == 0) return;
    if (o.scene() != null) {
      List<Event> inScene = positive.stream().filter(e -> {
        Item item = itemOrNull(e.itemId());
        return item != null && o.scene().equals(item.scene());
      }).toList();
      if (!inScene.isEmpty()) positive = inScene;
    }
    Map<String, Integer> categoryCounts = new HashMap<>();
    Map<String, Integer> creatorCounts = new HashMap<>();
    Map<String, Double> tagProfile = new HashMap<>(); // weight of the tag x the liked events that have it
    for (Event e : positive) {
      Store.StoredItem s = catalog.get(e.itemId());
      if (s == null) continue;
      for (String c : s.item().categories()) categoryCounts.merge(c, 1, Integer::sum);
      if (s.item().creator() != null) creatorCounts.merge(s.item().creator(), 1, Integer::sum);
      for (String t : new HashSet<>(s.item().tags())) { // a tag written twice on an item is one, as for a candidate
        double weight = catalog.tagWeight(t);
        if (weight > 0) tagProfile.merge(t, weight, Double::sum);
      }
    }
    if (tagProfile.size() > MAX_HISTORY_TAGS) {
      List<Map.Entry<String, Double>> heaviest = new ArrayList<>(tagProfile.entrySet());
      heaviest.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
      tagProfile = new HashMap<>();
      for (Map.Entry<String, Double> t : heaviest.subList(0, MAX_HISTORY_TAGS)) {
        tagProfile.put(t.getKey(), t.getValue());
      }
    }
    if (categoryCounts.isEmpty() && creatorCounts.isEmpty() && tagProfile.isEmpty()) return;
    double profileNorm = 0;
    for (double v : tagProfile.values()) profileNorm += v * v;
    profileNorm = Math.sqrt(profileNorm);
    int read = 0;
    int scanned = 0;
    List<Candidate> found = new ArrayList<>();
    java.util.Iterator<String> matching = unmodelled.newestFirstOf(categoryCounts.keySet(), creatorCounts.keySet(),
        tagProfile.keySet());
    while (matching.hasNext() && ++read <= MAX_INDEX_READ && scanned < MAX_CONTENT_SCAN) {
      String id = matching.next();
      // passed over uncounted: without a model every item of the catalogue is in the index, most of them the
      // fallback's, and counted they left a new item after 10,000 of them unread (a review)
      if (pool.containsKey(id) || scoredBy != null && scoredBy.learnt(id)) continue;
      if (!accepts(id, o, seen, nowMillis)) continue;
      scanned++;
      Item item = itemOrNull(id);
      if (item == null) continue;
      int matches = item.creator() == null ? 0 : creatorCounts.getOrDefault(item.creator(), 0);
      for (String c : item.categories()) matches = Math.max(matches, categoryCounts.getOrDefault(c, 0));
      double affinity = Math.max(matches / (double) positive.size(),
          TAG_SHARE * tagCosine(item, tagProfile, profileNorm));
      if (affinity == 0) continue;
      Candidate c = new Candidate(id, Double.NaN, "content", -1);
      c.item = item; // for the sort below: read once, not per comparison
      c.affinity = affinity;
      c.popularity = counters.count(id);
      found.add(c);
    }
    // into the pool by affinity, equal affinities by popularity (the ranking keeps this order for equal scores), then
    // newest release first (releases still to come are not accepted), then by id: the same answer whatever the order
    // the index gives
    found.sort(Comparator.comparing((Candidate c) -> -c.affinity).thenComparing(c -> -c.popularity)
        .thenComparing(c -> c.item.hasReleaseTime() ? -c.item.releaseTime() : Long.MAX_VALUE)
        .thenComparing(c -> c.itemId));
    // the best as many as a list is ranked from: with tags, thousands matched, and each cost the ranking its share
    for (Candidate c : found.subList(0, Math.min(found.size(), poolSize(o.k())))) pool.put(c.itemId, c);
  }

  /** The cosine of {@code item}'s weighted tags to {@code profile} (of norm {@code profileNorm}); 0 without any. */
  private double tagCosine(Item item, Map<String, Double> profile, double profileNorm) {
    if (profileNorm == 0 || item.tags().isEmpty()) return 0;
    double dot = 0;
    double norm = 0;
    for (String t : new HashSet<>(item.tags())) {
      double weight = catalog.tagWeight(t);
      dot += weight * profile.getOrDefault(t, 0.0);
      norm += weight * weight;
    }
    return norm == 0 ? 0 : Math.min(1, dot / (Math.sqrt(norm) * profileNorm));
  }

  /**
   * Up to {@code want} items nobody has used yet that {@code wanted} takes: source {@code popular} with no users
   * (score 0, below every used item), newest release first, then those without one, newest in the catalogue first.
   * The popularity fill reads only items with users, so a category filter (or a scene) whose items are all new (added
   * by {@code POST /v1/items}, not yet in the model, unused) answered an empty list, although the client asked for
   * exactly those items, and onboarding choices of such categories or creators shaped nothing (QA runs). Only items
   * the model does not know or never learnt are read, those {@code order} gives (all of them, or a category's or a
   * scene's, newest first), at most {@link #MAX_CONTENT_SCAN} of each kind: an item it knows is a model candidate.
   */
  private void addUnused(Map<String, Candidate> pool, java.util.function.Predicate<String> wanted, int want,
      java.util.function.Function<OutsideItems, java.util.Iterator<String>> order) {
    for (String id : unused(id -> !pool.containsKey(id) && wanted.test(id), want, order)) {
      pool.put(id, new Candidate(id, Double.NaN, "popular", -1)); // popularity 0: score 0
    }
  }

  /**
   * Up to {@code want} ids of items nobody has used yet, outside the model or never learnt by it, that {@code wanted}
   * takes, in {@link #addUnused}'s order.
   */
  private List<String> unused(java.util.function.Predicate<String> wanted, int want,
      java.util.function.Function<OutsideItems, java.util.Iterator<String>> order) {
    List<Store.StoredItem> unused = new ArrayList<>();
    // an item edited or moved during the read can come twice (a review: similar items listed one twice)
    Set<String> read = new HashSet<>();
    // items added since the model, then its own that it never learnt. The index reads an item without a release time
    // by when the catalogue got it, among the release times, and the answer puts it after every release: so the read
    // goes on until want released items are found, keeping the first want of the others (the newest in the catalogue)
    for (OutsideItems outside : List.of(unmodelled, untrained)) {
      java.util.Iterator<String> ids = order.apply(outside);
      int entries = 0;
      int scanned = 0;
      int released = 0;
      int undated = 0;
      while (ids.hasNext() && ++entries <= MAX_INDEX_READ && scanned < MAX_CONTENT_SCAN && released < want) {
        String id = ids.next();
        if (!read.add(id) || counters.count(id) > 0) continue;
        scanned++;
        if (!wanted.test(id)) continue;
        Store.StoredItem stored = catalog.get(id); // again: deleted since, by a request beside this one
        if (stored == null) continue;
        if (stored.item().hasReleaseTime()) {
          released++;
          unused.add(stored);
        } else if (undated++ < want) {
          unused.add(stored);
        }
      }
    }
    // releases still to come are not accepted (wanted): newest release first, as /v1/new reads them, then the items
    // without one, the newest in the catalogue first
    unused.sort(Comparator.comparingLong((Store.StoredItem i) -> i.item().hasReleaseTime() ? -i.item().releaseTime()
        : Long.MAX_VALUE).thenComparingLong(i -> -i.createdAtMillis()).thenComparing(i -> i.item().id()));
    return unused.stream().limit(want).map(i -> i.item().id()).toList();
  }

  /**
   * Up to {@code want} items nobody has used yet that share one of {@code categories}, newest release first, that
   * {@code keep} takes: the end of a similar-items list by category, which reads used items only (QA: a new article
   * in a new category had no similar items, though three others shared it).
   */
  List<String> unusedSharing(Set<String> categories, int want, java.util.function.Predicate<String> keep) {
    return unused(keep, want, outside -> outside.newestFirstOf(categories, List.of(), List.of()));
  }

  /** Model indices of the excluded items and (unless repeats are allowed) the seen ones, sorted. */
  private static int[] excludedIndices(ServingModel m, Options o, Set<String> seen) {
    int[] out = new int[o.exclude().size() + (o.allowRepeats() ? 0 : seen.size())];
    int n = 0;
    for (String id : o.exclude()) {
      int i = m.items().indexOf(id);
      if (i >= 0) out[n++] = i;
    }
    if (!o.allowRepeats()) {
      for (String id : seen) {
        int i = m.items().indexOf(id);
        if (i >= 0) out[n++] = i;
      }
    }
    int[] sorted = Arrays.copyOf(out, n);
    Arrays.sort(sorted);
    return sorted;
  }

  /**
   * The item's metadata, or null once it is deleted: the catalogue changes while a request runs (an item passes a
   * filter, then a request beside this one deletes it), so a candidate's item is read once and may be gone.
   */
  private Item itemOrNull(String itemId) {
    Store.StoredItem s = catalog.get(itemId);
    return s == null ? null : s.item();
  }

  /** The ids of {@code events}' items that are hidden, for the explanation's steps. */
  private Set<String> hiddenOf(List<Event> events) {
    Set<String> hidden = new HashSet<>();
    for (Event e : events) {
      Store.StoredItem s = catalog.get(e.itemId());
      if (s != null && s.hidden()) hidden.add(e.itemId());
    }
    return hidden;
  }

  /**
   * How many of {@code ids} a cap of {@code cap} per creator lets through (0: no cap, all of them), counting each
   * creator's items into {@code perCreator} (for a fill that goes on under the same cap).
   */
  private int usableUnderCap(java.util.Collection<String> ids, int cap, Map<String, Integer> perCreator) {
    if (cap <= 0) return ids.size();
    int usable = 0;
    for (String id : ids) {
      Item item = itemOrNull(id);
      String creator = item == null ? null : item.creator();
      if (creator == null || perCreator.merge(creator, 1, Integer::sum) <= cap) usable++;
    }
    return usable;
  }

  /** Whether the item has a release time, and it has come: a release still to come is not new, nor boosted. */
  private static boolean released(Item item, long nowMillis) {
    return item.hasReleaseTime() && item.releaseTime() <= nowMillis;
  }

  private boolean inCategory(String itemId, String category) {
    Item item = itemOrNull(itemId);
    return item != null && item.categories().contains(category);
  }

  /** Whether the item matches onboarding choices: {@link Catalog#listable}, of a chosen creator or category. */
  private boolean matches(String itemId, Preferences p, long nowMillis) {
    Store.StoredItem s = catalog.get(itemId);
    // a release to come neither stands in for a history nor counts as chosen (a review: an embargoed article did)
    if (!Catalog.listable(s, nowMillis)) return false;
    Item item = s.item();
    return item.creator() != null && p.creators().contains(item.creator())
        || item.categories().stream().anyMatch(p.categories()::contains);
  }

  private boolean accepts(String itemId, Options o, Set<String> seen, long nowMillis) {
    Store.StoredItem s = catalog.get(itemId);
    if (!Catalog.listable(s, nowMillis)) return false;
    Item item = s.item();
    if (o.scene() != null && !o.scene().equals(item.scene())) return false;
    if (o.exclude().contains(itemId)) return false;
    if (!o.allowRepeats() && seen.contains(itemId)) return false;
    return o.category() == null || item.categories().contains(o.category());
  }

  private static final class Candidate {
    final String itemId;
    final double modelScore;
    final String source;
    final int modelIndex;
    long popularity;
    /** Whether the served model ranked it (not the fallback, popularity or content). */
    boolean fromModel;
    /** Whether it matches the onboarding choices of a user they still apply to: such candidates rank first. */
    boolean preferred;
    /** For content candidates: the share of liked events sharing a category or the creator, in (0, 1]. */
    double affinity = Double.NaN;
    double finalScore;
    /**
     * The model score the ranking reads: {@link #modelScore}, less what resemblance to a disliked item costs ({@link
     * ServerConfig#dislikePenalty}); the answer reports the model's own.
     */
    double rankedScore;
    /** The item's metadata, looked up once per request in {@link #rank} (a hash lookup of the id otherwise). */
    Item item;

    Candidate(String itemId, double modelScore, String source, int modelIndex) {
      this.itemId = itemId;
      this.modelScore = modelScore;
      this.source = source;
      this.modelIndex = modelIndex;
    }
  }

  /** Most disliked items whose resemblance {@link #rank} weighs (the newest): each costs a dot product a candidate. */
  static final int MAX_DISLIKED = 50;

  /**
   * The served sequence network's unit vectors of the items {@code history} says no to last (a skip, a dislike, a
   * short play as the item's newest event: one played in full since is not held against what resembles it), each
   * item once, the newest {@link #MAX_DISLIKED}; none for a model without item vectors (a pipeline, a transfer model:
   * a review found a 500 there), nor with the penalty off.
   */
  private List<float[]> dislikedVectors(ServingModel m, List<Event> history) {
    if (m == null || m.sequential() == null || config.dislikePenalty() == 0) return List.of();
    List<float[]> out = new ArrayList<>();
    Set<String> decided = new HashSet<>();
    for (int e = history.size() - 1; e >= 0 && out.size() < MAX_DISLIKED; e--) {
      Event event = history.get(e);
      if (!decided.add(event.itemId()) || !catalog.dislikes(event)) continue;
      int i = m.items().indexOf(event.itemId());
      if (i >= 0) out.add(unit(m.itemRepresentation(i)));
    }
    return out;
  }

  /** {@code v} scaled in place to length 1 (all zeros stays so): for the copies {@code itemRepresentation} gives. */
  private static float[] unit(float[] v) {
    double norm = Math.sqrt(dev.attune.kernel.VectorOps.dot(v, v));
    if (norm > 0) for (int d = 0; d < v.length; d++) v[d] /= (float) norm;
    return v;
  }

  /**
   * Scores in [0, 1] (min-max over model candidates, popularity below them; a model candidate like an item of {@code
   * disliked} ({@link #dislikedVectors}) first moved down by {@link ServerConfig#dislikePenalty} standard
   * deviations of the model candidates' scores times its largest cosine to such an item, none below 0), boost, then
   * greedy MMR with caps. Before the penalty, a skip only left its own item out, and items like it each moved up a
   * place (client QA).
   */
  private List<Candidate> rank(List<Candidate> pool, Options o, long nowMillis, ServingModel m,
      List<float[]> disliked) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    long maxPop = 1;
    double sum = 0;
    double squares = 0;
    int scored = 0;
    for (Candidate c : pool) {
      if (!Double.isNaN(c.modelScore)) {
        min = Math.min(min, c.modelScore);
        max = Math.max(max, c.modelScore);
        sum += c.modelScore;
        squares += c.modelScore * c.modelScore;
        scored++;
      } else if (Double.isNaN(c.affinity)) {
        maxPop = Math.max(maxPop, c.popularity);
      }
    }
    // clamped into the candidates' range, so that the rank scores stay in [0.5, 1]
    double sd = scored > 1 ? Math.sqrt(Math.max(0, squares / scored - (sum / scored) * (sum / scored))) : 0;
    for (Candidate c : pool) {
      c.rankedScore = c.modelScore;
      if (disliked.isEmpty() || sd == 0 || Double.isNaN(c.modelScore) || c.modelIndex < 0) continue;
      float[] r = unit(m.itemRepresentation(c.modelIndex));
      double like = 0;
      for (float[] n : disliked) like = Math.max(like, dev.attune.kernel.VectorOps.dot(r, n)); // unit vectors: cosines
      c.rankedScore = Math.max(min, c.modelScore - config.dislikePenalty() * sd * like);
    }
    long freshSince = nowMillis - config.newItemDays() * 86_400_000L;
    // an item deleted since it became a candidate, by a request beside this one, is not recommended (its metadata
    // is gone: reading it answered 500)
    pool.removeIf(c -> (c.item = itemOrNull(c.itemId)) == null);
    for (Candidate c : pool) {
      // model candidates in [0.5, 1], content candidates by affinity in (0.5, 1], popularity below 0.5
      double base = !Double.isNaN(c.modelScore)
          ? 0.5 + 0.5 * (max > min ? (c.rankedScore - min) / (max - min) : 1.0)
          : !Double.isNaN(c.affinity) ? 0.5 + 0.5 * config.contentWeight() * c.affinity
          : 0.5 * c.popularity / (double) maxPop;
      Item item = c.item;
      if (config.freshnessBoost() > 0 && released(item, nowMillis) && item.releaseTime() >= freshSince) {
        base *= 1 + config.freshnessBoost();
      }
      c.finalScore = base;
    }
    // matches of onboarding choices first, then by score (a stable sort: equal scores keep the pool's order)
    pool.sort(Comparator.comparing((Candidate c) -> !c.preferred).thenComparing(c -> -c.finalScore));
    List<Candidate> chosen = new ArrayList<>(o.k());
    Map<String, Integer> perCreator = new HashMap<>();
    boolean[] used = new boolean[pool.size()];
    // each candidate's largest similarity to those chosen so far, updated after every pick: O(k × pool) similarities
    double[] maxSimilarity = o.diversity() > 0 ? new double[pool.size()] : null;
    double unknown = o.diversity() > 0 ? typicalSimilarity(m, pool) : 0;
    while (chosen.size() < o.k()) {
      int best = -1;
      double bestValue = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < pool.size(); j++) {
        if (used[j]) continue;
        Candidate c = pool.get(j);
        String creator = c.item.creator();
        if (o.maxPerCreator() > 0 && creator != null && perCreator.getOrDefault(creator, 0) >= o.maxPerCreator()) {
          continue;
        }
        double value = c.finalScore;
        if (o.diversity() > 0 && !chosen.isEmpty()) {
          value = (1 - o.diversity()) * c.finalScore - o.diversity() * maxSimilarity[j];
        }
        // onboarding matches first with diversity too (a review: MMR picked by score alone and put them after)
        if (best >= 0 && pool.get(best).preferred && !c.preferred) break; // sorted: no match follows a non-match
        if (value > bestValue) {
          bestValue = value;
          best = j;
        }
        if (o.diversity() == 0) break; // sorted: the first allowed one is the best
      }
      if (best < 0) break;
      used[best] = true;
      Candidate c = pool.get(best);
      chosen.add(c);
      if (maxSimilarity != null && chosen.size() < o.k()) {
        for (int j = 0; j < pool.size(); j++) {
          if (!used[j]) maxSimilarity[j] = Math.max(maxSimilarity[j], similarity(m, pool.get(j), c, unknown));
        }
      }
      String creator = c.item.creator();
      if (creator != null) perCreator.merge(creator, 1, Integer::sum);
    }
    return chosen;
  }

  /** Model candidates whose pairs {@link #typicalSimilarity} averages: the best-scored, 190 pairs at most. */
  private static final int TYPICAL_SIMILARITY_ITEMS = 20;

  /**
   * The mean similarity of the best model candidates in {@code pool} to one another: what a pair is taken to share
   * when nothing tells (an item outside the model, without categories on both sides). Taken as 0, such an item was
   * the least like every chosen one, and MMR lifted it from beyond the 60th place to the 2nd (QA); 0 when the pool
   * holds fewer than two model candidates.
   */
  private static double typicalSimilarity(ServingModel m, List<Candidate> pool) {
    if (m == null || m.sequential() == null) return 0; // a pipeline's or transfer model's items have no vectors here
    List<float[]> vectors = new ArrayList<>();
    for (Candidate c : pool) {
      if (c.modelIndex >= 0 && c.fromModel) vectors.add(m.itemRepresentation(c.modelIndex));
      if (vectors.size() == TYPICAL_SIMILARITY_ITEMS) break;
    }
    double sum = 0;
    int pairs = 0;
    for (int a = 0; a < vectors.size(); a++) {
      for (int b = a + 1; b < vectors.size(); b++) {
        sum += cosine(vectors.get(a), vectors.get(b));
        pairs++;
      }
    }
    return pairs == 0 ? 0 : sum / pairs;
  }

  /**
   * Cosine of the model's representations of two items it knows; else the share of their categories they have in
   * common when both have some; else {@code unknown} ({@link #typicalSimilarity}).
   */
  private double similarity(ServingModel m, Candidate a, Candidate b, double unknown) {
    float[] x = m == null || a.modelIndex < 0 || b.modelIndex < 0 ? null : m.itemRepresentation(a.modelIndex);
    float[] y = x == null ? null : m.itemRepresentation(b.modelIndex);
    if (x != null && y != null) return cosine(x, y);
    List<String> ca = a.item.categories();
    List<String> cb = b.item.categories();
    if (ca.isEmpty() || cb.isEmpty()) return unknown;
    Set<String> union = new HashSet<>(ca);
    union.addAll(cb);
    long shared = ca.stream().distinct().filter(cb::contains).count();
    return shared / (double) union.size();
  }

  /** The cosine of two vectors (0 when either is all zeros), summed in double. */
  static double cosine(float[] x, float[] y) {
    double dot = 0;
    double nx = 0;
    double ny = 0;
    for (int d = 0; d < x.length; d++) {
      dot += x[d] * y[d];
      nx += x[d] * x[d];
      ny += y[d] * y[d];
    }
    return nx > 0 && ny > 0 ? dot / Math.sqrt(nx * ny) : 0;
  }

  /**
   * Explanations of an attention network's candidates among {@code ranked}: each event of its window with the
   * attention it had and what the item's score owes it ({@link SequentialModel#occlusion}), the largest drop first.
   * Ordered by attention, which is the same for every item, the first event was the one an item's score owed most in
   * 15% of a QA run's recommendations, and leaving it out raised the score in 46% (LastFM).
   *
   * @implNote one forward pass per window event and one for the history, shared by every candidate.
   */
  private static Map<Candidate, Explained> explain(ServingModel m, int[] history, int[] types, List<Event> events,
      StepMarks marks, List<Candidate> ranked) {
    List<Candidate> fromModel = new ArrayList<>();
    for (Candidate c : ranked) if (c.modelIndex >= 0 && c.source.equals(m.kind())) fromModel.add(c);
    int[] items = fromModel.stream().mapToInt(c -> c.modelIndex).toArray();
    if (items.length == 0) return Map.of();
    SequentialModel.Occlusion o = m.sequential().occlusion(history, types, items);
    float[] attention = o.stepWeights();
    int n = attention.length;
    SplittableRandom random = new SplittableRandom(explainSeed(history));
    Map<Candidate, Explained> out = new HashMap<>();
    for (int k = 0; k < items.length; k++) {
      final int item = k;
      Integer[] order = new Integer[n];
      for (int p = 0; p < n; p++) order[p] = p;
      Arrays.sort(order, Comparator.<Integer>comparingDouble(p -> -o.drops()[p][item])
          .thenComparingDouble(p -> -attention[p]).thenComparingInt(p -> p));
      List<Step> steps = new ArrayList<>(n);
      for (int p : order) {
        steps.add(Step.of(events.get(o.firstStep() + p), attention[p], finiteOrNull(o.drops()[p][item]), marks));
      }
      float topDrop = n == 0 ? Float.NaN : o.drops()[order[0]][item];
      float randomDrop = Float.NaN;
      if (n >= 2) {
        int other = random.nextInt(n - 1);
        if (other >= order[0]) other++;
        randomDrop = o.drops()[other][item];
      }
      out.put(fromModel.get(k), new Explained(steps, null, steps.isEmpty() ? null : steps.get(0).itemId(),
          finiteOrZero(topDrop), finiteOrNull(randomDrop), 0, null));
    }
    return out;
  }

  /**
   * Explanations of a transfer model's candidates among {@code ranked}: every history event with its exact share of
   * the served score (attention, iALS, neighbour and EASE terms; {@link ServingModel#sceneTransferSplits}), largest
   * first, and the score's drop when the top event, or a seeded random other one, is left out of the history.
   */
  private static Map<Candidate, Explained> explainTransfer(ServingModel m, String scene, int[] history,
      List<Event> events, StepMarks marks, List<Candidate> ranked) {
    List<Candidate> fromModel = new ArrayList<>();
    for (Candidate c : ranked) if (c.modelIndex >= 0 && c.source.equals(m.kind())) fromModel.add(c);
    int[] items = fromModel.stream().mapToInt(c -> c.modelIndex).toArray();
    if (items.length == 0) return Map.of();
    // one pass over the history splits every candidate's score (and gives the score); one blend per left-out event
    SceneTransferModel.ScoreSplit[] splits = m.sceneTransferSplits(history, items, scene);
    Map<Integer, float[]> withoutEvent = new HashMap<>();
    SplittableRandom random = new SplittableRandom(explainSeed(history));
    Map<Candidate, Explained> out = new HashMap<>();
    for (int k = 0; k < items.length; k++) {
      float full = splits[k].score();
      float[] shares = splits[k].shares();
      Integer[] order = new Integer[history.length];
      for (int j = 0; j < order.length; j++) order[j] = j;
      Arrays.sort(order, (x, y) -> Float.compare(shares[y], shares[x]));
      List<Step> steps = new ArrayList<>(Math.min(history.length, MAX_TRANSFER_STEPS));
      double omittedWeight = 0;
      for (int j : order) {
        if (steps.size() == MAX_TRANSFER_STEPS) {
          omittedWeight += shares[j];
          continue;
        }
        steps.add(Step.of(events.get(j), shares[j], null, marks));
      }
      int top = order[0];
      float topDrop = full - withoutEvent.computeIfAbsent(top,
          j -> m.sceneTransferScores(without(history, j), items, scene))[k];
      float randomDrop = Float.NaN;
      if (history.length > 1) {
        int other = random.nextInt(history.length - 1);
        if (other >= top) other++;
        randomDrop = full - withoutEvent.computeIfAbsent(other,
            j -> m.sceneTransferScores(without(history, j), items, scene))[k];
      }
      out.put(fromModel.get(k), new Explained(steps, (double) splits[k].rest(), steps.get(0).itemId(),
          finiteOrZero(topDrop), finiteOrNull(randomDrop), history.length - steps.size(), omittedWeight));
    }
    return out;
  }

  /**
   * The seed of the random other event an explanation leaves out (its {@code randomStepDrop}): the same for the same
   * history, so an answer explains the same way each time, and different across histories. A fixed seed drew the
   * same window position for every user with a full window (always one of the newest three of 20), which made the
   * baseline anything but random across users.
   */
  static long explainSeed(int[] history) {
    return SequentialModel.DEFAULT_EXPLAIN_SEED * 1_000_003L + Arrays.hashCode(history);
  }

  /** {@code history} without the entry at {@code position}. */
  static int[] without(int[] history, int position) {
    int[] out = new int[history.length - 1];
    System.arraycopy(history, 0, out, 0, position);
    System.arraycopy(history, position + 1, out, position, out.length - position);
    return out;
  }

  private static double finiteOrZero(float v) {
    return Float.isFinite(v) ? v : 0;
  }

  /** NaN means there was nothing to measure (a one-event history has no other event to leave out). */
  private static Double finiteOrNull(float v) {
    return Float.isFinite(v) ? (double) v : null;
  }
}
