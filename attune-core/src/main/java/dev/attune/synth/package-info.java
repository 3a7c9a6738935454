/**
 * Synthetic data with planted structure, for tests and the demo: a test on it can fail when a model is
 * wrong because the generator knows the truth. Start at {@link dev.attune.synth.MusicPlatformGenerator}; two
 * scenes whose tastes are linked by a known function (#5) come from {@link dev.attune.synth.TwoSceneGenerator}.
 *
 * <p>Imports {@code dev.attune.events} and {@code dev.attune.data}.
 */
package dev.attune.synth;
