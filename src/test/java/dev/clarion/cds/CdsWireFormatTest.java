package dev.clarion.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.cds.api.Card;
import dev.clarion.cds.api.CdsResponse;
import dev.clarion.cds.api.ServiceDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden serialization of the wire types (CDS Hooks 2.0 §General: no null or empty members). */
class CdsWireFormatTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void emptyResponseIsExactlyCardsEmptyArray() throws Exception {
    assertEquals("{\"cards\":[]}", JSON.writeValueAsString(CdsResponse.none()));
  }

  @Test
  void cardOmitsAbsentOptionalMembers() throws Exception {
    Card card =
        new Card(
            "3c1e2e9e-0000-4000-8000-000000000001",
            "Summary",
            null,
            Card.Indicator.WARNING,
            new Card.Source("Clarion", null, null, null),
            List.of(),
            null,
            null,
            null);
    assertEquals(
        "{\"uuid\":\"3c1e2e9e-0000-4000-8000-000000000001\",\"summary\":\"Summary\","
            + "\"indicator\":\"warning\",\"source\":{\"label\":\"Clarion\"}}",
        JSON.writeValueAsString(card));
  }

  @Test
  void discoveryViewHasOnlySpecFields() throws Exception {
    ServiceDefinition def =
        new ServiceDefinition(
            "x",
            "patient-view",
            "T",
            "D",
            null,
            null,
            new ServiceDefinition.Clarion(
                "ascvd-pce", null, null, null, null, null, null, null, null, null));
    assertEquals(
        "{\"hook\":\"patient-view\",\"title\":\"T\",\"description\":\"D\",\"id\":\"x\"}",
        JSON.writeValueAsString(def.discovery()));
  }
}
