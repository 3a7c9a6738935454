/**
 * The one evaluation core: metric definitions, the offline protocol, significance tests and the leaderboard.
 *
 * <p>The metric functions ({@link dev.attune.eval.RankingMetrics}, {@link dev.attune.eval.RatingMetrics},
 * {@link dev.attune.eval.CatalogMetrics}) take plain arrays (a ranked list of item indices, the sorted set of
 * relevant items, scores and labels), never a model or a split, so the online service can score logged
 * impressions with exactly the code the offline numbers come from. {@link dev.attune.eval.Evaluator} runs the
 * offline protocol: it asks a {@link dev.attune.model.Recommender} for each held-out user's ranking and records
 * every metric per user in an {@link dev.attune.eval.EvalResult}, named by {@link dev.attune.eval.Metric} labels
 * such as {@code NDCG@10}. {@link dev.attune.eval.Significance} compares two results user by user, and
 * {@link dev.attune.eval.Leaderboard} prints many as a table.
 *
 * <p>Imports {@code dev.attune.data}, {@code dev.attune.model} and commons-math3; nothing model-specific, no
 * DJL, no I/O. Start reading at {@link dev.attune.eval.Evaluator}, whose class comment states the protocol.
 */
package dev.attune.eval;
