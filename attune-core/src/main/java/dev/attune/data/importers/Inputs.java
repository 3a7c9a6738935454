package dev.attune.data.importers;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Resolving an importer's input path to the files it reads. */
final class Inputs {
  /** Most candidate files a message names; a folder of thousands should not make a message of thousands. */
  private static final int MAX_LISTED = 5;

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

  /**
   * The one file a single-file format reads: {@code input} if it is a file, or {@code input/defaultName} if
   * {@code input} is a folder holding that file. A folder without it is refused with a message that names the
   * files in it ending in one of {@code extensions}, so the user can pass the right one.
   *
   * <p>NOTE: a folder's only candidate is not picked silently even when it is unambiguous: a differently named
   * file is often a sample or another data set (UserBehavior_head.csv beside a full UserBehavior.csv, Beauty.txt
   * beside Yelp.txt), and importing it in place of what the user meant would pass unnoticed into an evaluation.
   * Naming it in the error costs one retry.
   *
   * @param needs what the format reads, for messages, such as {@code "a sequence file such as Beauty.txt"}
   * @param defaultName the file taken from a folder, or null if the format has no fixed file name
   * @param extensions lower-case endings of candidate files, such as {@code ".csv"}
   * @throws NoSuchFileException if {@code input} does not exist, or is a folder without {@code defaultName}
   *     (the exception names {@code input/defaultName})
   * @throws FileSystemException if {@code input} is a folder and {@code defaultName} is null
   */
  static Path singleFile(Path input, String format, String needs, String defaultName, String... extensions)
      throws IOException {
    if (Files.isRegularFile(input)) {
      return input;
    }
    if (!Files.isDirectory(input)) {
      throw new NoSuchFileException(input.toString(), null, format + " needs " + needs);
    }
    if (defaultName != null) {
      Path file = input.resolve(defaultName);
      if (Files.isRegularFile(file)) {
        return file;
      }
      throw new NoSuchFileException(file.toString(), null, format + " needs " + defaultName + "; "
          + candidates(input, extensions));
    }
    throw new FileSystemException(input.toString(), null, "is a folder, but " + format + " needs " + needs + "; "
        + candidates(input, extensions));
  }

  /** {@code the folder holds a.csv: pass that file as the input}, or the like for several files or none. */
  private static String candidates(Path folder, String... extensions) throws IOException {
    List<String> names;
    try (Stream<Path> files = Files.list(folder)) {
      names = files.filter(Files::isRegularFile)
          .map(f -> f.getFileName().toString())
          .filter(name -> endsWithAny(name.toLowerCase(Locale.ROOT), extensions))
          .sorted()
          .toList();
    }
    if (names.isEmpty()) {
      return "the folder holds no " + String.join(" or ", extensions) + " file";
    }
    if (names.size() == 1) {
      return "the folder holds " + names.get(0) + ": pass that file as the input";
    }
    String listed = String.join(", ", names.subList(0, Math.min(names.size(), MAX_LISTED)));
    String more = names.size() > MAX_LISTED ? " and " + (names.size() - MAX_LISTED) + " more" : "";
    return "the folder holds " + listed + more + ": pass one of them as the input";
  }

  private static boolean endsWithAny(String name, String... extensions) {
    for (String e : extensions) {
      if (name.endsWith(e)) {
        return true;
      }
    }
    return false;
  }
}
