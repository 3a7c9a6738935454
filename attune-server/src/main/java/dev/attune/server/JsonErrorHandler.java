package dev.attune.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's answer to a request it rejects before any route sees it (a path with a NUL byte or broken percent
 * encoding, headers too large, say), in the API's error shape {@code {error, message, field}} instead of Jetty's
 * HTML page, so a client parses every error the same way. Errors raised inside routes never reach it: {@link
 * AttuneServer} maps those.
 */
final class JsonErrorHandler extends ErrorHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every method gets the JSON body (Jetty writes one for GET, POST and HEAD only: a bad PUT got an empty 400). */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
      Callback callback) throws IOException {
    // the same error names as the routes' answers (AttuneServer); a 5xx says no more than theirs do
    String error = switch (code) {
      case 400 -> "bad_request";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "body_too_large";
      case 503 -> "unavailable"; // the server is stopping: it lets the requests it had finish and refuses new ones
      default -> code >= 500 ? "internal" : "http_" + code;
    };
    String text = code == 503 ? "the server is stopping; retry shortly"
        : code >= 500 ? AttuneServer.INTERNAL_MESSAGE
        : "the request could not be read: " + (message == null || message.isBlank() ? "HTTP " + code : message);
    Map<String, Object> body = AttuneServer.errorBody(error, text, null);
    if (code == 503) response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(body)), callback);
  }
}
