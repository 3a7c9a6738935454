package dev.attune.server;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.List;

/**
 * One row of the route table ({@link Api#routes}): the table is the only place routes are registered, and {@link
 * OpenApi} documents exactly its rows, so the served document cannot drift from the served routes.
 *
 * @param method HTTP method
 * @param path path with {@code {name}} parameters
 * @param summary one line for the API document
 * @param queryParams query parameters: name, type ({@code string}, {@code integer}, {@code number}, {@code
 *     boolean}) and description
 * @param requestBody description of the JSON body, or null when the route takes none
 * @param successStatus the status of a successful answer
 * @param handler the handler
 */
record Route(HandlerType method, String path, String summary, List<Param> queryParams, String requestBody,
    int successStatus, Handler handler) {

  /** A documented query parameter. */
  record Param(String name, String type, String description) {}
}
