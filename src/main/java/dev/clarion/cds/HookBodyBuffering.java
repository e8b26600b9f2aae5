package dev.clarion.cds;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
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
 */
@Singleton
public class HookBodyBuffering {

  /** After Quarkus' upload limit, before its security and REST handlers. */
  static final int ORDER = RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1;

  private final long limit;

  HookBodyBuffering(
      @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
          MemorySize limit) {
    this.limit = limit.asLongValue();
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
                whole.handle(routing);
              } else {
                // HTTP/2, and an h2c upgrade (the JDK's client asks for one on every plain-HTTP
                // call): Vert.x has read the body its own way and the BodyHandler would fail
                // ("Request has already been read"); the REST layer reads it as before.
                routing.next();
              }
            });
  }
}
