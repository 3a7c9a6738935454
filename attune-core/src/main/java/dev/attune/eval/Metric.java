package dev.attune.eval;

import java.util.Locale;

/**
 * Names one evaluation number: what is measured ({@link Kind}), its cut-off {@code k} and whether it comes from
 * the sampled-negatives protocol. The {@link #label()} is the key used everywhere else ({@link EvalResult#mean},
 * {@link Leaderboard} columns, JSON): {@code HR@10}, {@code NDCG@10}, {@code Recall@20}, {@code MRR},
 * {@code AUC}, {@code Coverage@10}, and for the sampled protocol {@code HR@10 (sampled, 100 negatives)}.
 *
 * <p>A sampled metric always carries {@code (sampled, N negatives)} in its label, so it can never be mistaken
 * for (or looked up as) the full-ranking metric of the same name: sampled ranking against 100 negatives gives
 * much higher numbers than ranking the whole catalogue.
 *
 * @param kind what is measured, never null
 * @param k the cut-off: &gt; 0 for kinds that {@linkplain Kind#usesK() use one}; for {@link Kind#MRR} the length
 *     of the ranked list the reciprocal rank was read from (not shown in the label); 0 for the others
 * @param sampledNegatives 0 for full ranking over the catalogue; N &gt; 0 when each target was ranked among N
 *     sampled unseen items (only for {@link Kind#HIT_RATE} and {@link Kind#NDCG})
 */
public record Metric(Kind kind, int k, int sampledNegatives) {

  /** What a metric measures. See {@link RankingMetrics}, {@link RatingMetrics} and {@link CatalogMetrics}. */
  public enum Kind {
    /** 1 if any relevant item is in the top k ({@link RankingMetrics#hitRate}). */
    HIT_RATE("HR", true, true, true),
    /** Binary-gain NDCG at k ({@link RankingMetrics#ndcg}). */
    NDCG("NDCG", true, true, true),
    /** Hits in the top k over the number of relevant items ({@link RankingMetrics#recall}). */
    RECALL("Recall", true, true, true),
    /** Hits in the top k over k ({@link RankingMetrics#precision}). */
    PRECISION("Precision", true, true, true),
    /** Harmonic mean of precision and recall at k ({@link RankingMetrics#f1}). */
    F1("F1", true, true, true),
    /** Average precision at k ({@link RankingMetrics#averagePrecision}). */
    MAP("MAP", true, true, true),
    /** Reciprocal rank of the first relevant item ({@link RankingMetrics#reciprocalRank}); label has no k. */
    MRR("MRR", false, true, true),
    /** Full-ranking AUC of one user ({@link RankingMetrics#auc(int[], float[], int[], int)}). */
    AUC("AUC", false, true, true),
    /** Root mean squared rating error, pooled over held-out events ({@link RatingMetrics#rmse}). */
    RMSE("RMSE", false, false, false),
    /** Mean absolute rating error, pooled over held-out events ({@link RatingMetrics#mae}). */
    MAE("MAE", false, false, false),
    /** Share of the catalogue recommended to anyone ({@link CatalogMetrics#coverage}). */
    COVERAGE("Coverage", true, false, true),
    /** Gini index of recommendation counts over the catalogue ({@link CatalogMetrics#gini}); 0 = even. */
    GINI("Gini", true, false, false),
    /** Mean intra-list diversity ({@link CatalogMetrics#intraListDiversity}). */
    DIVERSITY("Diversity", true, false, true),
    /** Mean self-information of recommended items ({@link CatalogMetrics#novelty}). */
    NOVELTY("Novelty", true, false, true);

    private final String shortName;
    private final boolean usesK;
    private final boolean perUser;
    private final boolean higherIsBetter;

    Kind(String shortName, boolean usesK, boolean perUser, boolean higherIsBetter) {
      this.shortName = shortName;
      this.usesK = usesK;
      this.perUser = perUser;
      this.higherIsBetter = higherIsBetter;
    }

    /** The name used in labels, such as {@code NDCG}. */
    public String shortName() {
      return shortName;
    }

    /** Whether the label shows {@code @k}. */
    public boolean usesK() {
      return usesK;
    }

    /** Whether the metric has one value per evaluated user (else only one aggregate number). */
    public boolean perUser() {
      return perUser;
    }

    /** Whether a larger value is better (false for errors and the Gini index). */
    public boolean higherIsBetter() {
      return higherIsBetter;
    }
  }

  /**
   * Checks the components.
   *
   * @throws IllegalArgumentException if {@code kind} is null, k is out of range for the kind, or a sampled
   *     metric is requested for a kind other than hit rate and NDCG
   */
  public Metric {
    if (kind == null) {
      throw new IllegalArgumentException("kind must not be null");
    }
    if (kind.usesK() && k <= 0) {
      throw new IllegalArgumentException(kind.shortName() + " needs k > 0: " + k);
    }
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0: " + k);
    }
    if (sampledNegatives < 0) {
      throw new IllegalArgumentException("sampledNegatives must be >= 0: " + sampledNegatives);
    }
    if (sampledNegatives > 0 && kind != Kind.HIT_RATE && kind != Kind.NDCG) {
      throw new IllegalArgumentException("only HR and NDCG have a sampled form: " + kind);
    }
  }

  /** A full-ranking metric at cut-off k, such as {@code Metric.at(Kind.NDCG, 10)}. */
  public static Metric at(Kind kind, int k) {
    return new Metric(kind, k, 0);
  }

  /** A metric without cut-off ({@link Kind#AUC}, {@link Kind#RMSE}, {@link Kind#MAE}). */
  public static Metric of(Kind kind) {
    return new Metric(kind, 0, 0);
  }

  /** A sampled-negatives metric: each target ranked among {@code negatives} sampled unseen items. */
  public static Metric sampled(Kind kind, int k, int negatives) {
    if (negatives <= 0) {
      throw new IllegalArgumentException("negatives must be > 0: " + negatives);
    }
    return new Metric(kind, k, negatives);
  }

  /** Whether this metric comes from the sampled-negatives protocol. */
  public boolean isSampled() {
    return sampledNegatives > 0;
  }

  /** The display and lookup key, such as {@code NDCG@10} or {@code HR@10 (sampled, 100 negatives)}. */
  public String label() {
    String base = kind.usesK() ? kind.shortName() + "@" + k : kind.shortName();
    return isSampled() ? String.format(Locale.ROOT, "%s (sampled, %d negatives)", base, sampledNegatives) : base;
  }

  @Override
  public String toString() {
    return label();
  }
}
