package dev.clarion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Browser;
import dev.clarion.support.Fixtures;
import dev.clarion.support.KeycloakTestResource;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The auditor page as an auditor uses it: headless Chromium (Debian's, driven by playwright-core)
 * opens {@code /auditor}, is sent to Keycloak's sign-in form, signs in as {@code aldo}, sees the
 * monitoring charts and the decisions, opens one decision, replays it and verifies the chain; a
 * user without the auditor role is refused. The screenshot is checked for drawn charts, not just
 * taken.
 */
@QuarkusTest
class AuditorPageBrowserTest {

  static final String HOOK = "/cds-services/ascvd-risk";

  @Inject DataSource db;

  @Test
  void anAuditorSignsInAndSeesChartsDecisionsReplayAndChain() throws Exception {
    seedDecisions();
    String shadowDecision = seedShadowDecisions();
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    JsonNode seen =
        browse(
            shadowDecision,
            "service=ascvd-risk&from="
                + today
                + "&to="
                + today
                + "&baselineFrom="
                + today
                + "&baselineTo="
                + today);
    assertTrue(
        seen.get("loginPage").asText().endsWith("/realms/clarion/protocol/openid-connect/auth"),
        "sent to Keycloak's sign-in form first: " + seen.get("loginPage"));
    assertEquals("aldo", seen.get("user").asText());
    assertTrue(seen.get("overviewUrl").asText().contains("/auditor?service=ascvd-risk"));
    assertTrue(seen.at("/tiles/Decisions").asInt() >= 58, seen.get("tiles").toString());
    assertTrue(seen.at("/tiles/Refused").asInt() >= 2, seen.get("tiles").toString());
    assertTrue(seen.at("/tiles/Feedback").asInt() >= 4, seen.get("tiles").toString());
    JsonNode bars = seen.get("bars");
    assertTrue(bars.get("chart-outcomes").asInt() >= 3, "scored and refused, refusal reason");
    assertTrue(bars.get("chart-scores").asInt() >= 4, "histogram bins and bands: " + bars);
    assertTrue(bars.get("chart-overrides").asInt() >= 2, "two override reasons: " + bars);
    assertTrue(bars.get("chart-drift").asInt() >= 5, "PSI of the score and inputs: " + bars);
    assertTrue(bars.get("chart-subgroups").asInt() >= 2, "male and female: " + bars);
    assertTrue(
        seen.get("psiLabels").toString().contains("stable"),
        "the window against itself is stable: " + seen.get("psiLabels"));
    assertEquals(AuditorPage.PAGE_SIZE, seen.get("decisionRows").asInt());
    assertTrue(seen.get("inputRows").asInt() >= 7, "every input with date and source");
    assertTrue(seen.get("attributionBars").asInt() >= 5, "contribution chart drawn");
    assertEquals("identical", seen.get("replay").asText());
    assertEquals("intact", seen.get("chain").asText());
    // The shadow rollout page: kfre 1.1.0 against its candidate 1.2.0, and the shadow part on a
    // decision's page.
    JsonNode shadow = seen.get("shadow");
    assertTrue(shadow.get("heading").asText().contains("kfre 1.1.0"), shadow.toString());
    assertTrue(shadow.get("heading").asText().contains("kfre 1.2.0"), shadow.toString());
    assertTrue(shadow.at("/tiles/Both scored").asInt() >= 3, shadow.toString());
    assertTrue(shadow.at("/tiles/Band agreement").asText().endsWith("%"), shadow.toString());
    assertTrue(shadow.get("bandRows").asInt() >= 2, "a row per active band: " + shadow);
    assertTrue(
        shadow.get("differences").toString().contains("percentage points"), shadow.toString());
    assertTrue(
        shadow.get("decisionPanel").asText().contains("kfre 1.2.0"),
        "the decision page shows its shadow part: " + shadow.get("decisionPanel"));
    assertEquals(403, seen.get("noRoleStatus").asInt(), "signed in without the auditor role");
    assertTrue(
        seen.get("noRoleText").asText().contains("nora")
            && seen.get("noRoleText").asText().contains("auditor"),
        "the refusal says who is signed in and which role is missing: " + seen.get("noRoleText"));

    BufferedImage shot = ImageIO.read(Browser.OUT.resolve("auditor-overview.png").toFile());
    assertEquals(1280, shot.getWidth());
    JsonNode boxes = seen.get("chartBoxes");
    assertTrue(
        Browser.pixels(shot, boxes.get("chart-outcomes"), 0x2f8f4e) > 300,
        "green 'scored' bar painted in the volumes chart");
    assertTrue(
        Browser.pixels(shot, boxes.get("chart-outcomes"), 0xd89a1e) > 100,
        "amber 'refused' bar painted in the volumes chart");
    assertTrue(
        Browser.pixels(shot, boxes.get("chart-scores"), 0x3b7dd8) > 300,
        "blue histogram bars painted in the score chart");
    BufferedImage detail = ImageIO.read(Browser.OUT.resolve("auditor-decision.png").toFile());
    assertTrue(
        Browser.pixels(detail, null, 0xc0392b) + Browser.pixels(detail, null, 0x2f8f4e) > 300,
        "contribution bars painted on the decision page");
  }

  /** Decisions with a spread of risks, both sexes, refusals, and overrides with two reasons. */
  void seedDecisions() throws Exception {
    ObjectNode template = Fixtures.request("cds/patient_view_synthea_scored.json");
    for (int i = 0; i < 56; i++) {
      ObjectNode request = template.deepCopy();
      ((ObjectNode) request.at("/prefetch/patient")).put("gender", i % 2 == 0 ? "male" : "female");
      for (JsonNode entry : request.at("/prefetch/bloodPressure/entry")) {
        for (JsonNode component : entry.at("/resource/component")) {
          if (component.at("/code/coding/0/code").asText().equals("8480-6")) {
            ((ObjectNode) component.get("valueQuantity")).put("value", 105 + i * 1.6);
          }
        }
      }
      String id = decide(request);
      if (i < 4) {
        String card = Sql.single(db, "select card_uuids->>0 from decision where id = '" + id + "'");
        String reason = i < 2 ? "patient-declined" : "data-inaccurate";
        String item =
            i == 3
                ? "{\"card\": \""
                    + card
                    + "\", \"outcome\": \"accepted\", \"acceptedSuggestions\": [{\"id\": \""
                    + Sql.single(
                        db, "select suggestion_uuids->>0 from decision where id = '" + id + "'")
                    + "\"}], \"outcomeTimestamp\": \"2026-11-25T10:00:00Z\"}"
                : "{\"card\": \""
                    + card
                    + "\", \"outcome\": \"overridden\", \"overrideReason\": {\"reason\": {\"code\":"
                    + " \""
                    + reason
                    + "\"}}, \"outcomeTimestamp\": \"2026-11-25T10:00:00Z\"}";
        TestEhr.signed(HOOK + "/feedback")
            .contentType("application/json")
            .body("{\"feedback\": [" + item + "]}")
            .post(HOOK + "/feedback")
            .then()
            .statusCode(200);
      }
    }
    for (int i = 0; i < 2; i++) {
      decide(Fixtures.request("cds/patient_view_synthea_ascvd_history.json"));
    }
  }

  /**
   * kfre calls across its bands; each records the candidate 1.2.0 in shadow. Returns the id of one.
   */
  String seedShadowDecisions() throws Exception {
    String id = null;
    for (double[] p : new double[][] {{1.9, 100}, {1.6, 300}, {2.4, 800}, {1.9, 30}}) {
      ObjectNode request = Fixtures.kfreRequest(p[0], "mg/dL", p[1]);
      TestEhr.call("/cds-services/kfre", request);
      id = Sql.decision(db, request, "id");
    }
    return id;
  }

  String decide(ObjectNode request) throws Exception {
    String instance = java.util.UUID.randomUUID().toString();
    request.put("hookInstance", instance);
    TestEhr.signed(HOOK)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(HOOK)
        .then()
        .log()
        .ifValidationFails()
        .statusCode(200);
    return Sql.single(db, "select id from decision where hook_instance = '" + instance + "'");
  }

  /** Runs the browser script and returns what it reported. */
  static JsonNode browse(String shadowDecision, String query) throws Exception {
    KeycloakTestResource.awaitReady();
    return Browser.run(
        "auditor-page.mjs",
        Map.of(
            "APP_URL",
            KeycloakTestResource.appUrl(),
            "QUERY",
            query,
            "SHADOW_DECISION",
            shadowDecision));
  }
}
