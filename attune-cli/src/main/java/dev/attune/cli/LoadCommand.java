package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.DatasetIo;
import dev.attune.events.Item;
import dev.attune.events.User;
import dev.attune.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune load}: a data set directory into a store, so that {@code attune serve} serves a model trained on it
 * over its users, items and events. Event {@code r} of data set {@code name} gets the id {@code name:r} (an export's
 * events the ids they had in its store), so loading the same data set again stores nothing twice; user ids are
 * pseudonymised as the server does when {@code ATTUNE_USER_ID_KEY} is set. The server keeps the catalogue and the
 * counters in memory, so the load takes the store's serving claim: it is refused while a server runs on the store.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
        "Load a data set's users, items and events into a store, for 'attune serve'.",
        "Loading again stores no event twice (event r of data set n has the id n:r; an export's events keep their"
            + " ids). The store is --store, else"
            + " ATTUNE_STORE, else " + ServeCommand.DEFAULT_STORE + "; it is created when missing, and refused while a"
            + " server runs on it. The data set's given test part, if any, is not loaded."})
final class LoadCommand implements Callable<Integer> {
  /** Rows per store call: the store's own batches are 1,000 rows (SQLite) and 10,000 (PostgreSQL arrays). */
  private static final int BATCH = 10_000;

  @Spec CommandSpec spec;

  @Option(names = "--data", required = true,
      description = "Data set directory (from 'attune import', 'attune generate' or 'attune export').")
  Path data;

  @Option(names = "--store",
      description = "JDBC URL of the store (default: ATTUNE_STORE, else " + ServeCommand.DEFAULT_STORE + ").")
  String store;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
  boolean quiet;

  @Option(names = "--merge", description = "Load even when the store holds items of another catalogue under the same"
      + " ids (another data set whose ids collide with this one's): their users and items then become one.")
  boolean merge;

  @Option(names = "--reload", description = "Load an export into a store that holds most of its events already (the"
      + " store it came from, or one it was loaded into): no event is stored twice, but its users and items are written"
      + " over the store's, so users deleted since come back and edits made since are undone (a restore).")
  boolean reload;

  @Option(names = "--allow-same-events", description = "Load even when the store holds this data set's events under"
      + " other ids: other data whose events repeat those (plays imported without times), not this store's own"
      + " events.")
  boolean allowSameEvents;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String url = ServeCommand.storeUrl(store);
    Store.sqliteFile(url); // a mistyped URL is said before the data set is read
    AttuneCli.requireDataGiven(data);
    if (java.nio.file.Files.exists(data.resolve(ExportCommand.UNFINISHED))) {
      // its event ids and item flags are missing or half written: loaded, its events would take new ids
      throw new IllegalArgumentException(data + " holds an export that did not finish (stopped or failed while it"
          + " wrote; " + ExportCommand.UNFINISHED + " marks it): run 'attune export' again");
    }
    String refusal = ServeCommand.anotherServerMessage(url) + "; stop it, load, then start it again";
    // said before the data set is read (2.65 s on a CLI QA run's set), as the load's own claim would say after it
    if (Store.claimedElsewhere(url)) {
      throw new IllegalArgumentException(refusal + Store.servingClaimHolderOf(url)
          .map(h -> " (the claim is held by " + h + ")").orElse(""));
    }
    Dataset dataset = DatasetIo.read(data);
    requireIdsTheApiTakes(data, dataset);
    // an export's events keep their ids and contexts in the store they are loaded into
    ExportedEvents exported = ExportedEvents.read(data, dataset.name(), dataset.events().size());
    // read before anything is written: a damaged file must not stop a load half done
    ExportCommand.ItemFlags flags = ExportCommand.ItemFlags.read(data, dataset.name());
    // files another data set's export left (a copy, a crash) are not this one's: said, not applied silently
    if (exported == null && java.nio.file.Files.exists(data.resolve(ExportedEvents.FILE))) {
      err.println("attune: note: " + data.resolve(ExportedEvents.FILE) + " is another data set's (not "
          + dataset.name() + " of " + dataset.events().size() + " events): its event ids and contexts are not used");
    }
    if (flags == null && (java.nio.file.Files.exists(data.resolve(ExportCommand.ItemFlags.FILE))
        || java.nio.file.Files.exists(data.resolve(ExportCommand.ItemFlags.EARLIER_FILE)))) {
      err.println("attune: note: the item flags in " + data + " are another data set's (not " + dataset.name()
          + "): its hidden and deleted items are not applied");
    }
    // not with --quiet: a refusal that follows is then its one line
    if (!quiet) err.println("read " + dataset + (exported == null ? "" : ", with its events' ids and contexts"));
    // as the server stores them: with ATTUNE_USER_ID_KEY set, pseudonyms, never the plain ids
    // the same key rules as the server's: a store loaded under a key it refuses could not be served
    dev.attune.server.UserIds.requireUsableKey("ATTUNE_USER_ID_KEY", System.getenv("ATTUNE_USER_ID_KEY"));
    dev.attune.server.UserIds userIds = new dev.attune.server.UserIds(System.getenv("ATTUNE_USER_ID_KEY"));
    long start = System.nanoTime();
    // a running server would keep serving its own view of the catalogue and the counters, without these; claimed
    // before the store is migrated, which would lock an earlier build's running server out of a restart
    Store.ServingLock claim = ServeCommand.claimBeforeMigrating(url, false, refusal);
    // a stop ends the load at its next batch, and the store is closed before the process ends: SQLite folds its
    // write-ahead log back as the last connection closes (a stop that ended the process mid-load left it, ~100 MB).
    // The summary is said inside, so that a stop after the last batch finds the load finished and says nothing more
    return AttuneCli.stoppingBetweenSteps("attune-load-stopped", () -> err.println("attune: the load"
        + " stopped before it finished; what it stored is kept: run the same command again to store the rest"
        + (exported == null ? "" : " (if past half of this export was stored, the store refuses it as loaded before:"
            + " add --reload; until it finishes, the items the export holds hidden or deleted are shown)")), () -> {
              try (claim; Store s = Store.open(url); Progress progress = new Progress("load", quiet, err)) {
                requireTheStoresUserIdConvention(s, dataset, userIds);
                boolean loadedBefore = requireSameDataIfLoadedBefore(s, dataset, exported, userIds);
                if (exported != null && !reload) requireExportNotHeldAlready(s, dataset, exported);
                if (!allowSameEvents) requireEventsNotHeldUnderOtherIds(s, dataset, exported, userIds);
                // a data set whose events the store holds (a reload, a restore) is that catalogue, edited since or not
                if (!merge && !loadedBefore) requireSameCatalogue(s, dataset);
                String sharedUsers = sharedUsersNote(s, dataset, userIds);
                if (sharedUsers != null) err.println(sharedUsers);
                // each batch is committed whole, so what was stored stays and a second run stores the rest
                boolean hadUsers = !s.stats().userIds("", 1).isEmpty();
                Loaded stored = load(s, dataset, exported, userIds, progress);
                // the key the load stored its users under is the store's from now on (see recordTheStoresKeyAfterLoad)
                userIds.recordTheStoresKeyAfterLoad(s, hadUsers, onlyPseudonyms(dataset));
                recordRepeatScenes(s, dataset);
                ExportCommand.ItemFlags applied = flags == null
                    ? new ExportCommand.ItemFlags(dataset.name(), List.of(), List.of()) : applyItemFlags(s, flags);
                // a restore puts back the export's catalogue as it was: an item hidden since is shown again, when the
                // export says which were hidden then (without its item flags, nothing is shown)
                int unhidden = reload && exported != null && flags != null ? unhideShownThen(s, dataset, flags) : 0;
                say(out, dataset, url, stored, applied, unhidden, start);
                return 0;
              }
            });
  }

  /** The store setting that lists the scenes whose data sets allow repeats (a JSON array of names). */
  static final String REPEAT_SCENES = "repeatScenes";

  /**
   * Adds the data set's repeat scenes to those the store records: an export writes them back (shop QA: exported, a
   * shop's scene of consumables bought again and again lost them, and leave-one-out held out each user's last new
   * item instead of their last purchase).
   */
  static void recordRepeatScenes(Store s, Dataset dataset) {
    java.util.TreeSet<String> scenes = new java.util.TreeSet<>(repeatScenes(s));
    if (!scenes.addAll(dataset.repeatScenes())) return;
    try {
      s.putSetting(REPEAT_SCENES, JSON.writeValueAsString(scenes));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e); // a list of strings always writes
    }
  }

  /** The repeat scenes the store records; none for a store no load of this build recorded them in. */
  static List<String> repeatScenes(Store s) {
    String text = s.setting(REPEAT_SCENES).orElse(null);
    if (text == null) return List.of();
    try {
      return List.of(JSON.readValue(text, String[].class));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("the store's " + REPEAT_SCENES + " setting is not a JSON list of names: " + text,
          e);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * Prints what a load stored; throws when some events were not loaded for their ids being taken (the rest is
   * loaded, and a script must not take the load for whole).
   */
  private static void say(PrintWriter out, Dataset dataset, String url, Loaded loaded, ExportCommand.ItemFlags applied,
      int unhidden, long start) {
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(Locale.ROOT, "loaded %s into %s: %s, %s%s, %s stored (%,d already there) in"
        + " %.1f s%n", dataset.name(), ServeCommand.withoutParameters(url), AttuneCli.count(dataset.numUsers(), "user"),
        AttuneCli.count(dataset.numItems(), "item"), describe(applied) + (unhidden > 0 ? String.format(Locale.ROOT, " (%,d hidden since shown again)", unhidden)
            : ""), AttuneCli.count(loaded.inserted(), "event"), dataset.events().size() - loaded.inserted() - loaded.conflicts(),
        seconds);
    if (loaded.conflicts() > 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s%,d events were not loaded: the store holds"
          + " other events under their ids (such as '%s'; %,d of the first %,d found there already), which its clients"
          + " gave them; load the data set into another store", loaded.compared() == MAX_COMPARED ? "at least " : "",
          loaded.conflicts(), loaded.example(), loaded.conflicts(), loaded.compared()));
    }
  }

  /**
   * The id event {@code row} is stored under: the one it had in the store an export was made of, else {@code
   * <name>:<row>}.
   */
  static String eventId(Dataset dataset, ExportedEvents exported, int row) {
    return exported != null ? exported.id(row) : dataset.name() + ":" + row;
  }

  /**
   * Refuses, before anything is written, a data set whose event ids ({@link #eventId}) the store already holds
   * for other events: another data set of the same name was loaded before (or an export of another store whose
   * clients gave the same ids), and every event of this one would be taken for a duplicate and left out (a load of a
   * second generated set stored 0 of its 52,750 events). A few rows spread over the data set are compared.
   *
   * @return whether the store holds this data set's events already (it was loaded before: a reload)
   */
  static boolean requireSameDataIfLoadedBefore(Store store, Dataset dataset, ExportedEvents exported,
      dev.attune.server.UserIds userIds) {
    int n = dataset.events().size();
    boolean held = false;
    for (int k = 0; k < Math.min(n, 16); k++) {
      int row = (int) ((long) k * (n - 1) / Math.max(1, Math.min(n, 16) - 1));
      String id = eventId(dataset, exported, row);
      var stored = store.event(id);
      if (stored.isEmpty()) continue;
      held = true;
      dev.attune.events.Event e = dataset.event(dataset.events(), row);
      if (!sameEvent(stored.get().event(), new dev.attune.events.Event(storedUserId(userIds, e.userId()), e.itemId(),
          e.type(), e.value(), e.timestamp(), e.scene()))) {
        if (exported != null) {
          throw new IllegalArgumentException("the store already holds other events under this export's event ids"
              + " (its event '" + id + "' differs from this one's), and they would be taken for its duplicates: the"
              + " export comes from another store whose events were named alike; load it into another store"
              + " (--store)");
        }
        // event ids are the data set's name and the event's place in it: the same data imported again in another
        // order (a MovieLens set by a build from 2026-12-06 on) is refused alike, which a QA upgrade found puzzling
        throw new IllegalArgumentException("the store already holds another data set named '" + dataset.name()
            + "' (its event " + id + " differs from this one's: another data set, or the same imported again with its"
            + " events in another order, as MovieLens imports since 2026-12-06 are), and this data set's events"
            + " under the same ids would be taken for its duplicates; give this one another name ('attune import --name',"
            + " 'attune generate --name')"
            + " or load it into another store (--store)");
      }
    }
    return held;
  }

  /**
   * Refuses, before anything is written, an export most of whose events the store holds already under their own ids:
   * it was exported from this store or loaded into it before. No event would be stored twice, but its users and items
   * would be written over the store's: users deleted since would come back with their events (an erasure undone), and
   * edits made since would be lost. Up to 16 rows spread over it are looked for; refused when at least half are there.
   * {@code --reload} loads it anyway (a restore).
   */
  static void requireExportNotHeldAlready(Store store, Dataset dataset, ExportedEvents exported) {
    int n = dataset.events().size();
    int sampled = Math.min(n, 16);
    int held = 0;
    for (int k = 0; k < sampled; k++) {
      int row = (int) ((long) k * (n - 1) / Math.max(1, sampled - 1));
      if (store.event(exported.id(row)).isPresent()) held++;
    }
    if (sampled > 0 && 2 * held >= sampled) {
      throw new IllegalArgumentException("the store holds this export's events already under their ids (" + held + " of "
          + sampled + " looked for): it was exported from this store or loaded into it before; loading it again"
          + " would store no event but write its users and items over the store's, bringing back users deleted since"
          + " and undoing edits made since; pass --reload to do so (a restore, or to finish a load of it that was"
          + " interrupted), or load it into another store");
    }
  }

  /**
   * Refuses, before anything is written, a data set whose events the store holds already under other ids: a data set
   * loaded before under another name, or an export of this store ({@code attune export}) without its events' ids. Each
   * of its events would be stored a second time. Up to 16 rows spread over the data set are looked for (same user,
   * item, type and time): rows with a time when it has some, for another week of plays imported without times (0)
   * repeats the first week's content and is not the same data; else its rows without one (then that week is refused
   * too, and {@code --allow-same-events} loads it). Rows stored under this data set's own ids ({@link #eventId}: an
   * export's are those of its store) are a load repeated, which stores nothing twice, and are not counted. Refused when
   * at least half of the rows looked for are found.
   */
  static void requireEventsNotHeldUnderOtherIds(Store store, Dataset dataset, ExportedEvents exported,
      dev.attune.server.UserIds userIds) {
    dev.attune.data.EventLog log = dataset.events();
    int[] timed = new int[log.size()];
    int n = 0;
    for (int row = 0; row < log.size(); row++) if (log.time(row) != 0) timed[n++] = row;
    if (n == 0) { // no time anywhere (Last.fm, Douban): only the content can tell
      for (int row = 0; row < log.size(); row++) timed[n++] = row;
    }
    int sampled = Math.min(n, 16);
    int looked = 0;
    int found = 0;
    for (int k = 0; k < sampled; k++) {
      int row = timed[(int) ((long) k * (n - 1) / Math.max(1, sampled - 1))];
      String ownId = eventId(dataset, exported, row);
      if (store.event(ownId).isPresent()) continue;
      looked++;
      dev.attune.events.Event e = dataset.event(log, row);
      dev.attune.events.Event stored = new dev.attune.events.Event(storedUserId(userIds, e.userId()), e.itemId(),
          e.type(), e.value(), e.timestamp(), e.scene());
      if (store.holdsEventLike(stored, ownId)) found++;
    }
    if (looked > 0 && 2 * found >= looked) {
      throw new IllegalArgumentException("the store already holds this data set's events under other ids (" + found
          + " of " + looked + " events looked for): it was loaded before under another name (or is an export of"
          + " this store without its " + ExportedEvents.FILE + "), and loading it would store every event twice;"
          + " load it into another store"
          + " (--store), or pass --allow-same-events if it is other data whose events repeat these");
    }
  }

  /**
   * The id a data set's user is stored under: pseudonymised as the server does with {@code ATTUNE_USER_ID_KEY} set,
   * unless it is one already (an export of a store kept with the key).
   */
  static String storedUserId(dev.attune.server.UserIds userIds, String id) {
    return userIds.isPseudonym(id) ? id : userIds.stored(id);
  }

  /**
   * Refuses, before anything is written, a data set whose item ids the store holds for items of another catalogue:
   * two data sets with numeric ids (MovieLens and Beauty) would otherwise become one, each user's history a mix of
   * both, and the served model would recommend the other's items. Up to 256 items spread over the data set are
   * compared with the store's, on what both say of them (a catalogue of ids alone cannot be told apart). Another
   * scene, title, tags or categories refuses at one item: a catalogue's own names. Another creator, album, duration or
   * release time refuses only at most of the items the store holds: such metadata is edited (a duration corrected, an
   * album renamed), while two generated platforms, which share ids and album-numbered titles, differ in every track's
   * length and date. Not called for a data set whose events the store holds already (a reload, a restore).
   * {@code --merge} loads anyway (also the way to load a catalogue over the stand-ins that events sent before it made,
   * in the default scene).
   */
  static void requireSameCatalogue(Store store, Dataset dataset) {
    List<Item> items = dataset.items();
    int sampled = Math.min(items.size(), 256);
    int held = 0;
    int namesDiffer = 0;
    int detailsDiffer = 0;
    String namesExample = null;
    String detailsExample = null;
    for (int k = 0; k < sampled; k++) {
      Item item = items.get((int) ((long) k * items.size() / sampled));
      var stored = store.item(item.id());
      if (stored.isEmpty()) continue;
      held++;
      Item other = stored.get().item();
      List<String> names = new ArrayList<>();
      if (!other.scene().equals(item.scene())) names.add("scene '" + other.scene() + "' / '" + item.scene() + "'");
      if (differs(item.title(), other.title())) names.add("title '" + other.title() + "' / '" + item.title() + "'");
      // s3rec and sasrec imports share the default scene and have no titles: their tags and categories differ
      if (!item.tags().isEmpty() && !other.tags().isEmpty() && !item.tags().equals(other.tags())) {
        names.add("tags " + shortList(other.tags()) + " / " + shortList(item.tags()));
      }
      if (!item.categories().isEmpty() && !other.categories().isEmpty()
          && !item.categories().equals(other.categories())) {
        names.add("categories " + shortList(other.categories()) + " / " + shortList(item.categories()));
      }
      List<String> details = new ArrayList<>();
      if (differs(item.creator(), other.creator())) {
        details.add("creator '" + other.creator() + "' / '" + item.creator() + "'");
      }
      if (differs(item.album(), other.album())) details.add("album '" + other.album() + "' / '" + item.album() + "'");
      if (!Float.isNaN(item.durationSeconds()) && !Float.isNaN(other.durationSeconds())
          && Math.abs(item.durationSeconds() - other.durationSeconds()) >= 1f) {
        details.add(String.format(Locale.ROOT, "duration %.0f s / %.0f s", other.durationSeconds(),
            item.durationSeconds()));
      }
      if (item.releaseTime() != Item.UNKNOWN_TIME && other.releaseTime() != Item.UNKNOWN_TIME
          && item.releaseTime() != other.releaseTime()) {
        details.add("release " + java.time.Instant.ofEpochMilli(other.releaseTime()) + " / "
            + java.time.Instant.ofEpochMilli(item.releaseTime()));
      }
      if (!names.isEmpty()) {
        namesDiffer++;
        if (namesExample == null) namesExample = "item '" + item.id() + "': " + String.join(", ", names);
      } else if (!details.isEmpty()) {
        detailsDiffer++;
        if (detailsExample == null) detailsExample = "item '" + item.id() + "': " + String.join(", ", details);
      }
    }
    boolean otherDetails = 2 * detailsDiffer > held;
    if (namesDiffer > 0 || otherDetails) {
      int differ = namesDiffer > 0 ? namesDiffer : detailsDiffer;
      throw new IllegalArgumentException("the store holds another catalogue under the same item ids (" + differ
          + " of the " + held + " items compared that it holds differ, in the store / here: "
          + (namesDiffer > 0 ? namesExample : detailsExample) + "): loaded beside it, " + dataset.name() + "'s users"
          + " and items would merge with the other data set's; load it into another store (--store), or pass --merge"
          + " if they are one platform (its metadata then replaces the store's)");
    }
  }

  private static String shortList(List<String> values) {
    return String.join(", ", values.subList(0, Math.min(4, values.size()))) + (values.size() > 4 ? ", ..." : "");
  }

  /** Whether two values both given differ. */
  private static boolean differs(String a, String b) {
    return a != null && b != null && !a.equals(b);
  }


  /**
   * The note for a data set whose users the store holds while none of its items are there: loaded as the same
   * people in another catalogue, as one platform's scenes are (music, then podcasts), which the store cannot tell from
   * two unrelated data sets that number their users alike (u0, u1, ...). Null when the users are new or items are
   * shared. Up to 256 users and items spread over the data set are looked up.
   */
  static String sharedUsersNote(Store store, Dataset dataset, dev.attune.server.UserIds userIds) {
    List<Item> items = dataset.items();
    int sampledItems = Math.min(items.size(), 256);
    for (int k = 0; k < sampledItems; k++) {
      if (store.item(items.get((int) ((long) k * items.size() / sampledItems)).id()).isPresent()) return null;
    }
    List<User> users = dataset.users();
    int sampled = Math.min(users.size(), 256);
    int held = 0;
    String example = null;
    for (int k = 0; k < sampled; k++) {
      String id = users.get((int) ((long) k * users.size() / sampled)).id();
      if (store.user(storedUserId(userIds, id)).isPresent()) {
        held++;
        if (example == null) example = id;
      }
    }
    if (held == 0) return null;
    return String.format(Locale.ROOT, "note: %d of %d users compared (such as '%s') are in the store already, and none"
        + " of this data set's items: they are loaded as the same people in another catalogue, as one platform's"
        + " scenes are; if they are other people whose ids look alike, load this data set into another store (--store)",
        held, sampled, example);
  }

  /**
   * Hides and deletes the items an export says its store hid or deleted ({@link ExportCommand.ItemFlags}), once their
   * events are loaded (an event naming a deleted item made it an item again): an item taken down stays down where the
   * export is loaded. Returns what was applied.
   */
  static ExportCommand.ItemFlags applyItemFlags(Store store, ExportCommand.ItemFlags flags) {
    List<String> hidden = flags.hidden().stream().filter(id -> store.setHidden(id, true)).toList();
    List<String> deleted = flags.deleted().stream().filter(store::deleteItem).toList();
    return new ExportCommand.ItemFlags(flags.dataset(), hidden, deleted);
  }

  /**
   * Shows again the items the store hides that the export showed (hidden since it was made), for a restore; returns
   * how many. Only the store's hidden items are read.
   */
  static int unhideShownThen(Store store, Dataset dataset, ExportCommand.ItemFlags flags) {
    java.util.Set<String> hiddenThen = new java.util.HashSet<>(flags.hidden());
    List<String> shownThen = new ArrayList<>();
    store.forEachItem(item -> {
      String id = item.item().id();
      if (item.hidden() && !hiddenThen.contains(id) && dataset.itemIds().indexOf(id) >= 0) shownThen.add(id);
    });
    int shown = 0;
    for (String id : shownThen) if (store.setHidden(id, false)) shown++;
    return shown;
  }

  private static String describe(ExportCommand.ItemFlags applied) {
    List<String> parts = new ArrayList<>();
    if (!applied.hidden().isEmpty()) parts.add(String.format(Locale.ROOT, "%,d hidden", applied.hidden().size()));
    if (!applied.deleted().isEmpty()) {
      parts.add(String.format(Locale.ROOT, "%,d deleted with their events kept", applied.deleted().size()));
    }
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  /**
   * Writes {@code dataset}'s users, items and events into {@code store}, {@value #BATCH} rows per call, reporting
   * progress; event {@code r} gets its id by {@link #eventId} (and an export's context) and user ids go through
   * {@code userIds}. Returns how many events were stored (the rest were there already).
   */
  static Loaded load(Store store, Dataset dataset, ExportedEvents exported, dev.attune.server.UserIds userIds,
      dev.attune.model.FitListener progress) {
    // users with a profile only: one without is created by its events, and written here its empty profile replaced
    // the one the store held (a review: a second catalogue of the same people emptied their profiles)
    List<User> users = dataset.users().stream().filter(u -> !u.attributes().isEmpty())
        .map(u -> new User(storedUserId(userIds, u.id()), u.attributes())).toList();
    for (int from = 0; from < users.size(); from += BATCH) {
      store.upsertUsers(users.subList(from, Math.min(users.size(), from + BATCH)));
      progress.progress("users", Math.min(users.size(), from + BATCH), users.size());
    }
    List<Item> items = dataset.items();
    for (int from = 0; from < items.size(); from += BATCH) {
      store.upsertItems(items.subList(from, Math.min(items.size(), from + BATCH)));
      progress.progress("items", Math.min(items.size(), from + BATCH), items.size());
    }
    int events = dataset.events().size();
    int inserted = 0;
    int compared = 0;
    int conflicts = 0;
    String example = null;
    List<Store.NewEvent> batch = new ArrayList<>(BATCH);
    for (int row = 0; row < events; row++) {
      dev.attune.events.Event e = dataset.event(dataset.events(), row);
      // an id per row (not the content's): repeated rows are repeated events (every rating at time 0 when the
      // source has no times), and loading again finds the same ids
      batch.add(new Store.NewEvent(eventId(dataset, exported, row), new dev.attune.events.Event(storedUserId(userIds,
          e.userId()), e.itemId(), e.type(), e.value(), e.timestamp(), e.scene(),
          exported != null ? exported.context(row) : e.context())));
      if (batch.size() == BATCH || row == events - 1) {
        Store.AppendResult appended = store.appendEvents(batch);
        inserted += appended.inserted();
        // a duplicate is the same event loaded before, or another event the store holds under its id (a client's
        // "1", "2"...): the second is not loaded, and must be said; the first MAX_COMPARED are looked at
        java.util.BitSet duplicates = appended.duplicateAt();
        for (int at = duplicates.nextSetBit(0); at >= 0 && compared < MAX_COMPARED; at = duplicates.nextSetBit(at + 1)) {
          compared++;
          Store.NewEvent sent = batch.get(at);
          var held = store.event(sent.eventId());
          if (held.isPresent() && !sameEvent(held.get().event(), sent.event())) {
            conflicts++;
            if (example == null) example = sent.eventId();
          }
        }
        batch.clear();
        progress.progress("events", row + 1, events);
      }
    }
    return new Loaded(inserted, compared, conflicts, example);
  }

  /** Duplicates a load compares with what the store holds under their ids (one indexed read each). */
  static final int MAX_COMPARED = 10_000;

  /**
   * What {@link #load} did: {@code inserted} events stored; of the first {@code compared} found in the store already,
   * {@code conflicts} were other events held under their ids (not loaded; {@code example} is the first one's id).
   */
  record Loaded(int inserted, int compared, int conflicts, String example) {}

  /** Whether two events are one (user, item, type in any case, time), as a retry of it would be. */
  private static boolean sameEvent(dev.attune.events.Event a, dev.attune.events.Event b) {
    return a.userId().equals(b.userId()) && a.itemId().equals(b.itemId()) && a.type().equalsIgnoreCase(b.type())
        && a.timestamp() == b.timestamp();
  }

  /**
   * Refuses, before anything is written, a data set holding an id the API could never name ({@link
   * dev.attune.events.Ids}: a control character, over 256 characters), as an earlier build's import wrote them: its
   * user could not be asked for nor deleted, and PostgreSQL refused a NUL part-way through the load (QA).
   */
  static void requireIdsTheApiTakes(java.nio.file.Path data, Dataset dataset) {
    String[] kinds = {"user", "item", "event type", "scene"};
    dev.attune.data.IdIndex[] indices = {dataset.userIds(), dataset.itemIds(), dataset.typeNames(),
        dataset.sceneNames()};
    for (int k = 0; k < kinds.length; k++) {
      for (int i = 0; i < indices[k].size(); i++) refuseUnnameable(data, kinds[k] + " id", indices[k].id(i));
    }
    // what onboarding and recommendation requests choose by, checked as the API checks an item's (QA: a 300-character
    // creator loaded, and then no choice could name it and no client could write its item back)
    for (dev.attune.events.Item item : dataset.items()) {
      String fix = "write the item with another in the data set's items.jsonl";
      if (item.creator() != null && !item.creator().isBlank()) {
        refuseUnnameable(data, "creator of item " + item.id() + ",", item.creator(), fix);
      }
      for (String category : item.categories()) {
        refuseUnnameable(data, "category of item " + item.id() + ",", category, fix);
      }
    }
  }

  /** Whether every user id of {@code dataset} has the form of a pseudonym (an export of a pseudonymised store). */
  private static boolean onlyPseudonyms(Dataset dataset) {
    for (int u = 0; u < dataset.numUsers(); u++) {
      if (!dev.attune.server.UserIds.hasPseudonymForm(dataset.userIds().id(u))) return false;
    }
    return dataset.numUsers() > 0;
  }

  /**
   * Refuses a load that would store its users under the other convention than the store's (a review): with
   * ATTUNE_USER_ID_KEY, into a store of plain ids or one kept under another key; without it, plain ids into a store
   * of pseudonyms, or into a store that records a key ({@link dev.attune.server.UserIds#requireTheStoresKey}). Each
   * user would become two, and the API's deletion would reach only one of them. Reads only: a load that finished
   * records its key ({@link dev.attune.server.UserIds#recordTheStoresKey}). The key the server reads from its --config
   * file (userIdKey) is not read here: the load is refused, and says to set ATTUNE_USER_ID_KEY.
   */
  static void requireTheStoresUserIdConvention(Store s, Dataset dataset, dev.attune.server.UserIds userIds) {
    String prefix = dev.attune.server.UserIds.PSEUDONYM_PREFIX;
    if (userIds.pseudonymised()) {
      // under another key than the store's, each user would become another (without one, an export's pseudonyms load
      // as they are, and plain ids are refused below)
      userIds.requireTheStoresKey(s, "ATTUNE_USER_ID_KEY");
      List<String> plain = s.stats().userIdsWithoutPrefix(prefix, 1);
      if (!plain.isEmpty()) {
        throw new IllegalArgumentException("the store holds users under plain ids (such as '"
            + dev.attune.events.Ids.printable(plain.get(0), 60) + "'), stored without ATTUNE_USER_ID_KEY, and with"
            + " the key set this load would store its users under pseudonyms, another user each: load without the"
            + " key, or into another store");
      }
      return;
    }
    boolean plainInData = false;
    for (int u = 0; u < dataset.numUsers() && !plainInData; u++) {
      plainInData = !dev.attune.server.UserIds.hasPseudonymForm(dataset.userIds().id(u));
    }
    // of the form, not the prefix alone: a plain id may begin with "p:" too
    // or a store that records a key and holds users (a store served with a key that no user has reached yet)
    if (plainInData && (s.stats().userIds(prefix, 100).stream().anyMatch(dev.attune.server.UserIds::hasPseudonymForm)
        || dev.attune.server.UserIds.recordsAKey(s) && !s.stats().userIds("", 1).isEmpty())) {
      throw new IllegalArgumentException("the store holds pseudonymised users (kept with a user-id key), and"
          + " ATTUNE_USER_ID_KEY is not set for this load: its users would be stored under their plain ids, another"
          + " user each, out of reach of the API's deletion; set ATTUNE_USER_ID_KEY to the key the server uses"
          + " (its userIdKey, if it reads it from serve's --config)");
    }
  }

  private static void refuseUnnameable(java.nio.file.Path data, String what, String id) {
    refuseUnnameable(data, what, id, java.nio.file.Files.exists(data.resolve(ExportedEvents.FILE))
        ? "this export is of a store an earlier build loaded it into: 'attune copy' moves that store whole"
        : "import the source again (this build's import refuses such rows, --lenient counts them) and load that");
  }

  private static void refuseUnnameable(java.nio.file.Path data, String what, String id, String fix) {
    String problem = dev.attune.events.Ids.problem(id);
    if (problem == null) return;
    String shown = dev.attune.events.Ids.printable(id, 60);
    throw new IllegalArgumentException(data + " holds the " + what + " \"" + shown + "\", which " + problem
        + ": the API could never name it; " + fix);
  }

}
