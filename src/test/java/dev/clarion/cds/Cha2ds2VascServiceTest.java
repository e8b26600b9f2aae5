package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.LocalDate;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * CHA₂DS₂-VASc on patient-view, end to end: the model added by data only (docs/adding-a-model.md),
 * scored from recorded Conditions for a patient with atrial fibrillation, and silent — but recorded
 * — for a patient without it (the gate in binding.json, {@code requires}).
 */
@QuarkusTest
class Cha2ds2VascServiceTest {

  static final String PATH = "/cds-services/cha2ds2-vasc";

  @Inject DataSource db;

  static ObjectNode request(String gender, String birthDate, String... icd10) {
    ObjectNode request = Fixtures.JSON.createObjectNode();
    request.put("hook", "patient-view").put("hookInstance", UUID.randomUUID().toString());
    request
        .putObject("context")
        .put("userId", "Practitioner/example")
        .put("patientId", "af-patient");
    ObjectNode prefetch = request.putObject("prefetch");
    prefetch
        .putObject("patient")
        .put("resourceType", "Patient")
        .put("id", "af-patient")
        .put("gender", gender)
        .put("birthDate", birthDate);
    ObjectNode conditions = Fixtures.searchset(null);
    ArrayNode entries = (ArrayNode) conditions.get("entry");
    int i = 0;
    for (String code : icd10) {
      ObjectNode c = entries.addObject().putObject("resource");
      c.put("resourceType", "Condition").put("id", "c" + i++);
      c.putObject("code")
          .putArray("coding")
          .addObject()
          .put("system", "http://hl7.org/fhir/sid/icd-10-cm")
          .put("code", code);
      c.putObject("subject").put("reference", "Patient/af-patient");
    }
    conditions.put("total", entries.size());
    prefetch.set("conditions", conditions);
    return request;
  }

  static io.restassured.response.ValidatableResponse call(ObjectNode request) {
    return TestEhr.signed(PATH)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(PATH)
        .then();
  }

  static String born(int yearsAgo) {
    return LocalDate.now().minusYears(yearsAgo).minusDays(1).toString();
  }

  @Test
  void aWomanWithAfHypertensionAndDiabetesAged76Scores5High() throws Exception {
    // Lip 2010 Table 1: A₂ 2 + Sc 1 + H 1 + D 1 = 5; 2023 ACC/AHA §6.3.1: woman ≥ 3 → high.
    ObjectNode request = request("female", born(76), "I48.91", "I10", "E11.9");
    call(request)
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].summary", containsString("CHA₂DS₂-VASc 5"))
        .body("cards[0].summary", containsString("high"))
        .body(
            "cards[0].detail",
            containsString("high (2 points or more, not counting Sc: sex category (female))"))
        .body("cards[0].indicator", equalTo("warning"));
    assertEquals("SCORED", Sql.decision(db, request, "outcome"));
    JsonNode inputs = Fixtures.JSON.readTree(Sql.decision(db, request, "inputs"));
    JsonNode af = inputs.at("/recorded/0");
    assertEquals("atrialFibrillation", af.path("name").asText());
    assertEquals("Condition/c0", af.path("source").asText());
    assertTrue(
        af.at("/matchedBy/valueSet").asText().contains("2.16.840.1.113883.3.117.1.7.1.202"),
        af.toString());
  }

  @Test
  void aManWithoutAfGetsNoCardAndTheRecordSaysWhy() throws Exception {
    ObjectNode request = request("male", born(80), "I10", "E11.9");
    call(request).statusCode(200).body("cards", hasSize(0));
    assertEquals("REFUSED", Sql.decision(db, request, "outcome"));
    assertEquals("excluded", Sql.decision(db, request, "reason_code"));
    assertTrue(Sql.decision(db, request, "reasons").contains("no atrial fibrillation or flutter"));
  }

  @Test
  void aManWithAfAndNoOtherRiskFactorIsLow() throws Exception {
    ObjectNode request = request("male", born(50), "I48.0");
    call(request)
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].summary", containsString("CHA₂DS₂-VASc 0"))
        .body("cards[0].indicator", equalTo("info"));
  }
}
