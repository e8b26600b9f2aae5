package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PCE model card carries the 13 HTI-1 source attributes of an evidence-based DSI. */
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
  void pceCardHasAllThirteenSourceAttributesFilledIn() throws Exception {
    JsonNode card =
        new ObjectMapper().readTree(Path.of("models/ascvd-pce/model-card.json").toFile());
    JsonNode attributes = card.get("sourceAttributes");
    assertEquals(13, EVIDENCE_BASED_ATTRIBUTES.size());
    for (String name : EVIDENCE_BASED_ATTRIBUTES) {
      assertTrue(attributes.hasNonNull(name), name);
      assertFalse(attributes.get(name).asText().isBlank(), name);
    }
    assertEquals(13, attributes.size(), "no attribute beyond the 13");
    assertTrue(attributes.get("useOfRace").asText().startsWith("Yes"));
    assertTrue(attributes.get("useOfSex").asText().startsWith("Yes"));
    assertTrue(attributes.get("useOfEthnicity").asText().startsWith("No"));
  }
}
