package dev.clarion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.binding.Extraction;
import dev.clarion.cds.api.Card;
import dev.clarion.recommend.Recommender;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.Assessment.Outcome;
import dev.clarion.risk.RecordedInputs;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One decision as the request path builds it, step by step: who called which service, about which
 * patient, with which model, on which inputs, and what came of it — scored, refused or failed, with
 * the cards returned. Immutable: each step returns a new value with what it learned. {@link
 * DecisionRecorder} turns it into the stored record in one place.
 *
 * @param id the decision's id (in the explanation link and every card's feedback)
 * @param at when the call arrived
 * @param serviceId the service called
 * @param caller the verified EHR client; all null for an unsigned loopback call (embedded run)
 * @param request the hook call's identifiers, as far as they were read before the call ended
 * @param model the exact model, once the service's model was looked up; else null
 * @param inputs what was found in the patient's data, once gathered; else null
 * @param outcome scored, refused or failed; null until the call ends
 * @param reasonCode stable code of a refusal or failure
 * @param reasons plain-language reasons (a refusal's, a failure's message, or why a score gave no
 *     card)
 * @param httpStatus the status the caller gets
 * @param assessment the model's result, when it ran (scored or refused); else null
 * @param cards the cards returned (empty when none); null for a failed call
 * @param shadow the service's shadow model version as scored on the same call; null when the
 *     service has none or the call ended before it ran
 * @param recommendations per topic, the guideline recommendation the cards carry (or why none
 *     applies); empty when the model has no rules or the call ended before its cards
 * @param imaging an imaging model's result as recorded (model pin, preprocessing, DICOM UIDs, pixel
 *     hash, probability, saliency grid — never the image); null for other models
 */
public record Decision(
    UUID id,
    Instant at,
    String serviceId,
    Caller caller,
    Request request,
    ModelVersion model,
    RecordedInputs inputs,
    Outcome outcome,
    String reasonCode,
    List<String> reasons,
    int httpStatus,
    Assessment assessment,
    List<Card> cards,
    Shadow shadow,
    List<Recommender.Recommendation> recommendations,
    JsonNode imaging) {

  /**
   * The verified caller; all null for the loopback caller.
   *
   * @param token the id of the call's token, whose first use is committed with this decision (a
   *     replay found at commit refuses the call, and no decision is recorded); null for none
   */
  public record Caller(UUID clientId, String iss, String tenant, Token token) {}

  /** A token id: {@code (iss, jti)} kept in {@code jwt_replay} until {@code keepUntil}. */
  public record Token(String iss, String jti, Instant keepUntil) {}

  /** The hook call's identifiers; the patient and user only once the request was validated. */
  public record Request(String hook, String hookInstance, String patientId, String userId) {}

  /** The exact model: id, version and the sha256 of its artifact. */
  public record ModelVersion(String id, String version, String sha256) {}

  /**
   * A model version scored in shadow on this call: recorded beside the decision, never shown and
   * never used for the card.
   *
   * @param model the exact version
   * @param extraction its inputs, as its own binding found them
   * @param assessment scored or refused; null when scoring failed
   * @param failure the class of the exception when scoring failed; else null
   * @param micros how long extraction and scoring took
   */
  public record Shadow(
      ModelVersion model,
      Extraction extraction,
      Assessment assessment,
      String failure,
      long micros) {}

  /** A call to {@code serviceId} that has just arrived. */
  public static Decision begin(UUID id, Instant at, String serviceId, Caller caller) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        new Request(null, null, null, null),
        null,
        null,
        null,
        null,
        List.of(),
        0,
        null,
        null,
        null,
        List.of(),
        null);
  }

  /** The request's hook and hookInstance, recorded even when the request is then refused. */
  public Decision withHook(String hook, String hookInstance) {
    return withRequest(new Request(hook, hookInstance, null, null));
  }

  /** The validated request's patient and user. */
  public Decision withPatient(String patientId, String userId) {
    return withRequest(new Request(request.hook(), request.hookInstance(), patientId, userId));
  }

  private Decision withRequest(Request r) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        r,
        model,
        inputs,
        outcome,
        reasonCode,
        reasons,
        httpStatus,
        assessment,
        cards,
        shadow,
        recommendations,
        imaging);
  }

  public Decision withModel(ModelVersion m) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        request,
        m,
        inputs,
        outcome,
        reasonCode,
        reasons,
        httpStatus,
        assessment,
        cards,
        shadow,
        recommendations,
        imaging);
  }

  public Decision withInputs(RecordedInputs i) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        request,
        model,
        i,
        outcome,
        reasonCode,
        reasons,
        httpStatus,
        assessment,
        cards,
        shadow,
        recommendations,
        imaging);
  }

  /** The shadow version's result on this call. */
  public Decision withShadow(Shadow s) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        request,
        model,
        inputs,
        outcome,
        reasonCode,
        reasons,
        httpStatus,
        assessment,
        cards,
        s,
        recommendations,
        imaging);
  }

  /** Refused before the model ran (e.g. no draft order the service advises on): no card. */
  public Decision refused(String code, String reason) {
    return refused(code, reason, List.of());
  }

  /** Refused before the model could score, with the cards that say so (may be none). */
  public Decision refused(String code, String reason, List<Card> returned) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        request,
        model,
        inputs,
        Outcome.REFUSED,
        code,
        List.of(reason),
        200,
        null,
        List.copyOf(returned),
        shadow,
        recommendations,
        imaging);
  }

  /**
   * The model ran: scored or refused, with the cards returned.
   *
   * @param whyNoCard for a score that gives no card, why; else null
   */
  public Decision assessed(Assessment a, List<Card> returned, String whyNoCard) {
    return assessed(a, returned, whyNoCard, List.of());
  }

  /**
   * The model ran, with the guideline recommendations its cards carry.
   *
   * @param whyNoCard for a score that gives no card, why; else null
   */
  public Decision assessed(
      Assessment a,
      List<Card> returned,
      String whyNoCard,
      List<Recommender.Recommendation> recommended) {
    List<String> why =
        a.scored() ? (whyNoCard == null ? List.of() : List.of(whyNoCard)) : a.reasons();
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        request,
        model,
        inputs,
        a.outcome(),
        a.reasonCode(),
        why,
        200,
        a,
        List.copyOf(returned),
        shadow,
        List.copyOf(recommended),
        imaging);
  }

  /**
   * An imaging model scored the study: the record part of its result and the cards returned.
   *
   * @param result the result as recorded ({@code ImagingResult.toJson})
   */
  public Decision imaged(JsonNode result, List<Card> returned) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        request,
        model,
        inputs,
        Outcome.SCORED,
        null,
        List.of(),
        200,
        null,
        List.copyOf(returned),
        shadow,
        recommendations,
        result);
  }

  /** The call failed with this status: no card, whatever had been found. */
  public Decision failed(String code, String message, int status) {
    return new Decision(
        id,
        at,
        serviceId,
        caller,
        request,
        model,
        inputs,
        Outcome.FAILED,
        code,
        List.of(message),
        status,
        null,
        null,
        shadow,
        recommendations,
        imaging);
  }
}
