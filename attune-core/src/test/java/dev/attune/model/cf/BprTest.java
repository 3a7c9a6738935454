package dev.attune.model.cf;

import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;

class BprTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new Bpr(new Bpr.Params(32, 0.05f, 0.002f, 20, 42L));
  }
}
