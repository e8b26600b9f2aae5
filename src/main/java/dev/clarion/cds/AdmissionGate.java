package dev.clarion.cds;

import dev.clarion.error.OperationOutcomes;
import dev.clarion.error.OverloadedException;
import dev.clarion.telemetry.Telemetry;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The first line of admission control, on the event loop before a worker thread is taken: when this
 * replica already holds every call it can run or queue ({@link Admission}'s slots plus twice its
 * queue, the most the fair queue ever admits), a new service call gets 503 at once, without
 * verifying its token. Otherwise calls would pile up in the worker pool, each competing for the
 * cores with the calls being answered, and even a 503 would take seconds. Below that bound the
 * fair, per-client {@link Admission} decides, after the token is verified.
 */
public class AdmissionGate {

  private final AtomicInteger inFlight = new AtomicInteger();
  private final int limit;
  private final int retryAfter;
  private final OperationOutcomes outcomes;
  private final CdsServiceRegistry registry;
  private final Telemetry telemetry;

  AdmissionGate(
      CdsConfig config,
      OperationOutcomes outcomes,
      CdsServiceRegistry registry,
      Telemetry telemetry) {
    CdsConfig.Limits limits = config.admission();
    this.limit = limits.maxConcurrent() + 2 * limits.maxQueued();
    this.retryAfter = limits.retryAfterSeconds();
    this.outcomes = outcomes;
    this.registry = registry;
    this.telemetry = telemetry;
  }

  @ServerRequestFilter(preMatching = true)
  public Response gate(ContainerRequestContext request, RoutingContext routing) {
    String path = routing.normalizedPath();
    if (!"POST".equals(request.getMethod())
        || !path.startsWith("/cds-services/")
        || path.indexOf('/', "/cds-services/".length()) >= 0) {
      return null; // discovery, feedback, everything else: not gated
    }
    if (inFlight.incrementAndGet() > limit) {
      inFlight.decrementAndGet();
      String id = path.substring("/cds-services/".length());
      telemetry.shed(registry.label(id), "saturated");
      return outcomes.overloaded(new OverloadedException(retryAfter));
    }
    routing.addEndHandler(done -> inFlight.decrementAndGet());
    return null;
  }
}
