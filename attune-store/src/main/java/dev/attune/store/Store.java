package dev.attune.store;

import dev.attune.data.Dataset;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the service keeps on disk: users, items (with a hidden flag), the event log and the model registry's
 * metadata. One implementation runs on SQLite (the embedded default) and PostgreSQL, chosen by JDBC URL
 * ({@link #open}); the schema is migrated by Flyway when the store opens.
 *
 * <p>Durability: a method that returns normally has committed its write; an acknowledged event survives a
 * crash of the process. Idempotence: events carry an id ({@link NewEvent#eventId}), and appending an id the
 * store already holds changes nothing, so a client may retry a batch whose answer it never saw.
 *
 * <p>Thread-safe: calls may come from many request threads at once (a connection pool underneath).
 */
public interface Store extends AutoCloseable {

  /**
   * A JDBC URL fit for messages and logs: its {@code password} and {@code sslpassword} parameters masked, and a
   * password written before the host ({@code user:secret@host}, which the PostgreSQL driver does not read, but people
   * write), the rest (host, database, {@code currentSchema}) kept, since it says which store is meant.
   */
  static String redacted(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)([?&;](?:ssl)?password=)[^&;]*", "$1***")
        .replaceFirst("^(jdbc:[a-z]+://[^/@?#:]*:)[^/@?#]*@", "$1***@");
  }

  /**
   * Opens (and migrates) the store at {@code jdbcUrl}: {@code jdbc:sqlite:<file>} or {@code
   * jdbc:postgresql://host:port/db}, with {@link JdbcStore.Options#DEFAULTS}; {@link JdbcStore#open(String,
   * JdbcStore.Options)} takes other pool sizes and timeouts.
   *
   * @throws IllegalArgumentException if the URL names another database
   * @throws StoreException if the database cannot be reached or migrated
   */
  static Store open(String jdbcUrl) {
    return JdbcStore.open(jdbcUrl, JdbcStore.Options.DEFAULTS);
  }

  /**
   * As {@link #open(String)}, but a store whose schema an earlier build made is read as it is, not migrated: for the
   * commands that only read it or write what every schema has ({@code attune export}, {@code attune keys}), so that
   * running one of them with a new build, to keep a copy before an upgrade, does not upgrade the store and lock the
   * earlier build out. What the earlier schema lacks reads as empty (no experiments); writing it fails. A schema a
   * newer build migrated is refused, as by {@link #open(String)}, and so is a database without an Attune schema (a
   * mistyped empty database is not made a store by a command that reads one).
   */
  static Store openAsItIs(String jdbcUrl) {
    return JdbcStore.open(jdbcUrl, JdbcStore.Options.DEFAULTS, JdbcStore.SchemaUse.AS_IT_IS);
  }

  /** As {@link #open(String)}, but a database without an Attune store is refused ({@code attune compact}). */
  static Store openExisting(String jdbcUrl) {
    return JdbcStore.open(jdbcUrl, JdbcStore.Options.DEFAULTS, JdbcStore.SchemaUse.MIGRATE_EXISTING);
  }

  /** As {@link #openAsItIs}, but an empty database is made a new store ({@code attune keys create}). */
  static Store openAsItIsOrNew(String jdbcUrl) {
    return JdbcStore.open(jdbcUrl, JdbcStore.Options.DEFAULTS, JdbcStore.SchemaUse.AS_IT_IS_OR_NEW);
  }

  /**
   * Whether a server, a load, a compaction or a copy holds the claim on the store at {@code jdbcUrl} ({@link
   * #tryLockForServing}), found without opening it as a store (no pool, no schema read or made): for a command that
   * checks before long work what its own claim would find after it. A SQLite file not made yet is not claimed.
   *
   * @throws StoreException if the database cannot be reached
   */
  static boolean claimedElsewhere(String jdbcUrl) {
    Dialect dialect = Dialect.of(jdbcUrl);
    if (dialect == Dialect.SQLITE && !java.nio.file.Files.exists(dialect.sqliteFile(jdbcUrl))) return false;
    java.util.Optional<ServingLock> claim = ServingLocks.on(jdbcUrl, dialect, dialect.describe(jdbcUrl));
    claim.ifPresent(ServingLock::close);
    return claim.isEmpty();
  }

  /** As {@link #servingClaimHolder}, for a store not opened (the early check of {@link #claimedElsewhere}). */
  static java.util.Optional<String> servingClaimHolderOf(String jdbcUrl) {
    return ServingLocks.holder(jdbcUrl, Dialect.of(jdbcUrl));
  }

  /**
   * The database file of a {@code jdbc:sqlite:} URL, as the store reads it (a {@code file:} prefix and the
   * parameters left out); empty for another database.
   */
  static java.util.Optional<java.nio.file.Path> sqliteFile(String jdbcUrl) {
    Dialect.of(jdbcUrl); // a URL of no store this opens is refused here too
    return jdbcUrl.startsWith("jdbc:sqlite:") ? java.util.Optional.of(Dialect.SQLITE.sqliteFile(jdbcUrl))
        : java.util.Optional.empty();
  }

  // ---- users ----

  /** Creates or replaces users (profile attributes), in one transaction. */
  void upsertUsers(List<User> users);

  /** The user, if present. */
  Optional<User> user(String userId);

  /** The users of {@code userIds} that are present, by id, in one read (a batch's profiles). */
  Map<String, User> users(java.util.Collection<String> userIds);

  /**
   * Deletes a user's profile, every event of theirs and what experiments recorded of them.
   *
   * @return whether anything was deleted
   */
  boolean deleteUser(String userId);

  /** The stored event with this id, if any. */
  Optional<StoredEvent> event(String eventId);

  /**
   * Whether the store holds an event of {@code event}'s user, item, type (in any case) and time under another id than
   * {@code exceptId}: the same event stored under another name (a data set loaded twice under two names).
   */
  boolean holdsEventLike(dev.attune.events.Event event, String exceptId);

  /**
   * Rewrites the store's files so that nothing deleted is left in them: SQLite's {@code VACUUM} (its b-tree pages
   * can keep old copies of rows in space they no longer use, which {@code secure_delete} does not reach) and an
   * emptied write-ahead log; PostgreSQL's {@code VACUUM FULL} of the tables that hold user data, which rewrites their
   * files (its write-ahead log and archives, and any backup, are the server's to manage). Takes as long as copying
   * the store and excludes every other write meanwhile: for a store no server is serving.
   *
   * @throws IllegalStateException when PostgreSQL skipped a table because the store was opened as a role that does
   *     not own it (it only warns), so that nothing was rewritten
   */
  void compact();

  /** Users in id order from {@code offset}, at most {@code limit}. */
  List<User> users(int offset, int limit);

  // ---- items ----

  /** Creates or replaces items (metadata; the hidden flag and creation time are kept on update), in one transaction. */
  void upsertItems(List<Item> items);

  /** The item and its flags, if present. */
  Optional<StoredItem> item(String itemId);

  /**
   * Whether some stored event's id starts with {@code prefix} ({@code attune load} names a data set's events
   * {@code <data set>:<row>}); one index probe.
   */
  boolean holdsEventIdsStartingWith(String prefix);

  /** The id of the event stored first (the lowest arrival sequence), if any; one index probe. */
  Optional<String> firstEventId();

  /** The items of {@code itemIds} that are present, by id, in one read (a batch's items read back). */
  Map<String, StoredItem> items(java.util.Collection<String> itemIds);

  /**
   * Hides or shows an item: hidden items stay in the store and in the history of users but are never
   * recommended.
   *
   * @return false if the item does not exist
   */
  boolean setHidden(String itemId, boolean hidden);

  /**
   * Deletes an item's metadata (its events stay: they are part of users' histories).
   *
   * @return whether it existed
   */
  boolean deleteItem(String itemId);

  /** Items in id order from {@code offset}, at most {@code limit}. */
  List<StoredItem> items(int offset, int limit);

  /** Visits every item in id order. */
  void forEachItem(Consumer<StoredItem> visitor);

  // ---- events ----

  /**
   * Appends events in one transaction; events whose id is already stored (or repeated within the batch) are
   * skipped. Users and items that events name but the store does not know yet are created bare (item scene =
   * the event's scene).
   *
   * @return how many were inserted and how many were duplicates
   */
  AppendResult appendEvents(List<NewEvent> events);

  /** A user's newest {@code limit} events, oldest first (by timestamp, then arrival). */
  List<StoredEvent> recentEvents(String userId, int limit);

  /** Visits every event in arrival order ({@link StoredEvent#sequence}). */
  void forEachEvent(Consumer<StoredEvent> visitor);

  /** Visits the events with timestamp {@code >= sinceMillis}, in arrival order. */
  void forEachEventSince(long sinceMillis, Consumer<StoredEvent> visitor);

  /** Counts: users, items, events, and events by type and by scene. */
  Counts counts();

  /**
   * The highest arrival sequence number ({@link StoredEvent#sequence}) of the events stored now, 0 when there are
   * none. Events whose append starts later get higher ones, also after deletions; but on PostgreSQL an append in
   * flight when this is read may commit a lower number afterwards, so counting "events after" this number may miss
   * the few that were committing at the time (the retraining trigger's count reads it so: it runs a few events short).
   */
  long lastSequence();

  /** How many of the events stored now arrived after sequence number {@code sequence}. */
  long countEventsAfter(long sequence);

  /**
   * Builds an in-memory data set from everything stored (users, items, events), for training and for the
   * fallback models.
   */
  Dataset toDataset(String name);

  /**
   * As {@link #toDataset(String)}, reporting the events read so far to {@code progress} (stage "events", every
   * 100,000 events and at the end; the total is the count when the read began).
   */
  Dataset toDataset(String name, dev.attune.model.FitListener progress);

  /**
   * As {@link #toDataset(String, dev.attune.model.FitListener)}, also handing each stored event to {@code eachEvent}
   * in the data set's row order (row {@code r} is the {@code r}-th call): what the data set has no place for, the
   * events' ids and contexts, for a copy of the store that keeps them ({@code attune export}).
   */
  Dataset toDataset(String name, dev.attune.model.FitListener progress,
      java.util.function.Consumer<StoredEvent> eachEvent);

  /** Aggregate reads for dashboards: events over time, by type and scene, an item's consumers, id search. */
  StoreStats stats();

  // ---- model registry ----

  /**
   * Records a model version (creates or replaces by id). Saved as active it becomes the only active one; saved as
   * inactive it keeps the active flag it had (registering a version never undoes its activation).
   */
  void saveModelVersion(ModelVersion version);

  /** Every model version, newest first. */
  List<ModelVersion> modelVersions();

  /**
   * Marks {@code versionId} as the active one (and no other), atomically.
   *
   * @return false if no such version
   */
  boolean activateModel(String versionId);

  /** The active model version, if any. */
  Optional<ModelVersion> activeModel();

  /**
   * Deletes model version {@code versionId}'s row, unless it is the active one (the version a restart serves is never
   * unregistered by accident); its directory is the caller's.
   *
   * @return false if there is no such version or it is the active one (nothing deleted then)
   */
  boolean deleteModelVersion(String versionId);

  // ---- API keys ----

  /** Records an API key (creates or replaces by id); only the hash of its secret is given and stored. */
  void saveApiKey(ApiKey key);

  /** Every API key, revoked ones included, by id. */
  List<ApiKey> apiKeys();

  /**
   * Revokes a key: it stays listed, and no request may use it again.
   *
   * @return false if no such key
   */
  boolean revokeApiKey(String keyId);

  // ---- the store's own settings ----

  /**
   * The value the store records under {@code name} (such as the user-id key's check), if any; empty on a store an
   * earlier build left without the table ({@linkplain #openAsItIs opened as it is}).
   */
  Optional<String> setting(String name);

  /**
   * Records {@code value} under {@code name} unless the store holds one already, atomically; returns the value held
   * afterwards (this one, or the one found).
   */
  String settingIfAbsent(String name, String value);

  /** Records {@code value} under {@code name}, replacing what is held; a null value removes it. */
  void putSetting(String name, String value);

  // ---- experiments ----

  /** Records an online experiment with its arms (creates or replaces by id). */
  void saveExperiment(Experiment experiment);

  /** Every experiment, newest (latest start) first. */
  List<Experiment> experiments();

  /**
   * Deletes an experiment, its arms and its exposures.
   *
   * @return whether it existed
   */
  boolean deleteExperiment(String experimentId);

  /** Appends exposures (answers given in an experiment) in one transaction. */
  void recordExposures(List<Exposure> exposures);

  /**
   * Visits exposures in the order they were recorded: those of {@code experimentId} (null: any), of {@code userId}
   * (null: any).
   */
  void forEachExposure(String experimentId, String userId, Consumer<Exposure> visitor);

  // ---- serving ----

  /**
   * Claims the store for the one server that may serve it. A server keeps what it reads from the store in memory
   * (the catalogue, popularity counters, recent histories) and updates it only from its own requests, so a second
   * server on the same store would answer from data the first one changed under it. Other users of the store,
   * such as {@code attune keys}, take no claim and keep working while a server holds it.
   *
   * <p>The claim is not part of the connection pool: on PostgreSQL it is a session-level advisory lock, keyed by
   * the database and schema the store uses, held on a connection of its own (a pooled connection is retired and
   * replaced by the pool at times, which would drop the lock); on SQLite an exclusive lock on the file {@code
   * <database file>.serve.lock} beside the database, which stays when the claim ends. It lasts until {@link
   * ServingLock#close}, or until the process ends or loses that connection (the operating system or the database
   * then releases it), and is independent of {@link #close}.
   *
   * @return the claim, or empty when another process, or another claim in this one, holds it
   * @throws StoreException if the claim cannot be tried (the database or the lock file cannot be opened), or the
   *     store is closed
   */
  Optional<ServingLock> tryLockForServing();

  /**
   * Who holds this store's claim ({@link #tryLockForServing}), for a refusal to name: a process id and since when (on
   * PostgreSQL also the client's address); empty when it cannot be read or nobody holds it.
   */
  Optional<String> servingClaimHolder();

  /** Whether the database answers (for {@code /health}). */
  boolean healthy();

  /**
   * Where the store is, the same for every URL that names it (a SQLite file's absolute path; a PostgreSQL URL
   * without credentials): what keys state kept beside the store elsewhere, such as a server's last training job in a
   * model root that servers of several stores share. Null when it cannot be told.
   */
  default String location() {
    return null;
  }

  /**
   * Why the store refuses writes now, or null: the latest write failed for want of storage (a full disk, an I/O
   * error, a database made read-only) within the last minute, and none succeeded since. The database may still answer
   * reads, which is all {@link #healthy} asks (for {@code /health}).
   */
  default String writeRefusal() {
    return null;
  }

  /** Closes the connection pool. */
  @Override
  void close();

  /**
   * An API key as stored: never the secret itself.
   *
   * @param id the public part of the key, unique
   * @param secretHash lower-case hex SHA-256 of the secret part
   * @param scopes what the key may do: a non-empty subset of {@code read}, {@code write}, {@code admin}
   * @param name what it is for, for people
   * @param createdAtMillis when it was made
   * @param revoked whether it was revoked
   */
  record ApiKey(String id, String secretHash, java.util.Set<String> scopes, String name, long createdAtMillis,
      boolean revoked) {
    /** The scopes a key may hold. */
    public static final java.util.Set<String> SCOPES = java.util.Set.of("read", "write", "admin");

    /** Checks the fields. */
    public ApiKey {
      if (id == null || id.isBlank() || secretHash == null || !secretHash.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("an API key needs an id and a SHA-256 hex hash");
      }
      if (scopes == null || scopes.isEmpty() || !SCOPES.containsAll(scopes)) {
        throw new IllegalArgumentException("scopes must be a non-empty subset of " + SCOPES + ": " + scopes);
      }
      scopes = java.util.Set.copyOf(scopes);
      name = name == null ? "" : name;
    }
  }

  /**
   * An online experiment: each of its users is assigned one arm, whose model version answers their
   * recommendations while it runs; what they then use of what they were shown is credited to that arm.
   *
   * @param id unique
   * @param name what it tests, for people
   * @param arms two or more, the first the control the others are compared with; shares sum to 1
   * @param windowMillis how long after an answer an event on one of its items counts as a use of it, > 0
   * @param conversionTypes the event types that count as a use, not empty
   * @param minUsersPerArm the users every arm needs before the experiment gives a verdict, > 0
   * @param startedAtMillis when it started
   * @param stoppedAtMillis when it stopped, or null while it runs
   */
  record Experiment(String id, String name, List<Arm> arms, long windowMillis, java.util.Set<String> conversionTypes,
      int minUsersPerArm, long startedAtMillis, Long stoppedAtMillis) {
    /** Checks the fields. */
    public Experiment {
      if (id == null || id.isBlank()) throw new IllegalArgumentException("an experiment needs an id");
      if (arms == null || arms.size() < 2) throw new IllegalArgumentException("an experiment needs two arms or more");
      double sum = 0;
      for (Arm a : arms) sum += a.share();
      if (Math.abs(sum - 1) > 1e-9) throw new IllegalArgumentException("the arms' shares sum to " + sum + ", not 1");
      if (arms.stream().map(Arm::name).distinct().count() != arms.size()) {
        throw new IllegalArgumentException("two arms have one name: " + arms);
      }
      if (windowMillis <= 0) throw new IllegalArgumentException("windowMillis must be > 0: " + windowMillis);
      if (conversionTypes == null || conversionTypes.isEmpty()) {
        throw new IllegalArgumentException("an experiment needs an event type that counts as a use");
      }
      if (minUsersPerArm <= 0) throw new IllegalArgumentException("minUsersPerArm must be > 0: " + minUsersPerArm);
      name = name == null ? "" : name;
      arms = List.copyOf(arms);
      conversionTypes = java.util.Set.copyOf(conversionTypes);
    }

    /** Whether it is running (not stopped). */
    public boolean running() {
      return stoppedAtMillis == null;
    }
  }

  /**
   * One arm of an {@link Experiment}.
   *
   * @param name unique in its experiment
   * @param version the model version that answers its users: a registered version's id, or {@code active} for the
   *     version served to everyone else
   * @param share the fraction of the experiment's users it gets, in (0, 1]
   */
  record Arm(String name, String version, double share) {
    /** Checks the fields. */
    public Arm {
      if (name == null || name.isBlank()) throw new IllegalArgumentException("an arm needs a name");
      if (version == null || version.isBlank()) throw new IllegalArgumentException("an arm needs a model version");
      if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("an arm's share must be in (0, 1]: " + share);
    }
  }

  /**
   * An answer given in an experiment: what the user was shown, by which arm and model version, when.
   *
   * @param version the model version that answered, or null (the classic fallback or popularity answered)
   * @param timestampMillis when the request came
   * @param readUntilMillis the newest time among the events the answer read, {@link Long#MIN_VALUE} when it read
   *     none: an event timed up to then cannot be a use of what the answer showed
   * @param itemIds the items shown, best first
   */
  record Exposure(String experimentId, String userId, String arm, String version, long timestampMillis,
      long readUntilMillis, List<String> itemIds) {
    /** Checks the fields. */
    public Exposure {
      if (experimentId == null || userId == null || arm == null || itemIds == null) {
        throw new IllegalArgumentException("an exposure needs an experiment, a user, an arm and items");
      }
      itemIds = List.copyOf(itemIds);
    }
  }

  /** A claim on a store by its one server ({@link #tryLockForServing}); closing it ends the claim. */
  interface ServingLock extends AutoCloseable {

    /**
     * Whether the claim still holds: false once closed, or once the database session that holds a PostgreSQL claim is
     * gone (a database restart, a dropped connection), after which another server could take the store.
     */
    boolean held();

    /** Ends the claim, so that another server may start on the store. Idempotent; does not throw. */
    @Override
    void close();
  }

  /** An item with its service flags. */
  record StoredItem(Item item, boolean hidden, long createdAtMillis) {}

  /**
   * An event to append.
   *
   * @param eventId client-supplied id, or null: then {@link #contentId} of the event is used, so the same
   *     user, item, type, value, timestamp and scene count once
   */
  record NewEvent(String eventId, dev.attune.events.Event event) {
    /**
     * The id used when the client gives none: "h:", the timestamp in hex, then a SHA-256 of the event's fields
     * (see ContentIds).
     */
    public static String contentId(dev.attune.events.Event e) {
      return ContentIds.of(e);
    }

    /** The id stored for this event. */
    public String effectiveId() {
      return eventId != null ? eventId : contentId(event);
    }
  }

  /** A stored event with its arrival sequence number (strictly increasing in arrival order). */
  record StoredEvent(long sequence, String eventId, dev.attune.events.Event event) {}

  /**
   * Result of {@link #appendEvents}.
   *
   * @param inserted events stored
   * @param duplicates events skipped as duplicates of stored ones (their id was stored, or came earlier in the call)
   * @param duplicateAt the positions in the call of the skipped events ({@code duplicates} bits set)
   */
  record AppendResult(int inserted, int duplicates, java.util.BitSet duplicateAt) {
    public AppendResult {
      if (duplicateAt.cardinality() != duplicates) {
        throw new IllegalArgumentException(duplicates + " duplicates at " + duplicateAt);
      }
      duplicateAt = (java.util.BitSet) duplicateAt.clone();
    }

    @Override
    public java.util.BitSet duplicateAt() {
      return (java.util.BitSet) duplicateAt.clone();
    }

    /** Whether the event at {@code position} of the call was stored (not skipped as a duplicate). */
    public boolean stored(int position) {
      return !duplicateAt.get(position);
    }
  }

  /** Row counts. */
  record Counts(long users, long items, long events, Map<String, Long> eventsByType, Map<String, Long> eventsByScene) {}

  /**
   * A trained model version.
   *
   * @param id version id (e.g. {@code sasrec-20261201-2210})
   * @param kind model name ({@code sasrec}, {@code gru-attn}, {@code item-knn} ...)
   * @param path model directory on disk
   * @param createdAtMillis when it was trained
   * @param metrics offline metrics by name (NDCG@10 ...)
   * @param active whether it is the version being served
   */
  record ModelVersion(String id, String kind, String path, long createdAtMillis, Map<String, Double> metrics,
      boolean active) {}
}
