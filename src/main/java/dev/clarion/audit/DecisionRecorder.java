package dev.clarion.audit;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Records decisions. {@link #record} returns only after the record has been committed to the hash
 * chain, so a caller that sends its response after this call never answers without a durable
 * record; any failure (including a commit that takes longer than {@link #COMMIT_TIMEOUT}) surfaces
 * as an exception. Thread-safe.
 */
@ApplicationScoped
public class DecisionRecorder {

  static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

  private final DecisionWriter writer;

  DecisionRecorder(DecisionWriter writer) {
    this.writer = writer;
  }

  public void record(DecisionRecord record) {
    try {
      writer.append(record).get(COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("decision not recorded", e.getCause());
    } catch (TimeoutException e) {
      // The record may still be committed later; the caller answers 503 and the EHR retries.
      throw new IllegalStateException("decision not recorded in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while recording", e);
    }
  }
}
