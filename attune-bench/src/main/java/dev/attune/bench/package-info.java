/**
 * Benchmarks, never shipped: JMH kernel benchmarks ({@code *Benchmark}) and offline runs on the public data
 * in {@code ../shared/data} ({@link dev.attune.bench.ImportSpeed}, {@link dev.attune.bench.AlsSpeed}).
 * Commands and results are recorded in {@code docs/benchmarks.md}.
 */
package dev.attune.bench;
