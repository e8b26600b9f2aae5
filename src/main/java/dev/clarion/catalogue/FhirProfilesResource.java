package dev.clarion.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.error.NotFoundException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The FHIR conformance resources Clarion defines ({@code fhir-profiles/}, packaged on the class
 * path): the profiles of what it writes into the chart — RiskAssessment, proposed MedicationRequest
 * and ServiceRequest, the audit export's AuditEvent and Provenance, the model-sha256 extension —
 * and its CodeSystems and ValueSets. Public, like the model cards that link here.
 */
@Path("/fhir-profiles")
@Produces("application/fhir+json")
public class FhirProfilesResource {

  /** The files, in the order the index lists them. */
  static final List<String> FILES =
      List.of(
          "StructureDefinition-clarion-risk-assessment.json",
          "StructureDefinition-model-sha256.json",
          "StructureDefinition-clarion-medicationrequest-proposal.json",
          "StructureDefinition-clarion-servicerequest-proposal.json",
          "StructureDefinition-clarion-audit-event.json",
          "StructureDefinition-clarion-provenance.json",
          "CodeSystem-model.json",
          "ValueSet-model.json",
          "CodeSystem-risk-band.json",
          "ValueSet-risk-band.json",
          "CodeSystem-override-reason.json",
          "ValueSet-override-reason.json",
          "CodeSystem-cds-hook.json",
          "ValueSet-cds-hook.json");

  private final Map<String, JsonNode> resources = new LinkedHashMap<>();
  private final ObjectMapper mapper;

  FhirProfilesResource(ObjectMapper mapper) {
    this.mapper = mapper;
    for (String file : FILES) {
      try (InputStream in =
          FhirProfilesResource.class.getResourceAsStream("/fhir-profiles/" + file)) {
        if (in == null) {
          throw new IllegalStateException("fhir-profiles/" + file + " is not on the class path");
        }
        resources.put(file.substring(0, file.length() - ".json".length()), mapper.readTree(in));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Every resource, as a FHIR Bundle (collection) with each entry's {@code fullUrl} canonical. */
  @APIResponse(
      responseCode = "200",
      description = "Bundle (collection) of Clarion's StructureDefinitions, CodeSystems, ValueSets")
  @GET
  public ObjectNode index() {
    ObjectNode bundle = mapper.createObjectNode();
    bundle.put("resourceType", "Bundle");
    bundle.put("type", "collection");
    ArrayNode entries = bundle.putArray("entry");
    for (JsonNode r : resources.values()) {
      ObjectNode e = entries.addObject();
      e.put("fullUrl", r.path("url").asText());
      e.set("resource", r);
    }
    return bundle;
  }

  /** One resource by file name: {@code StructureDefinition-clarion-risk-assessment}. */
  @APIResponse(responseCode = "200", description = "The conformance resource")
  @APIResponse(responseCode = "404", description = "No such profile (unknown-profile)")
  @GET
  @Path("{name}")
  public JsonNode one(@PathParam("name") String name) {
    String key = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    JsonNode r = resources.get(key);
    if (r == null) {
      throw new NotFoundException("unknown-profile", "No such FHIR profile.");
    }
    return r;
  }
}
