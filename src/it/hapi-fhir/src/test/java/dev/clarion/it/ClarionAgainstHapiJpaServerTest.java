package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.provider.BaseResourceProviderR4Test;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Clarion (the packaged server, as a process) against a real HAPI FHIR JPA server loaded with the
 * Synthea test patient: every prefetch state and every way the FHIR server can fail, each with the
 * expected answer and decision record. Clarion runs as in production: every call carries a signed
 * client JWT, and the FHIR servers it may query are those registered for the client. The same
 * patient must get the same risk whether its data came by prefetch or by fallback.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClarionAgainstHapiJpaServerTest extends BaseResourceProviderR4Test {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path ROOT = ClarionProcess.ROOT;
  static final String FIXTURE = "src/test/resources/cds/patient_view_synthea_scored.json";
  static final String TOKEN = "it-valid-token";
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static EmbeddedPostgres postgres;
  static ClarionProcess clarion;
  static String down;

  /** Counts the requests the FHIR server receives; optionally slow, optionally checks the token. */
  @Interceptor
  public static class Gate {
    final AtomicInteger requests = new AtomicInteger();
    volatile int latencyMs;
    volatile String requiredToken;

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
    public boolean incoming(HttpServletRequest request) throws InterruptedException {
      requests.incrementAndGet();
      if (latencyMs > 0) {
        Thread.sleep(latencyMs);
      }
      if (requiredToken != null
          && !("Bearer " + requiredToken).equals(request.getHeader("Authorization"))) {
        throw new AuthenticationException("token expired");
      }
      return true;
    }
  }

  Gate gate;

  @Override
  protected boolean shouldLogClient() {
    return false;
  }

  @BeforeEach
  void loadPatientAndStartClarion() throws Exception {
    // Synthea observations reference encounters that are not part of the trimmed set.
    myStorageSettings.setEnforceReferentialIntegrityOnWrite(false);
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (JsonNode resource : fixtureResources()) {
      Resource r = (Resource) myFhirContext.newJsonParser().parseResource(resource.toString());
      transaction
          .addEntry()
          .setResource(r)
          .getRequest()
          .setMethod(Bundle.HTTPVerb.PUT)
          .setUrl(r.fhirType() + "/" + r.getIdElement().getIdPart());
    }
    myClient.transaction().withBundle(transaction).execute();
    // Warm the JPA server's search path once per load: a cold first search with paging can take
    // longer than Clarion's deadline on a 2-core machine.
    String patient = fixtureResources().get(0).path("id").asText();
    for (String query :
        List.of(
            "Condition?patient=" + patient, "Observation?patient=" + patient + "&_sort=-date")) {
      myClient.search().byUrl(query).returnBundle(Bundle.class).execute();
    }
    gate = new Gate();
    myServer.getRestfulServer().registerInterceptor(gate);
    if (clarion == null) {
      startClarion();
    }
  }

  @AfterAll
  static void stopClarion() throws Exception {
    if (clarion != null) {
      clarion.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void sameRiskFromPrefetchFromFallbackAndFromPartialPrefetch() throws Exception {
    ObjectNode full = request();
    double viaPrefetch = risk(post(full, 200));
    assertEquals(0, gate.requests.get(), "full prefetch: the FHIR server is not called");

    ObjectNode none = request();
    none.remove("prefetch");
    withServer(none, myServerBase);
    assertEquals(viaPrefetch, risk(post(none, 200)), 1e-9);
    assertEquals(pages(none), gate.requests.get(), "one call per key and page, nothing else");
    JsonNode sources = record(none).get("inputs").get("sources");
    assertTrue(
        sources.get("patient").asText().startsWith("fetched from fhirServer"), sources.toString());
    assertTrue(
        sources.get("conditions").asText().matches("fetched from fhirServer \\(\\d+ pages\\)"),
        "55 conditions come in several pages: " + sources.get("conditions"));

    ObjectNode partial = request();
    ((ObjectNode) partial.get("prefetch")).remove(List.of("bloodPressure", "medications"));
    withServer(partial, myServerBase);
    assertEquals(viaPrefetch, risk(post(partial, 200)), 1e-9);
    JsonNode partialSources = record(partial).get("inputs").get("sources");
    assertEquals("prefetch", partialSources.get("lipids").asText());
    assertTrue(partialSources.get("bloodPressure").asText().startsWith("fetched"));
  }

  @Test
  void unsignedCallsAreRefusedByAProductionRun() throws Exception {
    ObjectNode request = request();
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(clarion.url("/cds-services/ascvd-risk")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, response.statusCode());
    assertEquals("", response.body());
  }

  @Test
  void nullAndEmptyBundleMeanNoData() throws Exception {
    ObjectNode request = request();
    ((ObjectNode) request.get("prefetch")).putNull("lipids");
    JsonNode refused = post(request, 200);
    assertEquals(0, refused.get("cards").size(), "no card for missing data on patient-view");
    assertEquals("missing-input", record(request).get("reason_code").asText());

    ObjectNode empty = request();
    ((ObjectNode) empty.get("prefetch"))
        .putObject("conditions")
        .put("resourceType", "Bundle")
        .put("type", "searchset");
    JsonNode card = post(empty, 200);
    assertTrue(
        card.at("/cards/0/detail").asText().contains("No active diabetes condition is recorded"));
    assertEquals(0, gate.requests.get());
  }

  @Test
  void operationOutcomeIsAnErrorForThatKeyAndIsNotRequeried() throws Exception {
    ObjectNode request = request();
    ((ObjectNode) request.get("prefetch"))
        .putObject("lipids")
        .put("resourceType", "OperationOutcome")
        .putArray("issue")
        .addObject()
        .put("severity", "error")
        .put("code", "timeout");
    withServer(request, myServerBase);
    JsonNode outcome = post(request, 412);
    assertTrue(
        outcome.at("/issue/0/diagnostics").asText().contains("lipids (the EHR reported an error"));
    assertEquals(0, gate.requests.get(), "not re-queried");
    assertEquals("FAILED", record(request).get("outcome").asText());
  }

  @Test
  void expiredTokenGives412AndTheTokenIsNeverStored() throws Exception {
    gate.requiredToken = "a-newer-token";
    ObjectNode request = request();
    request.remove("prefetch");
    withServer(request, myServerBase);
    JsonNode outcome = post(request, 412);
    assertTrue(
        outcome.at("/issue/0/diagnostics").asText().contains("refused the access token (HTTP 401)"),
        outcome.toString());
    JsonNode record = record(request);
    assertEquals("prefetch-unavailable", record.get("reason_code").asText());
    assertTrue(!record.toString().contains(TOKEN));
  }

  /** Last: its time-outs open the server's circuit breaker, as they should. */
  @Test
  @Order(Integer.MAX_VALUE)
  void slowServerGives412AtTheDeadline() throws Exception {
    gate.latencyMs = 6000;
    ObjectNode request = request();
    request.remove("prefetch");
    withServer(request, myServerBase);
    long start = System.nanoTime();
    JsonNode outcome = post(request, 412);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 5.5, "answered in " + seconds + " s, before the server did");
    assertTrue(
        outcome.at("/issue/0/diagnostics").asText().contains("did not answer in time")
            || outcome.at("/issue/0/diagnostics").asText().contains("deadline"),
        outcome.toString());
    assertEquals("FAILED", record(request).get("outcome").asText());
  }

  @Test
  void deadServerGives412() throws Exception {
    ObjectNode request = request();
    request.remove("prefetch");
    withServer(request, down);
    JsonNode outcome = post(request, 412);
    assertTrue(
        outcome.at("/issue/0/diagnostics").asText().contains("cannot be reached"),
        outcome.toString());
    assertEquals(412, record(request).get("http_status").asInt());
  }

  // ------------------------------------------------------------------ helpers

  private int pages(ObjectNode request) throws Exception {
    int total = 0;
    for (JsonNode source : record(request).get("inputs").get("sources")) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("\\((\\d+) pages?").matcher(source.asText());
      total += m.find() ? Integer.parseInt(m.group(1)) : 1;
    }
    return total;
  }

  private static List<JsonNode> fixtureResources() throws Exception {
    JsonNode request = JSON.readTree(ROOT.resolve(FIXTURE).toFile());
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode value : request.get("prefetch")) {
      if ("Bundle".equals(value.path("resourceType").asText())) {
        value.path("entry").forEach(e -> out.add(e.get("resource")));
      } else if (value.isObject()) {
        out.add(value);
      }
    }
    out.forEach(ClarionAgainstHapiJpaServerTest::dropConditionalReferences);
    return out;
  }

  /**
   * Synthea points at practitioners and organizations with conditional references
   * ("Practitioner?identifier=…") that only resolve when its provider files are loaded too; Clarion
   * never follows them, so the trimmed set leaves them out.
   */
  private static void dropConditionalReferences(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.path("reference").asText("").contains("?")) {
        object.remove("reference");
      }
      object.forEach(ClarionAgainstHapiJpaServerTest::dropConditionalReferences);
    } else if (node.isArray()) {
      node.forEach(ClarionAgainstHapiJpaServerTest::dropConditionalReferences);
    }
  }

  private static ObjectNode request() throws Exception {
    ObjectNode request = (ObjectNode) JSON.readTree(ROOT.resolve(FIXTURE).toFile());
    request.put("hookInstance", UUID.randomUUID().toString());
    return request;
  }

  private static void withServer(ObjectNode request, String base) {
    request.put("fhirServer", base);
    request
        .putObject("fhirAuthorization")
        .put("access_token", TOKEN)
        .put("token_type", "Bearer")
        .put("expires_in", 300)
        .put("scope", "patient/*.read")
        .put("subject", "clarion");
  }

  private static JsonNode post(ObjectNode request, int expectedStatus) throws Exception {
    String url = clarion.url("/cds-services/ascvd-risk");
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + ClientKeys.token(url))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(expectedStatus, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  private static double risk(JsonNode response) {
    return response
        .at("/cards/0/suggestions/0/actions/0/resource/prediction/0/probabilityDecimal")
        .asDouble();
  }

  private static JsonNode record(ObjectNode request) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select row_to_json(d)::text from decision d where hook_instance = ?")) {
      ps.setString(1, request.get("hookInstance").asText());
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), "decision recorded");
        return JSON.readTree(rs.getString(1));
      }
    }
  }

  private void startClarion() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    down = "http://127.0.0.1:" + ClarionProcess.freePort() + "/fhir";
    clarion =
        ClarionProcess.start(
            "clarion-it",
            List.of(
                "quarkus.datasource.jdbc.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "quarkus.datasource.username=postgres",
                "clarion.fhir.deadline=4s",
                "clarion.fhir.call-timeout=3s",
                "clarion.fhir.max-pages=20"));
    try (Connection c = postgres.getPostgresDatabase().getConnection()) {
      ClientKeys.register(c, myServerBase, down);
    }
  }
}
