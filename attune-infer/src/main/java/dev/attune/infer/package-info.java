/**
 * Pure-Java forward passes of the sequential models on exported weights. No DJL, no JNI.
 *
 * <p>{@link dev.attune.infer.WeightFile} carries tensors from {@code attune-train}.
 * {@link dev.attune.infer.SequentialModel} is what every served next-item network shares (histories, scoring,
 * similar items, explanations by attention with a leave-one-out check, {@link dev.attune.infer.AttentionExplanation});
 * its subclasses run one network each: {@link dev.attune.infer.SasRecModel} (contract {@code docs/design/sasrec.md}),
 * its bidirectional variant {@link dev.attune.infer.Bert4RecModel} ({@code docs/design/bert4rec.md}) and
 * {@link dev.attune.infer.GruAttentionModel} (contract {@code docs/design/gru-attn.md}).
 * {@link dev.attune.infer.SequentialModels} loads any of them from a weight file. The layers are in
 * {@link dev.attune.infer.nn}. Imports {@code dev.attune.data}, {@code dev.attune.model} and
 * {@code dev.attune.kernel}; must not import DJL or {@code attune-train}. Start reading at
 * {@link dev.attune.infer.SequentialModel}, then {@link dev.attune.infer.SasRecModel}.
 */
package dev.attune.infer;
