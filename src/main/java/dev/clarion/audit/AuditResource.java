package dev.clarion.audit;

import dev.clarion.error.NotFoundException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;
import java.util.UUID;

/** Read-only access to decisions for Keycloak users with the realm role {@code auditor}. */
@Path("/audit")
@RolesAllowed("auditor")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

  private final EntityManager em;
  private final ChainVerifier chain;

  AuditResource(EntityManager em, ChainVerifier chain) {
    this.em = em;
    this.chain = chain;
  }

  /** Recomputes the hash chain of all decisions and names the first broken link, if any. */
  @GET
  @Path("chain")
  public ChainVerifier.Report verifyChain() {
    return chain.verify();
  }

  @GET
  @Path("decisions/{id}")
  @Transactional
  public DecisionView decision(@PathParam("id") UUID id) {
    return Optional.ofNullable(em.find(DecisionRecord.class, id))
        .map(DecisionView::of)
        .orElseThrow(() -> new NotFoundException("unknown-decision", "No decision with this id."));
  }
}
