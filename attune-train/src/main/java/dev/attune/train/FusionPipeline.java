package dev.attune.train;

import dev.attune.data.Split;
import dev.attune.data.TrainingSet;
import dev.attune.infer.FusionRanker;
import dev.attune.infer.TwoStageModel;
import dev.attune.model.CandidateRanker;
import dev.attune.model.FitListener;
import dev.attune.model.Recommender;
import dev.attune.model.TwoStageRecommender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two-stage pipeline of issue 4 as one call, for the CLI and the benchmarks: retrievers (SASRec when asked,
 * iALS, ItemKnn, popularity, and transitions when asked) proposing their top N each, re-ranked by a {@link
 * FusionRanker} over their evidence with a {@link dev.attune.model.TransitionRanker} as base ranker.
 *
 * <p>No test item reaches any stage's training: the retrievers and the transition counts are first fitted on the
 * split's tuning part (each user's history without the validation and test items), the fusion ranker learns to
 * put the validation item first among their candidates ({@link FusionRankerTraining}), then the retrievers and
 * the counts are refitted on the testing part's training data (with the validation item) and the returned
 * pipeline serves them with the trained ranker.
 */
public final class FusionPipeline {
  private FusionPipeline() {}

  /**
   * Options.
   *
   * @param candidates N, each retriever's proposals, &gt; 0
   * @param sasrec SASRec's training options, or null for no SASRec retriever (it is the costliest stage)
   * @param transitionRetriever whether the transitions also retrieve (not only rank)
   * @param seed seed of every stage
   * @param threads worker threads of the classic retrievers, &gt; 0
   * @param ranker the fusion ranker's training options
   */
  public record Params(int candidates, SequenceTraining.Options sasrec, boolean transitionRetriever, long seed,
      int threads, FusionRankerTraining.Params ranker) {
    /** Checks the ranges. */
    public Params {
      if (candidates <= 0 || threads <= 0 || ranker == null) {
        throw new IllegalArgumentException("candidates and threads must be > 0 and ranker options set");
      }
    }

    /**
     * N = 100, no SASRec, transitions retrieving too, the given seed for every stage, one thread: the setting of
     * the measured pipeline (docs/benchmarks.md) apart from SASRec.
     */
    public static Params defaults(long seed) {
      return new Params(100, null, true, seed, 1,
          FusionRankerTraining.Params.DEFAULTS.with(Map.of("seed", Long.toString(seed))));
    }
  }

  /**
   * A fitted pipeline.
   *
   * @param pipeline the pipeline over the testing part's training data
   * @param retrievers its retrievers, in the order of its features
   * @param ranker how the fusion ranker's training went
   */
  public record Fitted(TwoStageRecommender pipeline, List<Recommender> retrievers,
      FusionRankerTraining.Result ranker) {}

  /** Fits every stage as the class comment says; {@code listener} hears the ranker's epochs. */
  public static Fitted fit(Split split, Params params, FitListener listener) {
    Split.Stage tuning = split.tuning();
    TrainingSet tuningTrain = tuning.train();
    List<Recommender> tuningRetrievers = retrievers(tuningTrain, params);
    List<CandidateRanker> tuningBases = TwoStageModel.baseRankers(tuningTrain);
    FusionRankerTraining.Impressions impressions = FusionRankerTraining.impressions(tuningRetrievers,
        params.candidates(), tuningTrain.numUsers(), u -> tuningTrain.sequences().positiveItemsOf(u),
        u -> tuning.holdout().distinctItemsOf(u), TwoStageModel.popularity(tuningTrain), tuningBases);
    FusionRankerTraining.Result result = new FusionRankerTraining(params.ranker()).train(impressions, listener);

    TrainingSet train = split.testing().train();
    List<Recommender> retrievers = retrievers(train, params);
    FusionRanker ranker = FusionRanker.fromWeights(result.weights(), TwoStageModel.popularity(train),
        TwoStageModel.baseRankers(train));
    TwoStageRecommender pipeline = new TwoStageRecommender("TwoStage(" + params.candidates() + ")+Fusion",
        retrievers, params.candidates(), ranker, u -> train.sequences().positiveItemsOf(u));
    return new Fitted(pipeline, retrievers, result);
  }

  /**
   * The names of the classic retrievers and transitions {@code params} asks for, in feature order (after SASRec
   * when it is asked for), as {@link TwoStageModel} records and refits them.
   */
  public static List<String> retrieverNames(Params params) {
    List<String> names = new ArrayList<>(TwoStageModel.DEFAULT_RETRIEVERS);
    if (!params.transitionRetriever()) names.remove(TwoStageModel.TRANSITIONS);
    return names;
  }

  /** The retrievers fitted on {@code train}: SASRec (when asked), iALS, ItemKnn, popularity, transitions (when asked). */
  public static List<Recommender> retrievers(TrainingSet train, Params params) {
    List<Recommender> out = new ArrayList<>();
    if (params.sasrec() != null) {
      out.add(new SasRec(SasRec.Params.DEFAULTS.withTraining(params.sasrec())).fit(train, FitListener.NONE));
    }
    out.addAll(TwoStageModel.retrievers(retrieverNames(params), train, params.seed(), params.threads()));
    return out;
  }
}
