/**
 * Finding users whose behaviour should not train a model: bots (bursts of events no person produces) and
 * shilling profiles (fake users injected to push an item), so that they can be quarantined and reviewed.
 */
package dev.attune.abuse;
