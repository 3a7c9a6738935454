package dev.attune.data;

import dev.attune.events.Item;
import dev.attune.events.User;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A click-through-rate (CTR) task built from a data set's events: every event is an impression labelled
 * positive or negative by its value, with the user's profile, the item's categories and the user's earlier
 * positive items as features, divided by time per user into training, validation and test.
 *
 * <p>Protocol (the MovieLens setting of Zhou et al., "Deep Interest Network for Click-Through Rate Prediction",
 * KDD 2018): an event is positive when its value is at least {@link Params#positiveMin} (ratings 4-5 on a 1-5
 * scale), negative otherwise; an event of a type the default weights count against the item (a skip, a dislike) is
 * negative whatever its value (a QA run's skips of value 1 were all positives under a minimum of 0.5). Per user,
 * events are ordered by time (ties by input order); the last
 * {@link Params#testFraction} of them are test, and the last {@link Params#validationFraction} of the rest are
 * validation. A share f of n events is max(1, round(f·n)) events when f &gt; 0 and n &gt;= 2, else none.
 *
 * <p>History: an impression's history is the user's positive items with a timestamp strictly before the
 * impression's, oldest first, whatever part those events belong to. An earlier test event whose rating is
 * known by the time of the impression is part of what a live system would know; an event at the same second is
 * not (MovieLens stores many ratings per second, and their order inside the second is unknown). Stored as
 * {@link Part#historyEnd}: the number of the user's positives before the impression, an end index into
 * {@link #positivesOf}.
 *
 * <p>Features: each user has {@link #numUserFields()} categorical fields, one per name in
 * {@link Params#userAttributes}, as indices into one shared vocabulary ({@link #attributeNames()}) of
 * {@code name=value} strings; a value missing from the profile is {@code name=?}. Attributes named in
 * {@link Params#buckets} are integers mapped to the bucket whose lower edge they reach ({@code age=25+}).
 * Items carry their {@link Item#categories()} and {@link Item#tags()} as indices into {@link #categoryNames()}
 * ({@code category:Drama}, {@code tag:42}); "categories" below means both.
 *
 * <p>Immutable once built; thread-safe.
 */
public final class CtrDataset {

  /**
   * How impressions are labelled, divided and described.
   *
   * @param positiveMin smallest event value that is a positive, finite
   * @param testFraction share of each user's events (by time) that are test, in [0, 1)
   * @param validationFraction share of each user's remaining events that are validation, in [0, 1)
   * @param userAttributes user attributes used as fields, in field order, non-null
   * @param buckets ascending integer lower edges for attributes to bucket (the first edge also collects smaller
   *     values), non-null
   */
  public record Params(float positiveMin, double testFraction, double validationFraction,
      List<String> userAttributes, Map<String, int[]> buckets) {

    /**
     * The MovieLens-100K setting: ratings 4-5 positive, the last 20% of each user's events test, the last 10% of
     * the rest validation, fields age (MovieLens-1M's bucket edges 1, 18, 25, 35, 45, 50, 56), gender and
     * occupation.
     */
    public static final Params MOVIELENS = new Params(4f, 0.2, 0.1, List.of("age", "gender", "occupation"),
        Map.of("age", new int[] {1, 18, 25, 35, 45, 50, 56}));

    public Params {
      if (!Float.isFinite(positiveMin)) throw new IllegalArgumentException("positiveMin must be finite");
      if (!(testFraction >= 0 && testFraction < 1)) {
        throw new IllegalArgumentException("testFraction must be in [0, 1): " + testFraction);
      }
      if (!(validationFraction >= 0 && validationFraction < 1)) {
        throw new IllegalArgumentException("validationFraction must be in [0, 1): " + validationFraction);
      }
      if (userAttributes == null || buckets == null) {
        throw new IllegalArgumentException("userAttributes and buckets must not be null");
      }
      userAttributes = List.copyOf(userAttributes);
      buckets = Map.copyOf(buckets);
      for (Map.Entry<String, int[]> e : buckets.entrySet()) {
        int[] edges = e.getValue();
        for (int k = 1; k < edges.length; k++) {
          if (edges[k] <= edges[k - 1]) throw new IllegalArgumentException("bucket edges must ascend: " + e.getKey());
        }
      }
    }
  }

  /**
   * One part (training, validation or test) of the impressions, ordered by user, then time.
   *
   * @param user user index of each impression
   * @param item item index of each impression
   * @param label whether each impression is a positive
   * @param historyEnd number of the user's positives strictly before the impression (see {@link #positivesOf})
   */
  public record Part(int[] user, int[] item, boolean[] label, int[] historyEnd) {
    /** Number of impressions. */
    public int size() {
      return user.length;
    }

    /** Share of positive impressions (NaN when empty). */
    public double positiveRate() {
      int p = 0;
      for (boolean b : label) if (b) p++;
      return user.length == 0 ? Double.NaN : (double) p / user.length;
    }
  }

  private final Dataset dataset;
  private final Params params;
  private final int[][] userFields;
  private final List<String> attributeNames;
  private final int[][] itemCategories;
  private final List<String> categoryNames;
  private final int[][] positives;
  private final Part train;
  private final Part validation;
  private final Part test;

  private CtrDataset(Dataset dataset, Params params, int[][] userFields, List<String> attributeNames,
      int[][] itemCategories, List<String> categoryNames, int[][] positives, Part train, Part validation, Part test) {
    this.dataset = dataset;
    this.params = params;
    this.userFields = userFields;
    this.attributeNames = attributeNames;
    this.itemCategories = itemCategories;
    this.categoryNames = categoryNames;
    this.positives = positives;
    this.train = train;
    this.validation = validation;
    this.test = test;
  }

  /**
   * Builds the task from every event of {@code dataset}'s main log.
   *
   * @implNote O(E log E) for sorting each user's events; memory 4 ints per event.
   */
  public static CtrDataset build(Dataset dataset, Params params) {
    if (dataset == null || params == null) throw new IllegalArgumentException("dataset and params must not be null");
    EventLog log = dataset.events();
    int numUsers = dataset.numUsers();
    boolean[] againstItem = new boolean[dataset.typeNames().size()];
    for (int t = 0; t < againstItem.length; t++) {
      // a type the table does not name is taken at a positive weight by import, training and the server: not
      // against the item (resolve() threw on it, and the CTR task failed on data everything else took)
      againstItem[t] = dev.attune.events.EventWeights.defaults().type(dataset.typeNames().id(t))
          .map(type -> type.weight() < 0).orElse(false);
    }
    IdIndex attributes = new IdIndex();
    int[][] fields = new int[numUsers][params.userAttributes().size()];
    for (int u = 0; u < numUsers; u++) {
      User user = dataset.user(u);
      for (int f = 0; f < fields[u].length; f++) {
        String name = params.userAttributes().get(f);
        fields[u][f] = attributes.add(name + "=" + value(user, name, params.buckets().get(name)));
      }
    }
    IdIndex categories = new IdIndex();
    int[][] itemCategories = new int[dataset.numItems()][];
    for (int i = 0; i < itemCategories.length; i++) {
      Item item = dataset.item(i);
      int[] cats = item.categories().stream().mapToInt(c -> categories.add("category:" + c)).toArray();
      int[] tags = item.tags().stream().mapToInt(t -> categories.add("tag:" + t)).toArray();
      int[] both = Arrays.copyOf(cats, cats.length + tags.length);
      System.arraycopy(tags, 0, both, cats.length, tags.length);
      itemCategories[i] = Arrays.stream(both).distinct().sorted().toArray();
    }

    DatasetBuilder.UserOrder order = DatasetBuilder.UserOrder.of(log, numUsers);
    int[][] positives = new int[numUsers][];
    Builder[] parts = {new Builder(), new Builder(), new Builder()};
    for (int u = 0; u < numUsers; u++) {
      int start = order.indptr[u];
      int n = order.indptr[u + 1] - start;
      int numTest = share(params.testFraction(), n);
      int numValidation = share(params.validationFraction(), n - numTest);
      int[] pos = new int[n];
      long[] posTime = new long[n];
      int numPositives = 0;
      int historyEnd = 0;
      for (int p = 0; p < n; p++) {
        int row = order.rows[start + p];
        long time = log.time(row);
        // positives strictly earlier than this impression; events are in time order, so a pointer suffices
        while (historyEnd < numPositives && posTime[historyEnd] < time) historyEnd++;
        boolean label = log.value(row) >= params.positiveMin() && !againstItem[log.type(row)];
        int part = p >= n - numTest ? 2 : p >= n - numTest - numValidation ? 1 : 0;
        parts[part].add(u, log.item(row), label, historyEnd);
        if (label) {
          pos[numPositives] = log.item(row);
          posTime[numPositives] = time;
          numPositives++;
        }
      }
      positives[u] = Arrays.copyOf(pos, numPositives);
    }
    return new CtrDataset(dataset, params, fields, attributes.ids(), itemCategories, categories.ids(), positives,
        parts[0].build(), parts[1].build(), parts[2].build());
  }

  /**
   * A CTR task for training the ranking stage of a two-stage pipeline on a training set without explicit
   * negatives (leave-one-out, implicit feedback): every positive training step of a user is a positive
   * impression (its history: the user's earlier positive steps), and {@code negatives} items drawn in
   * proportion to their popularity among the positive steps, never one of the user's own training items, are
   * negative impressions at the same time step (so they are not in any history). Popular items are the
   * negatives a retrieval stage proposes most, which is what the ranker must learn to tell apart. The last
   * {@code params.validationFraction()} of each user's impressions are validation; there is no test part (the
   * pipeline is evaluated on the split's holdout). User fields and item categories as in {@link #build}.
   *
   * <p>Users and items keep the training set's indices.
   *
   * @param negatives negatives per positive, &gt; 0 (fewer for a user whose 65 draws for one were all their own)
   * @param seed seed of the negative sampling
   * @implNote O(P · negatives) time and memory for P positive training steps.
   */
  public static CtrDataset forRanking(TrainingSet train, Params params, int negatives, long seed) {
    if (negatives <= 0) throw new IllegalArgumentException("negatives must be > 0: " + negatives);
    Dataset source = train.dataset();
    Dataset d = new Dataset(source.name() + "-ranking", Dataset.TimeKind.ORDINAL);
    for (User u : source.users()) d.putUser(u);
    for (Item i : source.items()) d.putItem(i);
    Sequences s = train.sequences();
    int[] pool = new int[s.size()];
    int poolSize = 0;
    for (int u = 0; u < s.numUsers(); u++) {
      for (int i : s.positiveItemsOf(u)) pool[poolSize++] = i;
    }
    if (poolSize == 0) throw new IllegalArgumentException("the training set has no positive step");
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    for (int u = 0; u < s.numUsers(); u++) {
      int[] items = s.positiveItemsOf(u);
      int[] own = Arrays.stream(items).distinct().sorted().toArray();
      String userId = source.userIds().id(u);
      for (int t = 0; t < items.length; t++) {
        String scene = source.item(items[t]).scene();
        d.addEvent(new dev.attune.events.Event(userId, source.itemIds().id(items[t]), "view", 1f, t, scene));
        for (int k = 0; k < negatives; k++) {
          int item = pool[random.nextInt(poolSize)];
          for (int tries = 0; tries < 64 && Arrays.binarySearch(own, item) >= 0; tries++) {
            item = pool[random.nextInt(poolSize)];
          }
          // a user who had nearly every popular item: one of their own would be labelled a negative (a review)
          if (Arrays.binarySearch(own, item) >= 0) continue;
          d.addEvent(new dev.attune.events.Event(userId, source.itemIds().id(item), "view", 0f, t,
              source.item(item).scene()));
        }
      }
    }
    return build(d, new Params(0.5f, 0, params.validationFraction(), params.userAttributes(), params.buckets()));
  }

  private static int share(double fraction, int n) {
    if (fraction <= 0 || n < 2) return 0;
    return (int) Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  }

  private static String value(User user, String name, int[] edges) {
    String raw = user.attributes().get(name);
    if (raw == null || raw.isBlank()) return "?";
    if (edges == null || edges.length == 0) return raw;
    int v;
    try {
      v = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      return "?";
    }
    int bucket = edges[0];
    for (int edge : edges) if (v >= edge) bucket = edge;
    return bucket + "+";
  }

  /** The data set the task was built from. */
  public Dataset dataset() {
    return dataset;
  }

  /** The protocol settings. */
  public Params params() {
    return params;
  }

  public int numUsers() {
    return dataset.numUsers();
  }

  public int numItems() {
    return dataset.numItems();
  }

  /** Number of user fields F (one per {@link Params#userAttributes} entry). */
  public int numUserFields() {
    return params.userAttributes().size();
  }

  /** Size of the shared user-attribute vocabulary. */
  public int numAttributeValues() {
    return attributeNames.size();
  }

  /** Number of item categories. */
  public int numCategories() {
    return categoryNames.size();
  }

  /** The user's field values, indices into {@link #attributeNames()} (shared array; do not modify). */
  public int[] userFields(int userIndex) {
    return userFields[userIndex];
  }

  /** {@code name=value} of each attribute index (unmodifiable). */
  public List<String> attributeNames() {
    return attributeNames;
  }

  /** The item's category indices, ascending (shared array; do not modify). */
  public int[] itemCategories(int itemIndex) {
    return itemCategories[itemIndex];
  }

  /** Category name of each category index (unmodifiable). */
  public List<String> categoryNames() {
    return categoryNames;
  }

  /** The user's positive items, oldest first, over all parts (shared array; do not modify). */
  public int[] positivesOf(int userIndex) {
    return positives[userIndex];
  }

  /**
   * The history of an impression: the user's positives before it, the last {@code maxLength} of them, oldest
   * first.
   *
   * @param historyEnd the impression's {@link Part#historyEnd}
   */
  public int[] history(int userIndex, int historyEnd, int maxLength) {
    int from = Math.max(0, historyEnd - maxLength);
    return Arrays.copyOfRange(positives[userIndex], from, historyEnd);
  }

  public Part train() {
    return train;
  }

  public Part validation() {
    return validation;
  }

  public Part test() {
    return test;
  }

  @Override
  public String toString() {
    return String.format("CTR task on %s: %d train (%.1f%% positive), %d validation, %d test impressions; %d user "
        + "attribute values, %d categories", dataset.name(), train.size(), 100 * train.positiveRate(),
        validation.size(), test.size(), numAttributeValues(), numCategories());
  }

  private static final class Builder {
    private final List<int[]> rows = new ArrayList<>();
    private final List<Boolean> labels = new ArrayList<>();

    void add(int user, int item, boolean label, int historyEnd) {
      rows.add(new int[] {user, item, historyEnd});
      labels.add(label);
    }

    Part build() {
      int n = rows.size();
      int[] user = new int[n];
      int[] item = new int[n];
      boolean[] label = new boolean[n];
      int[] end = new int[n];
      for (int k = 0; k < n; k++) {
        user[k] = rows.get(k)[0];
        item[k] = rows.get(k)[1];
        end[k] = rows.get(k)[2];
        label[k] = labels.get(k);
      }
      return new Part(user, item, label, end);
    }
  }
}
