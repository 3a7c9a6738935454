/** DJL training of the attention models; exports weights for {@code dev.attune.infer}. */
package dev.attune.train;
