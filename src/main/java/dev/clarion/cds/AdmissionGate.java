package dev.clarion.cds;

import dev.clarion.error.OperationOutcomes;
import dev.clarion.error.OverloadedException;
import dev.clarion.telemetry.Telemetry;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The first line of admission control, a Vert.x route on the event loop ahead of REST: when this
 * replica already holds every call it can run or queue ({@link Admission}'s slots plus twice its
 * queue, the most the fair queue ever admits), a new service call gets 503 at once — a prebuilt
 * OperationOutcome, without reading the body, verifying the token or entering the REST layer.
 * Otherwise calls would pile up in the worker pool, each competing for the cores with the calls
 * being answered, and even a 503 would take seconds. Below that bound the fair, per-client {@link
 * Admission} decides, after the token is verified.
 */
@Singleton
public class AdmissionGate {

  /** Between Quarkus' own first handlers (headers, body limits) and its security and REST ones. */
  static final int ORDER = RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final int limit;
  private final String retryAfter;
  private final byte[] body;
  private final CdsServiceRegistry registry;
  private final Telemetry telemetry;

  AdmissionGate(
      CdsConfig config,
      OperationOutcomes outcomes,
      CdsServiceRegistry registry,
      Telemetry telemetry) {
    CdsConfig.Limits limits = config.admission();
    this.limit = limits.maxConcurrent() + 2 * limits.maxQueued();
    OverloadedException overloaded = new OverloadedException(limits.retryAfterSeconds());
    this.retryAfter = Integer.toString(overloaded.retryAfterSeconds());
    // The same OperationOutcome as every other 503 of admission control, encoded once.
    this.body = outcomes.body(overloaded);
    this.registry = registry;
    this.telemetry = telemetry;
  }

  void install(@Observes Router router) {
    // One path segment: the service calls, not discovery or feedback.
    router.route(HttpMethod.POST, "/cds-services/:id").order(ORDER).handler(this::gate);
  }

  /** The service calls this replica holds now, from their headers to their answer. */
  int inFlight() {
    return inFlight.get();
  }

  void gate(RoutingContext routing) {
    if (inFlight.incrementAndGet() > limit) {
      inFlight.decrementAndGet();
      telemetry.shed(registry.label(routing.pathParam("id")), "saturated");
      routing
          .response()
          .setStatusCode(503)
          .putHeader("Content-Type", OperationOutcomes.FHIR_JSON)
          .putHeader("Retry-After", retryAfter)
          .end(Buffer.buffer(body));
      return;
    }
    routing.addEndHandler(done -> inFlight.decrementAndGet());
    routing.next();
  }
}
