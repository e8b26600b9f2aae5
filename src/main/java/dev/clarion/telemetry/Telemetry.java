package dev.clarion.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Metrics (Micrometer, scraped at {@code /q/metrics}) and trace spans (OpenTelemetry) of the
 * request path, in one place so that every stage is measured the same way.
 *
 * <p>Labels and span attributes are bounded, fixed vocabularies only: service and model ids, hook
 * names, stage names, outcome and refusal codes, HTTP statuses, allowlisted FHIR server base URLs.
 * Never a patient id, user, token, request content or free text: whatever a caller can choose would
 * also make the number of series unbounded.
 */
@ApplicationScoped
public class Telemetry {

  /** Span attributes. */
  public static final AttributeKey<String> SERVICE = AttributeKey.stringKey("clarion.service");

  public static final AttributeKey<String> HOOK = AttributeKey.stringKey("clarion.hook");
  public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("clarion.outcome");
  public static final AttributeKey<String> REASON = AttributeKey.stringKey("clarion.reason_code");
  public static final AttributeKey<String> DECISION = AttributeKey.stringKey("clarion.decision_id");
  public static final AttributeKey<String> MODEL = AttributeKey.stringKey("clarion.model");
  public static final AttributeKey<String> MODEL_VERSION =
      AttributeKey.stringKey("clarion.model_version");
  public static final AttributeKey<String> FHIR_SERVER =
      AttributeKey.stringKey("clarion.fhir_server");

  private static final Duration MIN = Duration.ofNanos(100_000);
  private static final Duration MAX = Duration.ofSeconds(30);

  private final MeterRegistry registry;
  private final Tracer tracer;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final DistributionSummary batchSize;
  private final Timer commitTime;

  Telemetry(MeterRegistry registry, Tracer tracer) {
    this.registry = registry;
    this.tracer = tracer;
    this.batchSize =
        DistributionSummary.builder("clarion.decision.batch.size")
            .description("Decision records committed in one group-commit transaction")
            .baseUnit("records")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
            .register(registry);
    this.commitTime =
        Timer.builder("clarion.decision.commit")
            .description("Time to commit one batch of decision records (chain head lock to commit)")
            .publishPercentileHistogram()
            .minimumExpectedValue(MIN)
            .maximumExpectedValue(MAX)
            .register(registry);
  }

  /** Telemetry outside CDI (tools and tests): metrics kept in memory, spans not recorded. */
  public static Telemetry standalone() {
    return new Telemetry(new SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("clarion"));
  }

  /** The registry, for gauges owned elsewhere. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Starts one stage of a service call: a child span of the current one and a latency sample, both
   * ended by {@link Stage#close()}.
   *
   * @param stage a fixed stage name (verify, gather, extract, score, shadow, card, record)
   * @param service the service id
   */
  public Stage stage(String stage, String service) {
    Span span = tracer.spanBuilder("clarion." + stage).setAttribute(SERVICE, service).startSpan();
    return new Stage(stage, service, span, span.makeCurrent(), System.nanoTime());
  }

  /** One stage in progress; close it exactly once (try-with-resources). */
  public final class Stage implements AutoCloseable {
    private final String stage;
    private final String service;
    private final Span span;
    private final Scope scope;
    private final long start;

    private Stage(String stage, String service, Span span, Scope scope, long start) {
      this.stage = stage;
      this.service = service;
      this.span = span;
      this.scope = scope;
      this.start = start;
    }

    /** The stage's span, to add bounded attributes to. */
    public Span span() {
      return span;
    }

    /** Marks the stage failed with a stable code (never a message). */
    public void failed(String code) {
      span.setStatus(StatusCode.ERROR, code);
      span.setAttribute(REASON, code);
    }

    @Override
    public void close() {
      long nanos = System.nanoTime() - start;
      scope.close();
      span.end();
      timer(
              "clarion.cds.stage",
              "Latency of one stage of a CDS service call",
              "stage",
              stage,
              "service",
              service)
          .record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * One answered service call (recorded or not).
   *
   * @param outcome scored, refused, failed — or replayed (refused at commit: no decision)
   */
  public void call(String service, String hook, String outcome, int status, long nanos) {
    counter(
            "clarion.cds.calls",
            "CDS service calls answered, by service, hook, outcome and HTTP status",
            "service",
            service,
            "hook",
            hook,
            "outcome",
            outcome,
            "status",
            Integer.toString(status))
        .increment();
    timer("clarion.cds.call", "Latency of a whole CDS service call", "service", service)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * A recorded service call: its metrics, and the decision's id, outcome and model on the call's
   * span (so a trace leads to the audit record and back).
   */
  public void called(
      String service,
      String hook,
      String outcome,
      int status,
      long nanos,
      UUID decision,
      String reasonCode,
      String model,
      String modelVersion) {
    call(service, hook, outcome, status, nanos);
    Span span = Span.current();
    span.setAttribute(SERVICE, service);
    span.setAttribute(HOOK, hook);
    span.setAttribute(OUTCOME, outcome);
    span.setAttribute(DECISION, decision.toString());
    if (reasonCode != null) {
      span.setAttribute(REASON, reasonCode);
    }
    if (model != null) {
      span.setAttribute(MODEL, model);
      span.setAttribute(MODEL_VERSION, modelVersion);
    }
  }

  /** A call turned away by admission control (503; no decision). */
  public void shed(String service, String reason) {
    counter(
            "clarion.cds.shed",
            "CDS calls turned away by admission control (503 with Retry-After), never recorded",
            "service",
            service,
            "reason",
            reason)
        .increment();
  }

  /**
   * A CDS call refused before any service ran: unauthenticated (a JWT refusal code such as
   * bad-signature, expired, replayed-jti), forbidden, or timeout (body-timeout: its body did not
   * arrive in time).
   */
  public void refused(String kind, String reason) {
    counter(
            "clarion.cds.refused",
            "CDS calls refused before a service ran, by kind and reason",
            "kind",
            kind,
            "reason",
            reason)
        .increment();
  }

  /** One committed batch of decision records. */
  public void batch(int size, long commitNanos) {
    batchSize.record(size);
    commitTime.record(commitNanos, TimeUnit.NANOSECONDS);
  }

  /** One FHIR server's part of gathering a call's data (all its queries, in parallel). */
  public void fhirFetch(String server, long nanos) {
    timer(
            "clarion.fhir.fetch",
            "Time to fetch a call's missing data from one FHIR server",
            "server",
            server)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer timer(String name, String description, String... tags) {
    String key = name + '\0' + String.join("\0", tags);
    return timers.computeIfAbsent(
        key,
        k ->
            Timer.builder(name)
                .description(description)
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(MIN)
                .maximumExpectedValue(MAX)
                .register(registry));
  }

  private Counter counter(String name, String description, String... tags) {
    String key = name + '\0' + String.join("\0", tags);
    return counters.computeIfAbsent(
        key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }
}
