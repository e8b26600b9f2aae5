package dev.clarion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.risk.Assessment.Outcome;
import java.time.Instant;
import java.util.UUID;

/**
 * A decision record as auditors read it; {@code shadow} is the {@link RecordedShadow} part, null
 * when the service scored none; {@code imaging} an imaging model's result as recorded (UIDs, pixel
 * hash, saliency grid), null for other models.
 */
public record DecisionView(
    UUID id,
    Long seq,
    String prevHash,
    String hash,
    Instant recordedAt,
    UUID clientId,
    String clientIss,
    String clientTenant,
    String serviceId,
    String hook,
    String hookInstance,
    String patientRef,
    String userRef,
    Outcome outcome,
    String reasonCode,
    JsonNode reasons,
    int httpStatus,
    String modelId,
    String modelVersion,
    String modelSha256,
    JsonNode inputs,
    JsonNode output,
    JsonNode attributions,
    JsonNode cardUuids,
    JsonNode suggestionUuids,
    long latencyMicros,
    JsonNode shadow,
    JsonNode imaging) {

  static DecisionView of(DecisionRecord r) {
    return new DecisionView(
        r.id,
        r.seq,
        r.prevHash,
        r.hash,
        r.recordedAt,
        r.clientId,
        r.clientIss,
        r.clientTenant,
        r.serviceId,
        r.hook,
        r.hookInstance,
        r.patientRef,
        r.userRef,
        r.outcome,
        r.reasonCode,
        r.reasons,
        r.httpStatus,
        r.modelId,
        r.modelVersion,
        r.modelSha256,
        r.inputs,
        r.output,
        r.attributions,
        r.cardUuids,
        r.suggestionUuids,
        r.latencyMicros,
        r.shadow,
        r.imaging);
  }
}
