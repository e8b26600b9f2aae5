package dev.clarion.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * CDS Hooks feedback: stored once however often it is sent, linked to its decision through the card
 * uuid, with accepted suggestions and override reasons; feedback for an unknown card kept aside;
 * invalid feedback refused with nothing stored; signed for the feedback URL.
 */
@QuarkusTest
class FeedbackTest {

  static final String HOOK = "/cds-services/ascvd-risk";
  static final String FEEDBACK = HOOK + "/feedback";

  @Inject DataSource db;

  @Test
  void scoredCardsOfferOverrideReasons() {
    JsonNode card = scoredCard();
    assertEquals(4, card.get("overrideReasons").size());
    for (JsonNode reason : card.get("overrideReasons")) {
      assertEquals(
          "https://clarion.dev/fhir/CodeSystem/override-reason", reason.get("system").asText());
      assertEquals(false, reason.path("display").asText().isBlank());
    }
  }

  @Test
  void acceptedFeedbackIsLinkedToItsDecisionAndStoredOnceWhenResent() throws Exception {
    JsonNode card = scoredCard();
    String cardUuid = card.get("uuid").asText();
    String suggestion = card.at("/suggestions/0/uuid").asText();
    String body =
        """
        {"feedback": [{"card": "%s", "outcome": "accepted",
          "acceptedSuggestions": [{"id": "%s"}], "outcomeTimestamp": "2026-11-25T10:15:00Z"}]}
        """
            .formatted(cardUuid, suggestion);
    send(body)
        .then()
        .statusCode(200)
        .body("received", equalTo(1))
        .body("stored", equalTo(1))
        .body("unknownCards", equalTo(0));
    // The EHR retries with the same content, differently laid out and in another time zone.
    String again =
        """
        {"feedback":[{"outcomeTimestamp":"2026-11-25T11:15:00+01:00","outcome":"accepted",
         "card":"%s","acceptedSuggestions":[{"id":"%s"}]}]}
        """
            .formatted(cardUuid, suggestion);
    send(again).then().statusCode(200).body("stored", equalTo(0)).body("duplicates", equalTo(1));

    Map<String, Object> row = onlyRow(cardUuid);
    assertEquals("accepted", row.get("outcome"));
    assertEquals(decisionOf(cardUuid), row.get("decision_id").toString());
    assertEquals(TestEhr.ISS, row.get("client_iss"));
    assertEquals(
        suggestion,
        Fixtures.JSON.readTree(row.get("accepted_suggestions").toString()).at("/0/id").asText());
  }

  @Test
  void overrideReasonAndCommentAreKept() throws Exception {
    String cardUuid = scoredCard().get("uuid").asText();
    send("""
            {"feedback": [{"card": "%s", "outcome": "overridden",
              "overrideReason": {"reason": {"system": "https://clarion.dev/fhir/CodeSystem/override-reason",
                "code": "patient-declined", "display": "Patient declined"},
                "userComment": "Prefers lifestyle changes first"},
              "outcomeTimestamp": "2026-11-25T10:20:00Z"}]}
            """
            .formatted(cardUuid))
        .then()
        .statusCode(200)
        .body("stored", equalTo(1));
    Map<String, Object> row = onlyRow(cardUuid);
    assertEquals("overridden", row.get("outcome"));
    assertEquals(
        "patient-declined",
        Fixtures.JSON.readTree(row.get("override_reason").toString()).get("code").asText());
    assertEquals("Prefers lifestyle changes first", row.get("override_comment"));
    assertNull(row.get("accepted_suggestions"));
  }

  @Test
  void feedbackForAnUnknownCardIsKeptAside() throws Exception {
    String cardUuid = UUID.randomUUID().toString();
    send("""
            {"feedback": [{"card": "%s", "outcome": "overridden",
              "outcomeTimestamp": "2026-11-25T10:20:00Z"}]}
            """
            .formatted(cardUuid))
        .then()
        .statusCode(200)
        .body("stored", equalTo(1))
        .body("unknownCards", equalTo(1));
    assertNull(onlyRow(cardUuid).get("decision_id"));
  }

  @Test
  void invalidFeedbackIsRefusedAndNothingIsStored() throws Exception {
    String good = UUID.randomUUID().toString();
    String[][] cases = {
      {"{}", "missing-feedback"},
      {
        "{\"feedback\": [{\"card\": \""
            + good
            + "\", \"outcome\": \"ignored\", \"outcomeTimestamp\": \"2026-11-25T10:20:00Z\"}]}",
        "invalid-outcome"
      },
      {
        "{\"feedback\": [{\"card\": \""
            + good
            + "\", \"outcome\": \"accepted\", \"outcomeTimestamp\": \"2026-11-25T10:20:00Z\"}]}",
        "missing-accepted-suggestions"
      },
      {
        "{\"feedback\": [{\"card\": \""
            + good
            + "\", \"outcome\": \"overridden\", \"outcomeTimestamp\": \"yesterday\"}]}",
        "invalid-outcome-timestamp"
      },
      // One good item and one bad: neither is stored.
      {
        "{\"feedback\": [{\"card\": \""
            + good
            + "\", \"outcome\": \"overridden\", \"outcomeTimestamp\": \"2026-11-25T10:20:00Z\"}, {\"outcome\": \"overridden\"}]}",
        "missing-card"
      },
      {"not json", "malformed-json"}
    };
    for (String[] c : cases) {
      send(c[0])
          .then()
          .statusCode(400)
          .contentType("application/fhir+json")
          .body("issue[0].details.coding[0].code", equalTo(c[1]));
    }
    assertEquals(0, count(good));
  }

  @Test
  void feedbackNeedsATokenForTheFeedbackUrl() {
    String body =
        "{\"feedback\": [{\"card\": \"x\", \"outcome\": \"overridden\","
            + " \"outcomeTimestamp\": \"2026-11-25T10:20:00Z\"}]}";
    given().contentType("application/json").body(body).post(FEEDBACK).then().statusCode(401);
    given()
        .header("Authorization", "Bearer " + TestEhr.token(TestEhr.url(HOOK)))
        .contentType("application/json")
        .body(body)
        .post(FEEDBACK)
        .then()
        .statusCode(401);
  }

  static JsonNode scoredCard() {
    Response response =
        TestEhr.signed(HOOK)
            .contentType("application/json")
            .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")))
            .post(HOOK);
    response.then().statusCode(200).body("cards", hasSize(1));
    try {
      return Fixtures.JSON.readTree(response.asString()).get("cards").get(0);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Response send(String body) {
    return TestEhr.signed(FEEDBACK).contentType("application/json").body(body).post(FEEDBACK);
  }

  Map<String, Object> onlyRow(String card) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("select * from feedback where card_uuid = ?")) {
      ps.setString(1, card);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
        }
        assertEquals(false, rs.next(), "one row per distinct feedback");
        return row;
      }
    }
  }

  int count(String card) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select count(*) from feedback where card_uuid = ?")) {
      ps.setString(1, card);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  String decisionOf(String card) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select id from decision where card_uuids @> ?::jsonb")) {
      ps.setString(1, "[\"" + card + "\"]");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }
}
