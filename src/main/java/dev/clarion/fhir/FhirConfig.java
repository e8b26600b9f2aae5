package dev.clarion.fhir;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Fetching data the EHR did not prefetch from its FHIR server (CDS Hooks 2.0 §Prefetch). */
@ConfigMapping(prefix = "clarion.fhir")
public interface FhirConfig {

  /**
   * FHIR server base URLs Clarion may query for unsigned loopback calls of the embedded run
   * (compared without a trailing slash). A registered EHR client may only hand Clarion the {@code
   * fhirServer}s of its registration; any other is never queried, so Clarion cannot be used to call
   * arbitrary URLs. Empty: never query, absent prefetch gets 412.
   */
  Optional<List<String>> allowedServers();

  /**
   * Time budget for all FHIR fetches of one hook call, by default. The EHR is waiting: when it is
   * spent, Clarion answers with what it has (412 or a card saying what it could not get).
   */
  @WithDefault("1500ms")
  Duration deadline();

  /**
   * Per-hook deadlines overriding {@link #deadline()}, e.g. {@code
   * clarion.fhir.hook-deadline."order-sign"=800ms}.
   */
  Map<String, Duration> hookDeadline();

  /** Timeout of one HTTP call to the FHIR server. */
  @WithDefault("1s")
  Duration callTimeout();

  /** Pages of a search Bundle followed through {@code next} links, at most. */
  @WithDefault("5")
  int maxPages();

  /** Circuit breaker kept per FHIR server. */
  Breaker circuitBreaker();

  /** Circuit breaker settings. */
  interface Breaker {
    /** Calls in the rolling window. */
    @WithDefault("10")
    int requestVolumeThreshold();

    /** Failure ratio in the window that opens the circuit. */
    @WithDefault("0.5")
    double failureRatio();

    /** How long the circuit stays open before a trial call. */
    @WithDefault("10s")
    Duration delay();
  }

  default Duration deadlineFor(String hook) {
    return hookDeadline().getOrDefault(hook, deadline());
  }
}
