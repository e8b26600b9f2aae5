package dev.clarion.cds;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * The guideline's next step on the card, end to end: the Synthea patient (58, diabetes, on BP
 * treatment) with an LDL-C result gets the ACC/AHA 2026 diabetes statin rule on the PREVENT card, a
 * suggestion that files the RiskAssessment with a draft MedicationRequest whose reason is that
 * RiskAssessment, the rule id and version in the decision record, and a replay that reproduces
 * them; without an LDL-C the card proposes measuring it; a KFRE patient without a UACR gets a "not
 * calculated" card that orders one.
 */
@QuarkusTest
class RecommendationCardsTest {

  @Inject DataSource db;

  /** The PREVENT request with an eGFR and, when given, an LDL-C beside the lipids. */
  static ObjectNode prevent(Double ldl) {
    ObjectNode request = PreventServiceTest.request(72.0);
    if (ldl != null) {
      String patient = "Patient/" + request.at("/prefetch/patient/id").asText();
      ((ArrayNode) request.withArray("/prefetch/lipids/entry"))
          .addObject()
          .set(
              "resource",
              Fixtures.observation("ldl-1", "1", "13457-7", ldl, "mg/dL", patient)
                  .put("effectiveDateTime", "2026-10-01"));
    }
    return request;
  }

  @Test
  void theStatinRuleOfTheGuidelineIsOnTheCardAsADraftOrderLinkedToItsRiskAssessment()
      throws Exception {
    ObjectNode request = prevent(130.0);
    JsonNode card =
        Fixtures.JSON
            .readTree(
                TestEhr.call("/cds-services/prevent-cvd", request)
                    .statusCode(200)
                    .extract()
                    .asString())
            .at("/cards/0");
    String detail = card.get("detail").asText();
    assertTrue(
        detail.contains("**Lipid-lowering therapy:** Diabetes, age 40-75, LDL-C 70 mg/dL or more"),
        detail);
    assertTrue(detail.contains("*(ACC/AHA 2026 dyslipidemia guideline, "), detail);
    assertTrue(detail.contains("**Blood pressure:** "), detail);
    assertEquals("warning", card.get("indicator").asText());

    JsonNode recorded = Fixtures.JSON.readTree(Sql.decision(db, request, "recommendations::text"));
    JsonNode lipid = recorded.get(0);
    assertEquals("lipid-lowering", lipid.get("topic").asText());
    assertEquals("applies", lipid.get("status").asText());
    assertEquals("dyslipidemia-2026-diabetes", lipid.get("rule").asText());
    assertEquals("1.0.0", lipid.get("version").asText());
    assertFalse(lipid.get("reviewed").asBoolean());

    double intensity = 0;
    for (JsonNode f : Fixtures.JSON.readTree(Sql.decision(db, request, "inputs->'recorded'"))) {
      if (f.get("name").asText().equals("statinIntensity") && f.hasNonNull("value")) {
        intensity = f.get("value").asDouble();
      }
    }
    if (intensity >= 2) {
      assertTrue(detail.contains("No order suggested: already on a statin"), detail);
      assertEquals("statin-moderate", lipid.at("/skipped/0").asText());
    } else {
      assertEquals("statin-moderate", lipid.at("/suggested/0").asText());
      JsonNode suggestion = card.at("/suggestions/0");
      assertEquals(
          "Propose atorvastatin 10 mg daily (moderate-intensity statin)",
          suggestion.get("label").asText());
      assertTrue(suggestion.get("isRecommended").asBoolean());
      JsonNode ra = suggestion.at("/actions/0/resource");
      JsonNode order = suggestion.at("/actions/1/resource");
      assertEquals("RiskAssessment", ra.get("resourceType").asText());
      assertEquals("MedicationRequest", order.get("resourceType").asText());
      assertEquals("draft", order.get("status").asText());
      assertEquals("proposal", order.get("intent").asText());
      assertEquals("617312", order.at("/medicationCodeableConcept/coding/0/code").asText());
      assertEquals(
          ra.at("/identifier/0/value").asText(),
          order.at("/supportingInformation/0/identifier/value").asText(),
          "the order is supported by the RiskAssessment filed with it");
      assertTrue(
          order.at("/reasonCode/0/text").asText().startsWith("10-year"),
          "the reason names the result: " + order.at("/reasonCode/0/text"));
      assertTrue(
          order.at("/instantiatesUri/0").asText().endsWith("dyslipidemia-2026-diabetes|1.0.0"));
    }
    // The card still lets the clinician file the risk assessment alone.
    ArrayNode suggestions = (ArrayNode) card.get("suggestions");
    assertEquals(
        "File this risk assessment in the chart",
        suggestions.get(suggestions.size() - 1).get("label").asText());

    given()
        .header("Authorization", "Bearer " + KeycloakTestResource.token("aldo", "aldo-password"))
        .get("/audit/decisions/" + Sql.decision(db, request, "id") + "/replay")
        .then()
        .statusCode(200)
        .body("identical", equalTo(true))
        .body("replayed.recommendations[0].rule", equalTo("dyslipidemia-2026-diabetes"));
  }

  @Test
  void monitoringCountsAcceptedOrdersAndOverrideReasonsPerRule() throws Exception {
    // The window starts now: the other tests' decisions with this rule are before it.
    java.time.Instant from = java.time.Instant.now();
    String[] outcomes = {"order", "file-only", "overridden"};
    for (String outcome : outcomes) {
      ObjectNode request = prevent(130.0);
      request.put("hookInstance", UUID.randomUUID().toString());
      JsonNode card =
          Fixtures.JSON
              .readTree(
                  TestEhr.call("/cds-services/prevent-cvd", request)
                      .statusCode(200)
                      .extract()
                      .asString())
              .at("/cards/0");
      ArrayNode suggestions = (ArrayNode) card.get("suggestions");
      String statin = suggestions.get(0).get("uuid").asText();
      assertEquals(
          statin,
          Fixtures.JSON
              .readTree(Sql.decision(db, request, "recommendations::text"))
              .at("/0/suggestion")
              .asText(),
          "the decision records the uuid of the rule's suggestion");
      String fileOnly = suggestions.get(suggestions.size() - 1).get("uuid").asText();
      String item =
          switch (outcome) {
            case "order" ->
                "\"outcome\": \"accepted\", \"acceptedSuggestions\": [{\"id\": \""
                    + statin
                    + "\"}]";
            case "file-only" ->
                "\"outcome\": \"accepted\", \"acceptedSuggestions\": [{\"id\": \""
                    + fileOnly
                    + "\"}]";
            default ->
                "\"outcome\": \"overridden\", \"overrideReason\": {\"reason\": {\"system\":"
                    + " \"https://clarion.dev/fhir/CodeSystem/override-reason\", \"code\":"
                    + " \"already-addressed\"}}";
          };
      String feedback = "/cds-services/prevent-cvd/feedback";
      TestEhr.signed(feedback)
          .contentType("application/json")
          .body(
              "{\"feedback\": [{\"card\": \""
                  + card.get("uuid").asText()
                  + "\", "
                  + item
                  + ", \"outcomeTimestamp\": \"2026-12-04T10:00:00Z\"}]}")
          .post(feedback)
          .then()
          .statusCode(200)
          .body("stored", equalTo(1));
    }
    JsonNode report =
        Fixtures.JSON.readTree(
            given()
                .header(
                    "Authorization",
                    "Bearer " + KeycloakTestResource.token("aldo", "aldo-password"))
                .queryParam("service", "prevent-cvd")
                .queryParam("from", from.toString())
                .queryParam("to", java.time.Instant.now().plusSeconds(1).toString())
                .get("/audit/monitoring")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    JsonNode rule = null;
    for (JsonNode r : report.get("rules")) {
      if (r.get("rule").asText().equals("dyslipidemia-2026-diabetes")) {
        rule = r;
      }
    }
    assertTrue(rule != null, report.get("rules").toString());
    assertEquals("1.0.0", rule.get("version").asText());
    assertEquals("lipid-lowering", rule.get("topic").asText());
    assertEquals(3, rule.get("shown").asInt());
    assertEquals(3, rule.get("feedback").asInt());
    assertEquals(1, rule.get("acceptedOrders").asInt());
    assertEquals(1, rule.get("acceptedOtherwise").asInt());
    assertEquals(1, rule.get("overridden").asInt());
    assertEquals(1, rule.at("/reasons/already-addressed").asInt());
    assertEquals(1.0 / 3, rule.get("overrideRate").asDouble(), 1e-9);
  }

  @Test
  void withoutAnLdlTheCardProposesMeasuringIt() throws Exception {
    ObjectNode request = prevent(null);
    String body =
        TestEhr.call("/cds-services/prevent-cvd", request).statusCode(200).extract().asString();
    JsonNode card = Fixtures.JSON.readTree(body).at("/cards/0");
    assertTrue(card.get("detail").asText().contains("No LDL-C result: measure LDL-C"));
    JsonNode order = card.at("/suggestions/0/actions/1/resource");
    assertEquals("ServiceRequest", order.get("resourceType").asText());
    assertEquals("2089-1", order.at("/code/coding/0/code").asText());
    assertEquals("108252007", order.at("/category/0/coding/0/code").asText());
  }

  @Test
  void aKfrePatientWithoutAUacrGetsANotCalculatedCardThatOrdersOne() throws Exception {
    ObjectNode request = KfreServiceTest.request(1.6, "mg/dL", null);
    request.put("hookInstance", UUID.randomUUID().toString());
    JsonNode card =
        Fixtures.JSON
            .readTree(
                TestEhr.call("/cds-services/kfre", request).statusCode(200).extract().asString())
            .at("/cards/0");
    assertTrue(card.get("summary").asText().contains("not calculated"), card.toString());
    assertTrue(card.get("detail").asText().contains("order one"), card.get("detail").asText());
    JsonNode order = card.at("/suggestions/0/actions/0/resource");
    assertEquals("ServiceRequest", order.get("resourceType").asText());
    assertEquals("9318-7", order.at("/code/coding/0/code").asText());
    assertTrue(order.at("/reasonCode/0/text").asText().contains("not calculated"));
    assertEquals(
        "kdigo-2024-order-uacr",
        Fixtures.JSON
            .readTree(Sql.decision(db, request, "recommendations::text"))
            .at("/0/rule")
            .asText());
  }
}
