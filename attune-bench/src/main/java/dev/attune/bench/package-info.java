/**
 * Benchmarks, never shipped: JMH kernel benchmarks ({@code *Benchmark}), offline runs on the public data
 * in {@code ../shared/data} ({@link dev.attune.bench.ImportSpeed}, {@link dev.attune.bench.AlsSpeed}), and the
 * service benchmark on synthetic data ({@link dev.attune.bench.ServiceBenchmark}, driven by
 * {@code attune-bench/service-bench.sh}, whose {@code experiment} mode measures an A/B experiment's serving cost), and
 * an A/B experiment replayed on MovieLens-100K through the server ({@link dev.attune.bench.ExperimentReplay}), and the
 * fixed-horizon and always-valid tests of an experiment looked at often, simulated ({@link
 * dev.attune.bench.SequentialTesting}). Commands and results are recorded in {@code docs/benchmarks.md}.
 */
package dev.attune.bench;
