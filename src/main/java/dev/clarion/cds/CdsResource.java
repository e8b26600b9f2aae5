package dev.clarion.cds;

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

/** CDS Hooks 2.0 endpoints: discovery and service calls. */
@Path("/cds-services")
@Produces(MediaType.APPLICATION_JSON)
public class CdsResource {

  /** Discovery document: {@code {"services": [...]}}. */
  public record DiscoveryResponse(List<ServiceDefinition.Discovery> services) {}

  private final CdsServiceRegistry registry;
  private final HookService hooks;
  private final CdsConfig config;

  CdsResource(CdsServiceRegistry registry, HookService hooks, CdsConfig config) {
    this.registry = registry;
    this.hooks = hooks;
    this.config = config;
  }

  @GET
  public DiscoveryResponse discovery() {
    return new DiscoveryResponse(
        registry.all().stream().map(ServiceDefinition::discovery).toList());
  }

  /** Body taken raw so malformed JSON gets our OperationOutcome, not a framework error. */
  @POST
  @Path("{id}")
  @Consumes(MediaType.WILDCARD)
  public CdsResponse call(@PathParam("id") String id, byte[] body, @Context UriInfo uri) {
    return hooks.invoke(id, body, baseUrl(uri));
  }

  private String baseUrl(UriInfo uri) {
    String base = config.publicBaseUrl().orElseGet(() -> uri.getBaseUri().toString());
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }
}
