package dev.clarion.risk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The output a scored decision records, typed: written once from an {@link Assessment} and read
 * back by every page, replay, export and monitoring instead of looking up JSON fields by name. The
 * stored JSON keeps its shape ({@code risk}, {@code band}, {@code baseline}, {@code scale} only for
 * point scores, {@code whatIf} and {@code also} only when there are any), so records written before
 * this type existed read the same.
 *
 * @param risk the risk as a fraction, or the total points of a point score
 * @param band the band code
 * @param baseline the reference profile's risk (or points)
 * @param points whether this is a point score ({@code "scale": "points"})
 * @param whatIf the risk with each applicable change (empty when none)
 * @param also the model's further outputs (empty when none)
 */
public record RecordedOutput(
    Double risk,
    String band,
    Double baseline,
    boolean points,
    List<Assessment.WhatIf> whatIf,
    List<Assessment.AlsoReport> also) {

  /** The JSON field of the stored output holding the risk (SQL reads it for monitoring). */
  public static final String RISK = "risk";

  /** The JSON field of the stored output holding the band. */
  public static final String BAND = "band";

  /** The JSON field of the stored output naming the scale; {@link #POINTS} for point scores. */
  public static final String SCALE = "scale";

  public static final String POINTS = "points";

  private static final ObjectMapper READER =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** What a scored assessment records. */
  public static RecordedOutput of(Assessment a) {
    return new RecordedOutput(
        a.risk(),
        a.band(),
        a.baseline(),
        a.model().descriptor().points(),
        List.copyOf(a.whatIfs()),
        List.copyOf(a.alsoReports()));
  }

  /** The stored form. */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode output = mapper.createObjectNode();
    output.put(RISK, risk);
    output.put(BAND, band);
    output.put("baseline", baseline);
    if (points) {
      // "risk" is then the total points; monitoring keeps point scores out of risk statistics.
      output.put(SCALE, POINTS);
    }
    if (!whatIf.isEmpty()) {
      output.set("whatIf", mapper.valueToTree(whatIf));
    }
    if (!also.isEmpty()) {
      output.set("also", mapper.valueToTree(also));
    }
    return output;
  }

  /**
   * A decision's stored attributions read back, in their recorded order; empty for none (a refused
   * or failed decision). A record without a label reads with a null label.
   */
  public static List<Assessment.Attribution> attributions(JsonNode stored) {
    if (stored == null || !stored.isArray()) {
      return List.of();
    }
    try {
      return List.of(READER.treeToValue(stored, Assessment.Attribution[].class));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not recorded attributions", e);
    }
  }

  /** A stored output read back; null for none (a refused or failed decision). */
  public static RecordedOutput read(JsonNode stored) {
    if (stored == null || stored.isNull() || !stored.hasNonNull(RISK)) {
      return null;
    }
    try {
      return new RecordedOutput(
          stored.get(RISK).asDouble(),
          stored.hasNonNull(BAND) ? stored.get(BAND).asText() : null,
          stored.hasNonNull("baseline") ? stored.get("baseline").asDouble() : null,
          POINTS.equals(stored.path(SCALE).asText()),
          stored.has("whatIf")
              ? List.of(READER.treeToValue(stored.get("whatIf"), Assessment.WhatIf[].class))
              : List.of(),
          stored.has("also")
              ? List.of(READER.treeToValue(stored.get("also"), Assessment.AlsoReport[].class))
              : List.of());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a recorded output", e);
    }
  }
}
