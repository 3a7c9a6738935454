package dev.attune.server;

import dev.attune.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

/** Making API keys ({@code attune keys create}); checking them is {@link AccessControl}'s. */
public final class ApiKeys {
  private ApiKeys() {}

  /**
   * A new key: the full token, shown once and never stored, and what the store keeps.
   *
   * @param token {@code atk_<id>_<secret>}: 12 hex digits of id, 32 characters (192 random bits) of secret
   * @param stored id, SHA-256 of the secret, scopes
   */
  public record Created(String token, Store.ApiKey stored) {}

  /** The start of every API key: it tells one from the admin key, whose tries are throttled. */
  public static final String PREFIX = "atk_";

  /**
   * Makes a key with a random id and secret.
   *
   * @param scopes a non-empty subset of {@code read}, {@code write}, {@code admin}
   * @param name what it is for
   * @throws IllegalArgumentException for other scopes
   */
  public static Created create(Set<String> scopes, String name, long nowMillis) {
    SecureRandom random = new SecureRandom();
    byte[] id = new byte[6];
    byte[] secret = new byte[24];
    random.nextBytes(id);
    random.nextBytes(secret);
    String idText = HexFormat.of().formatHex(id);
    // no '_' in the secret: it separates the parts
    String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret).replace('_', '-');
    return new Created(PREFIX + idText + "_" + secretText,
        new Store.ApiKey(idText, sha256Hex(secretText), scopes, name, nowMillis, false));
  }

  /** Lower-case hex SHA-256 of the UTF-8 bytes. */
  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
