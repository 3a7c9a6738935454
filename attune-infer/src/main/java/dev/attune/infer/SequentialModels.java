package dev.attune.infer;

import dev.attune.data.Interactions;
import dev.attune.data.TrainingSet;

/**
 * Loads any sequential model from its weight file, picking the class by the {@code model} property:
 * {@value SasRecModel#MODEL_KIND} ({@link SasRecModel}, {@code docs/design/sasrec.md}),
 * {@value Bert4RecModel#MODEL_KIND} ({@link Bert4RecModel}, {@code docs/design/bert4rec.md}) or
 * {@value GruAttentionModel#MODEL_KIND} ({@link GruAttentionModel}, {@code docs/design/gru-attn.md}).
 */
public final class SequentialModels {
  private SequentialModels() {}

  /** The model kinds {@link #fromWeights} reads. */
  public static final java.util.Set<String> KINDS =
      java.util.Set.of(SasRecModel.MODEL_KIND, Bert4RecModel.MODEL_KIND, GruAttentionModel.MODEL_KIND);

  /**
   * The model of {@code weights}, whose known users' histories are their time-ordered positive training steps.
   *
   * @throws IllegalArgumentException if the {@code model} property is missing or names no known model, or as
   *     the chosen class's {@code fromWeights}
   */
  public static SequentialModel fromWeights(WeightFile weights, TrainingSet trainingSet) {
    return switch (kind(weights)) {
      case SasRecModel.MODEL_KIND -> SasRecModel.fromWeights(weights, trainingSet);
      case Bert4RecModel.MODEL_KIND -> Bert4RecModel.fromWeights(weights, trainingSet);
      case GruAttentionModel.MODEL_KIND -> GruAttentionModel.fromWeights(weights, trainingSet);
      default -> throw unknown(weights);
    };
  }

  /**
   * The model of {@code weights} for serving with explicit histories (known users fall back to their positive
   * row in item-index order).
   *
   * @throws IllegalArgumentException as {@link #fromWeights(WeightFile, TrainingSet)}
   */
  public static SequentialModel fromWeights(WeightFile weights, Interactions train) {
    return switch (kind(weights)) {
      case SasRecModel.MODEL_KIND -> SasRecModel.fromWeights(weights, train);
      case Bert4RecModel.MODEL_KIND -> Bert4RecModel.fromWeights(weights, train);
      case GruAttentionModel.MODEL_KIND -> GruAttentionModel.fromWeights(weights, train);
      default -> throw unknown(weights);
    };
  }

  private static String kind(WeightFile weights) {
    String kind = weights.propertyOr("model", null);
    if (kind == null) {
      throw new IllegalArgumentException("weight file has no 'model' property; expected '" + SasRecModel.MODEL_KIND
          + "', '" + Bert4RecModel.MODEL_KIND + "' or '" + GruAttentionModel.MODEL_KIND + "'");
    }
    return kind;
  }

  private static IllegalArgumentException unknown(WeightFile weights) {
    return new IllegalArgumentException("unknown sequential model '" + weights.propertyOr("model", null)
        + "' in weight file property 'model'; expected '" + SasRecModel.MODEL_KIND + "', '"
        + Bert4RecModel.MODEL_KIND + "' or '" + GruAttentionModel.MODEL_KIND + "' (CTR rankers such as din score"
        + " candidates in 'attune evaluate --ctr' and are not served)");
  }
}
