package dev.attune.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The access settings are checked when made, as every other setting is: a server does not start on an origin or a
 * host name that could never match, which would allow nothing without a word.
 */
class AccessConfigTest {
  private static AccessConfig withOrigins(String... origins) {
    return new AccessConfig(false, 200, 400, List.of(origins), List.of(), 0);
  }

  private static AccessConfig withHosts(String... hosts) {
    return new AccessConfig(false, 200, 400, List.of(), List.of(hosts), 0);
  }

  /** QA: ATTUNE_CORS_ORIGINS='not a url' started the server silently. */
  @Test
  void anOriginThatIsNoneIsRefusedNamingTheSetting() {
    for (String bad : List.of("not a url", "https://app.example.com/path", "https://user@app.example.com",
        "https://app.example.com?x=1", "https://app.example.com:99999", "https://", "*", "null")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withOrigins(bad), bad);
      assertTrue(e.getMessage().startsWith("ATTUNE_CORS_ORIGINS (file key corsOrigins): '" + bad + "'"),
          e.getMessage());
    }
    String star = assertThrows(IllegalArgumentException.class, () -> withOrigins("*")).getMessage();
    assertTrue(star.contains("'*' is any origin, which is not taken") && star.contains("such as https://app.example.com"),
        "a star is not any origin: it would open writes to every site; the message says what to give: " + star);
    String sandboxed = assertThrows(IllegalArgumentException.class, () -> withOrigins("null")).getMessage();
    assertTrue(sandboxed.contains("sandboxed frames"), "null is what any sandboxed frame sends: " + sandboxed);
    assertDoesNotThrow(() -> withOrigins("https://app.example.com", "https://app.example.com/", "app.example.com",
        "http://localhost:3000", "HTTPS://App.Example.com:8443", "http://127.0.0.1:8080", "http://[::1]:8080",
        "capacitor://localhost"));
  }

  /** A browser leaves the scheme's default port out of Origin: an entry that writes it still matches (QA). */
  @Test
  void anOriginWithItsSchemesDefaultPortMatchesTheBrowsersOrigin() {
    CorsPolicy policy = new CorsPolicy(List.of("https://a.example:443", "http://localhost:80", "http://b.example:8080"));
    assertTrue(policy.allows("https://a.example") && policy.allows("http://localhost"));
    assertTrue(policy.allows("http://b.example:8080") && !policy.allows("http://b.example"));
  }

  /** QA: an IPv6 origin written in another form than the browser's never matched. */
  @Test
  void anIpv6OriginMatchesTheFormBrowsersWrite() {
    CorsPolicy policy = new CorsPolicy(List.of("https://[2001:0DB8:0::1]:8443", "http://[0:0:0:0:0:0:0:1]:3000"));
    assertTrue(policy.allows("https://[2001:db8::1]:8443") && policy.allows("http://[::1]:3000"));
    org.junit.jupiter.api.Assertions.assertEquals("2001:db8::1:0:0:1", CorsPolicy.canonicalIpv6("2001:db8:0:0:1:0:0:1"));
    org.junit.jupiter.api.Assertions.assertEquals("2001:db8:0:1:1:1:1:1",
        CorsPolicy.canonicalIpv6("2001:db8:0:1:1:1:1:1"), "one zero group stays 0");
    org.junit.jupiter.api.Assertions.assertNull(CorsPolicy.canonicalIpv6("evil.example"));
  }

  /** QA: a name in another script was refused as not an origin, though browsers send it in its ASCII form. */
  @Test
  void anOriginInAnotherScriptMatchesTheAsciiFormBrowsersSend() {
    assertDoesNotThrow(() -> withOrigins("https://bücher.example", "Bücher.example:8443"));
    CorsPolicy policy = new CorsPolicy(List.of("https://Bücher.example", "bücher.example:8443"));
    assertTrue(policy.allows("https://xn--bcher-kva.example") && policy.allows("https://xn--bcher-kva.example:8443"));
    assertTrue(!policy.allows("https://bucher.example") && !policy.allows("null"));
  }

  /** QA: ATTUNE_ALLOWED_HOSTS='bad host!' started the server silently. */
  @Test
  void aHostThatIsNoneIsRefusedNamingTheSetting() {
    for (String bad : List.of("bad host!", "https://attune.example.com", "attune.example.com/x", "exa mple.com",
        "attune.example.com:port", "attune.example.com:70000", "..example.com", "", "::1 ::2")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withHosts(bad), bad);
      assertTrue(e.getMessage().startsWith("ATTUNE_ALLOWED_HOSTS (file key allowedHosts): '" + bad + "'"),
          e.getMessage());
    }
    // every form HostPolicy reads: names, subdomains, a port and a trailing dot as a Host header writes them,
    // addresses, any host
    assertDoesNotThrow(() -> withHosts("attune.example.com", "Attune.Example.com", ".corp.example",
        "*.corp.example", "api.example.:8443", "attune-box", "recs_internal", "10.0.0.7", "[::1]", "[fe80::1]:8080",
        "::1", "FE80::1", "::ffff:10.0.0.7", "bücher.example", ".bücher.example:8443", "*"));
  }
}
