package dev.clarion.error;

import io.quarkus.oidc.OIDCException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Maps exceptions to OperationOutcome responses, each family once. Unexpected exceptions are logged
 * by class and message only (no request content) and answered without internals.
 */
public class ExceptionMappers {

  private static final Logger LOG = Logger.getLogger(ExceptionMappers.class);

  private final OperationOutcomes outcomes;

  ExceptionMappers(OperationOutcomes outcomes) {
    this.outcomes = outcomes;
  }

  @ServerExceptionMapper
  public Response unauthenticated(UnauthenticatedException e) {
    return Response.status(401).header("WWW-Authenticate", "Bearer").build();
  }

  /** quarkus-oidc cannot reach Keycloak to check a staff token: not the caller's fault. */
  @ServerExceptionMapper
  public Response identityProviderDown(OIDCException e) {
    LOG.warn("Staff token not checked: the identity provider cannot be reached");
    return outcomes.response(
        503,
        "transient",
        "identity-provider-unavailable",
        "The identity provider cannot be reached to check the token; try again later.");
  }

  /** Turned away by admission control: the status and {@code Retry-After} clients expect. */
  @ServerExceptionMapper
  public Response overloaded(OverloadedException e) {
    return outcomes.overloaded(e);
  }

  @ServerExceptionMapper
  public Response clarion(ClarionException e) {
    return outcomes.response(e.status(), e.issueType(), e.code(), e.getMessage());
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    String type = status == 404 ? "not-found" : status == 405 ? "not-supported" : "invalid";
    String message =
        status == 415
            ? "Content-Type must be application/json"
            : Response.Status.fromStatusCode(status) != null
                ? Response.Status.fromStatusCode(status).getReasonPhrase()
                : "Request failed";
    return outcomes.response(status, type, "http-" + status, message);
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e) {
    LOG.errorf("Unexpected %s", e.getClass().getName());
    LOG.debug("Unexpected failure", e);
    return outcomes.response(
        500, "exception", "internal-error", "Internal error; the failure has been logged.");
  }
}
