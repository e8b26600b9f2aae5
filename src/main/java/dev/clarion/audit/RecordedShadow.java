package dev.clarion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.binding.Extraction;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.Assessment.Outcome;
import dev.clarion.risk.RecordedInputs;
import dev.clarion.risk.RecordedOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * The shadow part of a decision record, typed: the model version scored in shadow on the same call
 * (id, version, sha256), its outcome, its inputs as its own binding found them, its output and
 * attributions. Written once from a {@link Decision.Shadow}, read back by the auditor's comparison,
 * the decision page and replay. Stored in the column {@code decision.shadow}, inside the record's
 * hash.
 *
 * @param model the exact version scored in shadow
 * @param outcome scored, refused, or failed (scoring threw; the call itself went on)
 * @param reasonCode a refusal's or failure's code; null when scored
 * @param reasons a refusal's reasons, or the failure's exception class; empty when scored
 * @param extraction the inputs as found; null when scoring failed before extraction ended
 * @param output risk, band and baseline when scored; else null
 * @param attributions the attributions when scored; else empty
 * @param micros how long extraction and scoring took
 */
public record RecordedShadow(
    Decision.ModelVersion model,
    Outcome outcome,
    String reasonCode,
    List<String> reasons,
    Extraction extraction,
    RecordedOutput output,
    List<Assessment.Attribution> attributions,
    long micros) {

  /** The JSON field holding the shadow's outcome (SQL reads it for the comparison). */
  public static final String OUTCOME = "outcome";

  /** The JSON field holding the shadow's output (a {@link RecordedOutput}). */
  public static final String OUTPUT = "output";

  /** What a shadow scored on a call records. */
  public static RecordedShadow of(Decision.Shadow s) {
    Assessment a = s.assessment();
    if (a == null) {
      return new RecordedShadow(
          s.model(),
          Outcome.FAILED,
          "internal-error",
          List.of(s.failure()),
          s.extraction(),
          null,
          List.of(),
          s.micros());
    }
    return new RecordedShadow(
        s.model(),
        a.outcome(),
        a.reasonCode(),
        a.scored() ? List.of() : List.copyOf(a.reasons()),
        s.extraction(),
        a.scored() ? RecordedOutput.of(a) : null,
        a.scored() ? List.copyOf(a.attributions()) : List.of(),
        s.micros());
  }

  /** The stored form. */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.set("model", mapper.valueToTree(model));
    n.put(OUTCOME, outcome.name());
    n.put("reasonCode", reasonCode);
    n.set("reasons", mapper.valueToTree(reasons));
    n.set("inputs", extraction == null ? null : mapper.valueToTree(extraction));
    n.set(OUTPUT, output == null ? null : output.toJson(mapper));
    n.set("attributions", mapper.valueToTree(attributions));
    n.put("micros", micros);
    return n;
  }

  /**
   * A stored shadow part read back; null for none (the service had no shadow, or the call ended
   * before it ran).
   *
   * @throws IllegalArgumentException if the stored JSON is not a shadow part
   */
  public static RecordedShadow read(JsonNode stored) {
    if (stored == null || stored.isNull()) {
      return null;
    }
    JsonNode m = stored.path("model");
    if (!m.hasNonNull("id") || !stored.hasNonNull(OUTCOME)) {
      throw new IllegalArgumentException("not a recorded shadow");
    }
    List<String> reasons = new ArrayList<>();
    stored.path("reasons").forEach(r -> reasons.add(r.asText()));
    RecordedInputs inputs = RecordedInputs.read(stored.get("inputs"));
    return new RecordedShadow(
        new Decision.ModelVersion(
            m.get("id").asText(), m.path("version").asText(null), m.path("sha256").asText(null)),
        Outcome.valueOf(stored.get(OUTCOME).asText()),
        stored.path("reasonCode").asText(null),
        List.copyOf(reasons),
        inputs == null ? null : inputs.extraction(),
        RecordedOutput.read(stored.get(OUTPUT)),
        RecordedOutput.attributions(stored.get("attributions")),
        stored.path("micros").asLong());
  }
}
