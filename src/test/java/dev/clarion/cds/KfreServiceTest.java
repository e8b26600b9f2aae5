package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.binding.CkdEpi2021;
import dev.clarion.model.KidneyFailureRiskEquation;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * KFRE end to end: eGFR is computed with CKD-EPI 2021 from the creatinine in the prefetch (mg/dL or
 * µmol/L), the risk on the card is the equation's, and patients outside CKD G3–G5 get no card.
 */
@QuarkusTest
class KfreServiceTest {

  static final String PATH = "/cds-services/kfre";

  @Inject DataSource db;

  /** The Synthea patient (a man) with a creatinine result, a UACR result and given conditions. */
  static ObjectNode request(Double creatinine, String creatinineUnit, Double uacr) {
    return Fixtures.kfreRequest(creatinine, creatinineUnit, uacr);
  }

  ValidatableResponse call(ObjectNode request) {
    return TestEhr.call(PATH, request);
  }

  double recorded(ObjectNode request, String sql) throws Exception {
    return Double.parseDouble(
        Sql.single(
            db,
            "select "
                + sql
                + " from decision where hook_instance = '"
                + request.get("hookInstance").asText()
                + "'"));
  }

  double feature(ObjectNode request, String name) throws Exception {
    JsonNode features =
        Fixtures.JSON.readTree(
            Sql.single(
                db,
                "select inputs->'features' from decision where hook_instance = '"
                    + request.get("hookInstance").asText()
                    + "'"));
    for (JsonNode f : features) {
      if (f.get("name").asText().equals(name)) {
        return f.get("value").asDouble();
      }
    }
    throw new AssertionError(name + " not recorded");
  }

  @Test
  void ckdPatientIsScoredFromCreatinineAndUacr() throws Exception {
    ObjectNode request = request(1.6, "mg/dL", 300.0);
    call(request)
        .body("cards", hasSize(1))
        .body("cards[0].summary", containsString("5-year kidney failure risk (KFRE)"))
        .body("cards[0].detail", containsString("CKD-EPI 2021 from creatinine 1.6 mg/dL"))
        .body("cards[0].detail", containsString("UACR 30 mg/g"))
        .body("cards[0].detail", not(containsString("Observation/")));
    double age = feature(request, "age");
    double egfr = feature(request, "egfr");
    assertTrue(
        Math.abs(egfr - CkdEpi2021.egfr(1.6, age, false)) < 1e-6
            || Math.abs(egfr - CkdEpi2021.egfr(1.6, age - 1, false)) < 1e-6,
        "eGFR " + egfr + " is CKD-EPI 2021 at the age of the result");
    assertTrue(egfr > 10 && egfr < 60, "CKD G3: " + egfr);
    assertEquals(
        KidneyFailureRiskEquation.risk5y(new double[] {age, 0, egfr, 300}),
        recorded(request, "(output->>'risk')::float8"),
        1e-5);
  }

  @Test
  void creatinineInMicromolesPerLitreGivesTheSameEgfr() throws Exception {
    ObjectNode mg = request(1.6, "mg/dL", 300.0);
    ObjectNode umol = request(1.6 / 0.011312, "umol/L", 300.0);
    call(mg);
    call(umol);
    assertEquals(feature(mg, "egfr"), feature(umol, "egfr"), 1e-6);
  }

  @Test
  void noCardWithoutChronicKidneyDiseaseButTheDecisionIsRecorded() throws Exception {
    ObjectNode normal = request(0.9, "mg/dL", 10.0);
    call(normal).body("cards", hasSize(0));
    assertTrue(feature(normal, "egfr") >= 60);
    assertEquals(
        "REFUSED",
        Sql.single(
            db,
            "select outcome from decision where hook_instance = '"
                + normal.get("hookInstance").asText()
                + "'"));
    call(request(null, null, null)).body("cards", hasSize(0));
  }

  @Test
  void ckdPatientWithoutUacrIsToldWhy() {
    call(request(1.6, "mg/dL", null))
        .body("cards", hasSize(1))
        .body("cards[0].indicator", equalTo("info"))
        .body("cards[0].summary", containsString("not calculated"))
        .body("cards[0].detail", containsString("albumin/creatinine"));
  }

  @Test
  void patientOnDialysisIsExcluded() {
    ObjectNode request = request(4.0, "mg/dL", 900.0);
    ObjectNode dialysis = Fixtures.JSON.createObjectNode();
    dialysis.put("resourceType", "Condition").put("id", "esrd-1");
    dialysis
        .putObject("clinicalStatus")
        .putArray("coding")
        .addObject()
        .put("system", "http://terminology.hl7.org/CodeSystem/condition-clinical")
        .put("code", "active");
    dialysis
        .putObject("code")
        .putArray("coding")
        .addObject()
        .put("system", "http://hl7.org/fhir/sid/icd-10-cm")
        .put("code", "N18.6")
        .put("display", "End stage renal disease");
    dialysis
        .putObject("subject")
        .put("reference", "Patient/" + request.at("/prefetch/patient/id").asText());
    ((ArrayNode) request.at("/prefetch/conditions/entry")).addObject().set("resource", dialysis);
    call(request)
        .body("cards[0].summary", containsString("not calculated"))
        .body("cards[0].detail", containsString("kidney failure already treated"));
  }
}
