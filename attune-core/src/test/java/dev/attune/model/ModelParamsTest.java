package dev.attune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** {@link ModelParams#whose}: a model's own check is said of the model once, and only once. */
class ModelParamsTest {
  @Test
  void aModelsOwnCheckIsSaidOfTheModelOnce() {
    assertEquals("sasrec: epochs must be > 0: -1",
        ModelParams.whose("SasRec", new IllegalArgumentException("epochs must be > 0: -1")).getMessage());
    IllegalArgumentException named = new IllegalArgumentException("sasrec.epochs: not an integer: 'x'");
    assertSame(named, ModelParams.whose("sasrec", named));
    IllegalArgumentException unknown = new IllegalArgumentException("model fm has no parameter 'foo' (known: [dim])");
    assertSame(unknown, ModelParams.whose("fm", unknown));
    // a word that merely contains the name is not the model's name
    assertEquals("ease: please. regularisation must be > 0",
        ModelParams.whose("ease", new IllegalArgumentException("please. regularisation must be > 0")).getMessage());
    IllegalArgumentException silent = new IllegalArgumentException();
    assertSame(silent, ModelParams.whose("din", silent), "nothing to say of it");
  }

  /** A number too large for the float the models compute in is refused saying so, not called infinite. */
  @Test
  void numbersAreTakenWithinAFloatsRange() {
    ModelParams params = new ModelParams("ease", java.util.Map.of("regularization", "1e300", "l2", "1e20"));
    assertEquals(1e20, params.dbl("l2", 1), 1e5);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> params.dbl("regularization", 1));
    assertEquals("ease.regularization: not a finite number within ±3.4e38: '1e300'", e.getMessage());
  }
}
