package dev.clarion.cds;

import dev.clarion.error.DefinitionException;
import dev.clarion.error.UnprocessableException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** Integrators activate model versions put in the models folder, without a restart. */
@Path("/admin/models")
@RolesAllowed("integrator")
@Produces(MediaType.APPLICATION_JSON)
public class ModelAdminResource {

  private final ModelActivation activation;
  private final SecurityIdentity identity;

  ModelAdminResource(ModelActivation activation, SecurityIdentity identity) {
    this.activation = activation;
    this.identity = identity;
  }

  /** The active models: id → version. */
  @GET
  public Map<String, String> active() {
    return activation.active();
  }

  /**
   * Reads the models folder, checks every model, binding and service, and activates the result; 422
   * with the file and field of the first problem (nothing changes then).
   */
  @POST
  @Path("reload")
  public ModelActivation.Result reload() {
    try {
      return activation.reload(identity.getPrincipal().getName());
    } catch (DefinitionException e) {
      throw new UnprocessableException("invalid-model-catalogue", e.getMessage());
    }
  }
}
