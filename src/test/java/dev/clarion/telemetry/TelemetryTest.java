package dev.clarion.telemetry;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.PostgresTestResource;
import dev.clarion.support.Prometheus;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * What operations sees of a service call: Prometheus metrics at {@code /q/metrics} and one trace
 * span per stage — counted and timed, and never a patient id, user or token in a label or an
 * attribute.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class TelemetryTest {

  static final String SCORED = "cds/patient_view_synthea_scored.json";
  static final List<String> STAGES =
      List.of("verify", "parse", "gather", "extract", "score", "card", "record");

  @Inject DataSource db;
  @Inject InMemorySpanExporter spans;

  @Test
  void aScoredCallIsCountedAndEachStageTimedWithoutPatientDataInAnyLabel() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    String patientId = request.at("/context/patientId").asText();
    String userId = request.at("/context/userId").asText();
    Map<String, Double> before = scrape();

    String token = TestEhr.token(TestEhr.url("/cds-services/ascvd-risk"));
    TestEhr.signed("/cds-services") // registers the test EHR
        .get("/cds-services")
        .then()
        .statusCode(200);
    given()
        .header("Authorization", "Bearer " + token)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post("/cds-services/ascvd-risk")
        .then()
        .statusCode(200);
    // The same token again: refused (replayed), counted by reason.
    given()
        .header("Authorization", "Bearer " + token)
        .contentType("application/json")
        .body(Fixtures.text(Fixtures.request(SCORED)))
        .post("/cds-services/ascvd-risk")
        .then()
        .statusCode(401);
    given()
        .header("Authorization", "Bearer not.a.jwt")
        .contentType("application/json")
        .body("{}")
        .post("/cds-services/ascvd-risk")
        .then()
        .statusCode(401);

    String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
    Map<String, Double> after = Prometheus.parse(text);
    String calls =
        "clarion_cds_calls_total{hook=\"patient-view\",outcome=\"scored\",service=\"ascvd-risk\","
            + "status=\"200\"}";
    assertEquals(1.0, after.get(calls) - before.getOrDefault(calls, 0.0), calls);
    for (String stage : STAGES) {
      String count =
          "clarion_cds_stage_seconds_count{service=\"ascvd-risk\",stage=\"" + stage + "\"}";
      assertTrue(after.getOrDefault(count, 0.0) > before.getOrDefault(count, 0.0), count + " grew");
      assertTrue(
          text.contains(
              "clarion_cds_stage_seconds_bucket{service=\"ascvd-risk\",stage=\"" + stage + "\","),
          "a histogram for " + stage);
    }
    assertTrue(text.contains("clarion_cds_call_seconds_bucket{service=\"ascvd-risk\","));
    assertGrew(
        before,
        after,
        "clarion_cds_refused_total{kind=\"unauthenticated\",reason=\"replayed-jti\"}");
    assertGrew(
        before,
        after,
        "clarion_cds_refused_total{kind=\"unauthenticated\",reason=\"malformed-token\"}");
    assertGrew(before, after, "clarion_decision_batch_size_records_count");
    assertGrew(before, after, "clarion_decision_commit_seconds_count");
    assertEquals(
        1.0, after.get("clarion_model_served{model=\"kfre\",role=\"active\",version=\"1.1.0\"}"));
    assertEquals(
        1.0,
        after.get("clarion_model_served{model=\"kfre\",role=\"candidate\",version=\"1.2.0\"}"));
    assertNotNull(after.get("clarion_cds_calls_running"), "admission gauges");
    assertNotNull(after.get("clarion_cds_calls_queued"));

    for (String secret : List.of(patientId, userId, token, token.substring(0, 40))) {
      assertFalse(text.contains(secret), "the metrics hold no patient id, user or token");
    }
  }

  @Test
  void aCallIsOneTraceWithASpanPerStageLeadingToItsDecision() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    String patientId = request.at("/context/patientId").asText();
    spans.reset();
    TestEhr.call("/cds-services/ascvd-risk", request);
    String decision = Sql.decision(db, request, "id::text");

    List<SpanData> all = awaitSpans(s -> s.getName().equals("clarion.record"));
    SpanData server =
        all.stream()
            .filter(s -> s.getKind() == SpanKind.SERVER)
            .filter(s -> decision.equals(s.getAttributes().get(Telemetry.DECISION)))
            .findFirst()
            .orElseThrow(() -> new AssertionError("a server span names the decision: " + all));
    assertEquals("ascvd-risk", server.getAttributes().get(Telemetry.SERVICE));
    assertEquals("scored", server.getAttributes().get(Telemetry.OUTCOME));
    assertEquals("ascvd-pce", server.getAttributes().get(Telemetry.MODEL));

    Map<String, SpanData> stages =
        all.stream()
            .filter(s -> s.getTraceId().equals(server.getTraceId()))
            .filter(s -> s.getName().startsWith("clarion."))
            .collect(Collectors.toMap(s -> s.getName().substring(8), s -> s, (a, b) -> a));
    assertEquals(Set.copyOf(STAGES), stages.keySet(), "one span per stage, in the call's trace");
    for (SpanData stage : stages.values()) {
      assertEquals(server.getSpanId(), stage.getParentSpanId(), stage.getName() + "'s parent");
      assertEquals("ascvd-risk", stage.getAttributes().get(Telemetry.SERVICE));
    }
    assertEquals("scored", stages.get("score").getAttributes().get(Telemetry.OUTCOME));
    assertEquals(decision, stages.get("record").getAttributes().get(Telemetry.DECISION));

    for (SpanData span : all) {
      span.getAttributes()
          .forEach(
              (AttributeKey<?> k, Object v) ->
                  assertFalse(
                      String.valueOf(v).contains(patientId),
                      span.getName() + " " + k + " holds the patient id"));
    }
  }

  @Test
  void anAuditSearchForAPatientLeavesThePatientOutOfTheTrace() {
    spans.reset();
    given().get("/audit/decisions?patient=Patient/secret-patient-42").then().statusCode(401);
    List<SpanData> all = awaitSpans(s -> s.getKind() == SpanKind.SERVER);
    assertTrue(
        all.stream()
            .anyMatch(
                s ->
                    "patient=…".equals(s.getAttributes().get(AttributeKey.stringKey("url.query")))),
        "the query keeps its parameter names only: " + all);
    for (SpanData span : all) {
      span.getAttributes()
          .forEach(
              (AttributeKey<?> k, Object v) ->
                  assertFalse(
                      String.valueOf(v).contains("secret-patient-42"),
                      span.getName() + " " + k + " = " + v));
    }
  }

  private List<SpanData> awaitSpans(java.util.function.Predicate<SpanData> until) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < end) {
      List<SpanData> done = spans.getFinishedSpanItems();
      if (done.stream().anyMatch(until)) {
        return done;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("no such span: " + spans.getFinishedSpanItems());
  }

  private static void assertGrew(Map<String, Double> before, Map<String, Double> after, String k) {
    assertTrue(
        after.getOrDefault(k, 0.0) > before.getOrDefault(k, 0.0),
        k + " grew: " + before.get(k) + " -> " + after.get(k));
  }

  private static Map<String, Double> scrape() {
    return Prometheus.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
  }
}
