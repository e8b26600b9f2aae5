package dev.clarion.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IJsonLikeParser;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.cds.api.CdsRequest;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.PrefetchUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Gathers the FHIR data of one request, applying CDS Hooks 2.0 §Prefetch per key:
 *
 * <ul>
 *   <li>absent (or a non-resource value, which is tolerated) → fetched from {@code fhirServer} with
 *       the request's bearer token, if that server is registered for the calling client;
 *   <li>{@code null} → the EHR has no data;
 *   <li>a Bundle → its entries (pages the EHR did not send are not fetched);
 *   <li>an OperationOutcome → the EHR failed to get it: an error for that key, not re-queried.
 * </ul>
 *
 * A required key that cannot be had → 412 naming the key and why; an optional one → a note the card
 * shows. Only resources that can contribute (the {@code relevant} test on raw JSON) are parsed by
 * HAPI; resources about another patient are dropped. Thread-safe.
 */
@ApplicationScoped
public class PatientDataService {

  private static final org.jboss.logging.Logger LOG =
      org.jboss.logging.Logger.getLogger(PatientDataService.class);

  private final FhirContext fhir;
  private final FhirFetcher fetcher;
  private final FhirConfig config;

  PatientDataService(FhirContext fhir, FhirFetcher fetcher, FhirConfig config) {
    this.fhir = fhir;
    this.fetcher = fetcher;
    this.config = config;
  }

  /**
   * @param relevant whether a resource (as JSON) can contribute to the model; others are skipped
   *     without being parsed
   * @param serverAllowed whether the caller may have Clarion query a FHIR server (base URL without
   *     trailing slash): the servers registered for the calling EHR client
   */
  public PatientData gather(
      ServiceDefinition service,
      CdsRequest request,
      String patientId,
      Predicate<JsonNode> relevant,
      Predicate<String> serverAllowed) {
    Map<String, JsonNode> prefetch = request.prefetch() == null ? Map.of() : request.prefetch();
    Map<String, JsonNode> values = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    Map<String, String> unavailable = new LinkedHashMap<>();
    Map<String, String> toFetch = new LinkedHashMap<>();
    Map<String, ObjectNode> partial = new LinkedHashMap<>();

    Map<String, String> templates = service.prefetch() == null ? Map.of() : service.prefetch();
    for (Map.Entry<String, String> def : templates.entrySet()) {
      String key = def.getKey();
      JsonNode value = prefetch.get(key);
      if (prefetch.containsKey(key) && (value == null || value.isNull())) {
        sources.put(key, "prefetch: null (no data)");
      } else if (value != null && isResource(value)) {
        if ("OperationOutcome".equals(value.path("resourceType").asText())) {
          unavailable.put(key, "the EHR reported an error fetching it");
          sources.put(key, "prefetch: OperationOutcome");
        } else {
          values.put(key, value);
          sources.put(key, "prefetch");
          if (hasNextLink(value)) {
            partial.put(key, (ObjectNode) value);
          }
        }
      } else {
        // Absent, or a value that is not a resource: not provided (CDS Hooks 2.0 §Prefetch).
        Optional<String> query = PrefetchTemplates.render(def.getValue(), request);
        if (query.isPresent()) {
          toFetch.put(key, query.get());
        } else {
          unavailable.put(
              key, "not prefetched, and its query needs a context value this request lacks");
        }
      }
    }
    if (!toFetch.isEmpty() || !partial.isEmpty()) {
      fetchMissing(service, request, serverAllowed, toFetch, partial, values, sources, unavailable);
    }

    List<String> notes = new ArrayList<>();
    List<String> missingRequired = new ArrayList<>();
    for (Map.Entry<String, String> u : unavailable.entrySet()) {
      if (service.isRequired(u.getKey())) {
        missingRequired.add(u.getKey() + " (" + u.getValue() + ")");
      } else {
        notes.add("'" + u.getKey() + "' could not be obtained: " + u.getValue() + ".");
      }
    }
    if (!missingRequired.isEmpty()) {
      throw new PrefetchUnavailableException(
          "Required data not available: " + String.join("; ", missingRequired) + ".");
    }
    return parse(values, sources, notes, patientId, relevant, request.contextString("encounterId"));
  }

  private void fetchMissing(
      ServiceDefinition service,
      CdsRequest request,
      Predicate<String> serverAllowed,
      Map<String, String> toFetch,
      Map<String, ObjectNode> partial,
      Map<String, JsonNode> values,
      Map<String, String> sources,
      Map<String, String> unavailable) {
    String server = request.fhirServer() == null ? null : trim(request.fhirServer());
    String why =
        server == null
            ? "not prefetched and no fhirServer was given"
            : !serverAllowed.test(server)
                ? "not prefetched, and fhirServer is not registered for this client"
                : null;
    if (why != null) {
      toFetch.keySet().forEach(k -> unavailable.put(k, why));
      return;
    }
    String token =
        request.fhirAuthorization() == null
            ? null
            : request.fhirAuthorization().path("access_token").asText(null);
    Map<String, Fetched> fetched =
        fetcher.fetch(server, token, toFetch, partial, config.deadlineFor(service.hook()));
    for (Map.Entry<String, Fetched> f : fetched.entrySet()) {
      String key = f.getKey();
      Fetched result = f.getValue();
      if (partial.containsKey(key)) {
        // The first page came with the prefetch; keep it whatever happened to the rest.
        sources.put(key, describeContinuation(result));
        continue;
      }
      if (result instanceof Fetched.Found found) {
        values.put(key, found.value());
        sources.put(
            key,
            "fetched from fhirServer ("
                + found.pages()
                + (found.pages() == 1 ? " page" : " pages")
                + (found.truncated() ? ", more not read" : "")
                + ")");
      } else if (result instanceof Fetched.Failed failed) {
        unavailable.put(key, failed.reason());
        sources.put(key, "fetch failed: " + failed.reason());
      } else {
        sources.put(key, "fetched from fhirServer: not found");
      }
    }
  }

  private static String describeContinuation(Fetched result) {
    if (result instanceof Fetched.Found found) {
      return "prefetch, next pages fetched from fhirServer ("
          + found.pages()
          + " pages in all"
          + (found.truncated() ? ", more not read" : "")
          + ")";
    }
    return "prefetch, first page only: "
        + (result instanceof Fetched.Failed failed ? failed.reason() : "no more pages");
  }

  private PatientData parse(
      Map<String, JsonNode> values,
      Map<String, String> sources,
      List<String> notes,
      String patientId,
      Predicate<JsonNode> relevant,
      String encounterId) {
    Map<String, Resource> resources = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> v : values.entrySet()) {
      String key = v.getKey();
      JsonNode value = v.getValue();
      if ("Bundle".equals(value.path("resourceType").asText())) {
        // Entries are parsed one by one, and only those that can contribute: HAPI parsing is
        // the most expensive step of a request and most of a patient's record is irrelevant.
        for (JsonNode entry : value.path("entry")) {
          JsonNode resource = entry.get("resource");
          if (resource != null
              && isResource(resource)
              && !"OperationOutcome".equals(resource.path("resourceType").asText())
              && relevant.test(resource)) {
            Resource parsed = (Resource) parseResource(key, resource);
            resources.putIfAbsent(PatientData.reference(parsed), parsed);
          }
        }
        if (hasNextLink(value)) {
          notes.add("Only the first page of '" + key + "' sent by the EHR was used.");
        }
      } else if (parseResource(key, value) instanceof Resource r && relevant.test(value)) {
        // A single resource is always parsed, so a malformed one is reported, not skipped.
        resources.putIfAbsent(PatientData.reference(r), r);
      }
    }

    Patient patient = null;
    List<Resource> others = new ArrayList<>();
    int dropped = 0;
    for (Resource resource : resources.values()) {
      if (resource instanceof Patient p) {
        if (!patientId.equals(p.getIdElement().getIdPart())) {
          throw new InvalidRequestException(
              "patient-mismatch", "The Patient resource provided is not context.patientId.");
        }
        patient = p;
      } else if (belongsTo(resource, patientId)) {
        others.add(resource);
      } else {
        dropped++;
      }
    }
    if (dropped > 0) {
      notes.add(dropped + " resource(s) about another patient were ignored.");
    }
    return new PatientData(
        patient, List.copyOf(others), List.copyOf(notes), Map.copyOf(sources), encounterId);
  }

  private IBaseResource parseResource(String key, JsonNode value) {
    stripNarratives(value);
    // Parse from the Jackson tree we already have instead of re-serializing it to text.
    JacksonStructure structure = new JacksonStructure();
    structure.setNativeObject((ObjectNode) value);
    try {
      return ((IJsonLikeParser) fhir.newJsonParser()).parseResource(structure);
    } catch (DataFormatException e) {
      throw invalid(key);
    } catch (RuntimeException e) {
      // HAPI's parser meets content its model cannot hold (an extension that is a number, nested
      // arrays, a 400-digit decimal) with NullPointer-, ClassCast- or NumberFormatExceptions:
      // untrusted input that is not a FHIR resource, a 400, not a server error.
      LOG.debugf("Prefetch '%s' not parseable: %s", key, e.getClass().getName());
      throw invalid(key);
    }
  }

  private static InvalidRequestException invalid(String key) {
    return new InvalidRequestException(
        "prefetch-invalid", "Prefetch '" + key + "' is not a valid FHIR R4 resource.");
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
  }

  private static boolean hasNextLink(JsonNode bundle) {
    return FhirFetcher.nextLink(bundle) != null;
  }

  private static boolean isResource(JsonNode value) {
    return value.isObject() && value.path("resourceType").isTextual();
  }

  private static String trim(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
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
    } else if (resource instanceof org.hl7.fhir.r4.model.Encounter e) {
      subject = e.getSubject();
    } else if (resource instanceof org.hl7.fhir.r4.model.ImagingStudy i) {
      subject = i.getSubject();
    }
    if (subject == null || !subject.hasReference()) {
      return subject == null;
    }
    return "Patient".equals(subject.getReferenceElement().getResourceType())
        && patientId.equals(subject.getReferenceElement().getIdPart());
  }
}
