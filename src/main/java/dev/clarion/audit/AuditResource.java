package dev.clarion.audit;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;

/** Read-only access to decisions for Keycloak users with the realm role {@code auditor}. */
@Path("/audit")
@RolesAllowed("auditor")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

  private final DecisionQueries decisions;
  private final ChainVerifier chain;
  private final Replayer replayer;

  AuditResource(DecisionQueries decisions, ChainVerifier chain, Replayer replayer) {
    this.decisions = decisions;
    this.chain = chain;
    this.replayer = replayer;
  }

  /** Decisions newest first, filtered by any of the criteria, one page at a time. */
  @GET
  @Path("decisions")
  public DecisionQueries.Page search(
      @QueryParam("patient") String patient,
      @QueryParam("service") String service,
      @QueryParam("model") String model,
      @QueryParam("modelVersion") String modelVersion,
      @QueryParam("client") String client,
      @QueryParam("outcome") String outcome,
      @QueryParam("from") String from,
      @QueryParam("to") String to,
      @QueryParam("page") Integer page,
      @QueryParam("size") Integer size) {
    return decisions.search(
        new DecisionQueries.Criteria(
            patient, service, model, modelVersion, client, outcome, from, to, page, size));
  }

  /** One decision in full, with the feedback on its cards. */
  @GET
  @Path("decisions/{id}")
  public DecisionQueries.Detail decision(@PathParam("id") UUID id) {
    return decisions.detail(id);
  }

  /** Re-runs the decision from its stored inputs and says whether the result is identical. */
  @GET
  @Path("decisions/{id}/replay")
  public Replayer.Replay replay(@PathParam("id") UUID id) {
    return replayer.replay(id);
  }

  /** Recomputes the hash chain of all decisions and names the first broken link, if any. */
  @GET
  @Path("chain")
  public ChainVerifier.Report verifyChain() {
    return chain.verify();
  }
}
