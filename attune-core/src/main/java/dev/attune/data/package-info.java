/**
 * From raw events to the matrices models learn from.
 *
 * <p>A {@link dev.attune.data.Dataset} holds the imported events ({@link dev.attune.data.EventLog}, columnar)
 * with the users and items they refer to. {@link dev.attune.data.Splits} divides its events into training,
 * validation and test parts ({@link dev.attune.data.Split}); {@link dev.attune.data.DatasetBuilder} turns the
 * training events into the CSR user-item matrix ({@link dev.attune.data.Interactions}), per-user time-ordered
 * sequences ({@link dev.attune.data.Sequences}) and the item feature matrix
 * ({@link dev.attune.data.ItemFeatures}), bundled as a {@link dev.attune.data.TrainingSet}.
 * Readers for public data formats live in {@code dev.attune.data.importers}; {@link dev.attune.data.DatasetIo}
 * stores a data set in a directory.
 *
 * <p>Imports {@code dev.attune.events} only. Start reading at {@link dev.attune.data.Splits}.
 */
package dev.attune.data;
