package dev.clarion.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.cds.api.Card;
import dev.clarion.recommend.Recommender;
import dev.clarion.risk.Assessment.Outcome;
import dev.clarion.risk.RecordedOutput;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Records decisions. {@link #record} returns only after the record has been committed to the hash
 * chain, so a caller that sends its response after this call never answers without a durable
 * record; any failure (including a commit that takes longer than {@link #COMMIT_TIMEOUT}) surfaces
 * as an exception. The one place a {@link Decision} becomes a {@link DecisionRecord}. Thread-safe.
 */
@ApplicationScoped
public class DecisionRecorder {

  static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The call's token had been committed by another call when this decision was about to be: a
   * replay (perhaps to another replica, at the same moment). Nothing was recorded; the caller gets
   * a bare 401.
   */
  public static final class ReplayedToken extends RuntimeException {
    ReplayedToken() {
      super("token already used", null, false, false);
    }
  }

  private final DecisionWriter writer;
  private final ObjectMapper mapper;

  DecisionRecorder(DecisionWriter writer, ObjectMapper mapper) {
    this.writer = writer;
    this.mapper = mapper;
  }

  /**
   * Commits the decision to the hash chain.
   *
   * @param latency how long the call took until now
   * @throws IllegalStateException if it was not committed (in time)
   */
  public void record(Decision decision, Duration latency) {
    try {
      writer
          .append(entity(decision, latency))
          .get(COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplayedToken replayed) {
        throw replayed;
      }
      throw new IllegalStateException("decision not recorded", e.getCause());
    } catch (TimeoutException e) {
      // The record may still be committed later; the caller answers 503 and the EHR retries.
      throw new IllegalStateException("decision not recorded in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while recording", e);
    }
  }

  /** The stored record of a decision. */
  DecisionRecord entity(Decision d, Duration latency) {
    DecisionRecord r = new DecisionRecord();
    r.id = d.id();
    r.recordedAt = d.at();
    r.serviceId = d.serviceId();
    r.clientId = d.caller().clientId();
    r.clientIss = d.caller().iss();
    r.clientTenant = d.caller().tenant();
    r.token = d.caller().token();
    r.hook = d.request().hook();
    r.hookInstance = d.request().hookInstance();
    r.patientRef = d.request().patientId() == null ? null : "Patient/" + d.request().patientId();
    r.userRef = d.request().userId();
    if (d.model() != null) {
      r.modelId = d.model().id();
      r.modelVersion = d.model().version();
      r.modelSha256 = d.model().sha256();
    }
    r.inputs = d.inputs() == null ? null : d.inputs().toJson(mapper);
    r.outcome = d.outcome();
    r.reasonCode = d.reasonCode();
    // A score with a card has no reasons to give.
    r.reasons =
        d.outcome() == Outcome.SCORED && d.reasons().isEmpty()
            ? null
            : mapper.valueToTree(d.reasons());
    r.httpStatus = d.httpStatus();
    if (d.assessment() != null && d.assessment().scored()) {
      r.output = RecordedOutput.of(d.assessment()).toJson(mapper);
      r.attributions = mapper.valueToTree(d.assessment().attributions());
    }
    if (d.cards() != null) {
      r.cardUuids = mapper.valueToTree(d.cards().stream().map(Card::uuid).toList());
      r.suggestionUuids =
          mapper.valueToTree(
              d.cards().stream()
                  .flatMap(c -> c.suggestions() == null ? Stream.empty() : c.suggestions().stream())
                  .map(Card.Suggestion::uuid)
                  .toList());
    }
    r.shadow = d.shadow() == null ? null : RecordedShadow.of(d.shadow()).toJson(mapper);
    r.recommendations =
        d.recommendations() == null || d.recommendations().isEmpty()
            ? null
            : Recommender.recorded(d.recommendations(), d.id(), mapper);
    r.imaging = d.imaging();
    r.latencyMicros = latency.toNanos() / 1_000;
    return r;
  }
}
