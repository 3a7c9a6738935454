package dev.attune.server;

/**
 * A client mistake or a missing resource, answered as {@code status} with the JSON body {@code {error, message,
 * field}}. Handlers throw it; {@link AttuneServer} turns it into the response, so no handler writes errors itself.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String error;
  private final String field;

  /**
   * @param status HTTP status (4xx)
   * @param error a stable machine-readable code such as {@code invalid_field} or {@code not_found}
   * @param message what went wrong, for people
   * @param field the request field at fault (a JSON path such as {@code events[3].timestamp}), or null
   */
  public ApiException(int status, String error, String message, String field) {
    super(message);
    this.status = status;
    this.error = error;
    this.field = field;
  }

  /** 400 for a field that is missing or wrong. */
  public static ApiException invalid(String field, String message) {
    return new ApiException(400, "invalid_field", message, field);
  }

  /** 404 for an unknown id. */
  public static ApiException notFound(String what, String id) {
    // shown as Ids.printable shows ids: a right-to-left override or a line separator in a path would otherwise
    // reverse or break the line a client logs
    return new ApiException(404, "not_found", what + " '" + dev.attune.events.Ids.printable(id) + "' does not exist",
        null);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The machine-readable error code. */
  public String error() {
    return error;
  }

  /** The field at fault, or null. */
  public String field() {
    return field;
  }
}
