package dev.attune.server;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Another process for the model-root tests: locks the file {@code args[0]} (created if missing) as a training job
 * locks the version it builds, prints {@code held}, and keeps the lock until killed or its standard input ends; with
 * {@code try} as {@code args[1]}, only tries, and prints {@code refused} when another process holds it.
 */
final class FileLockHolder {

  private FileLockHolder() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      if (args.length > 1 && args[1].equals("try")) {
        System.out.println(channel.tryLock() == null ? "refused" : "held");
        return;
      }
      channel.lock();
      System.out.println("held");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold the lock
      }
    }
  }
}
