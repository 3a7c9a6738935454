package dev.attune.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * A migration a build has released is never edited: stores it ran on record its checksum, and Flyway refuses them
 * when the file changes (a review found V3 edited twice after builds had run it). A schema change is a new file.
 * The checksums here are Flyway's (CRC32 of the file's lines), as the stores record them.
 */
class MigrationChecksumsTest {
  private static final Map<String, Integer> RELEASED = new LinkedHashMap<>();

  static {
    RELEASED.put("sqlite/V1__schema.sql", 717991083);
    RELEASED.put("sqlite/V2__api_keys.sql", -340996207);
    RELEASED.put("sqlite/V3__experiments.sql", -530857606);
    RELEASED.put("postgresql/V1__schema.sql", -654370168);
    RELEASED.put("postgresql/V2__api_keys.sql", 2106404487);
    RELEASED.put("postgresql/V3__experiments.sql", -1522375947);
  }

  @Test
  void theEarlySchemaUpgradeRecordsTheReleasedChecksum() {
    assertEquals(RELEASED.get("sqlite/V3__experiments.sql"), EarlyExperimentsSchema.releasedChecksum(Dialect.SQLITE));
    assertEquals(RELEASED.get("postgresql/V3__experiments.sql"),
        EarlyExperimentsSchema.releasedChecksum(Dialect.POSTGRESQL));
  }

  @Test
  void releasedMigrationsAreUnchanged() throws IOException {
    for (Map.Entry<String, Integer> e : RELEASED.entrySet()) {
      assertEquals(e.getValue(), flywayChecksum("db/migration/" + e.getKey()), e.getKey()
          + " changed: stores that ran it are refused; put the change in a new migration");
    }
  }

  /** As Flyway computes it: CRC32 over each line's UTF-8 bytes, without line endings, a leading BOM dropped. */
  private static int flywayChecksum(String resource) throws IOException {
    CRC32 crc = new CRC32();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        MigrationChecksumsTest.class.getClassLoader().getResourceAsStream(resource), StandardCharsets.UTF_8))) {
      String line;
      boolean first = true;
      while ((line = r.readLine()) != null) {
        if (first && line.startsWith("\uFEFF")) line = line.substring(1);
        first = false;
        crc.update(line.getBytes(StandardCharsets.UTF_8));
      }
    }
    return (int) crc.getValue();
  }
}
