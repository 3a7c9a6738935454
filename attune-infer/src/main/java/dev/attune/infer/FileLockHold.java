package dev.attune.infer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive operating-system lock on a file, held by this process until closed: what keeps two writers of one model
 * folder apart (the server's training jobs in a shared model root, two {@code attune train} runs with one {@code
 * --out}). The system releases it when the process dies however it ends, so a killed writer never leaves a lock held;
 * the file itself stays unless its holder deletes it.
 */
public final class FileLockHold implements AutoCloseable {
  /**
   * The lock files this JVM holds. Checked before a file is opened: closing the channel of a failed second attempt
   * would drop the first lock at the operating system (POSIX locks belong to the process, and end when any of its
   * descriptors for the file closes).
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final FileChannel channel;
  private final Path key;

  private FileLockHold(FileChannel channel, Path key) {
    this.channel = channel;
    this.key = key;
  }

  /**
   * Takes the lock on {@code file} (created if missing; its folder must exist), or returns null when a process (this
   * one too) holds it, or when the file was deleted or replaced between opening and locking it.
   *
   * <p>A lock file is to be deleted only by a holder of its lock ({@link #deleteAndClose}); a process that opened the
   * file just before such a deletion would otherwise lock a file no longer under the name and go on as if it held the
   * name. So the file under the name must be the same file (its {@link BasicFileAttributes#fileKey}) before it is
   * opened and once it is locked. (Not checked by reading the file again: closing any descriptor of the file would
   * drop this process's lock, see {@link #HELD}.)
   *
   * @throws IOException if the file cannot be created or opened
   */
  public static FileLockHold tryTake(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    if (!HELD.add(key)) return null; // another holder in this JVM (tests, or two servers embedded)
    FileChannel channel = null;
    try {
      try {
        Files.createFile(file);
      } catch (FileAlreadyExistsException exists) {
        // another holder's, or a leftover: the lock says which
      }
      Object opened = fileKey(file);
      channel = FileChannel.open(file, StandardOpenOption.WRITE);
      if (channel.tryLock() != null && Objects.equals(opened, fileKey(file))) {
        return new FileLockHold(channel, key);
      }
      channel.close();
      HELD.remove(key);
      return null;
    } catch (NoSuchFileException deleted) {
      // deleted by the holder of its lock meanwhile: taken, and given up, by another
      if (channel != null) channel.close();
      HELD.remove(key);
      return null;
    } catch (IOException | RuntimeException e) {
      if (channel != null) channel.close();
      HELD.remove(key);
      throw e;
    }
  }

  /** The identity of the file {@code file} names (null where the file system has none to give). */
  private static Object fileKey(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  /**
   * Deletes the lock file, then releases the lock: a process that opens the name from then on finds a new file, and
   * one that opened the old file before finds it gone once it locks it.
   *
   * @throws IOException if the file cannot be deleted (the lock is released all the same)
   */
  public void deleteAndClose() throws IOException {
    try {
      Files.deleteIfExists(key);
    } finally {
      close();
    }
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() throws IOException {
    try {
      channel.close(); // releases the lock
    } finally {
      HELD.remove(key);
    }
  }
}
