package dev.clarion.security;

import dev.clarion.error.InvalidRequestException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/**
 * Registration of EHR clients, for Keycloak users with the realm role {@code integrator}. Each
 * change is recorded with the user's name ({@code GET /admin/clients/{id}/changes}). Responses
 * carry the registration's version as {@code ETag}; {@code PUT} honours {@code If-Match}.
 */
@Path("/admin/clients")
@RolesAllowed("integrator")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ClientResource {

  private final ClientRegistry registry;
  private final SecurityIdentity identity;

  ClientResource(ClientRegistry registry, SecurityIdentity identity) {
    this.registry = registry;
    this.identity = identity;
  }

  @POST
  public Response create(ClientRegistration registration) {
    ClientView view = registry.create(registration, actor());
    return Response.created(URI.create("/admin/clients/" + view.id()))
        .tag(tag(view))
        .entity(view)
        .build();
  }

  @GET
  public List<ClientView> list() {
    return registry.list();
  }

  @GET
  @Path("{id}")
  public Response get(@PathParam("id") UUID id) {
    return withTag(registry.get(id));
  }

  @PUT
  @Path("{id}")
  public Response update(
      @PathParam("id") UUID id,
      @HeaderParam("If-Match") String ifMatch,
      ClientRegistration registration) {
    return withTag(registry.update(id, registration, version(ifMatch), actor()));
  }

  @POST
  @Path("{id}/enable")
  public Response enable(@PathParam("id") UUID id) {
    return withTag(registry.setEnabled(id, true, actor()));
  }

  @POST
  @Path("{id}/disable")
  public Response disable(@PathParam("id") UUID id) {
    return withTag(registry.setEnabled(id, false, actor()));
  }

  @PUT
  @Path("{id}/services/{serviceId}")
  public Response allowService(@PathParam("id") UUID id, @PathParam("serviceId") String service) {
    return withTag(registry.setService(id, service, true, actor()));
  }

  @DELETE
  @Path("{id}/services/{serviceId}")
  public Response denyService(@PathParam("id") UUID id, @PathParam("serviceId") String service) {
    return withTag(registry.setService(id, service, false, actor()));
  }

  @GET
  @Path("{id}/changes")
  public List<ClientView.Change> changes(@PathParam("id") UUID id) {
    return registry.changes(id);
  }

  private String actor() {
    return identity.getPrincipal().getName();
  }

  private static Response withTag(ClientView view) {
    return Response.ok(view).tag(tag(view)).build();
  }

  private static EntityTag tag(ClientView view) {
    return new EntityTag(Long.toString(view.version()));
  }

  /** {@code "3"} or {@code W/"3"} → 3; absent → no precondition. */
  private static Long version(String ifMatch) {
    if (ifMatch == null) {
      return null;
    }
    String digits = ifMatch.trim().replaceFirst("^W/", "").replace("\"", "");
    if (!digits.matches("\\d{1,18}")) {
      throw new InvalidRequestException(
          "invalid-if-match", "If-Match must be the ETag of the registration, e.g. \"3\".");
    }
    return Long.valueOf(digits);
  }
}
