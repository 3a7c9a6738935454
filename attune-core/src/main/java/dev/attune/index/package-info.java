/**
 * Approximate nearest-neighbour search over item vectors ({@link dev.attune.index.HnswIndex}), for catalogues
 * where scoring every item per request is too slow. Depends on the kernels and the model types only; serving
 * code wraps it around a model's user and item representations.
 */
package dev.attune.index;
