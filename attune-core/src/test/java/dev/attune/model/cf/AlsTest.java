package dev.attune.model.cf;

import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;

class AlsTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new Als(new Als.Params(32, 1f, 1f, 8, 3, 2, 42L));
  }
}
