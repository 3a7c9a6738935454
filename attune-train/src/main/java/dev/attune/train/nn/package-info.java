/**
 * Neural-network layers for training, written on DJL {@link ai.djl.ndarray.NDArray}s with explicit parameter
 * arrays held in a {@link dev.attune.train.nn.ParameterStore}, so every weight has a name and can be read out
 * into a {@link dev.attune.infer.WeightFile}.
 *
 * <p>The layers mirror {@code dev.attune.infer.nn} (the pure-Java forward pass) and follow the tensor names and
 * shapes of {@code docs/design/sasrec.md}; gradients come from DJL's autograd (PyTorch engine). Each layer works
 * in the data type of its store (float32 for training, float64 for the gradient checks).
 *
 * <p>Must not be imported by {@code attune-infer} or {@code attune-server} (no DJL there). Start reading at
 * {@link dev.attune.train.nn.ParameterStore}, then {@link dev.attune.train.nn.CausalSelfAttention}.
 */
package dev.attune.train.nn;
