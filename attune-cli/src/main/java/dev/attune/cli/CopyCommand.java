package dev.attune.cli;

import dev.attune.store.Store;
import dev.attune.store.StoreCopy;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune copy}: a whole store into a new, empty one ({@link StoreCopy}), the way from the embedded SQLite store
 * to PostgreSQL. {@code attune export} and {@code load} move the data a model learns from; this moves the service with
 * it: the API keys its clients hold, the versions its server trained and the one it serves, its experiments. Both
 * stores' serving claims are held throughout, so neither is served, loaded or compacted meanwhile, and a source that
 * kept taking events would not lose those sent after its snapshot.
 */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description = {
        "Copy a whole store into a new, empty one: users, items, events, the model registry, API keys and A/B"
            + " experiments with their exposures.",
        "How an installation moves from the embedded SQLite store to PostgreSQL, or back: unlike 'attune export' and"
            + " 'attune load', it keeps the keys clients hold, the model versions the server trained and the one it"
            + " serves, and the experiments. Run it with the server stopped (both stores are refused while a server,"
            + " a load or a compaction runs on them), or with --snapshot for a backup of a served store. The target"
            + " is created when missing and must hold nothing; the copy is one transaction, so a copy that stops or"
            + " fails leaves the target empty."})
final class CopyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--from",
      description = "JDBC URL of the store to copy (default: ATTUNE_STORE, else " + ServeCommand.DEFAULT_STORE + ").")
  String from;

  @Option(names = "--to", required = true,
      description = "JDBC URL of the new store: a new SQLite file (jdbc:sqlite:<file>), or an empty PostgreSQL"
          + " database or schema (jdbc:postgresql://host:5432/db?currentSchema=attune); created when missing.")
  String to;

  @Option(names = "--snapshot", description = "Copy the store as it is now even while a server runs on it (a"
      + " backup): the copy holds what was committed when it began, and what the server stores after is not in it.")
  boolean snapshot;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String fromUrl = ServeCommand.storeUrl(from);
    Path fromFile = Store.sqliteFile(fromUrl).orElse(null);
    Path toFile = Store.sqliteFile(to).orElse(null); // a mistyped URL is said before anything is opened
    if (fromFile != null && fromFile.toString().isEmpty()) {
      throw new IllegalArgumentException("--from " + fromUrl + " names no file: jdbc:sqlite:<file>");
    }
    if (toFile != null && toFile.toString().isEmpty()) {
      throw new IllegalArgumentException("--to " + to + " names no file: jdbc:sqlite:<file>");
    }
    if (fromFile != null && !Files.isRegularFile(fromFile)) {
      throw new IllegalArgumentException("no store at " + fromFile + " (--from)");
    }
    if (fromFile != null && toFile != null
        && fromFile.toAbsolutePath().normalize().equals(toFile.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("--from and --to name the same store (" + fromFile + ")");
    }
    long start = System.nanoTime();
    // a stop ends the copy at its next batch of rows and rolls it back, and both stores are closed before the process
    // ends: SQLite folds its write-ahead log back as the last connection closes (a stop that ended the process
    // mid-copy left the rolled-back rows' log beside the empty store). The summary is said inside, so that a stop
    // after the commit finds the copy finished and says nothing more
    return AttuneCli.stoppingBetweenSteps("attune-copy-stopped", () -> err.println("attune: the copy stopped before it"
        + " finished; the store at --to holds none of it (the copy is one transaction): run the same command again"),
        () -> say(copy(fromUrl, err), fromUrl, start, out, err));
  }

  /** Prints what a copy wrote, and which model versions have no directory on this machine. */
  private int say(Copied copy, String fromUrl, long start, PrintWriter out, PrintWriter err) {
    Map<String, Long> copied = copy.rows();
    List<Store.ModelVersion> versions = copy.versions();
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(Locale.ROOT, "copied %s into %s in %.1f s: %s%n", ServeCommand.withoutParameters(fromUrl),
        ServeCommand.withoutParameters(to), seconds, StoreCopy.describe(copied));
    List<String> missing = new ArrayList<>();
    List<String> shared = new ArrayList<>();
    for (Store.ModelVersion v : versions) {
      if (!Files.isDirectory(Path.of(v.path()))) missing.add(v.id() + " (" + v.path() + ")");
      else shared.add(v.id());
    }
    if (!shared.isEmpty()) {
      // both registries now name these folders, and each store's server removes versions as its own (operator QA: a
      // DELETE on the copy's server deleted a version the source's still listed)
      err.printf(Locale.ROOT, "attune: note: both stores now list the same model version %s (%s): a version removed"
          + " through either store's server (DELETE, or past --keep-versions) is gone for the other too; serve the new"
          + " store with a --model-root of its own, and remove versions through one server only%n",
          shared.size() == 1 ? "directory" : "directories (" + shared.size() + ")",
          String.join(", ", shared.subList(0, Math.min(3, shared.size()))) + (shared.size() > 3 ? ", ..." : ""));
    }
    if (!missing.isEmpty()) {
      // the registry holds paths, not the models: a server elsewhere needs the folders at the same places
      String which = versions.size() == 1 ? "the one model version has" : missing.size() + " of " + versions.size()
          + " model versions have";
      err.printf(Locale.ROOT, "attune: note: %s no directory here: %s; a server on the new store serves and activates"
          + " only versions whose directories it can read, so copy them to the same paths on the machine that serves"
          + " it%n", which, String.join(", ", missing.subList(0, Math.min(3, missing.size())))
              + (missing.size() > 3 ? " and " + (missing.size() - 3) + " more" : ""));
    }
    return 0;
  }

  /** What a copy wrote: rows per table, and the model versions the new store lists. */
  private record Copied(Map<String, Long> rows, List<Store.ModelVersion> versions) {}

  /** Claims both stores and copies {@code fromUrl} into {@link #to}; a stop ends it at its next batch of rows. */
  private Copied copy(String fromUrl, PrintWriter err) {
    // the source as an earlier build left it: a copy reads it and must not upgrade it
    try (Store source = Store.openAsItIs(fromUrl)) {
      Store.ServingLock sourceClaim = source.tryLockForServing().orElse(null);
      if (sourceClaim == null && !snapshot) {
        throw new IllegalArgumentException(ServeCommand.anotherServerMessage(fromUrl) + "; stop it, copy, then start"
            + " the server on the new store (or, for a backup, copy the store as it is now with --snapshot)"
            + ServeCommand.heldBy(source));
      }
      try (sourceClaim;
          // not migrated before it is claimed: the same store as the source under another URL would be upgraded
          Store claimed = Store.openAsItIsOrNew(to)) {
        Store.ServingLock targetClaim = claimed.tryLockForServing().orElse(null);
        if (targetClaim == null) {
          boolean same = false;
          if (sourceClaim != null) {
            sourceClaim.close(); // the target's claim is free once the source's is let go: they are one store
            same = claimed.tryLockForServing().map(c -> {
              c.close();
              return true;
            }).orElse(false);
          }
          throw new IllegalArgumentException(same
              ? "--from and --to name the same store (" + ServeCommand.withoutParameters(to) + ")"
              : ServeCommand.anotherServerMessage(to) + " (--to)" + ServeCommand.heldBy(claimed));
        }
        try (targetClaim) {
          Map<String, Long> held = StoreCopy.rowCounts(claimed);
          if (held.values().stream().anyMatch(n -> n > 0)) {
            throw new IllegalArgumentException("the store at --to is not empty: it holds " + StoreCopy.describe(held)
                + "; copy into a new store (a new SQLite file, or an empty PostgreSQL database or schema:"
                + " ?currentSchema=<name>), so that nothing is merged or written over");
          }
          try (Store target = Store.open(to); Progress progress = new Progress("copy", quiet, quiet ? null : err)) {
            Map<String, Long> copied;
            try {
              copied = StoreCopy.copy(source, target, progress);
            } catch (dev.attune.store.StoreException e) {
              // a row one database takes and the other refuses, a lost connection, a full disk: said in one line
              throw new IllegalArgumentException("the copy failed, and the store at --to holds none of it: "
                  + String.join("; ", e.getMessage().lines().map(String::strip).toList())
                  + "; run the same command again once that is mended", e);
            }
            try {
              StoreCopy.requireHolds(target, copied);
            } catch (IllegalStateException e) {
              throw new IllegalArgumentException(e.getMessage() + " (such as 'attune keys create', which takes no"
                  + " claim on a store); check it before serving it", e);
            }
            int carried = StoreCopy.carryKeysOver(source, target);
            if (carried > 0) {
              err.println("attune: note: " + carried + (carried == 1 ? " API key was" : " API keys were") + " created or"
                  + " revoked on --from while it was copied: carried over to --to");
              copied = StoreCopy.rowCounts(target); // the summary says what --to holds
            }
            boolean sourceLost = sourceClaim != null && !sourceClaim.held();
            if (sourceLost || !targetClaim.held()) {
              // a PostgreSQL claim ends with its connection (a database restart): a server may have started meanwhile
              err.println("attune: note: the claim on " + (sourceLost ? "--from" : "--to") + " was lost during the"
                  + " copy (a database restart?): check that no server started on it meanwhile");
            }
            if (sourceClaim == null) {
              err.println("attune: note: --from is being served: the copy holds the store as it was when the copy"
                  + " began; what the server stored since is not in it");
            }
            return new Copied(copied, target.modelVersions());
          }
        }
      }
    }
  }
}
