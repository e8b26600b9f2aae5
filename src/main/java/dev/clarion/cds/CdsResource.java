package dev.clarion.cds;

import dev.clarion.audit.DecisionRecorder;
import dev.clarion.audit.FeedbackService;
import dev.clarion.cds.api.CdsResponse;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.OverloadedException;
import dev.clarion.security.CdsCaller;
import dev.clarion.security.CdsClientVerifier;
import dev.clarion.security.Loopback;
import dev.clarion.telemetry.Telemetry;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * CDS Hooks 2.0 endpoints: discovery, service calls and feedback. Every call is authenticated first
 * (the client's JWT, see {@link CdsClientVerifier}); discovery lists only the services the caller
 * may call. Service calls and feedback then pass admission control ({@link Admission}): beyond the
 * calls this replica runs at once, a call waits briefly or gets 503 with {@code Retry-After} —
 * before any database, FHIR or model work, and without a decision record.
 */
@Path("/cds-services")
@Produces(MediaType.APPLICATION_JSON)
public class CdsResource {

  /** Discovery document: {@code {"services": [...]}}. */
  public record DiscoveryResponse(List<ServiceDefinition.Discovery> services) {}

  private final CdsServiceRegistry registry;
  private final HookService hooks;
  private final CdsClientVerifier verifier;
  private final FeedbackService feedback;
  private final CdsConfig config;
  private final Admission admission;
  private final Telemetry telemetry;

  CdsResource(
      CdsServiceRegistry registry,
      HookService hooks,
      CdsClientVerifier verifier,
      FeedbackService feedback,
      CdsConfig config,
      Admission admission,
      Telemetry telemetry) {
    this.registry = registry;
    this.hooks = hooks;
    this.verifier = verifier;
    this.feedback = feedback;
    this.config = config;
    this.admission = admission;
    this.telemetry = telemetry;
  }

  @APIResponse(responseCode = "200", description = "The services the calling client may call")
  @APIResponse(
      responseCode = "401",
      description = "No valid client JWT (bare, WWW-Authenticate: Bearer)")
  @GET
  public DiscoveryResponse discovery(@Context UriInfo uri, @Context HttpServerRequest http) {
    CdsCaller caller = verifier.authenticate(http, audiences(uri, http), null);
    return new DiscoveryResponse(
        registry.all().stream()
            .filter(s -> caller.mayCall(s.id()))
            .map(ServiceDefinition::discovery)
            .toList());
  }

  /** Body taken raw so malformed JSON gets our OperationOutcome, not a framework error. */
  @APIResponse(
      responseCode = "200",
      description = "Cards (none when there is nothing to act on); the decision is recorded first")
  @APIResponse(
      responseCode = "400",
      description =
          "Malformed request (malformed-json, missing-hook, hook-mismatch, prefetch-invalid, invalid-field …)")
  @APIResponse(
      responseCode = "401",
      description = "No valid client JWT (bare, WWW-Authenticate: Bearer)")
  @APIResponse(
      responseCode = "403",
      description = "The client is not registered for this service (service-not-allowed)")
  @APIResponse(responseCode = "404", description = "No such service (unknown-service)")
  @APIResponse(
      responseCode = "408",
      description =
          "The body did not arrive within quarkus.http.read-timeout of the headers (body-timeout);"
              + " the connection is closed")
  @APIResponse(
      responseCode = "412",
      description =
          "Required data cannot be had from the prefetch or fhirServer (prefetch-unavailable)")
  @APIResponse(
      responseCode = "503",
      description =
          "Overloaded (overloaded: try again after Retry-After seconds), or the decision could"
              + " not be recorded (record-unavailable); no card either way",
      headers =
          @Header(
              name = "Retry-After",
              description = "Seconds to wait before calling again (overloaded)",
              schema = @Schema(type = SchemaType.INTEGER)))
  @POST
  @Path("{id}")
  @Consumes(MediaType.WILDCARD)
  public CdsResponse call(
      @PathParam("id") String id,
      byte[] body,
      @Context UriInfo uri,
      @Context HttpServerRequest http) {
    long start = System.nanoTime();
    try (Admitted a = admit(id, uri, http, true)) {
      try {
        return new CdsResponse(hooks.invoke(a.service(), a.caller(), body, baseUrl(uri)).cards());
      } catch (DecisionRecorder.ReplayedToken e) {
        telemetry.call(
            a.service().id(), a.service().hook(), "replayed", 401, System.nanoTime() - start);
        throw verifier.replayedAtCommit(a.caller(), a.service().id(), http);
      }
    }
  }

  /**
   * CDS Hooks 2.0 feedback: what the clinician did with a card. The JWT's {@code aud} is this
   * feedback URL. The same feedback sent again is stored once.
   */
  @APIResponse(
      responseCode = "200",
      description = "Feedback stored (the same feedback again is stored once)")
  @APIResponse(
      responseCode = "400",
      description =
          "Not {\"feedback\": [...]} or an invalid item (missing-card, invalid-outcome …)")
  @APIResponse(
      responseCode = "401",
      description = "No valid client JWT (bare, WWW-Authenticate: Bearer)")
  @APIResponse(responseCode = "403", description = "The client is not registered for this service")
  @APIResponse(responseCode = "404", description = "No such service")
  @APIResponse(
      responseCode = "503",
      description = "Overloaded: try again after Retry-After seconds",
      headers =
          @Header(
              name = "Retry-After",
              description = "Seconds to wait before calling again (overloaded)",
              schema = @Schema(type = SchemaType.INTEGER)))
  @POST
  @Path("{id}/feedback")
  @Consumes(MediaType.WILDCARD)
  public FeedbackService.Summary feedback(
      @PathParam("id") String id,
      byte[] body,
      @Context UriInfo uri,
      @Context HttpServerRequest http) {
    try (Admitted a = admit(id, uri, http, false)) {
      return feedback.accept(a.service().id(), a.caller().clientId(), a.caller().iss(), body);
    }
  }

  /**
   * The worker thread that answers a call runs at the lowest Java priority, so that on a busy CPU
   * the event loops (the admission gate's 503s, reading bodies, writing answers, health probes) get
   * a core first: at 3x overload a shed call then took 3.4 ms (p50) instead of 7.2, 51 ms (p99)
   * instead of 197 (README, Operations). The JVM maps it to nice 4 only with {@code
   * -XX:ThreadPriorityPolicy=1} (the README's run command, the image); without it this is a no-op.
   * Raising a thread's niceness needs no privilege; a worker is never raised back.
   */
  private static void yieldToEventLoop() {
    Thread worker = Thread.currentThread();
    if (!io.vertx.core.Context.isOnEventLoopThread()
        && worker.getPriority() != Thread.MIN_PRIORITY) {
      worker.setPriority(Thread.MIN_PRIORITY);
    }
  }

  /** An admitted call: who, which service, and its slot (freed on close). */
  private record Admitted(CdsCaller caller, ServiceDefinition service, Admission.Permit permit)
      implements AutoCloseable {
    @Override
    public void close() {
      permit.close();
    }
  }

  /**
   * Authenticated (401: signature and claims, no database), a known service (404), registered for
   * the caller (403), a free slot (503) and — for a service call — a token not used before (401),
   * in that order; first the worker drops to the lowest priority ({@link #yieldToEventLoop}).
   *
   * @param recorded a service call, whose token's first use is committed with its decision
   */
  private Admitted admit(String id, UriInfo uri, HttpServerRequest http, boolean recorded) {
    yieldToEventLoop();
    CdsCaller caller;
    try (Telemetry.Stage verify = telemetry.stage("verify", registry.label(id))) {
      caller =
          recorded
              ? verifier.authenticateCall(http, audiences(uri, http), id)
              : verifier.authenticate(http, audiences(uri, http), id);
    }
    ServiceDefinition service = hooks.service(id);
    verifier.authorize(caller, service.id(), http);
    Admission.Permit permit;
    try {
      permit =
          admission.acquire(caller.clientId() == null ? "loopback" : caller.clientId().toString());
    } catch (Admission.Rejected e) {
      telemetry.shed(service.id(), e.reason().tag());
      throw new OverloadedException(config.admission().retryAfterSeconds());
    }
    try {
      if (recorded) {
        verifier.refuseReplayed(caller, service.id(), http);
      }
      return new Admitted(caller, service, permit);
    } catch (RuntimeException e) {
      permit.close();
      throw e;
    }
  }

  /**
   * The URLs a JWT's {@code aud} may name for this call (CDS Hooks 2.0: the URL the client called):
   * the configured public base URLs plus the path. Without them (embedded run only; a production
   * run does not start), the request's own URL, and only for a loopback call: anything else could
   * name a host of its choosing.
   */
  private List<String> audiences(UriInfo uri, HttpServerRequest http) {
    String path = "/" + uri.getPath().replaceFirst("^/", "");
    if (config.publicBaseUrl().isPresent()) {
      return config.publicBaseUrl().get().stream().map(b -> trim(b) + path).toList();
    }
    return Loopback.is(http) ? List.of(trim(uri.getBaseUri().toString()) + path) : List.of();
  }

  /** The base of the absolute links on cards. */
  private String baseUrl(UriInfo uri) {
    return trim(
        config
            .publicBaseUrl()
            .map(bases -> bases.get(0))
            .orElseGet(() -> uri.getBaseUri().toString()));
  }

  private static String trim(String base) {
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }
}
