package dev.attune.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which store a JDBC URL names, and the URLs refused before a driver fills in what they leave out. */
class DialectTest {
  @Test
  void completeUrlsNameTheirDialect() {
    assertEquals(Dialect.SQLITE, Dialect.of("jdbc:sqlite:attune-data/attune.db"));
    assertEquals(Dialect.POSTGRESQL, Dialect.of("jdbc:postgresql://127.0.0.1:5432/test?user=postgres"));
    assertEquals(Dialect.POSTGRESQL, Dialect.of("jdbc:postgresql://db/attune"));
    assertEquals(Dialect.POSTGRESQL, Dialect.of("jdbc:postgresql://h1:5432,h2:5432/attune?targetServerType=primary"));
    assertEquals(Dialect.POSTGRESQL, Dialect.of("jdbc:postgresql://[::1]:5432/attune"));
  }

  // QA: jdbc:postgresql:// opened localhost's database named after the system user and made a store in it
  @Test
  void aPostgresqlUrlWithoutHostOrDatabaseIsRefusedWithoutItsPassword() {
    for (String url : new String[] {"jdbc:postgresql://", "jdbc:postgresql://127.0.0.1", "jdbc:postgresql://127.0.0.1/",
        "jdbc:postgresql://127.0.0.1:5432/?user=postgres", "jdbc:postgresql:attune", "jdbc:postgresql:///attune",
        "jdbc:postgresql://?user=u&password=secret"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dialect.of(url), url);
      assertTrue(e.getMessage().contains("name the host and the database"), e.getMessage());
      assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }
  }

  // CLI QA: the driver warned on its own console and the pool said it "claims to not accept" the URL
  @Test
  void aPortThatIsNoPortIsRefusedInWords() {
    for (String url : new String[] {"jdbc:postgresql://127.0.0.1:abc/test", "jdbc:postgresql://127.0.0.1:99999/test",
        "jdbc:postgresql://h1:5432,h2:0/attune", "jdbc:postgresql://[::1]:x/attune", "jdbc:postgresql://db:/attune"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dialect.of(url), url);
      assertTrue(e.getMessage().contains("a port is a number from 1 to 65535"), e.getMessage());
    }
    // review: "user:secret@host" echoed the secret as the port
    for (String url : new String[] {"jdbc:postgresql://attune:s3cret@127.0.0.1/db",
        "jdbc:postgresql://attune:s3cret@h:5432/db"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dialect.of(url), url);
      assertTrue(e.getMessage().contains("names its user before the host") && !e.getMessage().contains("s3cret"),
          e.getMessage());
    }
    assertEquals("jdbc:postgresql://attune:***@h/db?password=***",
        Store.redacted("jdbc:postgresql://attune:s3cret@h/db?password=x"));
    assertEquals(Dialect.POSTGRESQL, Dialect.of("jdbc:postgresql://[::1]/attune"));
    assertEquals(Dialect.POSTGRESQL, Dialect.of("jdbc:postgresql://db:65535/attune?user=u"));
  }
}
