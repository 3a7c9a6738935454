package dev.attune.data;

import dev.attune.events.EventType;
import dev.attune.events.EventWeights;
import java.util.Arrays;

/**
 * Builds model inputs from a data set's events: the weighted CSR matrix, per-user sequences and item
 * features of the events that a split assigns to training.
 *
 * @implNote O(events + users + items) memory; time O(events log events) in the worst case, O(events) when
 *     each user's events already arrive in time order (the usual case).
 */
public final class DatasetBuilder {
  private DatasetBuilder() {}

  /** The whole data set as training data (every event included). */
  public static TrainingSet build(Dataset dataset, EventWeights weights) {
    byte[] roles = new byte[dataset.events().size()];
    return build(dataset, roles, weights, Split.TRAIN);
  }

  /**
   * Training data from the events of {@code dataset.events()} whose role is one of {@code included}.
   *
   * @throws IllegalArgumentException if an event type is unknown to {@code weights}
   */
  public static TrainingSet build(Dataset dataset, byte[] roles, EventWeights weights, byte... included) {
    EventLog log = dataset.events();
    if (roles.length != log.size()) {
      throw new IllegalArgumentException("roles length " + roles.length + " != events " + log.size());
    }
    boolean[] take = new boolean[4];
    for (byte r : included) take[r] = true;
    float[] eventWeights = weigh(dataset, log, weights);
    UserOrder order = UserOrder.of(log, dataset.numUsers());

    int n = 0;
    for (int r = 0; r < log.size(); r++) {
      if (take[roles[r]]) n++;
    }
    int[] users = new int[n];
    int[] items = new int[n];
    float[] w = new float[n];
    long[] times = new long[n];
    int[] seqPtr = new int[dataset.numUsers() + 1];
    short[] seqTypes = new short[n];
    float[] rawValues = new float[n];
    long latest = Long.MIN_VALUE;
    int k = 0;
    for (int u = 0; u < dataset.numUsers(); u++) {
      for (int p = order.indptr[u]; p < order.indptr[u + 1]; p++) {
        int row = order.rows[p];
        if (!take[roles[row]]) continue;
        users[k] = u;
        items[k] = log.item(row);
        w[k] = eventWeights[row];
        times[k] = log.time(row);
        seqTypes[k] = (short) log.type(row);
        rawValues[k] = log.value(row);
        latest = Math.max(latest, times[k]);
        k++;
      }
      seqPtr[u + 1] = k;
    }
    Interactions matrix = Interactions.fromTriples(dataset.numUsers(), dataset.numItems(), users, items, w, times, n);
    Sequences sequences = new Sequences(seqPtr, items, seqTypes, w, times, rawValues);
    ItemFeatures features = ItemFeatures.of(dataset.items());
    return new TrainingSet(dataset, matrix, sequences, features, dataset.itemScenes(),
        latest == Long.MIN_VALUE ? 0 : latest);
  }

  /**
   * Training data of one scene (#5): as {@link #build(Dataset, byte[], EventWeights, byte...)} over only the
   * events on items of {@code scene} (by the item's scene, as the scene's ranking and {@link Splits#inScene} read it,
   * not the event's: a song liked from the radio scene is a music event). The catalogue stays the whole data set's
   * (item indices are unchanged); items of other scenes simply have no training events. This is the "trained on the target scene only" input of the
   * cross-scene baselines.
   *
   * @throws IllegalArgumentException if the scene is unknown, or as the general build
   */
  public static TrainingSet buildScene(Dataset dataset, byte[] roles, EventWeights weights, String scene,
      byte... included) {
    int s = dataset.sceneNames().indexOf(scene);
    if (s < 0) {
      throw new IllegalArgumentException("unknown scene '" + scene + "'; have " + dataset.sceneNames().ids());
    }
    EventLog log = dataset.events();
    if (roles.length != log.size()) {
      throw new IllegalArgumentException("roles length " + roles.length + " != events " + log.size());
    }
    byte[] inScene = roles.clone();
    int[] itemScene = dataset.itemScenes();
    for (int r = 0; r < inScene.length; r++) {
      if (itemScene[log.item(r)] != s) inScene[r] = Split.DROPPED;
    }
    boolean keepsDropped = false;
    for (byte b : included) keepsDropped |= b == Split.DROPPED;
    if (keepsDropped) throw new IllegalArgumentException("a scene's training data cannot include dropped events");
    return build(dataset, inScene, weights, included);
  }

  /** Held-out items of the events of {@code log} with role {@code role} and positive weight. */
  public static Holdout holdout(Dataset dataset, EventLog log, byte[] roles, byte role, EventWeights weights) {
    float[] eventWeights = weigh(dataset, log, weights);
    UserOrder order = UserOrder.of(log, dataset.numUsers());
    int[] indptr = new int[dataset.numUsers() + 1];
    int[] items = new int[log.size()];
    float[] values = new float[log.size()];
    short[] types = new short[log.size()];
    int k = 0;
    for (int u = 0; u < dataset.numUsers(); u++) {
      for (int p = order.indptr[u]; p < order.indptr[u + 1]; p++) {
        int row = order.rows[p];
        if (roles[row] != role || eventWeights[row] <= 0) continue;
        items[k] = log.item(row);
        values[k] = log.value(row);
        types[k] = (short) log.type(row);
        k++;
      }
      indptr[u + 1] = k;
    }
    return new Holdout(indptr, Arrays.copyOf(items, k), Arrays.copyOf(values, k), Arrays.copyOf(types, k));
  }

  /**
   * Signed weight of every event of {@code log}.
   *
   * @throws IllegalArgumentException if an event type is unknown to {@code weights}
   */
  public static float[] weigh(Dataset dataset, EventLog log, EventWeights weights) {
    EventType[] types = new EventType[dataset.typeNames().size()];
    for (int t = 0; t < types.length; t++) {
      types[t] = weights.resolve(dataset.typeNames().id(t));
    }
    float[] durations = dataset.itemDurations();
    float[] out = new float[log.size()];
    for (int r = 0; r < out.length; r++) {
      out[r] = weights.weight(types[log.type(r)], log.value(r), durations[log.item(r)]);
    }
    return out;
  }

  /** Rows of an event log grouped by user, each group in (time, input order). */
  static final class UserOrder {
    final int[] indptr;
    final int[] rows;

    private UserOrder(int[] indptr, int[] rows) {
      this.indptr = indptr;
      this.rows = rows;
    }

    static UserOrder of(EventLog log, int numUsers) {
      int[] indptr = new int[numUsers + 1];
      for (int r = 0; r < log.size(); r++) indptr[log.user(r) + 1]++;
      for (int u = 0; u < numUsers; u++) indptr[u + 1] += indptr[u];
      int[] fill = Arrays.copyOf(indptr, numUsers);
      int[] rows = new int[log.size()];
      for (int r = 0; r < log.size(); r++) rows[fill[log.user(r)]++] = r;
      for (int u = 0; u < numUsers; u++) {
        int start = indptr[u];
        int end = indptr[u + 1];
        boolean sorted = true;
        for (int p = start + 1; p < end && sorted; p++) {
          sorted = log.time(rows[p - 1]) <= log.time(rows[p]);
        }
        if (!sorted) {
          Integer[] boxed = new Integer[end - start];
          for (int p = start; p < end; p++) boxed[p - start] = rows[p];
          // Stable sort keeps input order among equal timestamps.
          Arrays.sort(boxed, (a, b) -> Long.compare(log.time(a), log.time(b)));
          for (int p = start; p < end; p++) rows[p] = boxed[p - start];
        }
      }
      return new UserOrder(indptr, rows);
    }
  }
}
