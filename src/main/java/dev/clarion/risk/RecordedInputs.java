package dev.clarion.risk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.binding.Demographics;
import dev.clarion.binding.Extraction;
import java.util.List;
import java.util.Map;

/**
 * The inputs a decision records, typed: written once by the decision recorder and read back by
 * replay, pages, export and monitoring instead of looking up JSON fields by name. The stored JSON
 * keeps its shape — the {@link Extraction}'s fields at the top ({@code features}, {@code recorded},
 * {@code exclusions}, {@code excludedBy}, {@code notes}, {@code basis}), then {@code sources},
 * {@code scenarios} only when the service scores some (since 2026-12-02) and {@code demographics}
 * (since 2026-12-03) — so older records read the same, without the parts they predate.
 *
 * @param extraction the model inputs as found, with provenance
 * @param sources per prefetch key, where its data came from
 * @param scenarios the what-if scenarios scored with the model; null when the record predates them
 *     or the service scores none
 * @param demographics the patient's age band, sex, race and ethnicity; null in older records
 */
public record RecordedInputs(
    Extraction extraction,
    Map<String, String> sources,
    List<Assessment.Scenario> scenarios,
    Demographics demographics) {

  /** The JSON field holding the extracted model inputs (SQL reads it for monitoring). */
  public static final String FEATURES = "features";

  /** The JSON field holding the demographics (SQL reads it for monitoring). */
  public static final String DEMOGRAPHICS = "demographics";

  private static final ObjectMapper READER =
      new ObjectMapper()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          // A code-match way or status a later version adds reads as null, not as an error.
          .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL);

  /**
   * One stored part read on its own (monitoring reads {@value #FEATURES} and {@value #DEMOGRAPHICS}
   * straight from SQL), as leniently as {@link #read}.
   *
   * @throws com.fasterxml.jackson.core.JsonProcessingException if it is not that part
   */
  public static <T> T part(String json, Class<T> type)
      throws com.fasterxml.jackson.core.JsonProcessingException {
    return READER.readValue(json, type);
  }

  /** The stored form. */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode inputs = mapper.valueToTree(extraction);
    inputs.set("sources", mapper.valueToTree(sources));
    if (scenarios != null && !scenarios.isEmpty()) {
      // Replay scores the same scenarios, even if the service definition changes later.
      inputs.set("scenarios", mapper.valueToTree(scenarios));
    }
    if (demographics != null) {
      inputs.set(DEMOGRAPHICS, mapper.valueToTree(demographics));
    }
    return inputs;
  }

  /**
   * Stored inputs read back; null for none (a call that ended before its inputs were gathered).
   *
   * @throws IllegalArgumentException if the stored JSON is not a record's inputs
   */
  public static RecordedInputs read(JsonNode stored) {
    if (stored == null || stored.isNull()) {
      return null;
    }
    try {
      return new RecordedInputs(
          READER.treeToValue(stored, Extraction.class),
          stored.has("sources")
              ? READER.convertValue(
                  stored.get("sources"),
                  READER.getTypeFactory().constructMapType(Map.class, String.class, String.class))
              : Map.of(),
          stored.has("scenarios")
              ? List.of(READER.treeToValue(stored.get("scenarios"), Assessment.Scenario[].class))
              : null,
          stored.hasNonNull(DEMOGRAPHICS)
              ? READER.treeToValue(stored.get(DEMOGRAPHICS), Demographics.class)
              : null);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a decision's recorded inputs", e);
    }
  }
}
