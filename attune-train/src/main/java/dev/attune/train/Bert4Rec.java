package dev.attune.train;

import ai.djl.ndarray.types.DataType;
import dev.attune.data.TrainingSet;
import dev.attune.infer.Bert4RecModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.Trainer;
import java.io.UncheckedIOException;

/**
 * BERT4Rec, bidirectional self-attention trained by the Cloze task, on DJL; exported to a {@link WeightFile} that
 * {@link Bert4RecModel} serves in pure Java.
 *
 * <p>Follows Sun et al., "BERT4Rec: Sequential Recommendation with Bidirectional Encoder Representations from
 * Transformer" (CIKM 2019), in the form of the contract {@code docs/design/bert4rec.md}. Paper symbols: d =
 * {@link Params#hidden}, L = {@link Params#blocks}, h = {@link Params#heads}, ρ = {@link Params#maskProbability},
 * N (the sequence length) = {@link SequenceTraining.Options#maxLength}, [mask] = {@code mask_embedding}.
 *
 * <p>Training ({@link SequenceTraining} with {@link SequenceTraining.Cloze}): each window of the last T steps has
 * its steps hidden behind [MASK] with probability ρ (at least its newest one), or, with probability
 * {@link Params#lastOnlyProbability}, its newest step only (the paper's extra samples that match the task); the
 * loss is that of each hidden item at its position; inference appends [MASK] after the history and scores items
 * against its state.
 *
 * <p>NOTE: departures from the paper, all within the contract. The network is {@link SasRec.Network} with
 * bidirectional attention, so it keeps SASRec's pre-LayerNorm blocks, relu feed-forward layers and the plain
 * shared output embedding (the paper: post-LayerNorm, GELU, a GELU projection and an output bias before the
 * shared embedding). A drawn step is always replaced by [MASK] (no random-item or keep-as-is replacements as in
 * BERT's masked language model). The paper's loss is the full softmax ({@link SequenceTraining.Loss#FULL_CE}, the
 * default here); the sampled ones are allowed. Event types are not supported: the type of the step [MASK] stands
 * for is unknown at inference.
 *
 * @implNote Cost of one epoch as {@link SasRec}'s, with attention over whole windows (2·T'²·d per block instead of
 *     about half that) and the output layer on the masked positions only (about ρ of the steps, at least one per
 *     window). Memory: {@link SequenceTraining.StateSize}; one more d-vector than SASRec.
 */
public final class Bert4Rec implements Trainer<Bert4RecModel>, WeightTrainer {

  /**
   * Hyper-parameters.
   *
   * @param hidden d, &gt; 0 and a multiple of {@code heads}
   * @param blocks transformer blocks, &gt; 0
   * @param heads attention heads, &gt; 0
   * @param useAttributes whether item representations include the mean of their attribute embeddings
   * @param maskProbability ρ, the share of steps hidden in training, in (0, 1]
   * @param lastOnlyProbability the share of windows that hide only their newest step in an epoch, in [0, 1]
   * @param training the shared training options (window T = {@code maxLength}); {@code useTypes} must be false
   */
  public record Params(int hidden, int blocks, int heads, boolean useAttributes, float maskProbability,
      float lastOnlyProbability, SequenceTraining.Options training) {

    /**
     * The paper's settings where they exist: d 64, 2 blocks, 2 heads, ρ 0.2 (tune it per data set: the paper
     * found larger ρ better for short sequences), a tenth of the windows hiding their newest step only, T 50,
     * dropout 0.1, α 1e-3, batch 256, full softmax; then early stopping as SASRec's (200 epochs at most, patience
     * 5, validation every 5 epochs), seed 42, one thread per processor.
     */
    public static final Params DEFAULTS = new Params(64, 2, 2, false, 0.2f, 0.1f, new SequenceTraining.Options(50, 0.1f,
        1e-3f, 256, 200, SequenceTraining.Loss.FULL_CE, 100, false, 42L, Runtime.getRuntime().availableProcessors(),
        5, 5));

    public Params {
      if (hidden <= 0 || heads <= 0 || hidden % heads != 0) {
        throw new IllegalArgumentException("hidden must be > 0 and a multiple of heads: " + hidden + ", " + heads);
      }
      if (blocks <= 0) throw new IllegalArgumentException("blocks must be > 0: " + blocks);
      SequenceTraining.Cloze.checkProbabilities(maskProbability, lastOnlyProbability);
      if (training == null) throw new IllegalArgumentException("training options must not be null");
      if (training.useTypes()) {
        throw new IllegalArgumentException("bert4rec does not use event types (useTypes must be false)");
      }
      if (training.maxLength() < 2) {
        throw new IllegalArgumentException("maxLength must be >= 2 (a step and [MASK]): " + training.maxLength());
      }
    }

    /** A copy with other training options. */
    public Params withTraining(SequenceTraining.Options newTraining) {
      return new Params(hidden, blocks, heads, useAttributes, maskProbability, lastOnlyProbability, newTraining);
    }

    /** A copy with another number of epochs. */
    public Params withEpochs(int newEpochs) {
      return withTraining(training.withEpochs(newEpochs));
    }

    /** A copy with another seed. */
    public Params withSeed(long newSeed) {
      return withTraining(training.withSeed(newSeed));
    }
  }

  private final Params params;

  /** A trainer with the given hyper-parameters. */
  public Bert4Rec(Params params) {
    if (params == null) throw new IllegalArgumentException("params must not be null");
    this.params = params;
  }

  @Override
  public Params params() {
    return params;
  }

  @Override
  public String name() {
    return "Bert4Rec";
  }

  @Override
  public SequenceTraining.Options options() {
    return params.training();
  }

  /** Trains without validation or checkpoints and returns the pure-Java model of the exported weights. */
  @Override
  public Bert4RecModel fit(TrainingSet train, FitListener listener) {
    return Bert4RecModel.fromWeights(train(train, SequenceTraining.Run.NONE, listener), train);
  }

  /**
   * Trains and exports the weights: the last epoch's, or the best validated ones when {@code run} has a
   * validation stage; progress as {@link SequenceTraining#train}.
   *
   * @throws IllegalArgumentException if attributes are asked for and the training set has none, or a checkpoint
   *     was written with other settings
   * @throws UncheckedIOException if a checkpoint cannot be written or read
   */
  @Override
  public WeightFile train(TrainingSet train, SequenceTraining.Run run, FitListener listener) {
    SasRec.Network.Config config = SasRec.config(train, params.hidden(), params.blocks(), params.heads(),
        params.useAttributes(), params.training(), true);
    SequenceTraining.Cloze cloze = new SequenceTraining.Cloze(params.maskProbability(), params.lastOnlyProbability(),
        train.numItems());
    return SequenceTraining.train(train, params.training(), cloze,
        preset -> new SasRec.Network(config, DataType.FLOAT32, params.training().seed(), preset),
        weights -> Bert4RecModel.fromWeights(weights, train), run, listener);
  }
}
