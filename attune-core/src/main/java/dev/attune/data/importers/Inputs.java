package dev.attune.data.importers;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Resolving an importer's input path to the files it reads. */
final class Inputs {
  private Inputs() {}

  /** The folder of a folder-or-file input: the input itself, or the folder holding the file. */
  static Path folder(Path input) throws NoSuchFileException {
    if (Files.isDirectory(input)) {
      return input;
    }
    if (Files.isRegularFile(input)) {
      Path parent = input.toAbsolutePath().getParent();
      return parent == null ? Path.of(".") : parent;
    }
    throw new NoSuchFileException(input.toString(), null, "no such file or folder");
  }

  /** The event file of a folder-or-file input: {@code folder/defaultName}, or the input if it is a file. */
  static Path eventFile(Path input, String defaultName, String format) throws NoSuchFileException {
    Path file = Files.isDirectory(input) ? input.resolve(defaultName) : input;
    return requireFile(file, format + " needs " + defaultName);
  }

  /** {@code file} if it is a regular file, otherwise a {@link NoSuchFileException} with {@code why}. */
  static Path requireFile(Path file, String why) throws NoSuchFileException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, why);
    }
    return file;
  }
}
