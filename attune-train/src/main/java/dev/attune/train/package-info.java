/**
 * DJL training of the attention models; exports weights for {@code dev.attune.infer}.
 *
 * <p>Owns the training side of the SASRec contract ({@code docs/design/sasrec.md}): {@link dev.attune.train.SasRec}
 * (hyper-parameters, training loop, losses, checkpoints, early stopping, and the DJL network with its export to a
 * {@link dev.attune.infer.WeightFile}), the {@link dev.attune.train.Adam} optimiser, and the layers in
 * {@code dev.attune.train.nn}. A trained model is served by {@link dev.attune.infer.SasRecModel}, pure Java;
 * {@code SasRecParityTest} holds the two forward passes together.
 *
 * <p>Nothing outside this module may import it: inference and serving must not depend on DJL. Start reading at
 * {@link dev.attune.train.SasRec}.
 */
package dev.attune.train;
