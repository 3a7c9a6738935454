package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which {@code Host} headers the API answers (DNS rebinding). */
class HostPolicyTest {
  @Test
  void addressesLocalhostAndConfiguredNamesAreAnsweredAndOtherNamesAreNot() {
    HostPolicy p = new HostPolicy(List.of("Attune.Example.com", ".corp.example"), "127.0.0.1");
    for (String ok : new String[] {"127.0.0.1:8080", "10.1.2.3", "[::1]:8080", "[fe80::1]", "[fe80::1%25eth0]:80",
        "[::ffff:127.0.0.1]", "localhost:8080",
        "LOCALHOST", "localhost.:8080", "app.localhost", "attune.example.com:443", "api.corp.example", null}) {
      assertTrue(p.allows(ok), ok);
    }
    for (String refused : new String[] {"evil.example:80", "evil.example", "attune.example.com.evil.example",
        "localhost.evil.example", "corp.example", "", "127.0.0.1.evil.example", "[::1", "[evil.example]",
        "[::1]evil.example"}) {
      assertFalse(p.allows(refused), refused);
    }
  }

  @Test
  void theListenHostAndAStarAreAllowed() {
    assertTrue(new HostPolicy(List.of(), "attune-box").allows("attune-box:8080"));
    assertFalse(new HostPolicy(List.of(), "0.0.0.0").allows("attune-box:8080"));
    assertTrue(new HostPolicy(List.of("*"), "127.0.0.1").allows("anything.example"));
    // names configured as a Host header or a wildcard would write them
    HostPolicy written = new HostPolicy(List.of("api.example.:8443", "*.corp.example"), "127.0.0.1");
    assertTrue(written.allows("api.example") && written.allows("x.corp.example:80"));
    assertFalse(written.allows("corp.example.evil"));
  }

  /** QA: names in another script are sent in their ASCII form; an entry written as it reads still matches. */
  @Test
  void aNameInAnotherScriptMatchesItsAsciiForm() {
    HostPolicy p = new HostPolicy(List.of("Bücher.example", ".müsik.example"), "127.0.0.1");
    assertTrue(p.allows("xn--bcher-kva.example:8080") && p.allows("radio.xn--msik-0ra.example"));
    assertFalse(p.allows("bucher.example"));
    assertTrue(HostPolicy.written("::1").equals("[::1]") && HostPolicy.written("Attune.Example").equals("attune.example"));
  }

  @Test
  void eachRefusedNameIsLoggedOnceAndMadeUpNamesCannotFillTheLog() {
    HostPolicy p = new HostPolicy(List.of(), "127.0.0.1");
    assertTrue(p.refused("recs.internal:8080"), "a proxy's name: the operator learns why the API answers 403");
    assertFalse(p.refused("RECS.internal"), "once per name, whatever its case and port");
    assertFalse(p.refused("") || p.refused("[::1]x"), "a blank host names nobody's proxy and takes no line");
    for (int k = 1; k < HostPolicy.MAX_LOGGED_NAMES; k++) assertTrue(p.refused("n" + k + ".rebind.example"));
    assertTrue(p.refused("more.rebind.example"), "one line says that further names are not logged");
    assertFalse(p.refused("yet-another.rebind.example"));
    assertFalse(p.refused("recs.internal"));
  }
}
