package dev.clarion.cds;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.audit.ChainVerifier;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.model.KidneyFailureRiskEquation;
import dev.clarion.model.KidneyFailureRiskEquation.Baseline;
import dev.clarion.model.ModelLoader;
import dev.clarion.model.OnnxModel;
import dev.clarion.support.Fixtures;
import dev.clarion.support.KeycloakTestResource;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Shadow rollout (issue 15, item 5): a service names a model version that is scored on every call
 * beside its own and recorded in the same decision row — never shown, never used for the card — and
 * auditors compare the two over a window. Runs the shipped services: {@code kfre} (1.1.0, North
 * American calibration) with its candidate 1.2.0 (the non-North American calibration of Tangri
 * 2016) in {@code models/kfre/candidates/1.2.0}, and the silent {@code diabetes-pima-validation}
 * (the Pima logistic regression, the gradient-boosted trees in shadow, no card ever).
 */
@QuarkusTest
class ShadowRolloutTest {

  @Inject DataSource db;
  @Inject ModelRegistry models;
  @Inject ChainVerifier chain;

  static RequestSpecification auditor() {
    return given()
        .header("Authorization", "Bearer " + KeycloakTestResource.token("aldo", "aldo-password"));
  }

  JsonNode shadowOf(ObjectNode request) throws Exception {
    String shadow = Sql.decision(db, request, "shadow::text");
    return shadow == null ? null : Fixtures.JSON.readTree(shadow);
  }

  @Test
  void theCandidateIsScoredOnTheSameCallRecordedBesideTheDecisionAndNeverShown() throws Exception {
    ObjectNode request = KfreServiceTest.request(1.9, "mg/dL", 300.0);
    String body = TestEhr.call("/cds-services/kfre", request).extract().asString();
    JsonNode response = Fixtures.JSON.readTree(body);
    assertEquals(1, response.get("cards").size(), body);

    String sha =
        ModelLoader.sha256(Files.readAllBytes(Path.of("models/kfre/candidates/1.2.0/kfre.onnx")));
    JsonNode shadow = shadowOf(request);
    assertNotNull(shadow, "the decision row holds the shadow part");
    assertEquals("kfre", shadow.at("/model/id").asText());
    assertEquals("1.2.0", shadow.at("/model/version").asText());
    assertEquals(sha, shadow.at("/model/sha256").asText());
    assertEquals("SCORED", shadow.get("outcome").asText());
    assertEquals("1.1.0", Sql.decision(db, request, "model_version"));
    assertTrue(
        Integer.parseInt(
                Sql.single(
                    db,
                    "select count(*) from model_activation where models @>"
                        + " '[{\"id\": \"kfre\", \"version\": \"1.2.0\", \"role\": \"candidate\","
                        + " \"sha256\": \""
                        + sha
                        + "\"}]'"))
            >= 1,
        "the activation log names the candidate it holds");

    // Both results against the Java equation on the recorded inputs, each with its own baseline.
    JsonNode features = shadow.at("/inputs/features");
    double age = value(features, "age");
    boolean female = value(features, "female") == 1;
    double egfr = value(features, "egfr");
    double uacr = value(features, "uacr");
    double shadowRisk = shadow.at("/output/risk").asDouble();
    double activeRisk = Double.parseDouble(Sql.decision(db, request, "output->>'risk'"));
    assertEquals(
        KidneyFailureRiskEquation.risk(Baseline.ELSEWHERE_5Y, age, female, egfr, uacr),
        shadowRisk,
        1e-5);
    assertEquals(
        KidneyFailureRiskEquation.risk(Baseline.NORTH_AMERICA_5Y, age, female, egfr, uacr),
        activeRisk,
        1e-5);
    assertTrue(shadowRisk < activeRisk);
    assertEquals(3, shadow.get("attributions").size(), "age, eGFR and UACR attributed");

    // Nothing of the shadow reaches the EHR: the card is the active version's.
    String shadowPercent = String.format(java.util.Locale.ROOT, "%.1f %%", shadowRisk * 100);
    String activePercent = String.format(java.util.Locale.ROOT, "%.1f %%", activeRisk * 100);
    assertFalse(shadowPercent.equals(activePercent), "the two risks print differently");
    assertTrue(body.contains(activePercent), body);
    assertFalse(body.contains(shadowPercent), body);
    assertFalse(body.contains("1.2.0"), body);
    assertFalse(body.toLowerCase(java.util.Locale.ROOT).contains("shadow"), body);

    // Replay re-runs both from their stored inputs, each with its own version.
    String id = Sql.decision(db, request, "id");
    auditor()
        .get("/audit/decisions/" + id + "/replay")
        .then()
        .statusCode(200)
        .body("identical", equalTo(true))
        .body("shadow.identical", equalTo(true))
        .body("shadow.recordedModel.version", equalTo("1.2.0"))
        .body("shadow.replayedModel.sha256", equalTo(sha));
  }

  @Test
  void aSilentServiceRecordsBothTrainedModelsAndAnswersWithoutACard() throws Exception {
    ObjectNode request = pima(2, 160, 76, 34.1);
    String body =
        TestEhr.call("/cds-services/diabetes-pima-validation", request).extract().asString();
    assertEquals(0, Fixtures.JSON.readTree(body).get("cards").size(), body);
    assertEquals("SCORED", Sql.decision(db, request, "outcome"));
    assertEquals("diabetes-pima", Sql.decision(db, request, "model_id"));
    assertTrue(Sql.decision(db, request, "reasons::text").contains("Silent service"));

    JsonNode shadow = shadowOf(request);
    assertEquals("diabetes-pima-gbt", shadow.at("/model/id").asText());
    assertEquals("SCORED", shadow.get("outcome").asText());
    // The shadow's risk is the GBT model's own prediction on the inputs it recorded.
    OnnxModel gbt = models.find("diabetes-pima-gbt").orElseThrow();
    float[] row = new float[gbt.descriptor().features().size()];
    for (int i = 0; i < row.length; i++) {
      row[i] =
          (float) value(shadow.at("/inputs/features"), gbt.descriptor().features().get(i).name());
    }
    assertEquals(gbt.predict(row)[0], shadow.at("/output/risk").asDouble(), 1e-6);
    assertEquals(5, shadow.get("attributions").size());

    // Missing data: both refuse, and the record says so for each.
    ObjectNode noPregnancies = pima(null, 160, 76, 34.1);
    TestEhr.call("/cds-services/diabetes-pima-validation", noPregnancies)
        .body("cards.size()", equalTo(0));
    assertEquals("REFUSED", Sql.decision(db, noPregnancies, "outcome"));
    JsonNode refused = shadowOf(noPregnancies);
    assertEquals("REFUSED", refused.get("outcome").asText());
    assertEquals("missing-input", refused.get("reasonCode").asText());
    assertTrue(refused.get("output").isNull());
  }

  @Test
  void auditorsCompareTheVersionsOverAWindow() throws Exception {
    // Records carry the server's clock at arrival, in this JVM: no slack, or the window would take
    // in the previous test's calls.
    Instant from = Instant.now();
    // Patients across the bands (low < 3 %, moderate < 5 %, high): creatinine 1.9 mg/dL with UACR
    // 100 mg/g is 5.5 % (high) with 1.1.0 and 4.6 % (moderate) with 1.2.0; 1.6 with 300 is 3.3 %
    // (moderate) and 2.7 % (low).
    double[][] patients = {{1.9, 300}, {1.9, 100}, {1.6, 300}, {2.4, 800}, {1.4, 15}};
    for (double[] p : patients) {
      TestEhr.call("/cds-services/kfre", KfreServiceTest.request(p[0], "mg/dL", p[1]));
    }
    // No UACR: both refuse (missing input).
    TestEhr.call("/cds-services/kfre", KfreServiceTest.request(1.9, "mg/dL", null));
    Instant to = Instant.now().plusSeconds(1);
    String window = " and recorded_at >= '" + from + "' and recorded_at < '" + to + "'";
    String where = "service_id = 'kfre' and shadow is not null" + window;

    JsonNode report =
        Fixtures.JSON.readTree(
            auditor()
                .queryParam("service", "kfre")
                .queryParam("from", from.toString())
                .queryParam("to", to.toString())
                .get("/audit/shadow")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    assertEquals(1, report.get("pairs").size(), report.toString());
    JsonNode pair = report.get("pairs").get(0);
    assertEquals("1.1.0", pair.at("/active/version").asText());
    assertEquals("1.2.0", pair.at("/shadow/version").asText());
    assertEquals(patients.length + 1, pair.get("decisions").asLong());
    assertEquals(
        Long.parseLong(Sql.single(db, "select count(*) from decision where " + where)),
        pair.get("decisions").asLong());
    long both =
        Long.parseLong(
            Sql.single(
                db,
                "select count(*) from decision where "
                    + where
                    + " and outcome = 'SCORED' and shadow->>'outcome' = 'SCORED'"));
    assertEquals(patients.length, both);
    assertEquals(both, pair.get("bothScored").asLong());
    long agree =
        Long.parseLong(
            Sql.single(
                db,
                "select count(*) from decision where "
                    + where
                    + " and output->>'band' = shadow->'output'->>'band'"));
    assertEquals((double) agree / both, pair.get("bandAgreement").asDouble(), 1e-12);
    assertTrue(agree < both, "at least one patient lands a band lower: " + pair.get("bands"));
    long cells = 0;
    for (JsonNode cell : pair.get("bands")) {
      cells += cell.get("count").asLong();
    }
    assertEquals(both, cells);
    double meanDifference =
        Double.parseDouble(
            Sql.single(
                db,
                "select avg((shadow->'output'->>'risk')::float8 - (output->>'risk')::float8)"
                    + " from decision where "
                    + where
                    + " and outcome = 'SCORED' and shadow->>'outcome' = 'SCORED'"));
    assertEquals(meanDifference, pair.at("/difference/mean").asDouble(), 1e-9);
    assertTrue(pair.at("/difference/mean").asDouble() < 0);
    assertEquals(both, pair.at("/difference/shadowLower").asLong());
    assertEquals(1, pair.at("/shadowRefusals/missing-input").asLong());
    boolean refusedBoth = false;
    for (JsonNode cell : pair.get("outcomes")) {
      refusedBoth |=
          cell.get("active").asText().equals("REFUSED")
              && cell.get("shadow").asText().equals("REFUSED")
              && cell.get("count").asLong() == 1;
    }
    assertTrue(refusedBoth, pair.get("outcomes").toString());

    // The records with their shadow parts still verify, and the shadow is inside the hash.
    ChainVerifier.Report intact = chain.verify();
    assertTrue(intact.intact(), String.valueOf(intact.firstBroken()));
    long seq =
        Long.parseLong(
            Sql.single(
                db, "select max(seq) from decision where " + where + " and outcome = 'SCORED'"));
    String original = Sql.single(db, "select shadow::text from decision where seq = " + seq);
    Sql.asSuperuser(
        db,
        "update decision set shadow = jsonb_set(shadow, '{output,band}', '\"forged\"') where seq = "
            + seq);
    try {
      ChainVerifier.Report report2 = chain.verify();
      assertFalse(report2.intact());
      assertEquals(seq, report2.firstBroken().seq());
    } finally {
      Sql.asSuperuser(
          db,
          "update decision set shadow = '" + original.replace("'", "''") + "' where seq = " + seq);
    }
    assertTrue(chain.verify().intact(), "restored");
  }

  @Test
  void theComparisonNeedsAServiceAndAWindowThatStartsBeforeItEnds() {
    auditor()
        .get("/audit/shadow")
        .then()
        .statusCode(400)
        .body("issue[0].details.coding[0].code", equalTo("missing-service"));
    auditor()
        .queryParam("service", "kfre")
        .queryParam("from", "2026-12-03T00:00:00Z")
        .queryParam("to", "2026-12-02T00:00:00Z")
        .get("/audit/shadow")
        .then()
        .statusCode(400)
        .body("issue[0].details.coding[0].code", equalTo("invalid-window"));
    given().queryParam("service", "kfre").get("/audit/shadow").then().statusCode(401);
  }

  @Test
  void aServiceWithoutAShadowRecordsNone() throws Exception {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    request.put("hookInstance", UUID.randomUUID().toString());
    TestEhr.call("/cds-services/ascvd-risk", request);
    assertNull(Sql.decision(db, request, "shadow::text"));
  }

  private static double value(JsonNode features, String name) {
    for (JsonNode f : features) {
      if (f.get("name").asText().equals(name)) {
        return f.get("value").asDouble();
      }
    }
    throw new AssertionError("no recorded input " + name);
  }

  /** A woman of 40 with the Pima model's inputs (null: not recorded). */
  static ObjectNode pima(Integer pregnancies, double glucose, double diastolic, double bmi) {
    String patient = "Patient/pima-1";
    ObjectNode request = Fixtures.JSON.createObjectNode();
    request.put("hook", "patient-view").put("hookInstance", UUID.randomUUID().toString());
    request.putObject("context").put("userId", "Practitioner/1").put("patientId", "pima-1");
    ObjectNode prefetch = request.putObject("prefetch");
    prefetch
        .putObject("patient")
        .put("resourceType", "Patient")
        .put("id", "pima-1")
        .put("gender", "female")
        .put("birthDate", "1986-05-01");
    ObjectNode observations = Fixtures.searchset(null);
    ArrayNode entries = (ArrayNode) observations.get("entry");
    if (pregnancies != null) {
      entries
          .addObject()
          .set(
              "resource", Fixtures.observation("npreg", "1", "11996-6", pregnancies, "1", patient));
    }
    entries
        .addObject()
        .set("resource", Fixtures.observation("glu", "1", "20438-8", glucose, "mg/dL", patient));
    entries
        .addObject()
        .set("resource", Fixtures.observation("dbp", "1", "8462-4", diastolic, "mm[Hg]", patient));
    entries
        .addObject()
        .set("resource", Fixtures.observation("bmi", "1", "39156-5", bmi, "kg/m2", patient));
    observations.put("total", entries.size());
    prefetch.set("observations", observations);
    prefetch.set("conditions", Fixtures.searchset(null));
    return request;
  }
}
