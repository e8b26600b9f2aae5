package dev.clarion.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IJsonLikeParser;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.cds.CdsRequest;
import dev.clarion.cds.ServiceDefinition;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.PrefetchUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Turns the prefetch of a request into {@link PatientData}, applying CDS Hooks 2.0 §Prefetch per
 * key: absent → the data was not provided (412 when required: fetching from {@code fhirServer} is
 * not implemented yet); {@code null} → the EHR has no data; a Bundle → its entries; an
 * OperationOutcome → the EHR could not fetch it (412 when required); any other non-resource value →
 * tolerated and treated as not provided.
 *
 * <p>Resources whose subject is a different patient are dropped (with a note): advice must never
 * mix two patients' data. Stateless and thread-safe.
 */
@ApplicationScoped
public class PrefetchReader {

  private final FhirContext fhir;

  PrefetchReader(FhirContext fhir) {
    this.fhir = fhir;
  }

  /**
   * @param relevant whether a resource (as JSON) can contribute to the model; others are skipped
   *     without being parsed
   */
  public PatientData read(
      ServiceDefinition service,
      CdsRequest request,
      String patientId,
      Predicate<JsonNode> relevant) {
    Map<String, JsonNode> prefetch = request.prefetch() == null ? Map.of() : request.prefetch();
    List<String> unavailable = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Map<String, Resource> resources = new LinkedHashMap<>();
    Patient patient = null;
    boolean patientKeyNull = false;

    for (String key : service.prefetch().keySet()) {
      boolean required = service.isRequired(key);
      JsonNode value = prefetch.get(key);
      if (!prefetch.containsKey(key) || (value != null && !value.isNull() && !isResource(value))) {
        // Absent, or a non-resource value (tolerated, CDS Hooks 2.0 §Prefetch): not provided.
        if (required) {
          unavailable.add(key);
        } else {
          notes.add("Prefetch '" + key + "' was not provided.");
        }
        continue;
      }
      if (value == null || value.isNull()) {
        // CDS Hooks 2.0 §Prefetch: null means the EHR has no data for this query.
        if (key.equals("patient")) {
          patientKeyNull = true;
        }
        continue;
      }
      if ("Bundle".equals(value.path("resourceType").asText())) {
        // Entries are parsed one by one, and only those that can contribute: HAPI parsing is
        // the most expensive step of a request and most of a patient's record is irrelevant.
        for (JsonNode entry : value.path("entry")) {
          JsonNode resource = entry.get("resource");
          if (resource != null
              && isResource(resource)
              && !"OperationOutcome".equals(resource.path("resourceType").asText())
              && relevant.test(resource)) {
            Resource parsed = (Resource) parse(key, resource);
            resources.putIfAbsent(PatientData.reference(parsed), parsed);
          }
        }
        if (hasNextLink(value)) {
          notes.add("Only the first page of '" + key + "' was used.");
        }
        continue;
      }
      IBaseResource parsed = parse(key, value);
      if (parsed instanceof OperationOutcome) {
        // The EHR tried and failed; do not treat it as "no data".
        if (required) {
          unavailable.add(key);
        } else {
          notes.add("The EHR could not provide '" + key + "'.");
        }
      } else if (parsed instanceof Resource resource && relevant.test(value)) {
        resources.putIfAbsent(PatientData.reference(resource), resource);
      }
    }
    if (!unavailable.isEmpty()) {
      throw new PrefetchUnavailableException(
          "Required prefetch data not available for key(s) "
              + String.join(", ", unavailable)
              + ". Send them in the prefetch (this server does not yet query fhirServer).");
    }

    List<Resource> others = new ArrayList<>();
    int dropped = 0;
    for (Resource resource : resources.values()) {
      if (resource instanceof Patient p) {
        if (!patientId.equals(p.getIdElement().getIdPart())) {
          throw new InvalidRequestException(
              "patient-mismatch", "The prefetched Patient is not context.patientId.");
        }
        patient = p;
      } else if (belongsTo(resource, patientId)) {
        others.add(resource);
      } else {
        dropped++;
      }
    }
    if (dropped > 0) {
      notes.add(dropped + " prefetched resource(s) about another patient were ignored.");
    }
    if (patient == null && !patientKeyNull) {
      notes.add("No Patient resource was provided.");
    }
    return new PatientData(patient, List.copyOf(others), List.copyOf(notes));
  }

  private IBaseResource parse(String key, JsonNode value) {
    stripNarratives(value);
    // Parse from the Jackson tree we already have instead of re-serializing it to text.
    JacksonStructure structure = new JacksonStructure();
    structure.setNativeObject((ObjectNode) value);
    try {
      return ((IJsonLikeParser) fhir.newJsonParser()).parseResource(structure);
    } catch (DataFormatException e) {
      throw new InvalidRequestException(
          "prefetch-invalid", "Prefetch '" + key + "' is not a valid FHIR R4 resource.");
    }
  }

  /**
   * Narratives ({@code text.div} XHTML) are never used by a model and cost more to parse than the
   * data, so they are dropped before HAPI sees the resource.
   */
  private static void stripNarratives(JsonNode resource) {
    if (!(resource instanceof ObjectNode object)) {
      return;
    }
    object.remove("text");
    for (JsonNode contained : object.path("contained")) {
      stripNarratives(contained);
    }
    for (JsonNode entry : object.path("entry")) {
      stripNarratives(entry.get("resource"));
    }
  }

  private static boolean hasNextLink(JsonNode bundle) {
    for (JsonNode link : bundle.path("link")) {
      if ("next".equals(link.path("relation").asText())) {
        return true;
      }
    }
    return false;
  }

  private static boolean isResource(JsonNode value) {
    return value.isObject() && value.path("resourceType").isTextual();
  }

  /** A resource belongs to the patient when its subject/patient reference names them. */
  private static boolean belongsTo(Resource resource, String patientId) {
    Reference subject = null;
    if (resource instanceof org.hl7.fhir.r4.model.Observation o) {
      subject = o.getSubject();
    } else if (resource instanceof org.hl7.fhir.r4.model.Condition c) {
      subject = c.getSubject();
    } else if (resource instanceof org.hl7.fhir.r4.model.MedicationRequest m) {
      subject = m.getSubject();
    }
    if (subject == null || !subject.hasReference()) {
      return subject == null;
    }
    String id = subject.getReferenceElement().getIdPart();
    return "Patient".equals(subject.getReferenceElement().getResourceType())
        && patientId.equals(id);
  }
}
