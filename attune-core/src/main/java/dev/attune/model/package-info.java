/**
 * The model contract: {@link dev.attune.model.Recommender} (a trained, immutable, thread-safe model),
 * {@link dev.attune.model.Trainer} (fits one), the {@link dev.attune.model.Query} that carries every
 * request option and the {@link dev.attune.model.TopK} answer. Optional abilities have their own small
 * interfaces ({@link dev.attune.model.Explainable}, {@link dev.attune.model.RatingPredictor}).
 *
 * <p>Classic models live in {@code dev.attune.model.cf}; most extend {@link dev.attune.model.ScoringRecommender},
 * which turns "score every item" into filtered top-k. Imports {@code dev.attune.data} and
 * {@code dev.attune.kernel}. Start reading at {@link dev.attune.model.Recommender}.
 */
package dev.attune.model;
