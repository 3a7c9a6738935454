package dev.attune.model.cf;

import dev.attune.model.Trainer;
import dev.attune.model.contract.RecommenderContract;

class EaseTest extends RecommenderContract {
  @Override
  protected Trainer<?> newTrainer() {
    return new Ease(new Ease.Params(100f, 5000));
  }
}
