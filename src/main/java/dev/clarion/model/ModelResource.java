package dev.clarion.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.error.NotFoundException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Model descriptors and model cards, linked from every card's {@code source.url}. */
@Path("/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

  /** Summary of a loaded model. */
  public record ModelSummary(String id, String name, String version, String sha256) {}

  private final ModelRegistry registry;

  ModelResource(ModelRegistry registry) {
    this.registry = registry;
  }

  @GET
  public List<ModelSummary> list() {
    return registry.all().stream()
        .map(
            m ->
                new ModelSummary(
                    m.descriptor().id(),
                    m.descriptor().name(),
                    m.descriptor().version(),
                    m.sha256()))
        .toList();
  }

  @GET
  @Path("{id}")
  public ModelDescriptor descriptor(@PathParam("id") String id) {
    return registry.find(id).orElseThrow(ModelResource::unknown).descriptor();
  }

  @GET
  @Path("{id}/card")
  public JsonNode card(@PathParam("id") String id) {
    return registry.card(id).orElseThrow(ModelResource::unknown);
  }

  private static NotFoundException unknown() {
    return new NotFoundException("unknown-model", "No such model.");
  }
}
