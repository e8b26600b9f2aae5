package dev.clarion.telemetry;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document at {@code /q/openapi} is the README's endpoint table, with errors: every
 * route the README lists is in it with each of its methods, and every operation documents its error
 * answers as OperationOutcomes.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class OpenApiTest {

  record Route(String method, String path) {}

  @Test
  void everyRouteOfTheReadmeIsDocumented() throws Exception {
    JsonNode paths = openapi().get("paths");
    List<Route> routes = readmeRoutes();
    assertTrue(routes.size() > 30, "the README's table was read: " + routes);
    List<String> missing = new ArrayList<>();
    for (Route r : routes) {
      JsonNode path = paths.get(r.path());
      if (path == null || !path.has(r.method().toLowerCase(Locale.ROOT))) {
        missing.add(r.method() + " " + r.path());
      }
    }
    assertEquals(List.of(), missing, "README routes missing from /q/openapi");
  }

  @Test
  void theServiceCallDocumentsItsErrors() throws Exception {
    JsonNode call = openapi().at("/paths/~1cds-services~1{id}/post/responses");
    Set<String> codes = new TreeSet<>();
    call.fieldNames().forEachRemaining(codes::add);
    assertEquals(Set.of("200", "400", "401", "403", "404", "408", "412", "503"), codes);
    assertTrue(
        call.at("/503/description").asText().contains("Retry-After"),
        "the 503 says when to retry: " + call.get("503"));
    assertTrue(
        call.at("/503/headers").has("Retry-After"), "the 503 documents Retry-After: " + call);
    assertEquals(
        "#/components/schemas/OperationOutcome",
        call.at("/400/content/application~1fhir+json/schema/$ref").asText());
  }

  @Test
  void everyErrorAnswerIsAnOperationOutcomeButTheBareOnes() throws Exception {
    JsonNode paths = openapi().get("paths");
    List<String> wrong = new ArrayList<>();
    int errors = 0;
    for (var p = paths.fields(); p.hasNext(); ) {
      var path = p.next();
      if (path.getKey().startsWith("/q/")) {
        continue; // health probes answer their own JSON
      }
      for (var o = path.getValue().fields(); o.hasNext(); ) {
        var op = o.next();
        for (var r = op.getValue().path("responses").fields(); r.hasNext(); ) {
          var response = r.next();
          String code = response.getKey();
          if (!code.matches("[45]\\d\\d") || code.equals("401") || code.equals("403")) {
            continue;
          }
          errors++;
          String ref =
              response.getValue().at("/content/application~1fhir+json/schema/$ref").asText();
          if (!ref.equals("#/components/schemas/OperationOutcome")) {
            wrong.add(op.getKey() + " " + path.getKey() + " " + code);
          }
        }
      }
    }
    assertTrue(errors >= 10, "error answers are documented: " + errors);
    assertEquals(List.of(), wrong, "error answers that are not OperationOutcomes");
  }

  private static JsonNode openapi() throws Exception {
    String body =
        given()
            .queryParam("format", "json")
            .get("/q/openapi")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    return Fixtures.JSON.readTree(body);
  }

  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  /**
   * The rows of the README's endpoint table: methods split at "/", every path in backticks; a path
   * like {@code `/disable`} or {@code `…/replay`} is relative to the path before it.
   */
  static List<Route> readmeRoutes() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String table = readme.substring(readme.indexOf("## Endpoints"));
    table = table.substring(0, table.indexOf("\n\n", table.indexOf("| method |")));
    List<Route> routes = new ArrayList<>();
    for (String line : table.split("\n")) {
      String[] cells = line.split("\\|");
      if (cells.length < 3 || !cells[1].trim().matches("[A-Z/]+")) {
        continue;
      }
      List<String> paths = new ArrayList<>();
      Matcher m = CODE.matcher(cells[2]);
      while (m.find()) {
        String p = m.group(1).replaceAll("\\?.*", "");
        if (p.startsWith("…/")) {
          p = paths.get(paths.size() - 1) + p.substring(1);
        } else if (p.startsWith("/")
            && !paths.isEmpty()
            && p.indexOf('/', 1) < 0
            && paths.get(0).indexOf('/', 1) > 0) {
          String first = paths.get(0);
          p = first.substring(0, first.lastIndexOf('/')) + p;
        }
        if (p.startsWith("/")) {
          paths.add(p);
        }
      }
      for (String method : cells[1].trim().split("/")) {
        for (String p : paths) {
          routes.add(new Route(method, p));
        }
      }
    }
    return routes;
  }
}
