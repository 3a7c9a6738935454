/**
 * Classic collaborative-filtering models, one file each: {@link dev.attune.model.cf.Popularity},
 * {@link dev.attune.model.cf.ItemKnn}, {@link dev.attune.model.cf.UserKnn}, {@link dev.attune.model.cf.Als}
 * (implicit ALS with conjugate gradient), {@link dev.attune.model.cf.Bpr}, {@link dev.attune.model.cf.Ease}
 * and {@link dev.attune.model.cf.BiasBaseline} (explicit ratings). Factor models return the shared
 * {@link dev.attune.model.cf.FactorModel}.
 *
 * <p>Each file holds a trainer with a {@code Params} record; scoring code lives in the model class it
 * returns. Imports {@code dev.attune.data}, {@code dev.attune.model} and {@code dev.attune.kernel}.
 */
package dev.attune.model.cf;
