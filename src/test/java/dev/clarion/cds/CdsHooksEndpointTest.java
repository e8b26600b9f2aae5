package dev.clarion.cds;

import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.model.PooledCohortEquations;
import dev.clarion.support.Fixtures;
import dev.clarion.support.LogHygiene;
import dev.clarion.support.PostgresTestResource;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * End to end through HTTP, HAPI parsing, ONNX Runtime and PostgreSQL: the patient-view call on a
 * real Synthea-generated patient, refusals, and the decision record of each.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class CdsHooksEndpointTest {

  static final String SCORED = "cds/patient_view_synthea_scored.json";
  static final String ASCVD_HISTORY = "cds/patient_view_synthea_ascvd_history.json";
  static final String SECRET_TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRlc3QtdG9rZW4.c2lnbmF0dXJl";

  @Inject DataSource db;

  /**
   * The 149 kB call the way clients send it: HTTP/1.1 (read whole on the event loop first, {@link
   * HookBodyBuffering}), chunked, and as the JDK's client does on plain HTTP — an h2c upgrade, then
   * HTTP/2 on the same connection (the REST layer reads those bodies). A card every time.
   */
  @Test
  void aCallIsAnsweredOverHttp11ChunkedAndHttp2() throws Exception {
    String path = "/cds-services/ascvd-risk";
    TestEhr.ensureRegistered();
    HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    Map<String, HttpResponse<String>> answers = new java.util.LinkedHashMap<>();
    answers.put("HTTP/1.1", send(h1, path, false));
    answers.put("HTTP/1.1 chunked", send(h1, path, true));
    answers.put("h2c upgrade", send(h2, path, false));
    answers.put("HTTP/2", send(h2, path, false));
    assertEquals(HttpClient.Version.HTTP_2, answers.get("HTTP/2").version(), "upgraded");
    answers.forEach(
        (how, answer) -> {
          assertEquals(200, answer.statusCode(), how + ": " + answer.body());
          assertTrue(answer.body().contains("10-year ASCVD risk"), how + ": " + answer.body());
        });
  }

  private HttpResponse<String> send(HttpClient client, String path, boolean chunked)
      throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    byte[] body = Fixtures.text(request).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return client.send(
        HttpRequest.newBuilder(URI.create(TestEhr.url(path)))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + TestEhr.token(TestEhr.url(path)))
            .POST(
                chunked
                    // No length known in advance: sent with Transfer-Encoding: chunked.
                    ? HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(body))
                    : HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void discoveryServesTheRiskServicesWithTheirPrefetchTemplates() {
    String ascvd = "services.find { it.id == 'ascvd-risk' }";
    TestEhr.signed("/cds-services")
        .get("/cds-services")
        .then()
        .statusCode(200)
        .body(
            "services.id",
            containsInAnyOrder(
                "ascvd-risk",
                "prevent-cvd",
                "kfre",
                "news2",
                "lace",
                "bp-order-sign",
                "cvd-order-select",
                "cha2ds2-vasc",
                "diabetes-pima-validation"))
        .body(ascvd + ".hook", equalTo("patient-view"))
        .body(ascvd + ".prefetch.patient", equalTo("Patient/{{context.patientId}}"))
        .body(ascvd + ".prefetch.bloodPressure", containsString("http://loinc.org|85354-9"))
        .body(ascvd + ".prefetch.bloodPressure", containsString("http://loinc.org|55284-4"))
        .body(ascvd + ".prefetch.medications", containsString("status=active"))
        .body("services.find { it.id == 'prevent-cvd' }.prefetch.kidney", containsString("98979-8"))
        .body("services.findAll { it.clarion != null }", hasSize(0));
  }

  @Test
  void scoresSyntheaPatientWithAnExplainedCardAndRecordsTheDecision() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    Response response = post(request);
    response
        .then()
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].summary.length()", lessThan(140))
        .body(
            "cards[0].summary",
            matchesPattern(
                "10-year ASCVD risk \\d+\\.\\d % \\((low|borderline|intermediate|high)\\)"))
        .body("cards[0].source.label", containsString("Pooled Cohort Equations"))
        .body("cards[0].source.url", endsWith("/models/ascvd-pce/card.html"))
        .body("cards[0].selectionBehavior", equalTo("at-most-one"))
        // One screen: no resource ids or input table on the card (they are on the explanation
        // page its one link leads to); the model card is the source, linked once.
        .body("cards[0].detail", not(containsString("Observation/")))
        .body("cards[0].detail", not(containsString("card.html")))
        .body("cards[0].detail", containsString("**What drove it** (percentage points"))
        .body("cards[0].detail", containsString("version 1.0.0"))
        .body("cards[0].links", hasSize(1))
        .body("cards[0].links[0].url", containsString("/explanations/"))
        .body("cards[0].suggestions[0].actions[0].type", equalTo("create"))
        .body(
            "cards[0].suggestions[0].actions[0].resource.resourceType", equalTo("RiskAssessment"));

    // The number on the card is the Pooled Cohort Equations on this patient's data.
    int age = Period.between(LocalDate.of(1968, 4, 7), LocalDate.now(ZoneOffset.UTC)).getYears();
    double expected =
        PooledCohortEquations.risk(new double[] {age, 143.14, 55.58, 115, 1, 0, 1, 0, 0});
    JsonNode card = Fixtures.JSON.readTree(response.asString()).path("cards").path(0);
    JsonNode ra = card.path("suggestions").path(0).path("actions").path(0).path("resource");
    assertEquals(
        expected, ra.path("prediction").path(0).path("probabilityDecimal").asDouble(), 1e-5);
    assertEquals("ascvd-pce", ra.path("method").path("coding").path(0).path("code").asText());
    assertEquals("1.0.0", ra.path("method").path("coding").path(0).path("version").asText());
    assertEquals(
        "Patient/1e621f4c-db30-c273-49e9-2dcad508a9cb",
        ra.path("subject").path("reference").asText());
    assertTrue(
        ra.path("basis").toString().contains("Observation/63e8a6bd-6078-c6a0-303f-02271dd49a40"),
        "BP panel in basis");
    String expectedIndicator = expected < 0.075 ? "info" : "warning";
    assertEquals(expectedIndicator, card.path("indicator").asText());

    Map<String, Object> record = record(request.get("hookInstance").asText());
    assertEquals("SCORED", record.get("outcome"));
    assertEquals(200, record.get("http_status"));
    assertEquals("Patient/1e621f4c-db30-c273-49e9-2dcad508a9cb", record.get("patient_ref"));
    assertEquals("Practitioner/example", record.get("user_ref"));
    assertEquals("ascvd-pce", record.get("model_id"));
    assertEquals(64, record.get("model_sha256").toString().length());
    JsonNode output = Fixtures.JSON.readTree(record.get("output").toString());
    assertEquals(expected, output.get("risk").asDouble(), 1e-5);
    JsonNode uuids = Fixtures.JSON.readTree(record.get("card_uuids").toString());
    assertEquals(card.path("uuid").asText(), uuids.get(0).asText());
    JsonNode inputs = Fixtures.JSON.readTree(record.get("inputs").toString());
    assertTrue(
        inputs.toString().contains("Observation/e3fc6c40-b365-b070-7b3d-7f0a3ea718f0/_history/1"),
        "HDL source recorded");
    double sum = 0;
    for (JsonNode a : Fixtures.JSON.readTree(record.get("attributions").toString())) {
      sum += a.get("contribution").asDouble();
    }
    assertEquals(output.get("risk").asDouble() - output.get("baseline").asDouble(), sum, 1e-9);
    assertTrue(((Number) record.get("latency_micros")).longValue() > 0);
  }

  @Test
  void refusesPatientWithAscvdHistoryAndSaysWhy() throws Exception {
    ObjectNode request = Fixtures.request(ASCVD_HISTORY);
    post(request)
        .then()
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].indicator", equalTo("info"))
        .body("cards[0].summary", containsString("not calculated: ASCVD history"))
        .body("cards[0].detail", containsString("Myocardial infarction"))
        .body("cards[0].detail", not(containsString("Condition/")))
        .body("cards[0].detail", containsString(" — value set ["))
        .body("cards[0]", not(hasKey("suggestions")));
    Map<String, Object> record = record(request.get("hookInstance").asText());
    assertEquals("REFUSED", record.get("outcome"));
    assertEquals("excluded", record.get("reason_code"));
    assertTrue(record.get("reasons").toString().contains("Myocardial infarction"));
  }

  @Test
  void convertsCholesterolReportedInMmolPerLitre() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    ObjectNode tc = latestLipid(request, "2093-3");
    ObjectNode quantity = (ObjectNode) tc.get("valueQuantity");
    quantity.put("value", 3.70).put("unit", "mmol/L").put("code", "mmol/L");
    post(request).then().statusCode(200).body("cards", hasSize(1));
    JsonNode inputs =
        Fixtures.JSON.readTree(
            record(request.get("hookInstance").asText()).get("inputs").toString());
    for (JsonNode f : inputs.get("features")) {
      if (f.get("name").asText().equals("totalCholesterol")) {
        assertEquals(3.70 * 38.67, f.get("value").asDouble(), 1e-9);
        return;
      }
    }
    throw new AssertionError("no totalCholesterol input recorded");
  }

  @Test
  void refusesValuesOutsideTheValidatedRange() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    ((ObjectNode) latestLipid(request, "2093-3").get("valueQuantity")).put("value", 350);
    post(request)
        .then()
        .statusCode(200)
        .body("cards[0].summary", containsString("outside the validated range"))
        .body(
            "cards[0].detail",
            containsString(
                "Total cholesterol 350 mg/dL is outside the validated range 130–320 mg/dL."));
    assertEquals("out-of-range", record(request.get("hookInstance").asText()).get("reason_code"));
  }

  @Test
  void nullPrefetchMeansNoDataAndNoCardOnPatientViewButTheRecordSaysWhatIsMissing()
      throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    ((ObjectNode) request.get("prefetch")).putNull("lipids");
    Response response = post(request);
    response.then().statusCode(200);
    // Card policy: a "not calculated: data missing" card on every chart without a lipid panel
    // would be noise; the record keeps the refusal and its reasons.
    assertEquals("{\"cards\":[]}", response.asString());
    Map<String, Object> record = record(request.get("hookInstance").asText());
    assertEquals("missing-input", record.get("reason_code"));
    String reasons = Sql.decision(db, request, "reasons::text");
    assertTrue(reasons.contains("Total cholesterol: No result found."), reasons);
    assertTrue(reasons.contains("HDL cholesterol: No result found."), reasons);
  }

  @Test
  void childGetsNoCardButTheRefusalIsRecorded() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    ((ObjectNode) request.get("prefetch").get("patient"))
        .put("birthDate", LocalDate.now(ZoneOffset.UTC).minusYears(12).toString());
    Response response = post(request);
    response.then().statusCode(200);
    assertEquals("{\"cards\":[]}", response.asString());
    Map<String, Object> record = record(request.get("hookInstance").asText());
    assertEquals("REFUSED", record.get("outcome"));
    assertEquals("[]", record.get("card_uuids").toString().replace(" ", ""));
  }

  @Test
  void ignoresUnknownFieldsAndExtensions() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    request.putObject("extension").put("com.example.flag", true);
    request.put("somethingNew", 42);
    ((ObjectNode) request.get("context")).put("encounterId", "Encounter/1");
    request.put("fhirServer", "https://ehr.example.org/fhir");
    request
        .putObject("fhirAuthorization")
        .put("access_token", SECRET_TOKEN)
        .put("token_type", "Bearer")
        .put("expires_in", 300)
        .put("scope", "patient/*.read")
        .put("subject", "cds-client");
    post(request).then().statusCode(200).body("cards", hasSize(1));
    assertTrue(
        !record(request.get("hookInstance").asText()).toString().contains(SECRET_TOKEN),
        "the access token is never stored");
  }

  /** Runs after every test of this class: nothing patient-identifying or secret was logged. */
  @AfterAll
  static void logsHoldNoPatientIdentifiersOrTokens() throws Exception {
    LogHygiene.assertAbsent(
        "1e621f4c-db30-c273-49e9-2dcad508a9cb",
        "8b33d4b7-4c35-9436-9660-af89c5ed19c1",
        SECRET_TOKEN);
  }

  @Test
  void answers503AndNoCardWhenTheRecordCannotBeWritten() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("alter table decision add constraint test_reject_all check (false) not valid");
    }
    try {
      post(request)
          .then()
          .statusCode(503)
          .contentType("application/fhir+json")
          .body("resourceType", equalTo("OperationOutcome"))
          .body("issue[0].details.coding[0].code", equalTo("record-unavailable"))
          .body("$", not(hasKey("cards")));
    } finally {
      try (Connection c = db.getConnection();
          Statement s = c.createStatement()) {
        s.execute("alter table decision drop constraint test_reject_all");
      }
    }
    assertEquals(0, count(request.get("hookInstance").asText()));
  }

  private static ObjectNode latestLipid(ObjectNode request, String loinc) {
    for (JsonNode entry : request.get("prefetch").get("lipids").get("entry")) {
      JsonNode resource = entry.get("resource");
      if (resource.get("code").toString().contains("\"" + loinc + "\"")) {
        return (ObjectNode) resource; // entries are sorted newest first
      }
    }
    throw new IllegalStateException("fixture has no " + loinc);
  }

  static Response post(ObjectNode request) {
    return TestEhr.signed("/cds-services/ascvd-risk")
        .contentType(ContentType.JSON)
        .body(Fixtures.text(request))
        .post("/cds-services/ascvd-risk");
  }

  Map<String, Object> record(String hookInstance) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select * from decision where hook_instance = ?")) {
      ps.setString(1, hookInstance);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), "no decision recorded for " + hookInstance);
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
        }
        assertTrue(!rs.next(), "exactly one record per call");
        assertNotNull(row.get("id"));
        return row;
      }
    }
  }

  int count(String hookInstance) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select count(*) from decision where hook_instance = ?")) {
      ps.setString(1, hookInstance);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
