/**
 * The domain: what people do on a platform and what they do it to.
 *
 * <p>{@link dev.attune.events.Event} is one user action on one item in one scene; {@link dev.attune.events.Item}
 * and {@link dev.attune.events.User} carry metadata. {@link dev.attune.events.EventWeights} turns an event into
 * a signed preference weight (a skip is negative, a purchase strongly positive, a play weighs by how much of
 * the track was heard). Start reading at {@link dev.attune.events.EventWeights}.
 *
 * <p>This package imports nothing else from Attune.
 */
package dev.attune.events;
