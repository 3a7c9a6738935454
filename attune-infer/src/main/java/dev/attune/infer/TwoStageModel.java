package dev.attune.infer;

import dev.attune.data.TrainingSet;
import dev.attune.model.CandidateRanker;
import dev.attune.model.FitListener;
import dev.attune.model.RankerRecommender;
import dev.attune.model.Recommender;
import dev.attune.model.TransitionRanker;
import dev.attune.model.TwoStageRecommender;
import dev.attune.model.cf.ClassicModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two-stage pipeline of issue 4 as a served model: classic retrievers and a transition ranker fitted on the
 * data at hand, re-ranked by a trained {@link FusionRanker}. What is learned and saved is only the fusion ranker's
 * weights: its features are ranks, standardised scores and popularity, not item ids, so the same weights re-rank
 * retrievers refitted on newer data (the service refits them on its store's events when it loads the model, the
 * evaluator on the split's training part).
 *
 * <p>A model directory of this kind ({@code model} = {@value #KIND} in {@code model.json}) holds the fusion
 * ranker's weight file with two more properties: {@code retrieverNames}, the retrievers in the order of the
 * ranker's features (names of {@link ClassicModels} or {@value #TRANSITIONS}), and {@code seed}, the seed the
 * retrievers are fitted with (the same data and seed give the same pipeline). Its {@code items.txt} lists the
 * training catalogue, for reference only.
 *
 * <p>Retrievers that need a trained network (SASRec) are not part of a served pipeline: they would need their
 * own weights and catalogue; {@code attune evaluate --two-stage-sasrec-epochs} measures them.
 */
public final class TwoStageModel {
  /** The kind in {@code model.json}. */
  public static final String KIND = "two-stage";
  /** The retriever name of the transition counts ({@link TransitionRanker} over the whole catalogue). */
  public static final String TRANSITIONS = "transitions";
  /** The retrievers of the measured pipeline (docs/benchmarks.md), in feature order. */
  public static final List<String> DEFAULT_RETRIEVERS = List.of("als", "itemknn", "pop", TRANSITIONS);

  private TwoStageModel() {}

  /** Whether {@code dir} holds a pipeline (rather than a sequential network). */
  public static boolean isPipeline(ModelDirectory dir) {
    return KIND.equals(dir.kind());
  }

  /**
   * The ranker's weight file as a pipeline's: adds the retriever names and the seed.
   *
   * @throws IllegalArgumentException if the names do not match the ranker's retriever count or one is unknown
   */
  public static WeightFile describe(WeightFile rankerWeights, List<String> retrieverNames, long seed) {
    checkNames(retrieverNames, Integer.parseInt(rankerWeights.property("retrievers")));
    return rankerWeights.property("retrieverNames", String.join(",", retrieverNames))
        .property("seed", Long.toString(seed));
  }

  /**
   * The pipeline of a {@link #describe described} ranker weight file over {@code train}: the retrievers refitted
   * on it with the recorded seed, the transition counts and popularity of it, the ranker's weights.
   *
   * @param threads worker threads of the retrievers' fitting, &gt; 0
   * @throws IllegalArgumentException if the weights are not a described fusion ranker
   */
  public static TwoStageRecommender assemble(WeightFile weights, TrainingSet train, int threads) {
    String names = weights.propertyOr("retrieverNames", null);
    if (names == null) throw new IllegalArgumentException("the fusion ranker's weights name no retrievers");
    List<String> retrieverNames = Arrays.asList(names.split(","));
    long seed = Long.parseLong(weights.property("seed"));
    int candidates = Integer.parseInt(weights.property("candidatesPerRetriever"));
    List<Recommender> retrievers = retrievers(retrieverNames, train, seed, threads);
    FusionRanker ranker = FusionRanker.fromWeights(weights, popularity(train), baseRankers(train));
    return new TwoStageRecommender("TwoStage(" + candidates + ")+Fusion", retrievers, candidates, ranker,
        u -> train.sequences().positiveItemsOf(u));
  }

  /**
   * The retrievers named, fitted on {@code train} in the given order.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static List<Recommender> retrievers(List<String> names, TrainingSet train, long seed, int threads) {
    checkNames(names, names.size());
    List<Recommender> out = new ArrayList<>(names.size());
    for (String name : names) {
      out.add(name.equals(TRANSITIONS) ? new RankerRecommender("Transitions", transitions(train), train)
          : ClassicModels.create(name, Map.of(), seed, threads).fit(train, FitListener.NONE));
    }
    return out;
  }

  /** The transition counts of {@code train}'s sequences, with the settings fixed before any run. */
  public static TransitionRanker transitions(TrainingSet train) {
    return TransitionRanker.fit(train.sequences(), train.numItems(), TransitionRanker.Params.DEFAULTS);
  }

  /** The base rankers the fusion ranker is trained and served with: the transitions of {@code train}. */
  public static List<CandidateRanker> baseRankers(TrainingSet train) {
    return List.of(transitions(train));
  }

  /** {@link FusionRanker#itemPopularity} of {@code train}'s positive events. */
  public static float[] popularity(TrainingSet train) {
    return FusionRanker.itemPopularity(train.interactions().positive().itemCounts());
  }

  private static void checkNames(List<String> names, int expected) {
    if (names.size() != expected) {
      throw new IllegalArgumentException("the ranker was trained on " + expected + " retrievers, " + names.size()
          + " named: " + names);
    }
    for (String name : names) {
      if (!name.equals(TRANSITIONS) && !ClassicModels.NAMES.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("unknown retriever '" + name + "'; known: " + ClassicModels.NAMES
            + " and " + TRANSITIONS);
      }
    }
  }
}
