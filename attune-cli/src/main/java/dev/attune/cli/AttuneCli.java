package dev.attune.cli;

import dev.attune.data.DatasetIo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code attune} command: entry point and error handling shared by every subcommand. */
@Command(
    name = "attune",
    mixinStandardHelpOptions = true,
    version = "Attune 0.1.0",
    description = "Recommendation engine for content platforms: import data, then train, evaluate, explain and serve"
        + " recommenders.",
    subcommands = {
        ImportCommand.class, GenerateCommand.class, TrainCommand.class, EvaluateCommand.class, ExplainCommand.class,
        LoadCommand.class, ExportCommand.class, ServeCommand.class, DemoCommand.class, KeysCommand.class,
        ExperimentCommand.class, CompactCommand.class, CopyCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "The launcher itself also takes 'test': ./attune test runs every test (./mvnw -B verify)."})
public final class AttuneCli {

  /** Exit code for a client mistake (bad option, missing file, malformed data). */
  public static final int USAGE_ERROR = 2;
  /** Exit code for a failure that is not the user's fault. */
  public static final int INTERNAL_ERROR = 1;
  /** Exit code of a command a stop (Ctrl-C) ended, as shells give a process SIGINT ended (128 + 2). */
  static final int STOPPED = 130;

  /**
   * How the commands weigh events: as the service does ({@code ModelTrainer.WEIGHTS}), so that an export of a store
   * (its {@code onboard} events, types the API took without knowing them) is split, trained on and evaluated as the
   * server would. {@code attune import} takes them too: a type the table does not name weighs 1 there as here.
   */
  static final dev.attune.events.EventWeights WEIGHTS = dev.attune.server.ModelTrainer.WEIGHTS;

  private AttuneCli() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    String logging = loggingMistake(System.getenv("ATTUNE_LOG_LEVEL"), System.getenv("ATTUNE_LOG_FORMAT"));
    if (logging != null) {
      // before anything logs: logback reads a level it does not know as DEBUG, and a format it has no appender for
      // as none at all
      err.println("attune: " + logging);
      System.exit(USAGE_ERROR);
    }
    // the PostgreSQL driver logs through java.util.logging, whose console lines ignored ATTUNE_LOG_LEVEL=OFF and the
    // JSON format (a CLI QA run: a malformed URL's warning printed past OFF): sent to the log the settings shape
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    int code = run(args, out, err);
    // autoflush covers println only; a command may end with print
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** What is wrong with the logging settings, or null when nothing is (null values: the defaults). */
  static String loggingMistake(String level, String format) {
    if (level != null && !java.util.Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF")
        .contains(level.strip().toUpperCase(java.util.Locale.ROOT))) {
      return "ATTUNE_LOG_LEVEL must be TRACE, DEBUG, INFO, WARN, ERROR or OFF: " + level;
    }
    if (format != null && !format.equals("text") && !format.equals("json")) {
      return "ATTUNE_LOG_FORMAT must be text or json: " + format;
    }
    return null;
  }

  /** Runs the command line with the given streams and returns the exit code (for tests). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    // numbers in the output read the same on every system, for the scripts that parse them: a German locale printed
    // "HR@10 0,0033 ... trained 4,2 s" where a format did not name its locale (a review)
    // (every category: PrintWriter.printf formats with the general default, not the FORMAT one)
    java.util.Locale.setDefault(java.util.Locale.ROOT);
    CommandLine cli = new CommandLine(new AttuneCli());
    // every command's --version (its help lists it) prints the version, not nothing
    String[] version = cli.getCommandSpec().version();
    for (CommandLine sub : cli.getSubcommands().values()) sub.getCommandSpec().version(version);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, arguments) -> {
      // one line, as for every other client mistake; the full usage is one --help away
      CommandLine command = e.getCommandLine();
      String hint = command.getCommandSpec().qualifiedName() + " --help";
      String message = e.getMessage();
      List<String> unmatched = command.getUnmatchedArguments();
      if (!(e instanceof CommandLine.UnmatchedArgumentException) && !unmatched.isEmpty()) {
        // a misspelt required option ("--modle") is first of all unknown: saying only that --model is missing hides
        // what was typed
        CommandLine.UnmatchedArgumentException u = new CommandLine.UnmatchedArgumentException(command, unmatched);
        message = u.getMessage() + " (and: " + message + ")";
        e = u;
      }
      if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
        message += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
      } else if (e instanceof CommandLine.UnmatchedArgumentException && command.getCommandSpec().optionsMap()
          .containsKey("--param") && unmatched.stream().anyMatch(a -> a.startsWith("--"))) {
        // "--epochs 2": a model's own setting, which has no option of its own
        message += "; a model's settings go in --param <model>.<key>=<value>, such as --param sasrec.epochs=20";
      }
      command.getErr().println("attune: " + message + " (see '" + hint + "')");
      return USAGE_ERROR;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof StopRequested) return STOPPED; // the stop's notice says what is kept
      }
      Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
      String diskFull = diskFull(cause);
      if (diskFull != null) {
        // an output stream's error names no file: the places the command writes to say where
        commandLine.getErr().println("attune: the disk is full (" + diskFull + ")"
            + writtenPlaces(commandLine.getParseResult()) + ": free some space and run the command again");
        return USAGE_ERROR;
      }
      if (cause instanceof IllegalArgumentException || cause instanceof IOException
          || cause instanceof dev.attune.store.StoreException s && s.whileOpening()) {
        commandLine.getErr().println("attune: " + message(cause));
        return USAGE_ERROR;
      }
      String engine = engineUnpackFailure(cause);
      if (engine != null) {
        commandLine.getErr().println("attune: " + engine);
        return USAGE_ERROR;
      }
      if (cause instanceof dev.attune.store.StoreException s && s.storageRefused()) {
        // an I/O error, a read-only file or database: not "busy", which it is retryable as for the server's clients
        commandLine.getErr().println("attune: " + String.join("; ", String.valueOf(s.getMessage()).lines()
            .map(String::strip).toList()) + "; the store refuses writes: make it writable (or its disk sound), then run"
            + " the command again");
        return USAGE_ERROR;
      }
      if (cause instanceof dev.attune.store.StoreException s && s.retryable()) {
        // busy (another process writing to the store: a copy into it, a load) or gone for now: not a bug to trace
        commandLine.getErr().println("attune: " + String.join("; ", String.valueOf(s.getMessage()).lines()
            .map(String::strip).toList()) + "; the store is busy or unreachable for now: run the command again (when"
            + " a copy or load into it has finished)");
        return INTERNAL_ERROR;
      }
      if (cause instanceof NegativeArraySizeException
          || cause instanceof ArithmeticException a && String.valueOf(a.getMessage()).contains("overflow")) {
        // a size past what one array holds (a --param width of 10^8): the user's setting, not a bug to trace
        commandLine.getErr().println("attune: " + tooLarge(parseResult) + " (an array of more than 2^31 entries)");
        return USAGE_ERROR;
      }
      commandLine.getErr().println("attune: internal error: " + cause);
      cause.printStackTrace(commandLine.getErr());
      return INTERNAL_ERROR;
    });
    try {
      return cli.execute(args);
    } catch (OutOfMemoryError e) {
      err.println("attune: out of memory (the Java heap holds at most " + Runtime.getRuntime().maxMemory() / (1 << 20)
          + " MB): " + tooLarge(cli.getParseResult()) + ", or give Java more heap (ATTUNE_JAVA_OPTS=-Xmx...)");
      return USAGE_ERROR;
    }
  }

  /**
   * The message that says a disk is full, from {@code e} or its causes (SQLite's SQLITE_FULL, PostgreSQL's disk_full,
   * the system's "No space left on device"), or null when none does.
   */
  /**
   * What to say when PyTorch's native library could not be unpacked into DJL's cache folder (a folder that cannot be
   * written, a dangling link in its place): a setting to fix, which QA runs got as an internal error and 40 lines of
   * trace; null for any other failure.
   */
  static String engineUnpackFailure(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t.getClass().getName().equals("ai.djl.engine.EngineException")
          && String.valueOf(t.getMessage()).contains("extract")) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String folder = System.getenv("DJL_CACHE_DIR");
        return "PyTorch's native library could not be unpacked into " + (folder == null ? "DJL's cache folder (~/.djl.ai)"
            : "DJL_CACHE_DIR " + folder) + " (" + root + "): point DJL_CACHE_DIR at a writable folder with about"
            + " 500 MB free (the launcher uses .cache/djl in the repository)";
      }
    }
    return null;
  }

  static String diskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      boolean pgDiskFull = t instanceof java.sql.SQLException q && "53100".equals(q.getSQLState());
      if (pgDiskFull || m.contains("SQLITE_FULL") || m.contains("No space left on device")) {
        return m.lines().findFirst().orElse(m).strip();
      }
      if (t.getCause() == t) break;
    }
    return null;
  }

  /**
   * Where the command writes, for a disk-full message: its {@code --out} and its SQLite {@code --store}'s file as given
   * (" writing --out /data/x"); "" when it was given neither. (The space left is not said: what the command wrote
   * before it failed is deleted by then.)
   */
  static String writtenPlaces(CommandLine.ParseResult parsed) {
    List<String> places = new java.util.ArrayList<>();
    for (String option : List.of("--out", "--store", "--to")) {
      if (parsed == null || !parsed.hasMatchedOption(option)) continue;
      if (option.equals("--store") && parsed.commandSpec().name().equals("export")) continue; // only read
      String value = String.valueOf((Object) parsed.matchedOptionValue(option, null));
      if (value.startsWith("jdbc:postgresql:")) continue; // the database server's disk, whose error says so itself
      Path place = value.startsWith("jdbc:") ? dev.attune.store.Store.sqliteFile(value).orElse(null) : Path.of(value);
      if (place != null) places.add(option + " " + place.toAbsolutePath().normalize());
    }
    return places.isEmpty() ? "" : " writing " + String.join(" and ", places);
  }

  /**
   * Runs {@code body}; when the JVM stops meanwhile (Ctrl-C ends it without unwinding this thread), {@code onStop} runs
   * from its shutdown, to say what is kept and how to go on.
   */
  static <T> T sayingOnStop(String threadName, Runnable onStop, java.util.concurrent.Callable<T> body)
      throws Exception {
    Thread hook = new Thread(onStop, threadName);
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return body.call();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException stopping) {
        // the JVM is stopping: the hook runs
      }
    }
  }

  /**
   * Deletes {@code dir} once it is an empty folder, waiting up to a second for it to become one: from a stop, the
   * shutdown hook of a data set's write removes its temporary files beside this one. Anything else is left.
   */
  static void deleteIfEmpty(Path dir) {
    for (int tries = 0; tries < 20; tries++) {
      try {
        java.nio.file.Files.deleteIfExists(dir);
        return;
      } catch (java.nio.file.DirectoryNotEmptyException notYet) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (IOException notOurs) {
        return; // not a folder this run may delete
      }
    }
  }

  /**
   * Set by a stop of a run that ends between steps (training, a load, a copy): {@link Progress} then ends it at its
   * next step ({@link StopRequested}).
   */
  private static volatile boolean stopRequested;

  /**
   * How long a stop waits for a run to reach its next step (training: to leave the engine's native code; a load or a
   * copy: to close its stores) before the process ends.
   */
  private static final long STOP_WAIT_SECONDS = 10;

  /** Thrown at a run's next step once a stop asked for it; the stop's own notice says what is kept. */
  static final class StopRequested extends RuntimeException {
    StopRequested() {
      super("stopped", null, false, false);
    }
  }

  /** Whether a stop asked the running command to end at its next step. */
  static boolean stopRequested() {
    return stopRequested;
  }

  /**
   * As {@link #sayingOnStop}, for a body that must not be cut off mid-step: a stop (Ctrl-C, SIGTERM) first asks it to
   * end at its next step and waits up to {@link #STOP_WAIT_SECONDS} for it, then says {@code onStop}, unless the body
   * ended by itself (returned, or failed with its own error): it then says what it has to say itself, so a command
   * prints its summary inside the body. Training ended
   * while a backward pass ran in native code crashed the process in the engine (SIGSEGV, and an hs_err file in the
   * current folder; QA, one stop in five); a load or a copy ended before it closed its stores left SQLite's
   * write-ahead log beside them.
   */
  static <T> T stoppingBetweenSteps(String threadName, Runnable onStop, java.util.concurrent.Callable<T> body)
      throws Exception {
    java.util.concurrent.CountDownLatch left = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
    return sayingOnStop(threadName, () -> {
      stopRequested = true;
      try {
        left.await(STOP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // a body that ended by itself before it saw the stop has said how it ended (a copy stopped after its last
      // batch said "holds none of it" beside a whole copy; review)
      if (!finished.get()) onStop.run();
    }, () -> {
      try {
        T result = body.call();
        finished.set(true);
        return result;
      } catch (StopRequested stopped) {
        throw stopped;
      } catch (Exception | Error failed) {
        finished.set(true); // its own error is said
        throw failed;
      } finally {
        left.countDown();
      }
    });
  }

  /** Refuses an empty {@code --data}: an unset variable in a script ("--data $DATA"), not a folder of no name. */
  static void requireDataGiven(Path data) {
    if (data.toString().isBlank()) {
      throw new IllegalArgumentException("--data is empty: give the folder of a data set ('attune import' makes one)");
    }
  }

  /**
   * Reads a data set, noting one an export left unfinished: its data is whole once readable, but its event ids and
   * item flags may be missing (which {@code load} needs, and refuses it for; evaluating or training on it is fine).
   */
  static dev.attune.data.Dataset readDataset(Path data, PrintWriter err) throws IOException {
    requireDataGiven(data);
    dev.attune.data.Dataset dataset = dev.attune.data.DatasetIo.read(data);
    if (Files.exists(data.resolve(ExportCommand.UNFINISHED))) {
      err.println("attune: note: " + data + " holds an export that did not finish: its data set is whole, but its"
          + " event ids and item flags may be missing (hidden items are not marked); 'attune export' again for them");
    }
    return dataset;
  }

  /**
   * Removes what an export wrote beside its data set ({@link ExportedEvents#FILE}, {@link ExportCommand.ItemFlags}'
   * files) from {@code out}, whose data set was just replaced: they describe the data set that was there, and one of
   * the same name would take them (a QA run: an import over an export got the export's event ids and hidden items).
   */
  static void removeExportFiles(Path out) throws IOException {
    removeExportFiles(out, false);
  }

  /** As {@link #removeExportFiles(Path)}; {@code keepUnfinishedMark}: for the export that set it. */
  static void removeExportFiles(Path out, boolean keepUnfinishedMark) throws IOException {
    if (!keepUnfinishedMark) Files.deleteIfExists(out.resolve(ExportCommand.UNFINISHED));
    for (String file : List.of(ExportedEvents.FILE, ExportCommand.ItemFlags.FILE, ExportCommand.ItemFlags.EARLIER_FILE)) {
      Files.deleteIfExists(out.resolve(file));
    }
  }

  /** The files a data set and an export of one are made of ({@link DatasetIo}, {@link ExportCommand}'s). */
  static final Set<String> DATA_SET_FILES = Set.of(DatasetIo.MANIFEST, "users.jsonl", "items.jsonl", "events.bin",
      "given-test.bin", ExportedEvents.FILE, ExportCommand.ItemFlags.FILE, ExportCommand.ItemFlags.EARLIER_FILE,
      ExportCommand.UNFINISHED);

  /** The files of a model directory that a command would break by writing over them. */
  static final Set<String> MODEL_FILES = Set.of("model.json", "weights.atw", "items.txt");

  /**
   * Refuses a data set's {@code --out} that holds a model ({@code model.json}, weights, checkpoints), or files but no
   * data set (a home folder, a project's folder): the data set's files would be mixed among them, and a later write,
   * which replaces a data set's files, would not know which were its own. Fine are a data set, which the write
   * replaces, its files left whole or half-written by a run that stopped, hidden files (a desktop's, a version
   * control's) and the command's own input (a file in {@code out}, or {@code out} itself: a raw data set's folder).
   *
   * @param input the file or folder the data set is read from, or null
   * @return whether {@code out} holds a data set now, which the write replaces
   */
  static boolean requireDatasetOut(Path out, Path input) throws IOException {
    if (out.toString().isBlank()) {
      // an unset variable in a script ("--out $OUT"): the current folder would take the data set's files
      throw new IllegalArgumentException("--out is empty: give the folder to write the data set into");
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " is a file; the data set is written into a folder");
    }
    for (String model : List.of("model.json", "weights.atw", "checkpoints")) {
      if (Files.exists(out.resolve(model))) {
        throw new IllegalArgumentException("--out " + out + " holds a model (" + model + "); write the data set into"
            + " another folder");
      }
    }
    boolean replacing = Files.exists(out.resolve(DatasetIo.MANIFEST));
    if (replacing || !Files.isDirectory(out)) return replacing;
    Path outPath = out.toAbsolutePath().normalize();
    Path inputPath = input == null ? null : input.toAbsolutePath().normalize();
    if (outPath.equals(inputPath)) return false;
    try (var entries = Files.list(out)) {
      // the input, or the folder in out that holds it (--input out/raw/u.data)
      var other = entries.filter(p -> inputPath == null || !inputPath.startsWith(p.toAbsolutePath().normalize()))
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".") && !DATA_SET_FILES.contains(n.endsWith(".tmp") ? n.substring(0,
              n.length() - ".tmp".length()) : n)).sorted().findFirst();
      if (other.isPresent()) {
        throw new IllegalArgumentException("--out " + out + " holds other files (such as " + other.get() + ") and no"
            + " data set: write into a new or empty folder, or one holding a data set to replace");
      }
    }
    return false;
  }

  /**
   * Refuses a file to write that is one of a data set's or a model's own files (a QA run's {@code evaluate --json
   * data/ml-100k/dataset.json} broke the data set without a word).
   */
  static void requireNotADataSetsOrModelsFile(Path file, String option) {
    Path real = file.toAbsolutePath().normalize();
    try {
      if (Files.exists(real)) real = real.toRealPath(); // a link to such a file would be written through (a QA run)
    } catch (IOException e) {
      // unreadable: the write that follows says why
    }
    Path folder = real.getParent();
    if (folder == null) return;
    String name = real.getFileName().toString();
    // weights and checkpoints (*.atw), and anything in a model's checkpoint folders, which --resume reads back
    boolean inCheckpoints = folder.getFileName() != null && folder.getFileName().toString().startsWith("checkpoints")
        && folder.getParent() != null && Files.exists(folder.getParent().resolve("model.json"));
    if (name.endsWith(".atw") || inCheckpoints) {
      throw new IllegalArgumentException(option + " " + file + " is a model's weights or checkpoint; name another"
          + " file");
    }
    if (DATA_SET_FILES.contains(name) && Files.exists(folder.resolve(DatasetIo.MANIFEST))) {
      throw new IllegalArgumentException(option + " " + file + " is a file of the data set in " + folder
          + "; name another file");
    }
    if (MODEL_FILES.contains(name) && Files.exists(folder.resolve("model.json"))) {
      throw new IllegalArgumentException(option + " " + file + " is a file of the model in " + folder
          + "; name another file");
    }
  }

  /**
   * What to lower when an array or the heap ran out: the {@code --param} settings the command was given (a QA run's
   * {@code als.factors=100000000} was not among the names a fixed message listed), else the usual size settings.
   */
  static String tooLarge(CommandLine.ParseResult parsed) {
    List<String> given = List.of();
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--param")) given = p.matchedOptionValue("--param", List.of());
    }
    return "the model or the data is too large: lower the size settings you gave (--param "
        + (given.isEmpty() ? "...factors, dim, hidden, maxLength, maxHistory, candidates" : String.join(", --param ",
            given)) + ")";
  }

  /**
   * Fails when the folder {@code option} names cannot be made or written into: tried for real (permissions alone miss
   * a read-only mount or an immutable folder), then undone, so a run that fails later leaves no empty folder behind.
   */
  static void requireWritableFolder(Path dir, String option) {
    Path existing = dir.toAbsolutePath().normalize();
    while (existing != null && !Files.exists(existing)) existing = existing.getParent();
    try {
      Files.createDirectories(dir);
      Files.delete(Files.createTempFile(dir, ".write-check", ".tmp"));
      for (Path p = dir.toAbsolutePath().normalize(); p != null && !p.equals(existing);
          p = p.getParent()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write into " + option + " " + dir + ": " + whyNotCreated(dir, e), e);
    }
  }

  /**
   * Why {@link java.nio.file.Files#createDirectories} (or a first file in the folder) failed on {@code out}, in
   * words: file system exceptions often carry only a path. Names the path that failed when it is a parent of {@code
   * out}.
   */
  static String whyNotCreated(Path out, IOException e) {
    Path existing = out.toAbsolutePath().normalize();
    while (existing != null && !Files.exists(existing)) existing = existing.getParent();
    if (existing != null && Files.isRegularFile(existing)) {
      return existing + " is a file, not a folder"; // afile/sub: the file in the way is what to fix
    }
    if (!(e instanceof java.nio.file.FileSystemException f) || f.getFile() == null) {
      return String.valueOf(e.getMessage());
    }
    Path failed = Path.of(f.getFile());
    String at = failed.equals(out) ? "" : " (at " + failed + ")";
    if (e instanceof java.nio.file.NoSuchFileException) {
      // createDirectories makes missing parents, so a missing entry means its parent refuses new ones (/proc)
      Path parent = failed.toAbsolutePath().getParent();
      return parent != null && Files.isDirectory(parent) ? parent + " does not accept new folders"
          : "no such file or folder" + at;
    }
    if (e instanceof java.nio.file.AccessDeniedException) return "permission denied" + at;
    if (e instanceof java.nio.file.FileAlreadyExistsException && !Files.isDirectory(failed)) {
      return failed + " is a file, not a folder"; // a parent named like a file the user has
    }
    String reason = f.getReason() == null ? "it cannot be made there" : f.getReason();
    return reason.substring(0, 1).toLowerCase(java.util.Locale.ROOT) + reason.substring(1) + at;
  }

  /** {@code n} (grouped by thousands) and the noun, singular for 1: "1 user", "2,000 users". */
  static String count(long n, String noun) {
    return String.format(java.util.Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
  }

  /** A message for the user: file system errors carry only the path in their message, so say what went wrong. */
  static String message(Throwable e) {
    String what = switch (e) {
      case java.nio.file.NoSuchFileException x -> "no such file or folder";
      case java.nio.file.FileAlreadyExistsException x -> "already exists";
      case java.nio.file.NotDirectoryException x -> "not a folder";
      case java.nio.file.DirectoryNotEmptyException x -> "folder not empty";
      case java.nio.file.AccessDeniedException x -> "permission denied";
      default -> null;
    };
    if (what == null) return e.getMessage();
    java.nio.file.FileSystemException f = (java.nio.file.FileSystemException) e;
    return what + ": " + f.getFile() + (f.getReason() == null ? "" : " (" + f.getReason() + ")");
  }
}
