package dev.attune.model.cf;

import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;

class ItemKnnTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new ItemKnn(ItemKnn.Params.DEFAULTS);
  }
}
