package dev.attune.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the OpenAPI 3.1 document of a route table: each route's parameters, the key scope it needs ({@link
 * AccessControl#scopeOf}), the error body every 4xx and 503 carries, and {@code Retry-After} where a retry is meant.
 * The ingestion bodies (events, items, users) and a lookup's have schemas of their fields ({@link RequestBodies}),
 * as do the requests for recommendations and onboarding and the answers of the public routes (recommendations,
 * items and their lists, users and their data, ingestion); the admin routes' bodies are described in words (the
 * route's summary) and typed only as JSON objects.
 */
final class OpenApi {
  private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");
  private static final String ERROR = "#/components/schemas/Error";
  /** What an event's value is, by its type's weight rule ({@link RequestBodies#eventValue} refuses the rest). */
  private static final String VALUE_RANGES = "default 1; play: the share of the item heard, 0 to 1; purchase (a"
      + " quantity), play_count (a count), play_seconds (seconds played): at least 0; other types do not read it"
      + " and take any number within ±3.4e38 (float range)";
  /** What an event's timestamp may be ({@link RequestBodies#timestamp} refuses the rest). */
  private static final String TIMESTAMP_RANGE = "milliseconds since 1970 (0: the time is not known), at most a day"
      + " ahead of the server's clock";

  private OpenApi() {}

  /** Every error code the server answers, by the status it comes with. */
  static final String ERROR_CODES = "400 bad_request (a request HTTP could not read, or one header twice),"
      + " invalid_json, invalid_query, invalid_field; 401 unauthorized; 403 forbidden, origin_not_allowed, host_not_allowed; 404 not_found; 405"
      + " method_not_allowed; 409 version_in_use, experiment_exists, experiment_running, training_running, no_model,"
      + " no_attention, not_servable; 413 body_too_large, batch_too_large; 415 unsupported_media_type; 429"
      + " rate_limited; 500 internal; 503 unavailable, no_trainer; http_<status> for other protocol errors (414, 431)";

  /**
   * The document of {@code routes}. With {@code keysRequired} (the server's {@link AccessConfig#requireApiKeys}) no
   * operation but the open ones is offered without a key; otherwise read and write operations are offered with none
   * too, as the server serves them (QA: a generated client took keys for optional on a server that required them).
   */
  static ObjectNode document(ObjectMapper json, List<Route> routes, String version, boolean keysRequired) {
    ObjectNode doc = json.createObjectNode();
    doc.put("openapi", "3.1.0");
    ObjectNode info = doc.putObject("info");
    info.put("title", "Attune API");
    info.put("version", version);
    info.put("description", "Ingest behaviour, recommend in real time, explain. Errors are JSON {error, message,"
        + " field} with a 4xx status for client mistakes. Keys go in 'Authorization: Bearer <key>': the admin routes"
        + " need the admin key or an API key with the admin scope; the others need a key with the scope they name"
        + " only when the server requires keys (ATTUNE_REQUIRE_API_KEYS), and are served without one otherwise."
        + (keysRequired ? " This server requires them." : " This server does not require them."));
    doc.putArray("servers").addObject().put("url", "/");
    ObjectNode components = doc.putObject("components");
    ObjectNode bearer = components.putObject("securitySchemes").putObject("bearer");
    bearer.put("type", "http");
    bearer.put("scheme", "bearer");
    bearer.put("description", "An API key (atk_<id>_<secret>, scopes read, write, admin) or the admin key");
    ObjectNode error = components.putObject("schemas").putObject("Error");
    error.put("type", "object");
    error.putArray("required").add("error").add("message").add("field");
    ObjectNode errorProps = error.putObject("properties");
    // codes as a list, not an enum: a later build may add one, which an enum would make a breaking change
    errorProps.putObject("error").put("type", "string").put("description", "a stable code: " + ERROR_CODES);
    errorProps.putObject("message").put("type", "string").put("description", "what is wrong, for a person");
    ObjectNode field = errorProps.putObject("field");
    field.putArray("type").add("string").add("null");
    field.put("description", "what is at fault: a body's JSON path (events[3].timestamp, attributes.genre), a query"
        + " or path parameter's name, or a header's (Authorization, Origin, Host, Content-Type); null when no one"
        + " part of the request is");
    ObjectNode schemas = (ObjectNode) components.get("schemas");
    schemas.set("Event", entity(json, true, "userId", "itemId", "type"));
    schemas.set("Item", entity(json, false, "id"));
    schemas.set("ItemWithoutId", entity(json, false));
    schemas.set("User", entity(json, null, "id"));
    schemas.set("UserWithoutId", entity(json, null));
    answerSchemas(json, schemas);
    ObjectNode paths = doc.putObject("paths");
    for (Route r : routes) {
      ObjectNode path = paths.has(r.path()) ? (ObjectNode) paths.get(r.path()) : paths.putObject(r.path());
      ObjectNode op = path.putObject(r.method().name().toLowerCase(Locale.ROOT));
      op.put("summary", r.summary());
      op.put("operationId", operationId(r));
      String scope = AccessControl.scopeOf(r.method(), r.path());
      op.putArray("tags").add(tag(r.path(), scope));
      ArrayNode security = op.putArray("security");
      if (scope != null) {
        // read and write keys are optional unless the server requires them: no key ({}) is one way in
        if (!scope.equals("admin") && !keysRequired) security.addObject();
        security.addObject().putArray("bearer").add(scope);
        op.put("x-required-scope", scope);
      }
      ArrayNode params = op.putArray("parameters");
      Matcher m = PATH_PARAM.matcher(r.path());
      while (m.find()) {
        ObjectNode p = params.addObject();
        p.put("name", m.group(1));
        p.put("in", "path");
        p.put("required", true);
        id(p.putObject("schema").put("type", "string"));
      }
      for (Route.Param q : r.queryParams()) {
        ObjectNode p = params.addObject();
        p.put("name", q.name());
        p.put("in", "query");
        p.put("required", false);
        // numbers and flags sent empty (k=) are taken as left out; a boolean also reads 1/0 and yes/no (QA: said
        // nowhere but in the 400 for another value)
        boolean flag = q.type().equals("boolean");
        p.put("description", q.description() + (flag ? "; true or false, also 1/0 and yes/no; empty is false"
            : q.type().equals("string") ? "" : "; empty is the default"));
        ObjectNode schema = p.putObject("schema").put("type", q.type());
        if (q.minimum() != null) schema.putPOJO("minimum", q.minimum());
        if (q.maximum() != null) schema.putPOJO("maximum", q.maximum());
        if (q.defaultValue() != null) schema.putPOJO("default", q.defaultValue());
        if (flag) schema.put("default", false);
        if (!q.values().isEmpty()) q.values().forEach(schema.putArray("enum")::add);
      }
      if (r.requestBody() != null) {
        ObjectNode body = op.putObject("requestBody");
        body.put("required", true);
        body.put("description", r.requestBody());
        body.putObject("content").putObject("application/json").set("schema", bodySchema(json, r));
      }
      ObjectNode responses = op.putObject("responses");
      ObjectNode success = responses.putObject(Integer.toString(r.successStatus()));
      success.put("description", "success");
      if (r.successStatus() != 204) {
        ObjectNode schema = success.putObject("content")
            .putObject(r.path().equals("/metrics") ? "text/plain" : "application/json").putObject("schema");
        String answer = ANSWERS.get(r.method().name() + " " + r.path());
        if (answer != null) schema.put("$ref", "#/components/schemas/" + answer);
        else schema.put("type", r.path().equals("/metrics") ? "string" : "object");
      }
      errorResponse(responses, "4XX", "client mistake");
      if (scope != null) { // the key checks hold rates; the open probes have none
        retryAfter(errorResponse(responses, "429", "too many requests for the key or the address; retry after"
            + " Retry-After seconds"));
      }
      if (r.path().equals("/health")) {
        // a probe's answer: its body says what is wrong, in the shape of the 200's
        responses.putObject("503").put("description", "the store does not answer, or another server holds it")
            .putObject("content").putObject("application/json").putObject("schema")
            .put("$ref", "#/components/schemas/Health");
      } else if (!r.path().equals("/v1/openapi.json") && !r.path().equals("/metrics")) {
        // the server stopping or its store unreachable: worth a retry, unlike a 4xx
        retryAfter(errorResponse(responses, "503", "unavailable (the store cannot be reached, or the server is"
            + " stopping); retry after Retry-After seconds"));
      }
    }
    return doc;
  }

  /**
   * The schema of a route's body: one entity, an array of them or {@code {events|items|users: [...]}} for the
   * ingestion routes, the entity for their PUT, else a JSON object.
   */
  private static ObjectNode bodySchema(ObjectMapper json, Route r) {
    String entity = switch (r.path()) {
      case "/v1/events" -> "Event";
      case "/v1/items" -> "Item";
      case "/v1/users" -> "User";
      case "/v1/items/{id}" -> "ItemWithoutId";
      case "/v1/users/{id}" -> "UserWithoutId";
      default -> null;
    };
    ObjectNode schema = json.createObjectNode();
    if (r.path().equals("/v1/items/lookup")) {
      ObjectNode ids = object(schema.put("additionalProperties", false), "ids");
      id(props(ids).putObject("ids").put("type", "array").put("minItems", 1).put("maxItems", 1000).putObject("items")
          .put("type", "string"));
      return schema;
    }
    if (r.method() == io.javalin.http.HandlerType.POST && r.path().equals("/v1/recommendations")) {
      return schema.put("$ref", "#/components/schemas/RecommendRequest");
    }
    if (r.path().equals("/v1/users/{id}/onboarding")) return schema.put("$ref", "#/components/schemas/Onboarding");
    if (r.method() == io.javalin.http.HandlerType.POST && r.path().equals("/v1/admin/experiments")) {
      return schema.put("$ref", "#/components/schemas/ExperimentRequest");
    }
    if (r.path().equals("/v1/admin/influence")) return schema.put("$ref", "#/components/schemas/InfluenceRequest");
    if (entity == null) return schema.put("type", "object");
    String ref = "#/components/schemas/" + entity;
    if (r.method() == io.javalin.http.HandlerType.PUT) return schema.put("$ref", ref);
    ArrayNode oneOf = schema.putArray("oneOf");
    oneOf.addObject().put("$ref", ref);
    oneOf.addObject().put("type", "array").putObject("items").put("$ref", ref);
    ObjectNode wrapped = oneOf.addObject().put("type", "object").put("additionalProperties", false);
    String field = r.path().substring("/v1/".length());
    wrapped.putArray("required").add(field);
    wrapped.putObject("properties").putObject(field).put("type", "array").putObject("items").put("$ref", ref);
    return schema;
  }

  /**
   * An ingestion entity's schema: an event ({@code event} true), an item (false) or a user (null), with {@code
   * required} fields; an optional field may be sent as null (it is then left out). Its properties are the fields
   * {@link RequestBodies} takes, which a test holds them to.
   */
  private static ObjectNode entity(ObjectMapper json, Boolean event, String... required) {
    ObjectNode schema = json.createObjectNode().put("type", "object").put("additionalProperties", false);
    ArrayNode req = schema.putArray("required");
    for (String f : required) req.add(f);
    ObjectNode props = schema.putObject("properties");
    java.util.Set<String> requiredSet = java.util.Set.of(required);
    java.util.function.BiConsumer<String, String> field = (name, type) -> {
      ObjectNode p = props.putObject(name);
      if (requiredSet.contains(name)) p.put("type", type);
      else p.putArray("type").add(type).add("null");
    };
    java.util.function.Consumer<String> idField = name -> {
      field.accept(name, "string");
      id((ObjectNode) props.get(name));
    };
    java.util.function.Consumer<String> stringMap = name -> attributeMap(props.putObject(name));
    if (Boolean.TRUE.equals(event)) {
      for (String name : List.of("id", "userId", "itemId", "type")) idField.accept(name);
      field.accept("value", "number");
      ((ObjectNode) props.get("value")).put("description", VALUE_RANGES);
      field.accept("timestamp", "integer");
      ((ObjectNode) props.get("timestamp")).put("minimum", 0).put("description", TIMESTAMP_RANGE
          + "; default the time of receipt");
      idField.accept("scene");
      stringMap.accept("context");
    } else if (Boolean.FALSE.equals(event)) {
      idField.accept("id"); // in a PUT, the path's id, or the same one
      idField.accept("scene");
      for (String text : List.of("title", "album", "text")) {
        field.accept(text, "string");
        ((ObjectNode) props.get(text)).put("maxLength", RequestBodies.MAX_TEXT_LENGTH);
      }
      field.accept("creator", "string");
      ((ObjectNode) props.get("creator")).put("maxLength", RequestBodies.MAX_ID_LENGTH).put("description", "as an id"
          + " (what onboarding and recommendation requests choose by): 1 to 256 characters without control"
          + " characters; blank is none");
      for (String list : List.of("categories", "tags")) {
        ObjectNode p = props.putObject(list);
        p.putArray("type").add("array").add("null");
        id(p.putObject("items").put("type", "string"));
      }
      field.accept("durationSeconds", "number");
      ((ObjectNode) props.get("durationSeconds")).put("minimum", 0);
      field.accept("releaseTime", "integer");
      stringMap.accept("attributes");
    } else {
      idField.accept("id");
      stringMap.accept("attributes");
    }
    return schema;
  }

  /**
   * Marks a string schema as an id: 1 to {@value RequestBodies#MAX_ID_LENGTH} characters, as {@link
   * RequestBodies#checkId} takes (which also refuses control characters, beyond what a schema says).
   */
  private static ObjectNode id(ObjectNode stringSchema) {
    return stringSchema.put("minLength", 1).put("maxLength", RequestBodies.MAX_ID_LENGTH);
  }

  /** The routes whose success body has a schema of its own, by "METHOD path". */
  private static final java.util.Map<String, String> ANSWERS = java.util.Map.ofEntries(
      java.util.Map.entry("GET /v1/users/{id}/recommendations", "Recommendations"),
      java.util.Map.entry("POST /v1/recommendations", "Recommendations"),
      java.util.Map.entry("POST /v1/users/{id}/onboarding", "Recommendations"),
      java.util.Map.entry("POST /v1/events", "Ingested"),
      java.util.Map.entry("GET /v1/items/{id}", "StoredItem"),
      java.util.Map.entry("PUT /v1/items/{id}", "StoredItem"),
      java.util.Map.entry("POST /v1/items/{id}/hide", "StoredItem"),
      java.util.Map.entry("POST /v1/items/{id}/unhide", "StoredItem"),
      java.util.Map.entry("GET /v1/items/{id}/similar", "SimilarItems"),
      java.util.Map.entry("GET /v1/popular", "PopularItems"),
      java.util.Map.entry("GET /v1/trending", "TrendingItems"),
      java.util.Map.entry("GET /v1/new", "NewItems"),
      java.util.Map.entry("POST /v1/users", "Upserted"),
      java.util.Map.entry("POST /v1/items", "Upserted"),
      java.util.Map.entry("GET /v1/users/{id}", "UserProfile"),
      java.util.Map.entry("PUT /v1/users/{id}", "UserProfile"),
      java.util.Map.entry("GET /v1/users/{id}/events", "UserEvents"),
      java.util.Map.entry("GET /v1/users/{id}/export", "UserExport"),
      java.util.Map.entry("POST /v1/items/lookup", "LookedUp"),
      java.util.Map.entry("GET /v1/admin/overview", "AdminOverview"),
      java.util.Map.entry("GET /v1/admin/events/over-time", "EventsOverTime"),
      java.util.Map.entry("GET /v1/admin/quality", "AdminQuality"),
      java.util.Map.entry("GET /v1/admin/models", "ModelVersions"),
      java.util.Map.entry("POST /v1/admin/models/{id}/activate", "Activated"),
      java.util.Map.entry("DELETE /v1/admin/models/{id}", "RemovedVersion"),
      java.util.Map.entry("POST /v1/admin/models/train", "TrainingJob"),
      java.util.Map.entry("GET /v1/admin/training", "TrainingStatus"),
      java.util.Map.entry("GET /v1/admin/users", "UserIdList"),
      java.util.Map.entry("GET /v1/admin/items", "ItemSearchResults"),
      java.util.Map.entry("POST /v1/admin/influence", "Influence"),
      java.util.Map.entry("GET /v1/admin/items/{id}/consumers", "ItemConsumers"),
      java.util.Map.entry("GET /v1/admin/experiments", "Experiments"),
      java.util.Map.entry("POST /v1/admin/experiments", "Experiment"),
      java.util.Map.entry("GET /v1/admin/experiments/{id}", "Experiment"),
      java.util.Map.entry("POST /v1/admin/experiments/{id}/stop", "Experiment"),
      java.util.Map.entry("GET /health", "Health"));

  /**
   * The answers' schemas: recommendations ({@code userId} as sent, absent for an anonymous history; {@code model}, the
   * version that answered or null; {@code items}, each a {@link Recommendations.Recommended}, its explanation a
   * {@link Recommendations.Explained} of {@link Recommendations.Step}s) and event ingestion.
   */
  private static void answerSchemas(ObjectMapper json, ObjectNode schemas) {
    ObjectNode answer = object(schemas.putObject("Recommendations"), "model", "items");
    props(answer).putObject("userId").put("type", "string");
    nullable(props(answer).putObject("model"), "string");
    props(answer).putObject("items").put("type", "array").putObject("items").put("$ref",
        "#/components/schemas/Recommended");
    ObjectNode inExperiment = object(props(answer).putObject("experiment").put("description", "only while an A/B"
        + " experiment runs and the answer is for a user: the experiment and the arm that answered"), "id", "arm");
    props(inExperiment).putObject("id").put("type", "string");
    props(inExperiment).putObject("arm").put("type", "string");
    ObjectNode item = object(schemas.putObject("Recommended"), "itemId", "score", "modelScore", "source",
        "explanation");
    props(item).putObject("itemId").put("type", "string");
    props(item).putObject("score").put("type", "number");
    nullable(props(item).putObject("modelScore"), "number");
    props(item).putObject("source").put("type", "string").put("description", "the model kind (sasrec, two-stage,"
        + " scene-transfer, itemknn, als...), content, category or popular");
    ArrayNode explained = props(item).putObject("explanation").putArray("anyOf");
    explained.addObject().put("$ref", "#/components/schemas/Explanation");
    explained.addObject().put("type", "null");
    ObjectNode explanation = object(schemas.putObject("Explanation"), "steps", "rest", "topItemId", "topStepDrop",
        "randomStepDrop", "omittedSteps", "omittedWeight");
    props(explanation).putObject("steps").put("type", "array").putObject("items").put("$ref",
        "#/components/schemas/Step");
    nullable(props(explanation).putObject("rest"), "number");
    props(explanation).putObject("topItemId").put("type", "string");
    props(explanation).putObject("topStepDrop").put("type", "number");
    nullable(props(explanation).putObject("randomStepDrop"), "number");
    props(explanation).putObject("omittedSteps").put("type", "integer").put("description", "scene-transfer: the"
        + " history events beyond the " + Recommendations.MAX_TRANSFER_STEPS + " largest shares, not listed; 0"
        + " otherwise");
    ObjectNode omittedWeight = props(explanation).putObject("omittedWeight");
    nullable(omittedWeight, "number");
    omittedWeight.put("description", "scene-transfer: the sum of their shares (steps' weights + omittedWeight + rest"
        + " = modelScore); null for attention models");
    ObjectNode step = object(schemas.putObject("Step"), "itemId", "timestamp", "type", "weight", "drop", "standIn",
        "hidden");
    props(step).putObject("itemId").put("type", "string");
    ObjectNode stepTime = props(step).putObject("timestamp");
    nullable(stepTime, "integer");
    stepTime.put("description", "the event's time in milliseconds since 1970; null for a stand-in and for a history"
        + " event sent without one");
    props(step).putObject("type").put("type", "string");
    props(step).putObject("weight").put("type", "number").put("description", "an attention model's attention to the"
        + " event, the same for every item; a scene-transfer model's exact share of the score");
    ObjectNode drop = props(step).putObject("drop");
    nullable(drop, "number");
    drop.put("description", "an attention model's score of the item less its score with this event left out (steps"
        + " come largest first); null for scene-transfer");
    props(step).putObject("standIn").put("type", "boolean");
    props(step).putObject("hidden").put("type", "boolean").put("description", "whether the item is hidden (the"
        + " user's own event still names it)");
    // an item as the catalogue holds it (Api.itemJson), and the ranked lists of items
    ObjectNode stored = object(schemas.putObject("StoredItem"), "id", "scene", "hidden", "createdAt");
    for (String text : List.of("id", "scene")) props(stored).putObject(text).put("type", "string");
    for (String text : List.of("title", "creator", "album", "text")) nullable(props(stored).putObject(text), "string");
    for (String list : List.of("categories", "tags")) {
      props(stored).putObject(list).put("type", "array").putObject("items").put("type", "string");
    }
    nullable(props(stored).putObject("durationSeconds"), "number");
    nullable(props(stored).putObject("releaseTime"), "integer");
    props(stored).putObject("attributes").put("type", "object").putObject("additionalProperties").put("type",
        "string");
    props(stored).putObject("hidden").put("type", "boolean");
    props(stored).putObject("createdAt").put("type", "integer");
    props(stored).putObject("warning").put("type", "string").put("description", "on a write: a new scene that differs"
        + " from a known one by case only");
    ObjectNode ranked = object(schemas.putObject("RankedItem"), "itemId", "score", "source");
    props(ranked).putObject("itemId").put("type", "string");
    props(ranked).putObject("score").put("type", "number").put("description", "users (popular, trending), a"
        + " similarity (similar), the release time (new)");
    props(ranked).putObject("source").put("type", "string");
    rankedList(schemas, "PopularItems", null, "#/components/schemas/RankedItem");
    rankedList(schemas, "SimilarItems", "itemId", "#/components/schemas/RankedItem");
    rankedList(schemas, "TrendingItems", "windowHours", "#/components/schemas/RankedItem");
    ObjectNode newItems = rankedList(schemas, "NewItems", "days", null);
    ArrayNode both = ((ObjectNode) props(newItems).get("items").get("items")).putArray("allOf");
    both.addObject().put("$ref", "#/components/schemas/RankedItem");
    both.addObject().put("$ref", "#/components/schemas/StoredItem");
    // users and their data, as the user routes answer them (Api: the profile, eventJson, the export)
    ObjectNode upserted = object(schemas.putObject("Upserted"), "upserted");
    props(upserted).putObject("upserted").put("type", "integer").put("description", "records stored, one per id");
    props(upserted).putObject("warning").put("type", "string").put("description", "items: a new scene that"
        + " differs from a known one by case only");
    ObjectNode profile = object(schemas.putObject("UserProfile"), "id", "attributes");
    props(profile).putObject("id").put("type", "string").put("description", "as the client sent it");
    props(profile).putObject("attributes").put("type", "object").putObject("additionalProperties").put("type",
        "string");
    ObjectNode event = object(schemas.putObject("StoredEvent"), "id", "itemId", "type", "value", "timestamp",
        "scene");
    for (String text : List.of("id", "itemId", "type", "scene")) props(event).putObject(text).put("type", "string");
    props(event).putObject("value").put("type", "number");
    props(event).putObject("timestamp").put("type", "integer");
    props(event).putObject("context").put("type", "object").put("description", "only when the event has one")
        .putObject("additionalProperties").put("type", "string");
    ObjectNode userEvents = object(schemas.putObject("UserEvents"), "userId", "events");
    props(userEvents).putObject("userId").put("type", "string");
    props(userEvents).putObject("events").put("type", "array").putObject("items").put("$ref",
        "#/components/schemas/StoredEvent");
    ObjectNode export = object(schemas.putObject("UserExport"), "userId", "pseudonymised", "attributes", "events",
        "exposures", "exportedAtMillis");
    props(export).putObject("userId").put("type", "string").put("description", "as stored (a pseudonym when the"
        + " server pseudonymises)");
    props(export).putObject("pseudonymised").put("type", "boolean");
    props(export).set("attributes", props(profile).get("attributes").deepCopy());
    props(export).set("events", props(userEvents).get("events").deepCopy());
    ObjectNode exposure = object(props(export).putObject("exposures").put("type", "array").put("description",
        "what A/B experiments recorded as shown to the user").putObject("items"), "experimentId", "arm",
        "version", "timestamp", "itemIds");
    for (String text : List.of("experimentId", "arm")) props(exposure).putObject(text).put("type", "string");
    nullable(props(exposure).putObject("version"), "string");
    props(exposure).putObject("timestamp").put("type", "integer");
    props(exposure).putObject("itemIds").put("type", "array").putObject("items").put("type", "string");
    props(export).putObject("exportedAtMillis").put("type", "integer");
    ObjectNode lookedUp = object(schemas.putObject("LookedUp"), "items", "missing");
    props(lookedUp).putObject("items").put("type", "array").putObject("items").put("$ref",
        "#/components/schemas/StoredItem");
    props(lookedUp).putObject("missing").put("type", "array").putObject("items").put("type", "string");
    // the requests for recommendations (a history, or a stored user's with events after it) and onboarding
    ObjectNode historyEvent = object(schemas.putObject("HistoryEvent").put("additionalProperties", false), "itemId");
    id(props(historyEvent).putObject("itemId").put("type", "string"));
    ObjectNode historyType = props(historyEvent).putObject("type");
    nullable(id(historyType), "string");
    historyType.put("description", "the event's type; view when left out or null");
    nullable(props(historyEvent).putObject("timestamp").put("minimum", 0).put("description", TIMESTAMP_RANGE
        + "; default just now, in the order sent"), "integer");
    ObjectNode historyValue = props(historyEvent).putObject("value");
    nullable(historyValue, "number");
    historyValue.put("description", VALUE_RANGES);
    nullable(id(props(historyEvent).putObject("scene")), "string");
    ObjectNode ask = object(schemas.putObject("RecommendRequest").put("additionalProperties", false));
    nullable(id(props(ask).putObject("userId")), "string");
    props(ask).putObject("history").putArray("type").add("array").add("null");
    ((ObjectNode) props(ask).get("history")).put("maxItems", RequestBodies.MAX_ENTRIES).putObject("items")
        .put("$ref", "#/components/schemas/HistoryEvent");
    ObjectNode k = props(ask).putObject("k");
    k.putArray("type").add("integer").add("null");
    k.put("minimum", Api.K.minimum().intValue()).put("maximum", Api.K.maximum().intValue())
        .put("default", Api.K.defaultValue().intValue());
    for (String text : List.of("scene", "category")) nullable(id(props(ask).putObject(text)), "string");
    for (String list : List.of("exclude", "categories", "creators")) stringList(props(ask), list);
    ObjectNode diversity = props(ask).putObject("diversity");
    diversity.putArray("type").add("number").add("null");
    diversity.put("minimum", 0).put("maximum", 1);
    ObjectNode perCreator = props(ask).putObject("maxPerCreator");
    perCreator.putArray("type").add("integer").add("null");
    perCreator.put("minimum", 0).put("maximum", 1000);
    for (String flag : List.of("allowRepeats", "explain")) {
      ObjectNode f = props(ask).putObject(flag);
      nullable(f, "boolean");
      f.put("default", false);
    }
    ObjectNode onboarding = object(schemas.putObject("Onboarding").put("additionalProperties", false)
        .put("description", "at least one of items, categories and creators; each an item, category or creator"
            + " some item of the catalogue has had (400 otherwise, naming the entry)"));
    for (String list : List.of("items", "categories", "creators")) stringList(props(onboarding), list);
    requireOneOf(onboarding, "items", "categories", "creators");
    // an empty list of categories or creators clears those choices; an empty list of items chooses nothing
    ((ObjectNode) onboarding.get("anyOf").get(0).get("properties").get("items")).put("minItems", 1);
    attributeMap(props(onboarding).putObject("attributes"));
    experimentSchemas(schemas);
    adminSchemas(schemas);
    ObjectNode health = object(schemas.putObject("Health"), "status", "model");
    props(health).putObject("status").put("type", "string").putArray("enum").add("ok").add("store unavailable")
        .add("another server holds the store").add("store refuses writes");
    nullable(props(health).putObject("model"), "string");
    props(health).putObject("reason").put("type", "string").put("description",
        "with status 'store refuses writes': why (the disk is full, an I/O error, a read-only database)");
    ObjectNode ingested = object(schemas.putObject("Ingested"), "inserted", "duplicates");
    props(ingested).putObject("inserted").put("type", "integer");
    props(ingested).putObject("duplicates").put("type", "integer");
    ObjectNode conflict = object(props(ingested).putObject("conflicts").put("type", "array").put("description",
        "only when some duplicates' ids are stored for another event").putObject("items"), "index", "id", "message");
    props(conflict).putObject("index").put("type", "integer");
    props(conflict).putObject("id").put("type", "string");
    props(conflict).putObject("message").put("type", "string");
    props(ingested).putObject("warnings").put("type", "array").put("description", "only when some events look"
        + " wrong though stored as sent: timestamps before 1973-03-03, which are seconds more likely than milliseconds")
        .putObject("items").put("type", "string");
  }

  /**
   * The other admin routes' answers, for the dashboard and operators' scripts: their fields with types and what they
   * mean, nested objects as far as they are the server's own (a version's {@code params} and {@code metrics} are
   * what its model.json holds). A test holds each to the fields a live answer has.
   */
  private static void adminSchemas(ObjectNode schemas) {
    java.util.function.BiFunction<ObjectNode, String, ObjectNode> integerMap = (props, name) -> {
      ObjectNode map = props.putObject(name).put("type", "object");
      map.putObject("additionalProperties").put("type", "integer");
      return map;
    };
    ObjectNode traffic = object(schemas.putObject("Traffic").put("description", "recommendation answers since the"
        + " server started, not counting the dashboard's previews"), "answers", "answersByServedBy",
        "coldStartAnswers", "coldStartShare", "itemsBySource");
    props(traffic).putObject("answers").put("type", "integer");
    integerMap.apply(props(traffic), "answersByServedBy").put("description", "model, fallback or popular");
    props(traffic).putObject("coldStartAnswers").put("type", "integer").put("description", "answers holding no item"
        + " the model scored");
    nullable(props(traffic).putObject("coldStartShare"), "number");
    integerMap.apply(props(traffic), "itemsBySource");
    ObjectNode overview = object(schemas.putObject("AdminOverview"), "counts", "rejects", "model", "fallback",
        "traffic", "nowMillis");
    ObjectNode counts = object(props(overview).putObject("counts"), "users", "items", "events", "eventsByType",
        "eventTypes", "eventsByScene", "eventScenes", "eventsByTypeAndScene", "typeScenePairs");
    for (String n : List.of("users", "items", "events", "eventTypes", "eventScenes", "typeScenePairs")) {
      props(counts).putObject(n).put("type", "integer");
    }
    integerMap.apply(props(counts), "eventsByType").put("description", "the 50 types with most events");
    integerMap.apply(props(counts), "eventsByScene").put("description", "the 50 scenes with most events");
    ObjectNode pair = object(props(counts).putObject("eventsByTypeAndScene").put("type", "array")
        .put("description", "the 50 pairs with most events").putObject("items"), "type", "scene", "events");
    props(pair).putObject("type").put("type", "string");
    props(pair).putObject("scene").put("type", "string");
    props(pair).putObject("events").put("type", "integer");
    ObjectNode rejects = object(props(overview).putObject("rejects"), "total", "byReason");
    props(rejects).putObject("total").put("type", "integer");
    integerMap.apply(props(rejects), "byReason");
    ArrayNode activeModel = props(overview).putObject("model").put("description", "the served version, as GET"
        + " /v1/admin/models lists it; null when none is served").putArray("anyOf");
    activeModel.addObject().put("$ref", "#/components/schemas/ModelVersionInfo");
    activeModel.addObject().put("type", "null");
    nullable(props(overview).putObject("fallback"), "string");
    props(overview).putObject("traffic").put("$ref", "#/components/schemas/Traffic");
    props(overview).putObject("nowMillis").put("type", "integer");

    ObjectNode overTime = object(schemas.putObject("EventsOverTime"), "bucket", "bucketMillis", "fromMillis",
        "toMillis", "counts", "total", "nowMillis");
    props(overTime).putObject("bucket").put("type", "string").putArray("enum").add("minute").add("day");
    for (String n : List.of("bucketMillis", "fromMillis", "toMillis", "total", "nowMillis")) {
      props(overTime).putObject(n).put("type", "integer");
    }
    props(overTime).putObject("counts").put("type", "array").put("description", "events per bucket from fromMillis")
        .putObject("items").put("type", "integer");
    props(overTime).putObject("itemId").put("type", "string").put("description", "only when asked for one item");
    ObjectNode period = object(props(overTime).putObject("periods").put("type", "array").put("description", "days"
        + " of the whole log: cut where a year or more, and a quarter of its span, passed without events")
        .putObject("items"), "fromMillis", "toMillis", "bucketMillis", "counts", "total");
    for (String n : List.of("fromMillis", "toMillis", "bucketMillis", "total")) {
      props(period).putObject(n).put("type", "integer");
    }
    props(period).putObject("counts").put("type", "array").putObject("items").put("type", "integer");

    ObjectNode quality = object(schemas.putObject("AdminQuality"), "rejects", "quarantine", "unknownEventTypes",
        "traffic");
    ObjectNode recentRejects = object(props(quality).putObject("rejects"), "total", "byReason", "recent");
    props(recentRejects).putObject("total").put("type", "integer");
    integerMap.apply(props(recentRejects), "byReason");
    ObjectNode reject = object(props(recentRejects).putObject("recent").put("type", "array").put("description",
        "the latest 50, newest first").putObject("items"), "timeMillis", "route", "reason", "message");
    props(reject).putObject("timeMillis").put("type", "integer");
    for (String n : List.of("route", "reason", "message")) props(reject).putObject(n).put("type", "string");
    nullable(props(reject).putObject("field"), "string");
    ObjectNode quarantine = object(props(quality).putObject("quarantine").put("description", "the users the latest"
        + " abuse review left out of training, popular, trending and the fallback"), "available");
    props(quarantine).putObject("available").put("type", "boolean");
    props(quarantine).putObject("message").put("type", "string");
    props(quarantine).putObject("count").put("type", "integer");
    props(quarantine).putObject("atMillis").put("type", "integer");
    ObjectNode flagged = object(props(quarantine).putObject("users").put("type", "array").putObject("items"),
        "userId", "reason", "detail");
    for (String n : List.of("userId", "reason", "detail")) props(flagged).putObject(n).put("type", "string");
    ObjectNode unknownType = object(props(quality).putObject("unknownEventTypes").put("type", "array")
        .put("description", "event types outside the weight table, weighed 1").putObject("items"), "type", "events");
    props(unknownType).putObject("type").put("type", "string");
    props(unknownType).putObject("events").put("type", "integer");
    props(quality).putObject("traffic").put("$ref", "#/components/schemas/Traffic");

    ObjectNode version = object(schemas.putObject("ModelVersionInfo").put("description", "a model version: a"
        + " registry row or a model directory beside the served one or in the model root"), "id", "path", "registered",
        "active", "readable", "servable");
    for (String n : List.of("id", "path")) props(version).putObject(n).put("type", "string");
    for (String n : List.of("registered", "active", "readable", "servable")) {
      props(version).putObject(n).put("type", "boolean");
    }
    for (String n : List.of("kind", "name", "dataset", "protocol")) nullable(props(version).putObject(n), "string");
    props(version).putObject("scenes").put("type", "array").put("description", "a scene-transfer version's scenes"
        + " (absent for other kinds)").putObject("items").put("type", "string");
    nullable(props(version).putObject("createdAtMillis"), "integer");
    props(version).putObject("metrics").put("type", "object").put("description", "offline metrics by name (NDCG@10,"
        + " HR@10 ...; AUC, GAUC for a CTR ranker)").putObject("additionalProperties").put("type", "number");
    nullable(props(version).putObject("trainSeconds"), "number");
    nullable(props(version).putObject("bestEpoch"), "integer");
    nullable(props(version).putObject("validationNdcg10"), "number");
    props(version).putObject("params").put("description", "the training settings its model.json records, or null")
        .putArray("type").add("object").add("null");
    ObjectNode epoch = object(props(version).putObject("history").put("type", "array").put("description", "per"
        + " epoch").putObject("items"), "epoch");
    props(epoch).putObject("epoch").put("type", "integer");
    nullable(props(epoch).putObject("loss"), "number");
    nullable(props(epoch).putObject("validationNdcg10"), "number");
    props(version).putObject("gate").putArray("type").add("object").add("null");
    ((ObjectNode) props(version).get("gate")).put("description", "the model gate's decision for a version the"
        + " server trained: decision, candidateNdcg10, activeVersion, activeNdcg10, margin, holdout, note, refit;"
        + " scenes for a scene-transfer version (each scene's candidateNdcg10, activeNdcg10, holdoutUsers, allowed,"
        + " passed)");
    props(version).putObject("error").put("type", "string").put("description", "why it cannot be read");
    ObjectNode keptBecause = props(version).putObject("keptBecause");
    nullable(keptBecause, "string");
    keptBecause.put("description", "why DELETE /v1/admin/models/{id} would refuse it (served, the registry's active"
        + " version, the --model directory, another store's); null when it may be removed (a running experiment's arm"
        + " or training job may still refuse it)");
    ObjectNode versions = object(schemas.putObject("ModelVersions"), "active", "canTrain", "training", "job",
        "versions");
    nullable(props(versions).putObject("active"), "string");
    props(versions).putObject("canTrain").put("type", "boolean");
    props(versions).putObject("training").put("type", "string").put("description", "what Train does, in words");
    ArrayNode lastJob = props(versions).putObject("job").put("description", "the current or last training job;"
        + " null when none ran since the server started").putArray("anyOf");
    lastJob.addObject().put("$ref", "#/components/schemas/TrainingJob");
    lastJob.addObject().put("type", "null");
    props(versions).putObject("versions").put("type", "array").put("description", "newest first").putObject("items")
        .put("$ref", "#/components/schemas/ModelVersionInfo");
    ObjectNode activated = object(schemas.putObject("Activated"), "active", "version");
    props(activated).putObject("active").put("type", "string");
    props(activated).putObject("version").put("type", "string");
    props(activated).putObject("warning").put("type", "string").put("description", "only when there is one: the"
        + " catalogue lacks most of the version's items, or a running experiment's arm follows the active version");

    ObjectNode removed = object(schemas.putObject("RemovedVersion"), "deleted", "path", "bytes");
    props(removed).putObject("deleted").put("type", "string").put("description", "the version's id");
    props(removed).putObject("path").put("type", "string").put("description", "its directory, now gone");
    props(removed).putObject("bytes").put("type", "integer").put("description", "the bytes of the files deleted");
    props(removed).putObject("warning").put("type", "string").put("description", "only when some files could not"
        + " be deleted: how many, and the hidden folder they stay in");

    ObjectNode job = object(schemas.putObject("TrainingJob"), "id", "trigger", "state", "startedAtMillis", "epoch");
    for (String n : List.of("id", "trigger")) props(job).putObject(n).put("type", "string");
    props(job).putObject("state").put("type", "string").putArray("enum").add("queued").add("training")
        .add("evaluating").add("refitting").add("published").add("rejected").add("failed");
    for (String n : List.of("version", "holdout", "error")) nullable(props(job).putObject(n), "string");
    props(job).putObject("startedAtMillis").put("type", "integer");
    nullable(props(job).putObject("finishedAtMillis"), "integer");
    // a QA run read epoch 29 beside a stage of "epoch 30/40" and took it for an off-by-one
    props(job).putObject("epoch").put("type", "integer").put("description", "the last epoch finished (progress.stage"
        + " names the one running)");
    ObjectNode loss = props(job).putObject("loss").put("description", "the last finished epoch's training loss");
    nullable(loss, "number");
    ObjectNode progress = object(props(job).putObject("progress"), "done", "total");
    nullable(props(progress).putObject("stage"), "string");
    props(progress).putObject("done").put("type", "integer");
    props(progress).putObject("total").put("type", "integer");
    props(job).putObject("gate").putArray("type").add("object").add("null");
    props(job).putObject("quarantined").put("type", "integer");
    props(job).putObject("killedBefore").put("type", "integer").put("description", "jobs in a row before this one"
        + " that ended with the server (a kill); each lengthens the hold of the automatic triggers after a restart");
    ObjectNode status = object(schemas.putObject("TrainingStatus").put("description", "a server without a model"
        + " lifecycle answers only {available: false}"), "available");
    props(status).putObject("available").put("type", "boolean");
    nullable(props(status).putObject("trainer"), "string");
    ((ObjectNode) props(status).get("trainer")).put("description", "the model kind a job trains; null without an"
        + " engine");
    props(status).putObject("running").put("type", "boolean");
    ArrayNode statusJob = props(status).putObject("job").putArray("anyOf");
    statusJob.addObject().put("$ref", "#/components/schemas/TrainingJob");
    statusJob.addObject().put("type", "null");
    ObjectNode triggers = object(props(status).putObject("triggers"), "retrainAfterEvents", "eventsSinceTraining");
    nullable(props(triggers).putObject("trainEvery"), "string");
    props(triggers).putObject("retrainAfterEvents").put("type", "integer");
    props(triggers).putObject("eventsSinceTraining").put("type", "integer");
    ObjectNode heldUntil = props(triggers).putObject("heldUntilMillis");
    nullable(heldUntil, "integer");
    heldUntil.put("description", "until when the schedule and"
        + " the event trigger start no job, after a restart found the last job ended by a kill; null: no hold");
    props(status).putObject("gateMargin").put("type", "number");
    props(status).putObject("holdoutFraction").put("type", "number");
    props(status).putObject("keepVersions").put("type", "integer").put("description", "how many of the versions"
        + " training jobs built are kept, the newest (older ones are removed after each job; the served one and"
        + " experiment arms' stay); 0: every one");

    ObjectNode userIds = object(schemas.putObject("UserIdList"), "prefix", "users");
    props(userIds).putObject("prefix").put("type", "string");
    props(userIds).putObject("users").put("type", "array").putObject("items").put("type", "string");
    ObjectNode itemSearch = object(schemas.putObject("ItemSearchResults").put("description", "prefix or q, as"
        + " asked"), "items");
    props(itemSearch).putObject("prefix").put("type", "string");
    props(itemSearch).putObject("q").put("type", "string");
    ObjectNode found = object(props(itemSearch).putObject("items").put("type", "array").putObject("items"), "id");
    props(found).putObject("id").put("type", "string");
    nullable(props(found).putObject("title"), "string");
    nullable(props(found).putObject("creator"), "string");
    ObjectNode consumers = object(schemas.putObject("ItemConsumers"), "itemId", "users", "events", "top");
    props(consumers).putObject("itemId").put("type", "string");
    props(consumers).putObject("users").put("type", "integer");
    props(consumers).putObject("events").put("type", "integer");
    ObjectNode consumer = object(props(consumers).putObject("top").put("type", "array").put("description", "most"
        + " events first").putObject("items"), "userId", "events", "lastMillis");
    props(consumer).putObject("userId").put("type", "string");
    props(consumer).putObject("events").put("type", "integer");
    props(consumer).putObject("lastMillis").put("type", "integer");

    ObjectNode influenceAsk = object(schemas.putObject("InfluenceRequest").put("additionalProperties", false)
        .put("description", "userId, history or both"), "items");
    requireOneOf(influenceAsk, "userId", "history");
    nullable(id(props(influenceAsk).putObject("userId")), "string");
    props(influenceAsk).putObject("history").putArray("type").add("array").add("null");
    ((ObjectNode) props(influenceAsk).get("history")).put("maxItems", 1000).putObject("items").put("$ref",
        "#/components/schemas/HistoryEvent");
    id(props(influenceAsk).putObject("items").put("type", "array").put("minItems", 1)
        .put("maxItems", Admin.MAX_INFLUENCE_ITEMS).put("description", "the items to score: 1 to "
            + Admin.MAX_INFLUENCE_ITEMS + " ids (one forward pass per history event scores them all)")
        .putObject("items").put("type", "string"));
    nullable(id(props(influenceAsk).putObject("scene")), "string");
    ObjectNode influence = object(schemas.putObject("Influence"), "model", "steps", "items", "drops");
    props(influence).putObject("model").put("type", "string");
    ObjectNode influenceStep = object(props(influence).putObject("steps").put("type", "array").put("description",
        "the events the model reads, in time order").putObject("items"), "itemId", "type", "timestamp", "standIn",
        "hidden");
    props(influenceStep).putObject("itemId").put("type", "string");
    props(influenceStep).putObject("type").put("type", "string");
    nullable(props(influenceStep).putObject("timestamp"), "integer");
    props(influenceStep).putObject("standIn").put("type", "boolean");
    props(influenceStep).putObject("hidden").put("type", "boolean");
    props(influence).putObject("items").put("type", "array").putObject("items").put("type", "string");
    props(influence).putObject("drops").put("type", "array").put("description", "per step, per item: the score less"
        + " the score without the step").putObject("items").put("type", "array").putObject("items")
        .put("type", "number");
  }

  /**
   * A/B experiments: the request that starts one ({@link Experiments#START_FIELDS}, an arm's {@link
   * Experiments#ARM_FIELDS}), and the experiment as answered, with its results where a route reads them.
   */
  private static void experimentSchemas(ObjectNode schemas) {
    ObjectNode ask = object(schemas.putObject("ExperimentRequest").put("additionalProperties", false), "name",
        "arms");
    props(ask).putObject("name").put("type", "string").put("pattern", "\\S"); // not blank
    nullable(props(ask).putObject("id"), "string");
    ((ObjectNode) props(ask).get("id")).put("pattern", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
        .put("description", "default ab-<UTC time of the start>");
    ObjectNode armRequest = object(props(ask).putObject("arms").put("type", "array").put("minItems", 2)
        .put("maxItems", Experiments.MAX_ARMS).put("description", "the first is the control").putObject("items")
        .put("additionalProperties", false), "name", "version");
    props(armRequest).putObject("name").put("type", "string").put("pattern", "\\S");
    props(armRequest).putObject("version").put("type", "string").put("pattern", "\\S").put("description", "a model"
        + " version's id (as"
        + " GET /v1/admin/models lists them), or '" + Experiments.ACTIVE + "': the one served to everyone else");
    ObjectNode share = props(armRequest).putObject("share");
    share.putArray("type").add("number").add("null");
    share.put("minimum", Experiments.MIN_SHARE).put("exclusiveMaximum", 1).put("description", "the arm's fraction"
        + " of users; every arm's or none (equal); they sum to 1");
    ObjectNode window = props(ask).putObject("windowMinutes");
    window.putArray("type").add("integer").add("null");
    window.put("minimum", 1).put("maximum", Experiments.MAX_WINDOW_MINUTES)
        .put("default", Experiments.DEFAULT_WINDOW_MINUTES).put("description", "how long after an answer an event"
            + " on one of its items counts as a use of it");
    stringList(props(ask), "conversionTypes");
    ((ObjectNode) props(ask).get("conversionTypes").get("items")).put("pattern", "\\S");
    ((ObjectNode) props(ask).get("conversionTypes")).put("minItems", 1).put("description", "the event types that"
        + " count as a use, not ones weighed as disliked"
        + " (default: " + String.join(", ", new java.util.TreeSet<>(Experiments.DEFAULT_CONVERSION_TYPES)) + ")");
    ObjectNode minUsers = props(ask).putObject("minUsersPerArm");
    minUsers.putArray("type").add("integer").add("null");
    minUsers.put("minimum", 1).put("maximum", Experiments.MAX_MIN_USERS_PER_ARM)
        .put("default", Experiments.DEFAULT_MIN_USERS_PER_ARM).put("description", "no verdict before every arm has"
            + " this many users");
    ObjectNode experiment = object(schemas.putObject("Experiment"), "id", "name", "state", "arms", "windowMinutes",
        "conversionTypes", "minUsersPerArm", "startedAtMillis", "stoppedAtMillis");
    for (String text : List.of("id", "name")) props(experiment).putObject(text).put("type", "string");
    props(experiment).putObject("note").put("type", "string").put("description", "only when it runs but is not"
        + " served (an arm's version could not be read at start)");
    props(experiment).putObject("served").put("type", "boolean").put("description", "whether its arms answer now");
    props(experiment).putObject("warning").put("type", "string").put("description", "only on a start that has one:"
        + " conversion types that no stored event has and the weight table does not name (misspelt?)");
    props(experiment).putObject("state").put("type", "string").putArray("enum").add("running").add("stopped");
    ObjectNode arm = object(props(experiment).putObject("arms").put("type", "array").putObject("items"), "name",
        "version", "share", "control");
    for (String text : List.of("name", "version")) props(arm).putObject(text).put("type", "string");
    props(arm).putObject("share").put("type", "number");
    props(arm).putObject("control").put("type", "boolean");
    nullable(props(arm).putObject("servedVersion"), "string");
    for (String n : List.of("windowMinutes", "minUsersPerArm", "startedAtMillis", "droppedExposures")) {
      props(experiment).putObject(n).put("type", "integer");
    }
    nullable(props(experiment).putObject("stoppedAtMillis"), "integer");
    props(experiment).putObject("conversionTypes").put("type", "array").putObject("items").put("type", "string");
    props(experiment).putObject("results").put("$ref", "#/components/schemas/ExperimentResults")
        .put("description", "on GET of one experiment and on stop");
    ObjectNode results = object(schemas.putObject("ExperimentResults"), "asOfMillis", "state", "arms",
        "comparisons", "level", "sampleRatio", "usersInTwoArms", "verdict");
    props(results).putObject("asOfMillis").put("type", "integer");
    props(results).putObject("state").put("type", "string").putArray("enum").add("collecting").add("ready")
        .add("too_few_users").add("sample_ratio_mismatch");
    props(results).putObject("level").put("type", "number").put("description", "each comparison's level: 0.05"
        + " over the comparisons (Bonferroni); the differences' intervals are at one minus it");
    props(results).putObject("usersInTwoArms").put("type", "integer").put("description", "users answered by two"
        + " arms, left out");
    props(results).putObject("usesCountedUntilMillis").put("type", "integer").put("description", "for a stopped"
        + " experiment after which another started: that start, the latest time a use counts");
    props(results).putObject("verdict").put("type", "string");
    ObjectNode estimate = object(schemas.putObject("Estimate").put("description", "null numbers: no users yet"),
        "estimate", "lower", "upper");
    for (String n : List.of("estimate", "lower", "upper")) nullable(props(estimate).putObject(n), "number");
    ObjectNode armResult = object(props(results).putObject("arms").put("type", "array").putObject("items"), "name",
        "users", "answers", "itemsShown", "conversions", "convertedUsers", "conversionRate", "conversionsPerUser",
        "conversionsPerItemShown", "likedEvents", "likedEventsPerUser", "answersByVersion");
    props(armResult).putObject("name").put("type", "string");
    for (String n : List.of("users", "answers", "itemsShown", "conversions", "convertedUsers", "likedEvents")) {
      props(armResult).putObject(n).put("type", "integer");
    }
    props(armResult).putObject("conversionRate").put("$ref", "#/components/schemas/Estimate").put("description",
        "the share of its users with a conversion, Wilson 95% interval");
    for (String n : List.of("conversionsPerUser", "conversionsPerItemShown", "likedEventsPerUser")) {
      nullable(props(armResult).putObject(n), "number");
    }
    props(armResult).putObject("answersByVersion").put("type", "object").put("description", "answers by the model"
        + " version that gave them (none: the fallback or popularity)").putObject("additionalProperties")
        .put("type", "integer");
    ObjectNode compared = object(props(results).putObject("comparisons").put("type", "array").putObject("items"),
        "arm", "control", "conversionRate", "conversionRateAlwaysValid", "conversionsPerUser", "likedEventsPerUser");
    props(compared).putObject("arm").put("type", "string");
    props(compared).putObject("control").put("type", "string");
    ObjectNode difference = object(schemas.putObject("Difference").put("description", "an arm less the control;"
        + " null numbers: not measurable yet"), "difference", "lower", "upper", "relative", "pValue", "significant");
    for (String n : List.of("difference", "lower", "upper", "relative", "pValue")) {
      nullable(props(difference).putObject(n), "number");
    }
    props(difference).putObject("intervalNote").put("type", "string").put("description", "only when the difference"
        + " stands but its interval cannot be estimated (lower and upper null): why, such as no conversions in either"
        + " arm, where an interval of width 0 would claim a precision the users cannot give");
    props(difference).putObject("significant").put("type", "boolean").put("description", "a decision: the p-value"
        + " is below the level, and for the fixed-horizon tests every arm has minUsersPerArm users; never under a"
        + " sample ratio mismatch");
    props(compared).putObject("conversionRate").put("$ref", "#/components/schemas/Difference").put("description",
        "the fixed-horizon test (two-proportion z-test): valid read once, when every arm has minUsersPerArm users");
    props(compared).putObject("conversionRateAlwaysValid").put("$ref", "#/components/schemas/Difference")
        .put("description", "the always-valid test (mixture sequential probability ratio test, its mixture tuned to"
            + " minUsersPerArm): may be read at every look and acted on at any; its level, and its interval's coverage, hold"
            + " at every look at once (approximately: conversions are counted as they arrive)");
    props(compared).putObject("conversionsPerUser").put("$ref", "#/components/schemas/Difference");
    props(compared).putObject("likedEventsPerUser").put("$ref", "#/components/schemas/Difference").put("description",
        "the guardrail: liked events of the conversion types per user, shown or not (Welch); not in the verdict");
    ObjectNode split = object(props(results).putObject("sampleRatio"), "pValue", "mismatch", "testable");
    nullable(props(split).putObject("pValue"), "number");
    props(split).putObject("mismatch").put("type", "boolean");
    props(split).putObject("testable").put("type", "boolean").put("description", "every arm expects 5 users or"
        + " more: before, no mismatch is declared");
    ObjectNode list = object(schemas.putObject("Experiments"), "experiments");
    props(list).putObject("experiments").put("type", "array").putObject("items").put("$ref",
        "#/components/schemas/Experiment");
  }

  /** {@code {items: [entry]}}, with a field that says what was asked ({@code windowHours}, {@code days}) if any. */
  private static ObjectNode rankedList(ObjectNode schemas, String name, String asked, String entryRef) {
    ObjectNode list = asked == null ? object(schemas.putObject(name), "items")
        : object(schemas.putObject(name), asked, "items");
    if (asked != null) props(list).putObject(asked).put("type", asked.equals("itemId") ? "string" : "integer");
    ObjectNode entry = props(list).putObject("items").put("type", "array").putObject("items");
    if (entryRef != null) entry.put("$ref", entryRef);
    return list;
  }

  /** An optional list of ids ({@link RequestBodies#stringList} checks each as an id). */
  private static void stringList(ObjectNode properties, String name) {
    ObjectNode list = properties.putObject(name);
    list.putArray("type").add("array").add("null");
    list.put("maxItems", RequestBodies.MAX_ENTRIES); // 413 beyond
    id(list.putObject("items").put("type", "string"));
  }

  private static ObjectNode object(ObjectNode schema, String... required) {
    schema.put("type", "object");
    ArrayNode names = schema.putArray("required");
    for (String name : required) names.add(name);
    schema.putObject("properties");
    return schema;
  }

  private static ObjectNode props(ObjectNode schema) {
    return (ObjectNode) schema.get("properties");
  }

  /** An object of attributes or context as a body gives it ({@link RequestBodies#stringMap}); stored as text. */
  private static void attributeMap(ObjectNode p) {
    p.putArray("type").add("object").add("null");
    p.put("maxProperties", RequestBodies.MAX_ENTRIES);
    id(p.putObject("propertyNames"));
    ObjectNode value = p.putObject("additionalProperties");
    value.putArray("type").add("string").add("number").add("boolean").add("null");
    value.put("maxLength", RequestBodies.MAX_TEXT_LENGTH).put("description", "kept as text: a boolean as true or"
        + " false, a number as written when it has no exponent (2020, 0.5), else in the form 1E+3; null leaves the key"
        + " out");
  }

  /** A rule the server checks beyond each field's own: at least one of {@code fields} is given, and not null. */
  private static void requireOneOf(ObjectNode schema, String... fields) {
    ArrayNode anyOf = schema.putArray("anyOf");
    for (String f : fields) {
      ObjectNode given = anyOf.addObject();
      given.putArray("required").add(f);
      given.putObject("properties").putObject(f).putObject("not").put("type", "null");
    }
  }

  private static void nullable(ObjectNode property, String type) {
    property.putArray("type").add(type).add("null");
  }

  private static ObjectNode errorResponse(ObjectNode responses, String status, String description) {
    ObjectNode response = responses.putObject(status);
    response.put("description", description);
    response.putObject("content").putObject("application/json").putObject("schema").put("$ref", ERROR);
    return response;
  }

  private static void retryAfter(ObjectNode response) {
    ObjectNode header = response.putObject("headers").putObject("Retry-After");
    header.put("description", "seconds to wait before a retry");
    header.putObject("schema").put("type", "integer");
  }

  /** {@code getUsersByIdRecommendations} for {@code GET /v1/users/{id}/recommendations}: unique per route. */
  static String operationId(Route r) {
    StringBuilder id = new StringBuilder(r.method().name().toLowerCase(Locale.ROOT));
    for (String segment : r.path().split("/")) {
      if (segment.isEmpty() || segment.equals("v1")) continue;
      String word = segment.startsWith("{") ? "by-" + segment.substring(1, segment.length() - 1) : segment;
      for (String part : word.split("[^A-Za-z0-9]+")) {
        if (!part.isEmpty()) id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return id.toString();
  }

  /** The group a route is listed under: admin, users, items, events, recommendations, or operations. */
  private static String tag(String path, String scope) {
    if (scope == null) return "operations";
    if (scope.equals("admin")) return "admin";
    for (String group : List.of("users", "items", "events")) {
      if (path.equals("/v1/" + group) || path.startsWith("/v1/" + group + "/")) {
        return path.endsWith("/recommendations") || path.endsWith("/similar") ? "recommendations" : group;
      }
    }
    return "recommendations";
  }
}
