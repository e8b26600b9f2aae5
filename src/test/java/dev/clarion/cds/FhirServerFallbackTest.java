package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.FakeFhirServer;
import dev.clarion.support.FakeFhirServerResource;
import dev.clarion.support.Fixtures;
import dev.clarion.support.LogHygiene;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keys the EHR did not prefetch are fetched from its FHIR server (here a small fake FHIR server
 * over the same Synthea patient): in parallel, with the token, within the deadline, never from a
 * server not registered for the calling client; failures give 412 naming the key, and every call is
 * recorded.
 */
@QuarkusTest
@QuarkusTestResource(value = FakeFhirServerResource.class, restrictToAnnotatedClass = false)
class FhirServerFallbackTest {

  static final String SCORED = "cds/patient_view_synthea_scored.json";
  static final String TOKEN = "fallback-test-access-token-5f1d";

  @Inject DataSource db;

  @AfterEach
  void reset() {
    FakeFhirServerResource.main.reset();
    FakeFhirServerResource.flaky.reset();
    FakeFhirServerResource.slow.reset();
  }

  @Test
  void fetchesEverythingWhenNothingIsPrefetchedAndGetsTheSameRisk() throws Exception {
    double viaPrefetch = risk(CdsHooksEndpointTest.post(Fixtures.request(SCORED)));
    FakeFhirServer server = FakeFhirServerResource.main;
    server.requiredToken = TOKEN;
    int before = server.calls.get();
    ObjectNode request = withoutPrefetch(server.base());
    Response response = CdsHooksEndpointTest.post(request);
    response.then().log().ifValidationFails().statusCode(200).body("cards", hasSize(1));
    assertEquals(viaPrefetch, risk(response), 1e-9);
    assertEquals(6, server.calls.get() - before, "one call per prefetch key");
    JsonNode sources = inputs(request).get("sources");
    assertEquals("fetched from fhirServer (1 page)", sources.get("lipids").asText());
    assertEquals("fetched from fhirServer (1 page)", sources.get("patient").asText());
  }

  @Test
  void fetchesOnlyTheMissingKeysOfAPartialPrefetch() throws Exception {
    double viaPrefetch = risk(CdsHooksEndpointTest.post(Fixtures.request(SCORED)));
    FakeFhirServer server = FakeFhirServerResource.main;
    ObjectNode request = Fixtures.request(SCORED);
    ObjectNode prefetch = (ObjectNode) request.get("prefetch");
    prefetch.remove("bloodPressure");
    prefetch.remove("medications");
    prefetch.put("conditions", "not a resource: tolerated and fetched");
    request.put("fhirServer", server.base());
    int before = server.calls.get();
    Response response = CdsHooksEndpointTest.post(request);
    response.then().log().ifValidationFails().statusCode(200);
    assertEquals(viaPrefetch, risk(response), 1e-9);
    assertEquals(3, server.calls.get() - before);
    JsonNode sources = inputs(request).get("sources");
    assertEquals("prefetch", sources.get("lipids").asText());
    assertTrue(sources.get("bloodPressure").asText().startsWith("fetched"));
  }

  @Test
  void followsNextLinksOfPaginatedSearches() throws Exception {
    double viaPrefetch = risk(CdsHooksEndpointTest.post(Fixtures.request(SCORED)));
    FakeFhirServer server = FakeFhirServerResource.main;
    server.pageSize = 2;
    ObjectNode request = withoutPrefetch(server.base());
    Response response = CdsHooksEndpointTest.post(request);
    response.then().log().ifValidationFails().statusCode(200);
    assertEquals(viaPrefetch, risk(response), 1e-9);
    JsonNode sources = inputs(request).get("sources");
    assertEquals("fetched from fhirServer (4 pages)", sources.get("lipids").asText());
  }

  @Test
  void followsTheNextLinksOfABundleTheEhrPrefetchedInPart() throws Exception {
    double viaPrefetch = risk(CdsHooksEndpointTest.post(Fixtures.request(SCORED)));
    FakeFhirServer server = FakeFhirServerResource.main;
    server.pageSize = 2;
    String query =
        "/Observation?patient=1e621f4c-db30-c273-49e9-2dcad508a9cb"
            + "&code=http://loinc.org%7C2093-3,http://loinc.org%7C2085-9&_sort=-date&_count=20";
    JsonNode firstPage =
        Fixtures.JSON.readTree(
            java.net.http.HttpClient.newHttpClient()
                .send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base() + query))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body());
    assertEquals(2, firstPage.get("entry").size(), "the EHR sent only the first page");
    ObjectNode request = Fixtures.request(SCORED);
    ((ObjectNode) request.get("prefetch")).set("lipids", firstPage);
    request.put("fhirServer", server.base());
    Response response = CdsHooksEndpointTest.post(request);
    response.then().log().ifValidationFails().statusCode(200);
    assertEquals(viaPrefetch, risk(response), 1e-9);
    assertEquals(
        "prefetch, next pages fetched from fhirServer (4 pages in all)",
        inputs(request).get("sources").get("lipids").asText());
  }

  @Test
  void emptyBundleMeansNoDataAndNullMeansNoData() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    ObjectNode prefetch = (ObjectNode) request.get("prefetch");
    prefetch.putObject("conditions").put("resourceType", "Bundle").put("type", "searchset");
    prefetch.putNull("medications");
    Response response = CdsHooksEndpointTest.post(request);
    response
        .then()
        .statusCode(200)
        .body("cards[0].detail", containsString("No active diabetes condition is recorded"))
        .body("cards[0].detail", containsString("No active antihypertensive medication order"));
  }

  @Test
  void expiredTokenGives412NamingTheKeysAndNeverStoresTheToken() throws Exception {
    FakeFhirServer server = FakeFhirServerResource.main;
    server.requiredToken = "the-new-token";
    ObjectNode request = withoutPrefetch(server.base());
    CdsHooksEndpointTest.post(request)
        .then()
        .statusCode(412)
        .body("issue[0].details.coding[0].code", equalTo("prefetch-unavailable"))
        .body(
            "issue[0].diagnostics",
            containsString("patient (the FHIR server refused the access token (HTTP 401))"));
    String stored = record(request).toString();
    assertTrue(stored.contains("FAILED"));
    assertTrue(!stored.contains(TOKEN), "the access token is never recorded");
  }

  @Test
  void deadServerGives412InsteadOfHanging() throws Exception {
    ObjectNode request = withoutPrefetch(FakeFhirServerResource.down);
    long start = System.nanoTime();
    CdsHooksEndpointTest.post(request)
        .then()
        .statusCode(412)
        .body("issue[0].diagnostics", containsString("cannot be reached"));
    assertTrue((System.nanoTime() - start) / 1e9 < 10, "answered, did not hang");
  }

  @Test
  void slowServerGives412AtTheDeadline() throws Exception {
    FakeFhirServer server = FakeFhirServerResource.slow;
    server.latencyMs = 3000;
    ObjectNode request = withoutPrefetch(server.base());
    long start = System.nanoTime();
    CdsHooksEndpointTest.post(request)
        .then()
        .statusCode(412)
        .body("issue[0].diagnostics", containsString("did not answer in time"));
    assertTrue((System.nanoTime() - start) / 1e9 < 3, "answered before the slow server did");
  }

  @Test
  void neverCallsAServerNotRegisteredForTheClient() throws Exception {
    FakeFhirServer server = FakeFhirServerResource.main;
    int before = server.calls.get();
    ObjectNode request = withoutPrefetch(server.base().replace("127.0.0.1", "localhost"));
    CdsHooksEndpointTest.post(request)
        .then()
        .statusCode(412)
        .body(
            "issue[0].diagnostics", containsString("fhirServer is not registered for this client"));
    assertEquals(before, server.calls.get());
  }

  @Test
  void circuitBreakerStopsCallingAFailingServer() throws Exception {
    FakeFhirServer server = FakeFhirServerResource.flaky;
    server.failing = true;
    for (int i = 0; i < 3; i++) {
      CdsHooksEndpointTest.post(withoutPrefetch(server.base())).then().statusCode(412);
    }
    int before = server.calls.get();
    ObjectNode request = withoutPrefetch(server.base());
    CdsHooksEndpointTest.post(request)
        .then()
        .statusCode(412)
        .body("issue[0].diagnostics", containsString("circuit open"));
    assertEquals(before, server.calls.get(), "no call reached the failing server");
  }

  @AfterAll
  static void tokensAndPatientIdsNeverReachTheLog() throws Exception {
    LogHygiene.assertAbsent(TOKEN, "the-new-token", "1e621f4c-db30-c273-49e9-2dcad508a9cb");
  }

  private static ObjectNode withoutPrefetch(String fhirServer) {
    ObjectNode request = Fixtures.request(SCORED);
    request.remove("prefetch");
    request.put("fhirServer", fhirServer);
    request
        .putObject("fhirAuthorization")
        .put("access_token", TOKEN)
        .put("token_type", "Bearer")
        .put("expires_in", 300)
        .put("scope", "patient/*.read")
        .put("subject", "clarion");
    return request;
  }

  private static double risk(Response response) throws Exception {
    JsonNode body = Fixtures.JSON.readTree(response.asString());
    return body.at("/cards/0/suggestions/0/actions/0/resource/prediction/0/probabilityDecimal")
        .asDouble();
  }

  private JsonNode inputs(ObjectNode request) throws Exception {
    return record(request).get("inputs");
  }

  private JsonNode record(ObjectNode request) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select row_to_json(d)::text from decision d where hook_instance = ?")) {
      ps.setString(1, request.get("hookInstance").asText());
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), "decision recorded");
        return Fixtures.JSON.readTree(rs.getString(1));
      }
    }
  }
}
