/**
 * Synthetic data with planted structure, for tests and the demo: a test on it can fail when a model is
 * wrong because the generator knows the truth. Start at {@link dev.attune.synth.MusicPlatformGenerator}.
 *
 * <p>Imports {@code dev.attune.events} and {@code dev.attune.data}.
 */
package dev.attune.synth;
