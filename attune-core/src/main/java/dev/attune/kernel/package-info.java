/**
 * Every hot numeric loop: dot products, axpy, matrix-vector scoring and top-k selection.
 *
 * <p>{@link dev.attune.kernel.VectorOps} is the single entry point. It runs {@link dev.attune.kernel.PanamaVectorOps}
 * (JDK Vector API, needs {@code --add-modules jdk.incubator.vector}) when the module is present and falls
 * back to {@link dev.attune.kernel.ScalarVectorOps}, the plain reference, otherwise. Callers cannot tell
 * which runs. Imports only {@code dev.attune.model.ItemFilter}/{@code TopK} for selection results.
 */
package dev.attune.kernel;
