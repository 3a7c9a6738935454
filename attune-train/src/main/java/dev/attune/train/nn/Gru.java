package dev.attune.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * A single-layer GRU over left-padded windows, as {@link dev.attune.infer.nn.Gru} and
 * {@code docs/design/gru-attn.md}: with the 3H columns of both weights laid out [reset r | update z | candidate n],
 * <pre>
 *   g = x_t · Wi + bi,  q = h_{t−1} · Wh + bh
 *   r = σ(g_r + q_r),   z = σ(g_z + q_z),   n = tanh(g_n + r ⊙ q_n)
 *   h_t = mask_t × ((1 − z) ⊙ n + z ⊙ h_{t−1}),   h_{−1} = 0
 * </pre>
 * The mask multiply keeps the state at exactly zero over left padding, so a real step sees the same h_{t−1} = 0
 * at the start of its sequence whatever the padding, and a window cut shorter changes nothing.
 *
 * <p>Parameters {@code <prefix>.input_weight} [in, 3H], {@code .recurrent_weight} [H, 3H] (Xavier normal),
 * {@code .input_bias} and {@code .recurrent_bias} [3H] (zeros).
 *
 * <p>The input projections of all steps are one matmul; only the recurrent part loops over time, so a window
 * of T steps costs T small [B, H] × [H, 3H] products and about 12 T element-wise operations, each recorded by
 * autograd.
 */
public final class Gru {
  private final int hidden;
  private final NDArray inputWeight;
  private final NDArray inputBias;
  private final NDArray recurrentWeight;
  private final NDArray recurrentBias;

  /** Creates the parameters in {@code store}. */
  public Gru(ParameterStore store, String prefix, int in, int hidden) {
    if (in <= 0 || hidden <= 0) throw new IllegalArgumentException("in and hidden must be > 0: " + in + ", " + hidden);
    this.hidden = hidden;
    this.inputWeight = store.xavier(prefix + ".input_weight", in, 3L * hidden);
    this.inputBias = store.zeros(prefix + ".input_bias", 3L * hidden);
    this.recurrentWeight = store.xavier(prefix + ".recurrent_weight", hidden, 3L * hidden);
    this.recurrentBias = store.zeros(prefix + ".recurrent_bias", 3L * hidden);
  }

  /**
   * Runs the recurrence.
   *
   * @param x inputs [B, T, in]
   * @param mask 1 at real steps, 0 at padding [B, T, 1], in the data type of x
   * @return the states h_0 … h_{T−1} [B, T, H], zero at padding
   */
  public NDArray forward(NDArray x, NDArray mask) {
    Shape s = x.getShape();
    long b = s.get(0);
    long t = s.get(1);
    NDList gates = x.matMul(inputWeight).add(inputBias).split(t, 1); // T × [B, 1, 3H]
    NDList masks = mask.split(t, 1); // T × [B, 1, 1]
    NDArray h = x.getManager().zeros(new Shape(b, hidden), x.getDataType());
    NDList states = new NDList((int) t);
    for (int step = 0; step < t; step++) {
      NDList g = gates.get(step).squeeze(1).split(3, 1);
      NDList q = h.matMul(recurrentWeight).add(recurrentBias).split(3, 1);
      NDArray r = Activation.sigmoid(g.get(0).add(q.get(0)));
      NDArray z = Activation.sigmoid(g.get(1).add(q.get(1)));
      NDArray n = Activation.tanh(g.get(2).add(r.mul(q.get(2))));
      h = z.neg().add(1).mul(n).add(z.mul(h)).mul(masks.get(step).squeeze(1));
      states.add(h);
    }
    return NDArrays.stack(states, 1);
  }
}
