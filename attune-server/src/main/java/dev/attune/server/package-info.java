/**
 * The recommendation service over HTTP. Start with {@link dev.attune.server.AttuneServer} (lifecycle, errors,
 * metrics), then {@code Api} (the route table and its handlers) and {@code Recommendations} (model, fallbacks,
 * rules). Reads and writes through {@code dev.attune.store}; serves models through {@code dev.attune.infer}.
 * The dashboard (static files under {@code src/main/resources/dashboard}, served at {@code /dashboard}) reads the
 * admin routes, whose handlers are in {@code Admin} and whose counters are in {@code ServiceStats}.
 * Retraining, the model gate and publication are {@code ModelLifecycle}'s; it trains through the {@link
 * dev.attune.server.ModelTrainer} interface, which the command line fills with DJL's SASRec. A/B experiments are
 * {@code Experiments}' (arms, assignment, exposures, their routes) and {@code ExperimentResults}' (attribution and
 * the comparison of the arms).
 * Must not import DJL or {@code dev.attune.train}: the server never trains with native code itself.
 */
package dev.attune.server;
