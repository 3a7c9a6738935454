package dev.attune.model;

/**
 * A model's recommendations restricted to the items of one scene (#5): every query's filter is narrowed to the
 * scene, so "full ranking over the target scene's items" is the wrapped model's ranking with other scenes' items
 * left out. Useful for models trained without scene information (the classic ones) and for evaluation.
 *
 * <p>Thread-safe when the wrapped model is (every model is).
 */
public final class SceneRecommender implements Recommender {
  private final Recommender model;
  private final ItemFilter inScene;
  private final String sceneName;

  /**
   * Wraps {@code model}.
   *
   * @param itemScenes scene index of every item of the model's catalogue (not copied: do not modify)
   * @param scene the scene index whose items may be returned
   * @param sceneName the scene's name, for {@link #name()}
   * @throws IllegalArgumentException if {@code itemScenes} does not cover the catalogue
   */
  public SceneRecommender(Recommender model, int[] itemScenes, int scene, String sceneName) {
    if (itemScenes.length != model.numItems()) {
      throw new IllegalArgumentException("itemScenes covers " + itemScenes.length + " items, the model "
          + model.numItems());
    }
    this.model = model;
    this.inScene = ItemFilter.inScene(itemScenes, scene);
    this.sceneName = sceneName;
  }

  /** Whether {@code item} is in the scene, i.e. one this recommender may return. */
  public boolean inScene(int item) {
    return inScene.accepts(item);
  }

  /** The scene's name. */
  public String sceneName() {
    return sceneName;
  }

  /** The wrapped model. */
  public Recommender model() {
    return model;
  }

  @Override
  public String name() {
    return model.name() + "@" + sceneName;
  }

  @Override
  public int numUsers() {
    return model.numUsers();
  }

  @Override
  public int numItems() {
    return model.numItems();
  }

  @Override
  public TopK recommend(Query query) {
    return model.recommend(query.withFilter(query.filter().and(inScene)));
  }

  @Override
  public TopK similarItems(int itemIndex, int k, ItemFilter filter) {
    return model.similarItems(itemIndex, k, (filter == null ? ItemFilter.ALL : filter).and(inScene));
  }
}
