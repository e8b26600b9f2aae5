package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.binding.CkdEpi2021;
import dev.clarion.model.PreventEquations;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The PREVENT service end to end: the Synthea patient with an eGFR result is scored by the served
 * ONNX graph, and the risk on the card is what the plain-Java equation gives for the inputs Clarion
 * recorded; without eGFR it says why it cannot score.
 */
@QuarkusTest
class PreventServiceTest {

  static final String PATH = "/cds-services/prevent-cvd";

  @Inject DataSource db;

  /** The Synthea patient's prefetch plus a CKD-EPI 2021 eGFR result. */
  static ObjectNode request(Double egfr) {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    request.put("hookInstance", UUID.randomUUID().toString());
    String patient = "Patient/" + request.at("/prefetch/patient/id").asText();
    request
        .with("prefetch")
        .set(
            "kidney",
            Fixtures.searchset(
                egfr == null
                    ? null
                    : Fixtures.observation(
                        "egfr-1", "3", "98979-8", egfr, "mL/min/{1.73_m2}", patient)));
    request.with("prefetch").set("creatinine", Fixtures.searchset(null));
    return request;
  }

  @Test
  void theHeartFailureRiskIsShownWhenABmiIsRecordedAndOnlyThen() throws Exception {
    ObjectNode request = request(72.0);
    withResult(request, "bmi", "bmi-1", "39156-5", 31.5, "kg/m2");
    call(request)
        .body("cards[0].detail", containsString("; 10-year heart failure risk (PREVENT) "));
    JsonNode also = Fixtures.JSON.readTree(Sql.decision(db, request, "output->'also'"));
    JsonNode hf = null;
    for (JsonNode a : also) {
      if (a.get("output").asText().equals("hf10")) {
        hf = a;
      }
    }
    double[] x =
        recordedInputs(Fixtures.JSON.readTree(Sql.decision(db, request, "inputs->'features'")));
    assertEquals(31.5, x[PreventEquations.Input.BMI.ordinal()], 1e-9);
    PreventEquations.Equation eq =
        x[PreventEquations.Input.FEMALE.ordinal()] >= 0.5
            ? PreventEquations.Equation.F_HF10
            : PreventEquations.Equation.M_HF10;
    assertEquals(PreventEquations.risk(eq, x), hf.get("risk").asDouble(), 1e-5);

    // Without a BMI: the same card, no heart-failure line, and the card says why.
    call(request(72.0))
        .body("cards[0].detail", not(containsString("heart failure risk (PREVENT) ")))
        .body(
            "cards[0].detail",
            containsString(
                "Not estimated for this patient: 10-year heart failure risk (PREVENT): needs"
                    + " body-mass index (heart failure only) between 18.5 kg/m² and 39.9 kg/m²"));
  }

  /** The prefetch key holds one final Observation of the patient (version 1, 2026-10-01). */
  static void withResult(
      ObjectNode request, String key, String id, String loinc, double value, String unit) {
    String patient = "Patient/" + request.at("/prefetch/patient/id").asText();
    request
        .with("prefetch")
        .set(key, Fixtures.searchset(Fixtures.observation(id, "1", loinc, value, unit, patient)));
  }

  /** One input as the decision record keeps it. */
  static JsonNode recordedFeature(DataSource db, ObjectNode request, String name) throws Exception {
    for (JsonNode f : Fixtures.JSON.readTree(Sql.decision(db, request, "inputs->'features'"))) {
      if (f.get("name").asText().equals(name)) {
        return f;
      }
    }
    throw new AssertionError("no input '" + name + "' recorded");
  }

  /** The recorded inputs in the model's column order (missing ones 0). */
  static double[] recordedInputs(JsonNode features) {
    double[] x = new double[PreventEquations.INPUTS];
    for (JsonNode f : features) {
      if (f.hasNonNull("value")) {
        x[names().indexOf(f.get("name").asText())] = f.get("value").asDouble();
      }
    }
    return x;
  }

  static List<String> names() {
    return List.of(
        "age",
        "totalCholesterol",
        "hdl",
        "systolicBp",
        "bpTreated",
        "statin",
        "diabetes",
        "smoker",
        "egfr",
        "female",
        "bmi");
  }

  ValidatableResponse call(ObjectNode request) {
    return TestEhr.call(PATH, request);
  }

  @Test
  void scoresThePatientWithTheServedGraphAndTheCardMatchesTheEquation() throws Exception {
    ObjectNode request = request(72.0);
    call(request)
        .body("cards", hasSize(1))
        .body("cards[0].summary", containsString("10-year cardiovascular disease risk (PREVENT)"))
        .body("cards[0].source.url", containsString("/models/prevent-cvd/card"))
        .body("cards[0].detail", not(containsString("Observation/")))
        .body(
            "cards[0].detail", containsString("**Also estimated:** 10-year ASCVD risk (PREVENT) "));
    String instance = request.get("hookInstance").asText();
    JsonNode features =
        Fixtures.JSON.readTree(
            Sql.single(
                db,
                "select inputs->'features' from decision where hook_instance = '"
                    + instance
                    + "'"));
    double[] x = recordedInputs(features);
    assertEquals(72.0, x[PreventEquations.Input.EGFR.ordinal()], 0);
    double recorded =
        Double.parseDouble(
            Sql.single(
                db,
                "select output->>'risk' from decision where hook_instance = '" + instance + "'"));
    assertEquals(PreventEquations.cvd10(x), recorded, 1e-5);
    JsonNode also =
        Fixtures.JSON.readTree(
            Sql.single(
                db,
                "select output->'also' from decision where hook_instance = '" + instance + "'"));
    PreventEquations.Equation ascvd10 =
        x[PreventEquations.Input.FEMALE.ordinal()] >= 0.5
            ? PreventEquations.Equation.F_ASCVD10
            : PreventEquations.Equation.M_ASCVD10;
    assertEquals("ascvd10", also.get(0).get("output").asText());
    assertEquals(PreventEquations.risk(ascvd10, x), also.get(0).get("risk").asDouble(), 1e-5);
    // 30-year estimates only up to age 59.
    assertEquals(x[0] <= 59 ? 3 : 1, also.size());
    assertEquals(
        "prevent-cvd",
        Sql.single(db, "select model_id from decision where hook_instance = '" + instance + "'"));
  }

  @Test
  void theCardShowsWhatWouldChangeTheRiskOnlyWhenSomethingCan() {
    call(request(72.0)).body("cards[0].detail", not(containsString("What would change it")));
    ObjectNode high = request(72.0);
    for (JsonNode entry : high.at("/prefetch/bloodPressure/entry")) {
      for (JsonNode component : entry.at("/resource/component")) {
        if (component.at("/code/coding/0/code").asText().equals("8480-6")) {
          ((ObjectNode) component.get("valueQuantity")).put("value", 150);
        }
      }
    }
    call(high)
        .body("cards[0].detail", containsString("What would change it"))
        .body(
            "cards[0].detail", containsString("**What would change it:** systolic BP 120 mm Hg: "))
        .body("cards[0].detail", not(containsString("non-smoker")));
  }

  @Test
  void withoutEgfrOrCreatinineThereIsNoCardButTheRecordSaysWhy() throws Exception {
    ObjectNode request = request(null);
    call(request).body("cards", hasSize(0));
    assertEquals("missing-input", Sql.decision(db, request, "reason_code"));
    assertTrue(Sql.decision(db, request, "reasons::text").contains("eGFR"));
  }

  @Test
  void derivesEgfrFromCreatinineByCkdEpi2021WhenNoneIsReported() throws Exception {
    ObjectNode request = request(null);
    withResult(request, "creatinine", "scr-1", "2160-0", 1.1, "mg/dL");
    call(request).body("cards", hasSize(1)).body("cards[0].summary", containsString("10-year"));
    JsonNode egfr = recordedFeature(db, request, "egfr");
    boolean female = request.at("/prefetch/patient/gender").asText().equals("female");
    int ageAtResult =
        java.time.Period.between(
                LocalDate.parse(request.at("/prefetch/patient/birthDate").asText()),
                LocalDate.parse(egfr.get("date").asText().substring(0, 10)))
            .getYears();
    assertEquals(CkdEpi2021.egfr(1.1, ageAtResult, female), egfr.get("value").asDouble(), 1e-9);
    assertTrue(
        egfr.get("note").asText().startsWith("No eGFR reported: CKD-EPI 2021"), egfr.toString());
    assertEquals("Observation/scr-1/_history/1", egfr.get("source").asText());
  }

  @Test
  void anEgfrOutsideTheValidatedRangeIsRefused() {
    call(request(10.0))
        .body("cards[0].summary", containsString("not calculated"))
        .body("cards[0].detail", containsString("validated range"));
  }
}
