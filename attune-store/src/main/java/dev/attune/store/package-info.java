/**
 * What the service keeps on disk: users, items with their hidden flag, the append-only event log and the
 * model registry's metadata, in SQLite (embedded, one file) or PostgreSQL.
 *
 * <p>{@link dev.attune.store.Store} is the contract the server codes against; {@link dev.attune.store.JdbcStore}
 * is its one implementation (HikariCP pool, Flyway migrations under {@code db/migration/<dialect>}), and the
 * package-private {@code Dialect} holds what differs between the two databases. Event ids make appends
 * idempotent: a client's own id, or a content hash ({@code ContentIds}). Failures in the database surface as
 * the unchecked {@link dev.attune.store.StoreException}. On SQLite, concurrent appends share one transaction and
 * commit ({@code GroupCommit}), and a thread of the store checkpoints the log beside the writer ({@code
 * WalCheckpointer}). The one server of a store claims it with a lock outside the pool ({@code ServingLocks}).
 *
 * <p>Imports {@code dev.attune.events} and {@code dev.attune.data} (for {@link dev.attune.data.Dataset}) only:
 * nothing from models, training, inference or the server, and no HTTP. Start reading at
 * {@link dev.attune.store.Store}, then {@link dev.attune.store.JdbcStore#appendEvents}.
 */
package dev.attune.store;
