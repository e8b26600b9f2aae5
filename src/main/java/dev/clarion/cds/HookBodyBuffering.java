package dev.clarion.cds;

import dev.clarion.error.OperationOutcomes;
import dev.clarion.error.RequestTimeoutException;
import dev.clarion.telemetry.Telemetry;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A service call's body is read whole on the event loop, as it arrives, before a worker thread
 * takes the call. Without this the REST layer hands a blocking endpoint's body to its worker chunk
 * by chunk: for a 100 kB prefetch the worker woke for every network chunk the event loop passed on,
 * and that hand-over took 8 % of the server's CPU (profile of the benchmark's large body). After
 * the {@link AdmissionGate} (a refused call's body is never read) and Quarkus' body-size limit (413
 * beyond {@code quarkus.http.limits.max-body-size}, which this also holds to); the gate bounds how
 * many bodies are read at once. HTTP/1.x only (EHRs call over HTTP/1.1); HTTP/2 bodies go the REST
 * layer's way.
 *
 * <p>A body must arrive whole within {@code quarkus.http.read-timeout} (60 s) of its headers, the
 * deadline the REST layer's own reading keeps: otherwise 408 {@code body-timeout} and the
 * connection is closed, so that a client that stops sending (or sends a byte a minute) does not
 * hold one of the gate's places for as long as the connection lives. (The deadline runs from the
 * headers to the last byte; once the body is whole the call has its own deadlines.)
 */
@Singleton
public class HookBodyBuffering {

  /** After Quarkus' upload limit, before its security and REST handlers. */
  static final int ORDER = RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1;

  /** The routing context's key for the timer of its body's deadline, while the body is read. */
  private static final String DEADLINE = "clarion.body-deadline";

  private final long limit;
  private final long deadlineMillis;
  private final byte[] timedOut;
  private final Telemetry telemetry;

  HookBodyBuffering(
      @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
          MemorySize limit,
      @ConfigProperty(name = "quarkus.http.read-timeout", defaultValue = "60s") Duration deadline,
      OperationOutcomes outcomes,
      Telemetry telemetry) {
    this.limit = limit.asLongValue();
    this.deadlineMillis = Math.max(1, deadline.toMillis());
    this.timedOut = outcomes.body(new RequestTimeoutException(Math.max(1, deadline.toSeconds())));
    this.telemetry = telemetry;
  }

  void install(@Observes Router router) {
    BodyHandler whole =
        BodyHandler.create(false).setBodyLimit(limit).setPreallocateBodyBuffer(true);
    router
        .route(HttpMethod.POST, "/cds-services/:id")
        .order(ORDER)
        .handler(
            routing -> {
              HttpServerRequest request = routing.request();
              if (request.version() != HttpVersion.HTTP_2
                  && !request.headers().contains("Upgrade")) {
                long deadline =
                    routing.vertx().setTimer(deadlineMillis, ignored -> tooSlow(routing));
                routing.put(DEADLINE, deadline);
                routing.addEndHandler(ignored -> routing.vertx().cancelTimer(deadline));
                whole.handle(routing);
              } else {
                // HTTP/2, and an h2c upgrade (the JDK's client asks for one on every plain-HTTP
                // call): Vert.x has read the body its own way and the BodyHandler would fail
                // ("Request has already been read"); the REST layer reads it as before.
                routing.next();
              }
            });
    // The same order, so next after the BodyHandler: it passes the call on once the body is whole.
    router
        .route(HttpMethod.POST, "/cds-services/:id")
        .order(ORDER)
        .handler(
            routing -> {
              Long deadline = routing.get(DEADLINE);
              if (deadline != null) {
                routing.vertx().cancelTimer(deadline);
                routing.remove(DEADLINE);
              }
              routing.next();
            });
  }

  /** The deadline passed: if the body is still incomplete, 408 and close the connection. */
  private void tooSlow(RoutingContext routing) {
    HttpServerRequest request = routing.request();
    if (routing.get(DEADLINE) == null || routing.response().ended()) {
      return; // the body was read (cancelled too late), or the call was answered otherwise
    }
    telemetry.refused("timeout", "body-timeout");
    // The body will not be read: closing the connection is this call's end, not a failure for
    // the error handler to log.
    request.handler(null).exceptionHandler(ignored -> {});
    routing
        .response()
        .setStatusCode(408)
        .putHeader("Content-Type", OperationOutcomes.FHIR_JSON)
        .putHeader("Connection", "close")
        .end(Buffer.buffer(timedOut))
        .onComplete(ignored -> request.connection().close());
  }
}
