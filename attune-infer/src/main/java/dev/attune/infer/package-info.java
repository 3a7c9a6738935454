/**
 * Pure-Java forward passes of the attention models on exported weights. No DJL, no JNI.
 *
 * <p>{@link dev.attune.infer.WeightFile} carries tensors from {@code attune-train};
 * {@link dev.attune.infer.SasRecModel} serves SASRec as a {@link dev.attune.model.Recommender} and explains
 * it with attention ({@link dev.attune.infer.AttentionExplanation}). The layers are in
 * {@link dev.attune.infer.nn}. Imports {@code dev.attune.data}, {@code dev.attune.model} and
 * {@code dev.attune.kernel}; must not import DJL or {@code attune-train}. Start reading at
 * {@link dev.attune.infer.SasRecModel}, whose contract is {@code docs/design/sasrec.md}.
 */
package dev.attune.infer;
