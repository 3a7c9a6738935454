package dev.attune.cli;

import dev.attune.server.ApiKeys;
import dev.attune.store.Store;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code attune keys create|list|revoke}: API keys of a store. The server checks them ({@code Authorization:
 * Bearer <key>}); the store keeps only a hash of each key's secret, so a key is shown once, when created.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = {
        "Manage the API keys of a store.",
        "'keys create --scopes read,write --name app' prints a new key once;"
            + " 'keys list' shows id, scopes, name and whether revoked; 'keys revoke <id>' stops a key.",
        "Scopes: read (recommendations, lookups), write (events, users, items), admin (everything).",
        "The store is --store, else ATTUNE_STORE, else " + ServeCommand.DEFAULT_STORE + "."})
final class KeysCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "Create, list or revoke.")
  String action;

  @Parameters(index = "1", arity = "0..1", description = "The key id, for revoke.")
  String keyId;

  @Option(names = "--store", description = "JDBC URL of the store.")
  String store;

  @Option(names = "--scopes", split = ",", description = "For create: read, write, admin (default read).")
  List<String> scopes = List.of("read");

  @Option(names = "--name", description = "For create: what the key is for.")
  String name = "";

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String url = ServeCommand.storeUrl(store);
    if (!List.of("create", "list", "revoke").contains(action)) {
      throw new IllegalArgumentException("unknown action '" + action + "': create, list or revoke");
    }
    // what does not apply would be ignored without a word
    if (keyId != null && !action.equals("revoke")) {
      throw new IllegalArgumentException("'keys " + action + "' takes no key id (" + keyId + "); 'keys revoke <id>'"
          + " does");
    }
    for (String option : List.of("--scopes", "--name")) {
      if (!action.equals("create") && spec.commandLine().getParseResult().hasMatchedOption(option)) {
        throw new IllegalArgumentException(option + " applies to 'keys create' only");
      }
    }
    if (!action.equals("create")) requireExistingSqliteFile(url);
    Path file = Store.sqliteFile(url).orElse(null);
    boolean newStore = file != null && !Files.isRegularFile(file);
    // as it is: keys are in every schema, and managing them must not upgrade a store an earlier build still serves
    try (Store s = action.equals("create") ? Store.openAsItIsOrNew(url) : Store.openAsItIs(url)) {
      switch (action) {
        case "create" -> {
          // the listing prints names as they are: a line break in one could forge a row (an "admin active" key)
          // so could a right-to-left override or a zero-width character (format characters) make it read otherwise
          if (name.codePoints().anyMatch(dev.attune.events.Ids::breaksALine)) {
            throw new IllegalArgumentException("--name is one line of text, without tabs, control characters or"
                + " invisible format characters (such as right-to-left marks)");
          }
          Set<String> wanted = new LinkedHashSet<>(scopes);
          if (!Store.ApiKey.SCOPES.containsAll(wanted)) {
            throw new IllegalArgumentException("--scopes takes read, write, admin: " + wanted);
          }
          ApiKeys.Created key = ApiKeys.create(wanted, name, System.currentTimeMillis());
          s.saveApiKey(key.stored());
          out.println("key " + key.stored().id() + " (" + String.join(",", wanted) + ") created in "
              + ServeCommand.withoutParameters(url) + "; it is shown only now:");
          out.println(key.token());
          if (newStore) {
            // a key in a store no server reads is refused as unknown: say where it went when that was a new file
            spec.commandLine().getErr().println("attune: note: there was no store at " + file.toAbsolutePath()
                + ", so one was made for the key; a server accepts it only when it serves that store (--store "
                + url + "; the demo's is jdbc:sqlite:attune-demo/attune.db)");
          }
        }
        case "list" -> {
          List<Store.ApiKey> keys = s.apiKeys();
          if (keys.isEmpty()) out.println("no API keys in " + ServeCommand.withoutParameters(url));
          for (Store.ApiKey k : keys) {
            out.printf("%s  %-17s  %-8s  %s%n", k.id(), String.join(",", new java.util.TreeSet<>(k.scopes())),
                k.revoked() ? "revoked" : "active", dev.attune.events.Ids.printable(k.name()));
          }
        }
        case "revoke" -> {
          if (keyId == null) throw new IllegalArgumentException("revoke needs the key id (see 'attune keys list')");
          if (keyId.startsWith(ApiKeys.PREFIX)) {
            // the whole key: its id is the part between the prefix and the secret, as 'keys list' shows it
            throw new IllegalArgumentException("give the key's id, not the key: the 12 characters after '"
                + ApiKeys.PREFIX + "' (" + ApiKeys.PREFIX + "<id>_<secret>), as 'attune keys list' shows them");
          }
          boolean revokedBefore = s.apiKeys().stream().anyMatch(k -> k.id().equals(keyId) && k.revoked());
          if (!s.revokeApiKey(keyId)) throw new IllegalArgumentException("no key " + keyId);
          out.println(revokedBefore ? "key " + keyId + " was revoked already"
              : "key " + keyId + " revoked; servers refuse it within seconds");
        }
        default -> throw new IllegalArgumentException("unknown action '" + action + "': create, list or revoke");
      }
    }
    out.flush();
    return 0;
  }

  /** Listing or revoking reads a store: a mistyped SQLite path must not create an empty one that lists nothing. */
  private static void requireExistingSqliteFile(String url) {
    Path file = dev.attune.store.Store.sqliteFile(url).orElse(null);
    if (file != null && !Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no store at " + file.toAbsolutePath() + " (--store, else ATTUNE_STORE, else "
          + ServeCommand.DEFAULT_STORE + "); 'keys create' or 'serve' makes one");
    }
  }
}
