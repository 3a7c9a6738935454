package dev.attune.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a store that two development builds of 2026-12-06 (4f065d4 and c00ad12, on {@code main} for an hour)
 * migrated to schema 3 up to the schema 3 every later build has. Their {@code V3__experiments.sql} was changed after
 * them (the exposures' {@code version} and {@code read_until} columns, and the exposures index), so Flyway refused
 * such a store on every open, even to export it ("Migrations have failed validation", a review). Recognised by the
 * checksum Flyway recorded for version 3 (CRC32 of the file's lines, as Flyway computes it), the store gets the
 * missing columns and the index of today's file, and the history records today's checksum: as if today's file had
 * run. Schema changes go into new migrations (V4 on): {@code MigrationChecksumsTest} holds each file's checksum.
 */
final class EarlyExperimentsSchema {
  private static final Logger LOG = LoggerFactory.getLogger(EarlyExperimentsSchema.class);

  private EarlyExperimentsSchema() {}

  /** The checksum of version 3 as released, by dialect. */
  static int releasedChecksum(Dialect dialect) {
    return dialect == Dialect.SQLITE ? -530857606 : -1522375947;
  }

  /** The checksums of version 3 that builds 4f065d4 and c00ad12 recorded, by dialect. */
  private static Set<Integer> earlyChecksums(Dialect dialect) {
    return dialect == Dialect.SQLITE ? Set.of(-2087381246, -1985904949) : Set.of(-978296990, 560663309);
  }

  /** Upgrades the store behind {@code pool} if an early build made its schema 3; otherwise touches nothing. */
  static void upgradeIfEarly(DataSource pool, Dialect dialect, String database) throws SQLException {
    try (Connection c = pool.getConnection()) {
      if (!isEarly(c, dialect)) return;
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        Set<String> columns = columns(c, "exposures");
        boolean sqlite = dialect == Dialect.SQLITE;
        if (!columns.contains("version")) {
          st.execute("ALTER TABLE exposures ADD COLUMN version " + (sqlite ? "TEXT" : "text COLLATE \"C\""));
        }
        if (!columns.contains("read_until")) {
          st.execute("ALTER TABLE exposures ADD COLUMN read_until " + (sqlite ? "INTEGER" : "bigint"));
        }
        st.execute("DROP INDEX IF EXISTS exposures_experiment");
        st.execute("CREATE INDEX exposures_experiment ON exposures " + (sqlite ? "(experiment_id)"
            : "(experiment_id, sequence)"));
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE flyway_schema_history SET checksum = ? WHERE version = '3'")) {
          ps.setInt(1, releasedChecksum(dialect));
          ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
      LOG.info("store schema of {}: version 3 as a development build of 2026-12-06 made it, brought to the released"
          + " version 3 (the exposures' version and read_until columns, the exposures index)", database);
    }
  }

  /** Whether the store behind {@code pool} has the schema 3 of an early build (read only). */
  static boolean isEarly(DataSource pool, Dialect dialect) throws SQLException {
    try (Connection c = pool.getConnection()) {
      return isEarly(c, dialect);
    }
  }

  private static boolean isEarly(Connection c, Dialect dialect) throws SQLException {
    Integer recorded = recordedChecksum(c, dialect);
    return recorded != null && earlyChecksums(dialect).contains(recorded);
  }

  /** The checksum Flyway recorded for version 3, or null without a history or that version in it. */
  private static Integer recordedChecksum(Connection c, Dialect dialect) throws SQLException {
    // PostgreSQL: a schema that does not exist yet (a new store's) has no history, and no schema to look in; the
    // metadata would look in every schema and find another store's (a review)
    if (dialect == Dialect.POSTGRESQL && c.getSchema() == null) return null;
    if (!columns(c, "flyway_schema_history").contains("checksum")) return null;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT checksum FROM flyway_schema_history WHERE version = '3' AND success")) {
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return null;
        int checksum = rs.getInt(1);
        return rs.wasNull() ? null : checksum;
      }
    }
  }

  /** The table's column names in lower case, empty when there is no such table (in the connection's schema). */
  private static Set<String> columns(Connection c, String table) throws SQLException {
    Set<String> names = new HashSet<>();
    String schema = c.getSchema();
    // the name as a pattern: '_' matches any character unless escaped
    String escape = c.getMetaData().getSearchStringEscape();
    String pattern = escape == null ? table : table.replace("_", escape + "_");
    try (ResultSet rs = c.getMetaData().getColumns(c.getCatalog(), schema, pattern, null)) {
      while (rs.next()) names.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
    }
    return names;
  }
}
