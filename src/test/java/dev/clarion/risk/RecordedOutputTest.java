package dev.clarion.risk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import org.junit.jupiter.api.Test;

/**
 * The typed recorded output reads every stored output of the committed old records and writes it
 * back identically (so replay compares like with like and stored JSON keeps its shape).
 */
class RecordedOutputTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void readsAndWritesTheStoredOutputsOfOldRecordsUnchanged() throws Exception {
    JsonNode records = JSON.readTree(new File("src/test/resources/records/decision.json"));
    int scored = 0;
    for (JsonNode r : records) {
      JsonNode stored = r.get("output");
      RecordedOutput output = RecordedOutput.read(stored);
      if (!r.get("outcome").asText().equals("SCORED")) {
        assertNull(output, "no output for " + r.get("seq"));
        continue;
      }
      scored++;
      assertEquals(stored, output.toJson(JSON), "output of record " + r.get("seq"));
      assertEquals(r.get("service_id").asText().equals("news2"), output.points());
    }
    assertEquals(3, scored);
    RecordedOutput orderSign = RecordedOutput.read(records.get(3).get("output"));
    assertTrue(
        orderSign.whatIf().stream().anyMatch(w -> w.feature().equals("systolicBp+bpTreated")),
        "the order's treatment what-if is read back");
  }
}
