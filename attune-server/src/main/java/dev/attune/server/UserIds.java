package dev.attune.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a client's user id becomes the id the service stores: unchanged, or, with a key
 * ({@link ServerConfig#userIdKey}), pseudonymised as {@code "p:"} + the first 128 bits of HMAC-SHA256(key, id) in
 * URL-safe base64 (22 characters). The same id always maps to the same pseudonym, so a client keeps using its own
 * ids on every route, while the store, the logs, the models and the dashboard only ever see pseudonyms; without
 * the key they cannot be turned back into ids. Changing the key starts every user afresh.
 *
 * <p>Thread-safe ({@link Mac} instances are per thread).
 */
final class UserIds {
  private final SecretKeySpec key;
  private final ThreadLocal<Mac> mac;

  /** @param secret the HMAC key, or null to store ids as given */
  UserIds(String secret) {
    this.key = secret == null ? null : new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.mac = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        if (key != null) m.init(key);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    });
  }

  /** Whether ids are pseudonymised. */
  boolean pseudonymised() {
    return key != null;
  }

  /** The id stored for a client's user id. */
  String stored(String clientId) {
    if (key == null) return clientId;
    byte[] digest = mac.get().doFinal(clientId.getBytes(StandardCharsets.UTF_8));
    return "p:" + Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16));
  }
}
