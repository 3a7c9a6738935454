/**
 * Small neural-network layers on flat row-major {@code float[]} arrays: {@link dev.attune.infer.nn.Linear},
 * {@link dev.attune.infer.nn.LayerNorm}, {@link dev.attune.infer.nn.MultiHeadAttention},
 * {@link dev.attune.infer.nn.FeedForward}, {@link dev.attune.infer.nn.Gru} and
 * {@link dev.attune.infer.nn.AdditiveAttention}. They are the parts {@link dev.attune.infer.SasRecModel} and
 * {@link dev.attune.infer.GruAttentionModel} run their forward passes with; the tensor conventions follow
 * {@code docs/design/sasrec.md} and {@code docs/design/gru-attn.md} (a weight used as y = x · W has shape
 * [in, out]).
 *
 * <p>Layers hold only weights: they are immutable and thread-safe, and every scratch buffer is passed in
 * by the caller (one per thread). Inner loops go through {@link dev.attune.kernel.VectorOps}; no boxing,
 * streams or lambdas. Imports only {@code dev.attune.kernel}; must not import DJL or the model packages.
 * Start reading at {@link dev.attune.infer.nn.MultiHeadAttention}.
 */
package dev.attune.infer.nn;
