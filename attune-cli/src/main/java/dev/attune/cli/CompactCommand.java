package dev.attune.cli;

import dev.attune.store.Store;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune compact}: rewrites a store's files so that deleted users leave nothing behind in them ({@link
 * Store#compact}). A deletion through the API removes the rows, and SQLite overwrites them where they lay, but a
 * b-tree page can still hold an older copy of a row from before the page was reorganised; only rewriting the file
 * removes those. Takes the store's serving claim, so it is refused while a server runs on the store.
 */
@Command(
    name = "compact",
    mixinStandardHelpOptions = true,
    description = {
        "Rewrite a store's files so that no trace of deleted users is left in them (SQLite VACUUM, PostgreSQL"
            + " VACUUM FULL).",
        "Run it after deletions that must leave nothing on disk, with the server stopped (it is refused while one"
            + " runs on the store); it takes about as long as copying the store. The store is --store, else"
            + " ATTUNE_STORE, else " + ServeCommand.DEFAULT_STORE + "."})
final class CompactCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--store",
      description = "JDBC URL of the store (default: ATTUNE_STORE, else " + ServeCommand.DEFAULT_STORE + ").")
  String store;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String url = ServeCommand.storeUrl(store);
    Path file = ServeCommand.existingSqliteFile(url);
    long before = file == null ? -1 : Files.size(file);
    long start = System.nanoTime();
    // claimed before the store is migrated (openExisting does), as load and serve are
    Store.ServingLock claim = ServeCommand.claimBeforeMigrating(url, true, ServeCommand.anotherServerMessage(url)
        + "; stop it, compact, then start it again");
    try (claim; Store s = Store.openExisting(url)) {
      try {
        s.compact();
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException(e.getMessage(), e); // the role the store was opened as: one line, exit 2
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (file != null) {
      out.printf(Locale.ROOT, "compacted %s in %.1f s: %,d bytes before, %,d after%n", file, seconds, before,
          Files.size(file));
    } else {
      out.printf(Locale.ROOT, "compacted %s in %.1f s%n", ServeCommand.withoutParameters(url), seconds);
    }
    return 0;
  }
}
