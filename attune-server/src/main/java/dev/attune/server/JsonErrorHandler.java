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

  /**
   * Whether Jetty refused the request's path: broken percent-encoding (its cause a {@code NumberFormatException},
   * "!hex z"), an illegal character (a NUL), bytes that are not UTF-8. Jetty replaces the URI of such a request
   * ({@code /badMessage}), so the causes are what tells.
   */
  private static boolean badPath(Request request, String message, Throwable cause) {
    if (String.valueOf(message).contains("UTF-8") && String.valueOf(request.getHttpURI()).indexOf('%') >= 0) {
      return true;
    }
    // a raw backslash (QA: "GET /v1/items/\\" said "Illegal Path Character" with no field)
    if (String.valueOf(message).contains("Illegal Path Character")) return true;
    for (Throwable t = cause; t != null && t.getCause() != t; t = t.getCause()) {
      String says = String.valueOf(t.getMessage());
      // "Bad URI % encoding": an escape cut short at the end of the path ("ab%", QA)
      if (t instanceof NumberFormatException || says.contains("Illegal character in path")
          || says.contains("% encoding")) {
        return true;
      }
    }
    return false;
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
    String field = null;
    if (code == 400 && badPath(request, message, cause)) {
      // a path Jetty could not decode said only "Bad Request" or "Bad UTF-8 encoding" (a QA run): say where and how
      text = "the request could not be read: its path is not valid percent-encoded UTF-8 (an id in it takes '%' and"
          + " two hex digits per UTF-8 byte; no NUL or control characters)";
      field = "path";
    }
    Map<String, Object> body = AttuneServer.errorBody(error, text, field);
    if (code == 503) response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
    // a request line, headers or HTTP version Jetty could not take end the connection: said, as HTTP asks, so that a
    // client does not send its next request on it (API QA: a 414 closed it without a word; Jetty's 400s say it)
    if (code == 414 || code == 431 || code == 505) response.getHeaders().put(HttpHeader.CONNECTION, "close");
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put("X-Content-Type-Options", "nosniff"); // as every other answer carries (QA)
    response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(body)), callback);
  }
}
