package dev.clarion.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small FHIR R4 REST server over one patient's resources, for fast tests of the fallback path:
 * instance read, type search with {@code patient}, {@code code} (token list), {@code status},
 * newest-first order and paging through {@code next} links. Behaviour can be switched at run time:
 * added latency, a required bearer token (else 401), or HTTP 500 on every call.
 *
 * <p>It answers like a FHIR server but is not one: the integration tests against a real HAPI FHIR
 * JPA server are the reference.
 */
public final class FakeFhirServer implements AutoCloseable {

  private final HttpServer server;
  private final List<JsonNode> resources = new ArrayList<>();
  public final AtomicInteger calls = new AtomicInteger();
  public volatile int latencyMs;
  public volatile String requiredToken;
  public volatile boolean failing;
  public volatile int pageSize = 1000;

  static {
    // Like real FHIR servers (Jetty, Tomcat), answer without Nagle's algorithm: otherwise a
    // response can wait 40 ms for a delayed ACK and the fake adds latency of its own.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  public FakeFhirServer(String fixture) throws IOException {
    JsonNode request = Fixtures.json(fixture);
    for (JsonNode value : request.get("prefetch")) {
      if ("Bundle".equals(value.path("resourceType").asText())) {
        value.path("entry").forEach(e -> resources.add(e.get("resource")));
      } else if (value.isObject()) {
        resources.add(value);
      }
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(32));
    server.createContext("/fhir", this::handle);
    server.start();
  }

  public String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/fhir";
  }

  public void reset() {
    latencyMs = 0;
    requiredToken = null;
    failing = false;
    pageSize = 1000;
  }

  private void handle(HttpExchange exchange) throws IOException {
    calls.incrementAndGet();
    try {
      if (latencyMs > 0) {
        Thread.sleep(latencyMs);
      }
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      if (failing) {
        send(exchange, 500, outcome("exception"));
      } else if (requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
        send(exchange, 401, outcome("login"));
      } else {
        answer(exchange);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      exchange.close();
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath().substring("/fhir/".length());
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    String[] parts = path.split("/");
    if (parts.length == 2) {
      for (JsonNode r : resources) {
        if (r.path("resourceType").asText().equals(parts[0])
            && r.path("id").asText().equals(parts[1])) {
          send(exchange, 200, r);
          return;
        }
      }
      send(exchange, 404, outcome("not-found"));
      return;
    }
    List<JsonNode> hits = new ArrayList<>();
    for (JsonNode r : resources) {
      if (r.path("resourceType").asText().equals(parts[0]) && matches(r, query)) {
        hits.add(r);
      }
    }
    hits.sort(Comparator.comparing(FakeFhirServer::date).reversed());
    int page = Integer.parseInt(query.getOrDefault("_page", "1"));
    int from = (page - 1) * pageSize;
    List<JsonNode> slice =
        hits.subList(Math.min(from, hits.size()), Math.min(from + pageSize, hits.size()));
    ObjectNode bundle = Fixtures.JSON.createObjectNode();
    bundle.put("resourceType", "Bundle").put("type", "searchset").put("total", hits.size());
    ArrayNode links = bundle.putArray("link");
    if (from + pageSize < hits.size()) {
      String raw = exchange.getRequestURI().getRawQuery().replaceAll("&_page=\\d+", "");
      links
          .addObject()
          .put("relation", "next")
          .put("url", base() + "/" + parts[0] + "?" + raw + "&_page=" + (page + 1));
    }
    ArrayNode entries = bundle.putArray("entry");
    for (JsonNode r : slice) {
      entries
          .addObject()
          .put("fullUrl", base() + "/" + parts[0] + "/" + r.path("id").asText())
          .set("resource", r);
    }
    send(exchange, 200, bundle);
  }

  private static boolean matches(JsonNode r, Map<String, String> query) {
    String patient = query.get("patient");
    if (patient != null
        && !r.path("subject").path("reference").asText().equals("Patient/" + patient)) {
      return false;
    }
    String status = query.get("status");
    if (status != null && !r.path("status").asText().equals(status)) {
      return false;
    }
    String code = query.get("code");
    if (code != null) {
      List<String> wanted = Arrays.asList(code.split(","));
      boolean any = false;
      for (JsonNode c : r.path("code").path("coding")) {
        any |= wanted.contains(c.path("system").asText() + "|" + c.path("code").asText());
      }
      return any;
    }
    return true;
  }

  private static String date(JsonNode r) {
    return r.path("effectiveDateTime")
        .asText(r.path("authoredOn").asText(r.path("recordedDate").asText("")));
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static JsonNode outcome(String code) {
    ObjectNode oo = Fixtures.JSON.createObjectNode().put("resourceType", "OperationOutcome");
    oo.putArray("issue").addObject().put("severity", "error").put("code", code);
    return oo;
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = Fixtures.JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/fhir+json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
