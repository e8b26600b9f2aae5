package dev.clarion.audit;

import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.NotFoundException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/** Read-only access to decisions for Keycloak users with the realm role {@code auditor}. */
@Path("/audit")
@RolesAllowed("auditor")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

  private final DecisionQueries decisions;
  private final ChainVerifier chain;
  private final Replayer replayer;
  private final AuditExport export;
  private final Monitoring monitoring;
  private final ChainCheckpoints checkpoints;
  private final ChainSigner signer;
  private final ShadowComparison shadows;

  AuditResource(
      DecisionQueries decisions,
      ChainVerifier chain,
      Replayer replayer,
      AuditExport export,
      Monitoring monitoring,
      ChainCheckpoints checkpoints,
      ChainSigner signer,
      ShadowComparison shadows) {
    this.decisions = decisions;
    this.chain = chain;
    this.replayer = replayer;
    this.export = export;
    this.monitoring = monitoring;
    this.checkpoints = checkpoints;
    this.signer = signer;
    this.shadows = shadows;
  }

  /** Decisions newest first, filtered by any of the criteria, one page at a time. */
  @GET
  @Path("decisions")
  public DecisionQueries.Page search(@BeanParam CriteriaParams criteria) {
    return decisions.search(criteria.criteria());
  }

  /**
   * The matching decisions (at most 10,000) as a FHIR Bundle of AuditEvent and Provenance ({@code
   * format=fhir}, default) or as CSV ({@code format=csv}). A client asking for {@code
   * application/json} gets the Bundle too (FHIR's JSON format is accepted under either name).
   */
  @GET
  @Path("export")
  @Produces({"application/fhir+json", "application/json", "text/csv"})
  public Response export(
      @BeanParam CriteriaParams criteria,
      @QueryParam("format") @DefaultValue("fhir") String format) {
    if (!format.equals("fhir") && !format.equals("csv")) {
      throw new InvalidRequestException("invalid-format", "format must be 'fhir' or 'csv'.");
    }
    List<DecisionRecord> records = decisions.all(criteria.criteria(), AuditExport.MAX_EXPORT);
    return format.equals("csv")
        ? Response.ok(export.csv(records), "text/csv; charset=UTF-8")
            .header("Content-Disposition", "attachment; filename=\"clarion-decisions.csv\"")
            .build()
        : Response.ok(export.fhir(records), "application/fhir+json").build();
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

  /**
   * Volumes, feedback and override reasons, score distribution, drift against a baseline window and
   * subgroups, for a service / model / client and time window (default: the last 30 days against
   * the 30 days before).
   */
  @GET
  @Path("monitoring")
  public Monitoring.Report monitoring(
      @QueryParam("service") String service,
      @QueryParam("model") String model,
      @QueryParam("client") String client,
      @QueryParam("from") String from,
      @QueryParam("to") String to,
      @QueryParam("baselineFrom") String baselineFrom,
      @QueryParam("baselineTo") String baselineTo) {
    return monitoring.report(
        service,
        model,
        client,
        DecisionQueries.instant(from, "from"),
        DecisionQueries.instant(to, "to"),
        DecisionQueries.instant(baselineFrom, "baselineFrom"),
        DecisionQueries.instant(baselineTo, "baselineTo"));
  }

  /**
   * A service's shadow rollout over a window (default: the last 30 days): per active and shadow
   * version, outcomes side by side, band agreement and score differences.
   */
  @GET
  @Path("shadow")
  public ShadowComparison.Report shadow(
      @QueryParam("service") String service,
      @QueryParam("from") String from,
      @QueryParam("to") String to) {
    return shadows.report(
        service, DecisionQueries.instant(from, "from"), DecisionQueries.instant(to, "to"));
  }

  /**
   * Recomputes the hash chain of all decisions, checks every seal's signature and the newest
   * published checkpoint, and names the first broken link, if any.
   */
  @GET
  @Path("chain")
  public ChainVerifier.Report verifyChain() {
    return chain.verify();
  }

  /** Publishes the newest seal as a checkpoint now (to the configured directory and URL). */
  @POST
  @Path("chain/checkpoints")
  public ChainCheckpoints.Published checkpoint() {
    return checkpoints
        .publishNow()
        .orElseThrow(() -> new NotFoundException("no-seal", "No decision has been sealed yet."));
  }

  /** The public key seals are verified with, for auditors' own tools. */
  @GET
  @Path("chain/key")
  public SigningKey key() {
    return new SigningKey(signer.keyId(), "Ed25519", signer.publicKeyPem());
  }

  /** The chain's signing key as served. */
  public record SigningKey(String keyId, String algorithm, String publicKey) {}
}
