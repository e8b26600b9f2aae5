package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every evidence-based model card carries the 13 HTI-1 source attributes of an evidence-based DSI.
 */
class ModelCardTest {

  static final List<String> EVIDENCE_BASED_ATTRIBUTES =
      List.of(
          "bibliographicCitation",
          "developer",
          "fundingSource",
          "releaseAndRevisionDates",
          "useOfRace",
          "useOfEthnicity",
          "useOfLanguage",
          "useOfSexualOrientation",
          "useOfGenderIdentity",
          "useOfSex",
          "useOfDateOfBirth",
          "useOfSocialDeterminantsOfHealth",
          "useOfHealthStatusAssessments");

  @Test
  void everyEvidenceBasedCardHasAllThirteenSourceAttributesFilledIn() throws Exception {
    List<Path> cards;
    try (var dirs = Files.list(Path.of("models"))) {
      cards = dirs.map(d -> d.resolve("model-card.json")).filter(Files::exists).sorted().toList();
    }
    assertTrue(cards.size() >= 2, "cards found: " + cards);
    for (Path file : cards) {
      JsonNode card = new ObjectMapper().readTree(file.toFile());
      assertEquals(
          file.getParent().getFileName().toString(), card.get("model").asText(), file + "");
      String type = card.path("interventionType").asText();
      assertTrue(type.equals("evidence-based") || type.equals("predictive"), file + ": " + type);
      if (type.equals("predictive")) {
        assertEquals(31, card.get("sourceAttributes").size(), file + ": 31 predictive attributes");
        continue;
      }
      JsonNode attributes = card.get("sourceAttributes");
      for (String name : EVIDENCE_BASED_ATTRIBUTES) {
        assertTrue(attributes.hasNonNull(name), file + ": " + name);
        assertFalse(attributes.get(name).asText().isBlank(), file + ": " + name);
      }
      assertEquals(13, attributes.size(), file + ": no attribute beyond the 13");
      // Sex is used exactly when the model has a sex input.
      boolean sexInput =
          new ObjectMapper()
              .readTree(file.resolveSibling("model.json").toFile())
              .findValuesAsText("name")
              .contains("female");
      assertEquals(
          sexInput, attributes.get("useOfSex").asText().startsWith("Yes"), file + ": useOfSex");
      assertTrue(attributes.get("useOfEthnicity").asText().startsWith("No"), file + "");
      assertFalse(card.path("knownLimitations").isEmpty(), file + ": limitations stated");
    }
  }

  @Test
  void raceIsUsedByThePceAndNotByPrevent() throws Exception {
    ObjectMapper json = new ObjectMapper();
    assertTrue(
        json.readTree(Path.of("models/ascvd-pce/model-card.json").toFile())
            .at("/sourceAttributes/useOfRace")
            .asText()
            .startsWith("Yes"));
    assertTrue(
        json.readTree(Path.of("models/prevent-cvd/model-card.json").toFile())
            .at("/sourceAttributes/useOfRace")
            .asText()
            .startsWith("No"));
  }
}
