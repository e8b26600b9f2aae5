package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * NEWS2 on encounter-start, end to end: vital signs from the prefetch (panels and components
 * included), the points per parameter on the card, the RCP bands, the 24-hour window, and the
 * patients it must not score.
 */
@QuarkusTest
public class News2ServiceTest {

  static final String PATH = "/cds-services/news2";
  static final String PATIENT = "Patient/news2-patient";

  @Inject DataSource db;

  /** The RCP worked example: RR 24, SpO2 93 on 2 L/min oxygen, SBP 105, HR 115, alert, 38.5 °C. */
  public static Vitals workedExample() {
    return new Vitals(24, 93, 2.0, 105, 115, "248234008", 38.5, Duration.ofHours(2));
  }

  public record Vitals(
      double rr,
      double spo2,
      Double oxygenFlow,
      double sbp,
      double pulse,
      String acvpu,
      double temperature,
      Duration age) {}

  public static ObjectNode request(Vitals v, String birthDate, String conditionCode) {
    ObjectNode request = Fixtures.JSON.createObjectNode();
    request.put("hook", "encounter-start").put("hookInstance", UUID.randomUUID().toString());
    request
        .putObject("context")
        .put("userId", "Practitioner/example")
        .put("patientId", "news2-patient")
        .put("encounterId", "enc-1");
    ObjectNode prefetch = request.putObject("prefetch");
    ObjectNode patient = prefetch.putObject("patient");
    patient.put("resourceType", "Patient").put("id", "news2-patient");
    patient.put("birthDate", birthDate).put("gender", "female");
    ObjectNode vitals = Fixtures.searchset(null);
    ArrayNode entries = (ArrayNode) vitals.get("entry");
    String when = Instant.now().minus(v.age()).toString();
    entries.addObject().set("resource", at(obs("rr", "9279-1", v.rr(), "/min"), when));
    ObjectNode spo2 = at(obs("spo2", "59408-5", v.spo2(), "%"), when);
    if (v.oxygenFlow() != null) {
      ObjectNode component = spo2.putArray("component").addObject();
      component
          .putObject("code")
          .putArray("coding")
          .addObject()
          .put("system", "http://loinc.org")
          .put("code", "3151-8");
      component
          .putObject("valueQuantity")
          .put("value", v.oxygenFlow())
          .put("system", "http://unitsofmeasure.org")
          .put("code", "L/min");
    }
    entries.addObject().set("resource", spo2);
    ObjectNode bp = at(obs("bp", "85354-9", 0, "mm[Hg]"), when);
    bp.remove("valueQuantity");
    ObjectNode systolic = bp.putArray("component").addObject();
    systolic
        .putObject("code")
        .putArray("coding")
        .addObject()
        .put("system", "http://loinc.org")
        .put("code", "8480-6");
    systolic
        .putObject("valueQuantity")
        .put("value", v.sbp())
        .put("system", "http://unitsofmeasure.org")
        .put("code", "mm[Hg]");
    entries.addObject().set("resource", bp);
    entries.addObject().set("resource", at(obs("hr", "8867-4", v.pulse(), "/min"), when));
    entries.addObject().set("resource", at(obs("temp", "8310-5", v.temperature(), "Cel"), when));
    ObjectNode acvpu = at(obs("acvpu", "67775-7", 0, "1"), when);
    acvpu.remove("valueQuantity");
    acvpu
        .putObject("valueCodeableConcept")
        .putArray("coding")
        .addObject()
        .put("system", "http://snomed.info/sct")
        .put("code", v.acvpu());
    entries.addObject().set("resource", acvpu);
    vitals.put("total", entries.size());
    prefetch.set("vitals", vitals);
    ObjectNode conditions = Fixtures.searchset(null);
    if (conditionCode != null) {
      ObjectNode c = Fixtures.JSON.createObjectNode();
      c.put("resourceType", "Condition").put("id", "cond-1");
      c.putObject("clinicalStatus")
          .putArray("coding")
          .addObject()
          .put("system", "http://terminology.hl7.org/CodeSystem/condition-clinical")
          .put("code", "active");
      c.putObject("code")
          .putArray("coding")
          .addObject()
          .put("system", "http://hl7.org/fhir/sid/icd-10-cm")
          .put("code", conditionCode);
      c.putObject("subject").put("reference", PATIENT);
      ((ArrayNode) conditions.get("entry")).addObject().set("resource", c);
      conditions.put("total", 1);
    }
    prefetch.set("conditions", conditions);
    return request;
  }

  static ObjectNode obs(String id, String loinc, double value, String ucum) {
    return Fixtures.observation(id, "1", loinc, value, ucum, PATIENT);
  }

  static ObjectNode at(ObjectNode obs, String when) {
    obs.put("effectiveDateTime", when);
    return obs;
  }

  static ObjectNode adult(Vitals v) {
    return request(v, "1961-03-02", null);
  }

  JsonNode recorded(ObjectNode request, String column) throws Exception {
    return Fixtures.JSON.readTree(Sql.decision(db, request, column));
  }

  @Test
  void scoresTheWorkedExampleWithThePointsOfEveryParameter() throws Exception {
    ObjectNode request = adult(workedExample());
    TestEhr.call(PATH, request)
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].summary", equalTo("NEWS2 10 points (high)"))
        .body("cards[0].indicator", equalTo("critical"))
        .body(
            "cards[0].detail",
            containsString(
                "**Items scoring** (points): Respiration rate 24 /min +2, SpO2 (scale 1) 93 % +2,"
                    + " Supplemental oxygen (flow) 2 L/min +2, Pulse 115 /min +2, Systolic blood"
                    + " pressure 105 mm Hg +1, Temperature 38.5 °C +1."))
        .body("cards[0].detail", containsString("7 points or more"))
        .body("cards[0].source.url", containsString("/models/news2/card.html"))
        .body(
            "cards[0].suggestions[0].actions[0].resource.prediction[0].rationale",
            equalTo("NEWS2 10 points"))
        .body(
            "cards[0].suggestions[0].actions[0].resource.prediction[0].qualitativeRisk.coding[0].code",
            equalTo("high"));
    JsonNode output = recorded(request, "output");
    assertEquals(10, output.get("risk").asDouble(), 1e-6);

    // The explanation page behind the card's link speaks points, not percentages.
    String link =
        TestEhr.call(PATH, adult(workedExample())).extract().path("cards[0].links[0].url");
    String page =
        io.restassured.RestAssured.given().get(link).then().statusCode(200).extract().asString();
    org.junit.jupiter.api.Assertions.assertTrue(page.contains("10 points"), "total in points");
    org.junit.jupiter.api.Assertions.assertTrue(
        page.contains("they add up to the total"), "points explanation");
    org.junit.jupiter.api.Assertions.assertFalse(page.contains("1000.0 %"), "not a percentage");
    assertEquals("points", output.get("scale").asText());
    double sum = 0;
    for (JsonNode a : recorded(request, "attributions")) {
      sum += a.get("contribution").asDouble();
    }
    assertEquals(10, sum, 1e-6);
  }

  @Test
  void aSingleRedParameterIsLowMediumAndNoOxygenRecordIsScoredAsAir() {
    // Responds to voice (3 points), everything else normal, no oxygen flow recorded.
    Vitals voice = new Vitals(16, 97, null, 120, 70, "300202002", 37.0, Duration.ofHours(1));
    TestEhr.call(PATH, adult(voice))
        .statusCode(200)
        .body("cards[0].summary", equalTo("NEWS2 3 points (low-medium)"))
        .body("cards[0].indicator", equalTo("warning"))
        .body("cards[0].detail", containsString("a single item scoring 3 or more"))
        .body("cards[0].detail", containsString("scored as breathing air"));
  }

  @Test
  void vitalSignsOlderThan24HoursAreNotUsedAndNoCardIsShown() throws Exception {
    Vitals old = new Vitals(24, 93, 2.0, 105, 115, "248234008", 38.5, Duration.ofHours(30));
    ObjectNode request = adult(old);
    TestEhr.call(PATH, request).statusCode(200).body("cards", hasSize(0));
    assertEquals("\"REFUSED\"", recorded(request, "to_json(outcome)").toString());
    assertEquals("missing-input", recorded(request, "to_json(reason_code)").asText());
    assertEquals(
        true,
        recorded(request, "reasons").toString().contains("No respiration rate"),
        "the record says which vital sign is missing");
  }

  @Test
  void childrenAreNotScoredAndGetNoCard() throws Exception {
    ObjectNode request = request(workedExample(), LocalDate.now().minusYears(10).toString(), null);
    TestEhr.call(PATH, request).statusCode(200).body("cards", hasSize(0));
    assertEquals("excluded", recorded(request, "to_json(reason_code)").asText());
    assertEquals(true, recorded(request, "reasons").toString().contains("younger than 16 years"));
  }

  @Test
  void hypercapnicRespiratoryFailureIsRefusedWithTheReason() {
    TestEhr.call(PATH, request(workedExample(), "1961-03-02", "J96.12"))
        .statusCode(200)
        .body("cards[0].summary", containsString("NEWS2 not calculated"))
        .body("cards[0].detail", containsString("SpO2 scale 2"));
  }
}
