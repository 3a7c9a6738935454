package dev.attune.model.cf;

import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;

class UserKnnTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new UserKnn(UserKnn.Params.DEFAULTS);
  }
}
