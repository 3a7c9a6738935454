package dev.attune.eval;

import dev.attune.data.Split;
import dev.attune.data.TrainingSet;
import dev.attune.model.Recommender;
import dev.attune.model.SceneRecommender;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model scored in one scene (#5), overall and by how much of the scene each user had in training: full
 * ranking over the scene's items only (the model wrapped in a {@link SceneRecommender}), the user's training
 * items excluded, then the per-user values grouped by the user's number of positive training items in the scene.
 *
 * <p>Groups: {@link #ALL}, {@link #COLD} (0-3 items in the scene, the "cold in the target scene"), and
 * within it {@link #NONE} (0) and {@link #FEW} (1-3), and {@link #WARM} (4 or more). A group without users is left
 * out.
 *
 * @param scene the scene's name
 * @param groups group label to the metrics of its users, in the order above
 */
public record SceneResult(String scene, Map<String, EvalResult> groups) {
  /** Every evaluated user. */
  public static final String ALL = "all";
  /** Users with 0 to 3 positive training items in the scene. */
  public static final String COLD = "0-3 in scene";
  /** Users with no positive training item in the scene. */
  public static final String NONE = "0 in scene";
  /** Users with 1 to 3. */
  public static final String FEW = "1-3 in scene";
  /** Users with 4 or more. */
  public static final String WARM = "4+ in scene";

  /** Copies the map. */
  public SceneResult {
    groups = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(groups));
  }

  /**
   * Scores {@code model}, trained on {@code split.trainAndValidation()} (or on a part of it, such as one scene's
   * events), against the split's test part, ranking only the items of {@code scene}.
   *
   * @param model the trained model, over the split's whole catalogue
   * @param options as for {@link Evaluator}; AUC must be off
   * @throws IllegalArgumentException if the scene is unknown, AUC is on, or as {@link Evaluator#evaluate}
   */
  public static SceneResult evaluate(Recommender model, Split split, String scene, EvalOptions options) {
    return evaluate(model, split.testing(), scene, options);
  }

  /**
   * Scores {@code model}, trained on {@code stage.train()}, against {@code stage.holdout()} (such as a split's
   * {@link Split#tuning()} stage, for validation), ranking only the items of {@code scene}.
   *
   * @throws IllegalArgumentException as {@link #evaluate(Recommender, Split, String, EvalOptions)}
   */
  public static SceneResult evaluate(Recommender model, Split.Stage stage, String scene, EvalOptions options) {
    TrainingSet train = stage.train();
    int s = train.dataset().sceneNames().indexOf(scene);
    if (s < 0) {
      throw new IllegalArgumentException("unknown scene '" + scene + "'; have " + train.dataset().sceneNames().ids());
    }
    if (options.computeAuc()) throw new IllegalArgumentException("turn AUC off for a scene's evaluation");
    Recommender inScene = model instanceof SceneRecommender ? model
        : new SceneRecommender(model, train.itemScenes(), s, scene);
    EvalResult all = new Evaluator().evaluate(inScene, stage, options);
    int[] counts = itemsInScene(train, s);
    Map<String, EvalResult> groups = new LinkedHashMap<>();
    groups.put(ALL, all);
    put(groups, COLD, all.forUsers(u -> counts[u] <= 3, COLD));
    put(groups, NONE, all.forUsers(u -> counts[u] == 0, NONE));
    put(groups, FEW, all.forUsers(u -> counts[u] >= 1 && counts[u] <= 3, FEW));
    put(groups, WARM, all.forUsers(u -> counts[u] >= 4, WARM));
    return new SceneResult(scene, groups);
  }

  private static void put(Map<String, EvalResult> groups, String label, EvalResult r) {
    if (r.numUsers() > 0) groups.put(label, r);
  }

  /** Each user's number of positive training items in scene {@code s}. */
  public static int[] itemsInScene(TrainingSet train, int s) {
    int[] counts = new int[train.numUsers()];
    int[] indptr = train.interactions().indptr();
    int[] indices = train.interactions().indices();
    float[] values = train.interactions().values();
    int[] scenes = train.itemScenes();
    for (int u = 0; u < counts.length; u++) {
      for (int p = indptr[u]; p < indptr[u + 1]; p++) {
        if (values[p] > 0 && scenes[indices[p]] == s) counts[u]++;
      }
    }
    return counts;
  }

  /**
   * The mean of a metric in a group.
   *
   * @return NaN when the group has no users
   */
  public double mean(String group, String label) {
    EvalResult r = groups.get(group);
    return r == null ? Double.NaN : r.mean(label);
  }

  /** Users in a group (0 when absent). */
  public int users(String group) {
    EvalResult r = groups.get(group);
    return r == null ? 0 : r.numUsers();
  }
}
