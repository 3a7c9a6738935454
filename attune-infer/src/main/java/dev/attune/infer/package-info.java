/**
 * Pure-Java forward passes of the attention models on exported weights. No DJL, no JNI.
 */
package dev.attune.infer;
