package dev.clarion.cds;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.KeycloakTestResource;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The order-select service end to end: while a statin or an antihypertensive is selected, the card
 * says whether the selection matches what the same ACC/AHA 2026 or AHA/ACC 2025 rule recommends for
 * this patient (the Synthea patient: 58, diabetes, on a thiazide, not on a statin), offers to
 * replace a statin of too low an intensity with the recommended one, records the comparison, and
 * replays it; any other selection gets no card and no FHIR work.
 */
@QuarkusTest
class OrderSelectServiceTest {

  static final String PATH = "/cds-services/cvd-order-select";
  static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

  @Inject DataSource db;

  /**
   * The PREVENT request with an LDL-C as order-select, with these draft orders (RxNorm code,
   * display) of which all are selected but the last when {@code lastUnselected}.
   */
  static ObjectNode request(double ldl, boolean lastUnselected, String... orders) {
    ObjectNode request = RecommendationCardsTest.prevent(ldl);
    request.put("hook", "order-select").put("hookInstance", UUID.randomUUID().toString());
    ObjectNode bundle = Fixtures.searchset(null);
    bundle.put("type", "collection");
    ArrayNode selections = Fixtures.JSON.createArrayNode();
    for (int i = 0; i < orders.length; i += 2) {
      String id = "draft-" + (i / 2 + 1);
      ObjectNode mr = bundle.withArray("entry").addObject().putObject("resource");
      mr.put("resourceType", "MedicationRequest")
          .put("id", id)
          .put("status", "draft")
          .put("intent", "order");
      mr.putObject("medicationCodeableConcept")
          .put("text", orders[i + 1])
          .putArray("coding")
          .addObject()
          .put("system", RXNORM)
          .put("code", orders[i]);
      mr.putObject("subject")
          .put("reference", "Patient/" + request.at("/context/patientId").asText());
      if (!(lastUnselected && i == orders.length - 2)) {
        selections.add("MedicationRequest/" + id);
      }
    }
    ((ObjectNode) request.get("context")).set("draftOrders", bundle);
    ((ObjectNode) request.get("context")).set("selections", selections);
    return request;
  }

  static JsonNode card(ObjectNode request) throws Exception {
    return Fixtures.JSON.readTree(TestEhr.call(PATH, request).extract().asString()).at("/cards/0");
  }

  /** The recorded recommendation of a topic. */
  JsonNode recorded(ObjectNode request, String topic) throws Exception {
    for (JsonNode r : Fixtures.JSON.readTree(Sql.decision(db, request, "recommendations::text"))) {
      if (r.get("topic").asText().equals(topic)) {
        return r;
      }
    }
    throw new AssertionError("no recorded recommendation for " + topic);
  }

  @Test
  void aHighIntensityStatinMatchesTheDiabetesRule_andTheComparisonIsRecordedAndReplayed()
      throws Exception {
    ObjectNode request = request(130, false, "259255", "atorvastatin 80 MG Oral Tablet");
    JsonNode card = card(request);
    assertEquals(
        "High-intensity statin selected: as the ACC/AHA 2026 dyslipidemia guideline recommends",
        card.get("summary").asText());
    assertEquals("info", card.get("indicator").asText());
    String detail = card.get("detail").asText();
    assertTrue(
        detail.contains(
            "**Selected:** atorvastatin 80 MG Oral Tablet — high-intensity statin. **Matches the"
                + " recommendation.** Recommended for this patient: at least moderate-intensity"
                + " statin."),
        detail);
    assertTrue(
        detail.contains("**Lipid-lowering therapy:** Diabetes, age 40-75, LDL-C 70 mg/dL or more"),
        detail);
    assertTrue(detail.contains("**10-year cardiovascular disease risk (PREVENT): "), detail);
    assertNull(card.get("suggestions"), "nothing to replace");
    String page =
        given().get(card.at("/links/0/url").asText()).then().statusCode(200).extract().asString();
    assertTrue(
        page.contains(
            "Selected: atorvastatin 80 MG Oral Tablet (high-intensity statin) — matches the"
                + " recommendation; recommended: at least moderate-intensity statin."),
        "the explanation page shows the recorded comparison");

    JsonNode lipid = recorded(request, "lipid-lowering");
    assertEquals("dyslipidemia-2026-diabetes", lipid.get("rule").asText());
    assertEquals("matches", lipid.at("/selection/verdict").asText());
    assertEquals(3, lipid.at("/selection/level").asDouble());
    assertEquals("MedicationRequest/draft-1", lipid.at("/selection/source").asText());
    assertEquals(0, lipid.get("suggested").size(), "nothing was proposed: " + lipid);
    assertEquals("statin-moderate", lipid.at("/skipped/0").asText());
    assertNull(lipid.get("suggestion"), "no card suggestion to count feedback against");
    JsonNode bp = recorded(request, "blood-pressure");
    assertTrue(bp.get("selection") == null, "no antihypertensive was selected: " + bp);

    given()
        .header("Authorization", "Bearer " + KeycloakTestResource.token("aldo", "aldo-password"))
        .get("/audit/decisions/" + Sql.decision(db, request, "id") + "/replay")
        .then()
        .statusCode(200)
        .body("identical", equalTo(true))
        .body("replayed.recommendations[0].selection.verdict", equalTo("matches"));
  }

  @Test
  void aStatinBelowTheRecommendedIntensityIsSaidAndTheRecommendedOneOffered() throws Exception {
    // LDL-C 200 mg/dL: ACC/AHA 2026 high-intensity statin without a risk estimate.
    ObjectNode request = request(200, false, "617312", "atorvastatin 10 MG Oral Tablet");
    JsonNode card = card(request);
    assertEquals(
        "Moderate-intensity statin selected; recommended: high-intensity statin",
        card.get("summary").asText());
    assertEquals("info", card.get("indicator").asText(), "a mismatch is not an unsafe order");
    assertTrue(
        card.get("detail").asText().contains("**Less than recommended.**"),
        card.get("detail").asText());
    JsonNode suggestion = card.at("/suggestions/0");
    assertEquals(
        "Replace the selection: Propose atorvastatin 40 mg daily (high-intensity statin)",
        suggestion.get("label").asText());
    assertEquals("delete", suggestion.at("/actions/0/type").asText());
    assertEquals("MedicationRequest/draft-1", suggestion.at("/actions/0/resourceId").asText());
    JsonNode proposed = suggestion.at("/actions/1/resource");
    assertEquals("proposal", proposed.get("intent").asText());
    assertEquals("617311", proposed.at("/medicationCodeableConcept/coding/0/code").asText());
    assertTrue(
        proposed.at("/instantiatesUri/0").asText().endsWith("dyslipidemia-2026-ldl-190|1.0.0"));
    JsonNode lipid = recorded(request, "lipid-lowering");
    assertEquals("below", lipid.at("/selection/verdict").asText());
    assertEquals("statin-high", lipid.at("/suggested/0").asText());
    assertEquals(
        suggestion.get("uuid").asText(),
        lipid.get("suggestion").asText(),
        "feedback on the replacement is counted for the rule");
  }

  @Test
  void aCombinationPillIsComparedInBothTopics_andOnlySelectedOrdersCount() throws Exception {
    // amlodipine 5 mg / atorvastatin 80 mg: a high-intensity statin and an antihypertensive; the
    // simvastatin beside it is in the draft orders but not selected.
    ObjectNode request =
        request(
            130,
            true,
            "404011",
            "amlodipine 5 MG / atorvastatin 80 MG Oral Tablet",
            "314231",
            "simvastatin 10 MG Oral Tablet");
    JsonNode card = card(request);
    // On a thiazide with systolic 115: at the AHA/ACC 2025 goal, so no rule applies.
    assertEquals(
        "High-intensity statin: as recommended; BP-lowering medication: no recommendation applies",
        card.get("summary").asText());
    assertTrue(
        card.get("detail").asText().contains("**Blood pressure:** no recommendation applies — on"),
        card.get("detail").asText());
    assertEquals("matches", recorded(request, "lipid-lowering").at("/selection/verdict").asText());
    assertEquals("no_rule", recorded(request, "blood-pressure").at("/selection/verdict").asText());
  }

  @Test
  void otherSelectionsGetNoCardAndNoFhirWork() throws Exception {
    ObjectNode request =
        request(130, true, "6809", "metformin 500 MG Oral Tablet", "259255", "atorvastatin 80 MG");
    TestEhr.call(PATH, request).body("cards.size()", equalTo(0));
    assertEquals("no-matching-order", Sql.decision(db, request, "reason_code"));
    assertEquals("null", Sql.decision(db, request, "coalesce(inputs::text, 'null')"));
  }

  @Test
  void aRequestWithoutSelectionsIsA400() {
    ObjectNode request = request(130, false, "259255", "atorvastatin 80 MG Oral Tablet");
    ((ObjectNode) request.get("context")).remove("selections");
    TestEhr.signed(PATH)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(PATH)
        .then()
        .statusCode(400)
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].details.coding[0].code", equalTo("missing-selections"));
  }
}
