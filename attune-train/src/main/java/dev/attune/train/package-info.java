/**
 * DJL training of the attention models; exports weights for {@code dev.attune.infer}.
 *
 * <p>Owns the training side of the SASRec contract ({@code docs/design/sasrec.md}): {@link dev.attune.train.SasRec}
 * (hyper-parameters, training loop, losses, checkpoints, early stopping, and the DJL network with its export to a
 * {@link dev.attune.infer.WeightFile}), the {@link dev.attune.train.Adam} optimiser, and the layers in
 * {@code dev.attune.train.nn}. A trained model is served by {@link dev.attune.infer.SasRecModel}, pure Java;
 * {@code SasRecParityTest} holds the two forward passes together. {@link dev.attune.train.Bert4Rec} trains the same
 * network with bidirectional attention by the Cloze task ({@code docs/design/bert4rec.md}), and
 * {@link dev.attune.train.GruAttention} the GRU with attention ({@code docs/design/gru-attn.md}); all three share
 * {@link dev.attune.train.SequenceTraining}.
 *
 * <p>Nothing outside this module may import it: inference and serving must not depend on DJL. Start reading at
 * {@link dev.attune.train.SasRec}.
 */
package dev.attune.train;
