/**
 * Benchmarks, never shipped: JMH kernel benchmarks ({@code *Benchmark}), offline runs on the public data
 * in {@code ../shared/data} ({@link dev.attune.bench.ImportSpeed}, {@link dev.attune.bench.AlsSpeed}), and the
 * service benchmark on synthetic data ({@link dev.attune.bench.ServiceBenchmark}, driven by
 * {@code attune-bench/service-bench.sh}). Commands and results are recorded in {@code docs/benchmarks.md}.
 */
package dev.attune.bench;
