package dev.clarion.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Browser;
import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A clinician follows the explanation link on a card (Debian's headless Chromium): the page shows
 * the same risk as the card, the contribution chart, the what-if, every input and the model; a
 * tampered or expired link is refused.
 */
@QuarkusTest
class ExplanationPageBrowserTest {

  static final String HOOK = "/cds-services/ascvd-risk";

  @Inject ExplanationLinks links;

  @Test
  void theCardsLinkOpensTheExplanationAndForgedLinksAreRefused() throws Exception {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    request.put("hookInstance", UUID.randomUUID().toString());
    for (JsonNode entry : request.at("/prefetch/bloodPressure/entry")) {
      for (JsonNode component : entry.at("/resource/component")) {
        if (component.at("/code/coding/0/code").asText().equals("8480-6")) {
          ((ObjectNode) component.get("valueQuantity")).put("value", 152);
        }
      }
    }
    JsonNode card =
        Fixtures.JSON.readTree(TestEhr.call(HOOK, request).extract().asString()).at("/cards/0");
    String link = null;
    for (JsonNode l : card.get("links")) {
      if (l.get("label").asText().startsWith("Explanation")) {
        link = l.get("url").asText();
      }
    }
    assertTrue(link != null && link.contains("/explanations/"), card.get("links").toString());
    UUID decision =
        UUID.fromString(URI.create(link).getPath().substring("/explanations/".length()));
    String base = link.substring(0, link.indexOf("/explanations/"));
    String tampered = link.substring(0, link.length() - 2) + (link.endsWith("AA") ? "BB" : "AA");
    String expired = base + links.path(decision, Instant.now().minus(Duration.ofHours(25)));

    JsonNode seen =
        Browser.run(
            "explanation-page.mjs", Map.of("LINK", link, "TAMPERED", tampered, "EXPIRED", expired));
    assertEquals(200, seen.get("status").asInt());
    assertEquals("no-store", seen.get("cacheControl").asText());
    String summary = card.get("summary").asText();
    assertTrue(
        summary.contains(seen.get("risk").asText()), summary + " vs page " + seen.get("risk"));
    assertTrue(summary.contains(seen.get("band").asText()), summary);
    assertEquals(
        7, seen.get("contributionBars").asInt(), seen.get("contributionLabels").toString());
    assertEquals(1, seen.get("whatIf").size(), seen.get("whatIf").toString());
    assertEquals("systolic BP 120 mm Hg", seen.at("/whatIf/0/0").asText());
    assertTrue(seen.at("/whatIf/0/2").asText().startsWith("-"), "lower with SBP 120");
    assertEquals(11, seen.get("inputs").size(), seen.get("inputs").toString());
    assertTrue(seen.get("modelText").asText().contains("sha256"));
    assertTrue(seen.get("modelText").asText().contains("Known limitations"));
    assertEquals(403, seen.at("/tampered/status").asInt());
    assertEquals(403, seen.at("/expired/status").asInt());
    assertTrue(seen.at("/expired/text").asText().contains("expired"));

    BufferedImage shot = ImageIO.read(Browser.OUT.resolve("explanation.png").toFile());
    assertTrue(
        Browser.pixels(shot, seen.get("contributionBox"), 0xc0392b) > 300,
        "red (raising) contribution bars painted");
  }
}
