package dev.attune.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the OpenAPI 3.1 document of a route table. */
final class OpenApi {
  private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

  private OpenApi() {}

  static ObjectNode document(ObjectMapper json, List<Route> routes, String version) {
    ObjectNode doc = json.createObjectNode();
    doc.put("openapi", "3.1.0");
    ObjectNode info = doc.putObject("info");
    info.put("title", "Attune API");
    info.put("version", version);
    info.put("description", "Ingest behaviour, recommend in real time, explain. Errors are JSON {error, message,"
        + " field} with a 4xx status for client mistakes.");
    ObjectNode paths = doc.putObject("paths");
    for (Route r : routes) {
      ObjectNode path = paths.has(r.path()) ? (ObjectNode) paths.get(r.path()) : paths.putObject(r.path());
      ObjectNode op = path.putObject(r.method().name().toLowerCase(Locale.ROOT));
      op.put("summary", r.summary());
      op.put("operationId", r.method().name().toLowerCase(Locale.ROOT) + r.path().replaceAll("[^A-Za-z0-9]+", "_"));
      ArrayNode params = op.putArray("parameters");
      Matcher m = PATH_PARAM.matcher(r.path());
      while (m.find()) {
        ObjectNode p = params.addObject();
        p.put("name", m.group(1));
        p.put("in", "path");
        p.put("required", true);
        p.putObject("schema").put("type", "string");
      }
      for (Route.Param q : r.queryParams()) {
        ObjectNode p = params.addObject();
        p.put("name", q.name());
        p.put("in", "query");
        p.put("required", false);
        p.put("description", q.description());
        p.putObject("schema").put("type", q.type());
      }
      if (r.requestBody() != null) {
        ObjectNode body = op.putObject("requestBody");
        body.put("required", true);
        body.put("description", r.requestBody());
        body.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
      }
      ObjectNode responses = op.putObject("responses");
      responses.putObject(Integer.toString(r.successStatus())).put("description", "success");
      responses.putObject("4XX").put("description", "client mistake: {error, message, field}");
      if (!r.path().equals("/v1/openapi.json") && !r.path().equals("/metrics")) {
        // the server stopping or its store unreachable: worth a retry, unlike a 4xx
        responses.putObject("503").put("description", "unavailable (the store cannot be reached, or the server is"
            + " stopping): {error, message}, with Retry-After in seconds; retry");
      }
    }
    return doc;
  }
}
