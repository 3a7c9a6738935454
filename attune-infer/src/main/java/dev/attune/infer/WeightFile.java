package dev.attune.infer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float tensors and string properties: the compact file in which trained attention models travel
 * from {@code attune-train} (DJL) to {@code attune-infer} (pure Java).
 *
 * <p>Layout (big-endian, {@link DataOutputStream}): int magic {@code 0x41545754} ("ATWT"), int version 1,
 * int property count, then (UTF key, UTF value) pairs; int tensor count, then for each tensor: UTF name,
 * int rank, rank ints of shape, and the float values in row-major order. The file is written to a
 * temporary name and moved into place, so readers never see half a file.
 *
 * <p>Version 2, written only when a string is too long for {@link DataOutputStream#writeUTF} (64 KB; a long
 * training's curve in a checkpoint's properties reached it after ~1,400 epochs, a review), is the same with every
 * string as an int byte count and its UTF-8 bytes; a file that needs no such string stays version 1, which earlier
 * builds read.
 *
 * <p>Mutable while being filled; not thread-safe.
 */
public final class WeightFile {
  private static final int MAGIC = 0x41545754;
  private static final int VERSION = 1;
  /** {@link #VERSION} with strings of any length. */
  private static final int LONG_STRINGS_VERSION = 2;
  /** The most bytes {@link DataOutputStream#writeUTF} writes (modified UTF-8, up to 3 per char). */
  private static final int MAX_UTF_BYTES = 65_535;

  private final Map<String, String> properties = new LinkedHashMap<>();
  private final Map<String, Tensor> tensors = new LinkedHashMap<>();

  /**
   * One tensor.
   *
   * @param shape dimensions, each &gt;= 0
   * @param values row-major values; length is the product of the shape
   */
  public record Tensor(int[] shape, float[] values) {
    public Tensor {
      long n = 1;
      for (int d : shape) {
        if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
        n *= d;
      }
      if (n != values.length) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
      }
    }

    /** Size of dimension {@code i}. */
    public int dim(int i) {
      return shape[i];
    }
  }

  /** Sets a string property (model kind, hyper-parameters, id maps' locations). Returns this. */
  public WeightFile property(String key, String value) {
    properties.put(key, value);
    return this;
  }

  /** Adds or replaces a tensor. Returns this. */
  public WeightFile put(String name, int[] shape, float[] values) {
    tensors.put(name, new Tensor(shape.clone(), values));
    return this;
  }

  /**
   * The property {@code key}.
   *
   * @throws IllegalArgumentException if absent
   */
  public String property(String key) {
    String v = properties.get(key);
    if (v == null) throw new IllegalArgumentException("weight file has no property '" + key + "'");
    return v;
  }

  /** The property {@code key}, or {@code fallback} if absent. */
  public String propertyOr(String key, String fallback) {
    return properties.getOrDefault(key, fallback);
  }

  /** All properties (unmodifiable). */
  public Map<String, String> properties() {
    return Collections.unmodifiableMap(properties);
  }

  /** Whether a tensor named {@code name} exists. */
  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  /**
   * The tensor {@code name}, checked against {@code expectedShape} (use -1 for "any").
   *
   * @throws IllegalArgumentException if absent or shaped differently
   */
  public Tensor tensor(String name, int... expectedShape) {
    Tensor t = tensors.get(name);
    if (t == null) throw new IllegalArgumentException("weight file has no tensor '" + name + "'");
    if (expectedShape.length > 0) {
      boolean ok = expectedShape.length == t.shape().length;
      for (int i = 0; ok && i < expectedShape.length; i++) ok = expectedShape[i] < 0 || expectedShape[i] == t.shape()[i];
      if (!ok) {
        throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
            + ", expected " + Arrays.toString(expectedShape));
      }
    }
    return t;
  }

  /** Tensor names in insertion order (unmodifiable). */
  public java.util.Set<String> names() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  /** Writes the file atomically (temporary file + move). */
  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      writeTo(tmp);
    } catch (IOException | RuntimeException e) {
      // a half-written file (a full disk) would take the space a retry needs
      Files.deleteIfExists(tmp);
      throw e;
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private void writeTo(Path tmp) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      boolean longStrings = false;
      for (Map.Entry<String, String> e : properties.entrySet()) {
        longStrings |= !fitsUtf(e.getKey()) || !fitsUtf(e.getValue());
      }
      for (String name : tensors.keySet()) longStrings |= !fitsUtf(name);
      out.writeInt(MAGIC);
      out.writeInt(longStrings ? LONG_STRINGS_VERSION : VERSION);
      out.writeInt(properties.size());
      for (Map.Entry<String, String> e : properties.entrySet()) {
        writeString(out, e.getKey(), longStrings);
        writeString(out, e.getValue(), longStrings);
      }
      out.writeInt(tensors.size());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        writeString(out, e.getKey(), longStrings);
        int[] shape = e.getValue().shape();
        out.writeInt(shape.length);
        for (int d : shape) out.writeInt(d);
        for (float v : e.getValue().values()) out.writeFloat(v);
      }
    }
  }

  /** Whether {@code s} fits {@link DataOutputStream#writeUTF}: at most 64 KB of modified UTF-8. */
  private static boolean fitsUtf(String s) {
    if (s.length() <= MAX_UTF_BYTES / 3) return true; // the common case, without counting
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      bytes += c >= 0x0001 && c <= 0x007F ? 1 : c <= 0x07FF ? 2 : 3;
    }
    return bytes <= MAX_UTF_BYTES;
  }

  private static void writeString(DataOutputStream out, String s, boolean longStrings) throws IOException {
    if (!longStrings) {
      out.writeUTF(s);
      return;
    }
    byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in, boolean longStrings, long fileBytes, Path file)
      throws IOException {
    if (!longStrings) return in.readUTF();
    int n = in.readInt();
    if (n < 0 || n > fileBytes) throw new IOException(file + ": corrupt or truncated: a string of " + n + " bytes");
    byte[] bytes = in.readNBytes(n);
    if (bytes.length < n) throw new EOFException(); // said as the truncated file it is
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Reads a file written by {@link #write}.
   *
   * @throws IOException if the file is missing, truncated, corrupt (a shape beyond the file's size, a non-finite
   *     value, bytes after the last tensor) or not a weight file (the message names it)
   */
  public static WeightFile read(Path file) throws IOException {
    WeightFile w = new WeightFile();
    long fileBytes = Files.size(file);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      int version = in.readInt() != MAGIC ? -1 : in.readInt();
      if (version != VERSION && version != LONG_STRINGS_VERSION) {
        throw new IOException(file + ": not an Attune weight file of version " + VERSION + " or "
            + LONG_STRINGS_VERSION);
      }
      boolean longStrings = version == LONG_STRINGS_VERSION;
      int props = in.readInt();
      for (int p = 0; p < props; p++) {
        w.properties.put(readString(in, longStrings, fileBytes, file), readString(in, longStrings, fileBytes, file));
      }
      int count = in.readInt();
      for (int t = 0; t < count; t++) {
        String name = readString(in, longStrings, fileBytes, file);
        int rank = in.readInt();
        if (rank < 0 || rank > 8) throw new IOException(file + ": tensor '" + name + "' has bad rank " + rank);
        int[] shape = new int[rank];
        long n = 1;
        for (int d = 0; d < rank; d++) {
          shape[d] = in.readInt();
          // a corrupt header: a negative size, or more values than the file holds bytes (a flipped bit asked for
          // 8 GB and ended in OutOfMemoryError rather than this)
          if (shape[d] < 0) throw new IOException(file + ": corrupt: tensor '" + name + "' has a negative size");
          n *= shape[d];
          if (n > fileBytes / Float.BYTES) throw new IOException(file + ": corrupt or truncated: tensor '" + name
              + "' is larger than the file");
        }
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
          values[i] = in.readFloat();
          // NaN or infinity: every score it reaches would be NaN, which ranks nothing, and the server fell back to
          // popularity without a word
          if (!Float.isFinite(values[i])) {
            throw new IOException(file + ": tensor '" + name + "' holds " + values[i] + " at index " + i + ": the"
                + " training that wrote it diverged; train it again with a lower learning rate");
          }
        }
        w.tensors.put(name, new Tensor(shape, values));
      }
      if (in.read() != -1) throw new IOException(file + ": corrupt: bytes after the last tensor");
    } catch (EOFException e) {
      throw new IOException(file + ": truncated", e);
    }
    return w;
  }
}
