package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.format.Formats;
import dev.clarion.model.PooledCohortEquations;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The order-sign service reads {@code draftOrders}: an antihypertensive being signed gets the
 * 10-year ASCVD risk now and with the treatment bringing systolic BP to 120 (the equation's
 * numbers); any other order gets no card and no FHIR work; a request without draftOrders is a 400.
 */
@QuarkusTest
public class BpOrderSignServiceTest {

  static final String PATH = "/cds-services/bp-order-sign";

  @Inject DataSource db;

  /** The Synthea patient (on treatment, SBP 115) with systolic BP raised to 150. */
  public static ObjectNode request(String rxnorm, String display) {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    request.put("hook", "order-sign").put("hookInstance", UUID.randomUUID().toString());
    for (JsonNode entry : request.at("/prefetch/bloodPressure/entry")) {
      for (JsonNode c : entry.at("/resource/component")) {
        if (c.at("/code/coding/0/code").asText().equals("8480-6")) {
          ((ObjectNode) c.get("valueQuantity")).put("value", 150);
        }
      }
    }
    if (rxnorm != null) {
      ObjectNode orders = Fixtures.searchset(null);
      orders.put("type", "collection");
      ObjectNode mr =
          orders.withArray("entry").addObject().putObject("resource").put("id", "draft-1");
      mr.put("resourceType", "MedicationRequest").put("status", "draft").put("intent", "order");
      mr.putObject("medicationCodeableConcept")
          .put("text", display)
          .putArray("coding")
          .addObject()
          .put("system", "http://www.nlm.nih.gov/research/umls/rxnorm")
          .put("code", rxnorm);
      mr.putObject("subject")
          .put("reference", "Patient/" + request.at("/context/patientId").asText());
      ((ObjectNode) request.get("context")).set("draftOrders", orders);
    }
    return request;
  }

  @Test
  void anAntihypertensiveOrderShowsTheRiskNowAndWithTheTreatment() throws Exception {
    int age = Period.between(LocalDate.of(1968, 4, 7), LocalDate.now(ZoneOffset.UTC)).getYears();
    double now = PooledCohortEquations.risk(new double[] {age, 143.14, 55.58, 150, 1, 0, 1, 0, 0});
    double treated =
        PooledCohortEquations.risk(new double[] {age, 143.14, 55.58, 120, 1, 0, 1, 0, 0});
    ObjectNode request = request("17767", "amlodipine 5 mg oral tablet");
    TestEhr.call(PATH, request)
        .statusCode(200)
        .body("cards", hasSize(1))
        .body(
            "cards[0].summary",
            containsString(
                "; with treatment bringing systolic BP to 120 mm Hg: " + Formats.percent(treated)))
        .body("cards[0].summary", containsString("10-year ASCVD risk " + Formats.percent(now)))
        .body("cards[0].indicator", equalTo("info"))
        .body("cards[0].suggestions", nullValue())
        .body(
            "cards[0].detail",
            containsString(
                "**Being ordered:** amlodipine 5 mg oral tablet (an antihypertensive). With"
                    + " treatment bringing systolic BP to 120 mm Hg: **"
                    + Formats.percent(treated)
                    + "** (now "
                    + Formats.percent(now)
                    + ")"));
    JsonNode whatIf = Fixtures.JSON.readTree(Sql.decision(db, request, "output->'whatIf'"));
    JsonNode scenario = null;
    for (JsonNode w : whatIf) {
      if (w.get("feature").asText().equals("systolicBp+bpTreated")) {
        scenario = w;
      }
    }
    assertEquals(treated, scenario.get("risk").asDouble(), 1e-5);
    assertEquals(150, scenario.get("from").asDouble(), 1e-9);
    assertEquals(120, scenario.get("to").asDouble(), 1e-9);
  }

  @Test
  void anOrderForAPatientAlreadyTreatedAndAtTargetGetsNoCard() throws Exception {
    ObjectNode request = request("17767", "amlodipine 5 mg oral tablet");
    for (JsonNode entry : request.at("/prefetch/bloodPressure/entry")) {
      for (JsonNode c : entry.at("/resource/component")) {
        if (c.at("/code/coding/0/code").asText().equals("8480-6")) {
          ((ObjectNode) c.get("valueQuantity")).put("value", 118);
        }
      }
    }
    TestEhr.call(PATH, request).statusCode(200).body("cards", hasSize(0));
    assertEquals("SCORED", Sql.decision(db, request, "outcome"));
    assertEquals(
        "[\"Already treated and at the treatment target: the order does not change the estimate,"
            + " so no card.\"]",
        Sql.decision(db, request, "reasons::text"));
  }

  @Test
  void otherOrdersGetNoCardAndTheDecisionSaysWhy() throws Exception {
    ObjectNode request = request("6809", "metformin 500 mg oral tablet");
    TestEhr.call(PATH, request).statusCode(200).body("cards", hasSize(0));
    assertEquals("no-matching-order", Sql.decision(db, request, "reason_code"));
    assertEquals(
        "null",
        Sql.decision(db, request, "coalesce(inputs::text, 'null')"),
        "no patient data was gathered");
  }

  @Test
  void aRequestWithoutDraftOrdersIsRejected() {
    TestEhr.signed(PATH)
        .contentType("application/json")
        .body(Fixtures.text(request(null, null)))
        .post(PATH)
        .then()
        .statusCode(400)
        .body("issue[0].details.coding[0].code", equalTo("missing-draft-orders"));
  }
}
