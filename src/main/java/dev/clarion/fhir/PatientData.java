package dev.clarion.fhir;

import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/**
 * The FHIR data of one patient gathered for one request, from all prefetch keys, de-duplicated.
 *
 * @param patient the Patient resource, or null when the EHR said there is none ({@code null})
 * @param resources every other resource about this patient
 * @param notes remarks about the data (resources dropped, pages not followed, keys missing)
 * @param sources per prefetch key, where its data came from (prefetch, fetched, failed and why)
 * @param encounterId the hook's {@code context.encounterId}, or null
 */
public record PatientData(
    Patient patient,
    List<Resource> resources,
    List<String> notes,
    Map<String, String> sources,
    String encounterId) {

  public <T extends Resource> List<T> all(Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** {@code Type/id/_history/v} when a version is known, else {@code Type/id}. */
  public static String reference(Resource resource) {
    var id = resource.getIdElement();
    String version = id.getVersionIdPart();
    if (version == null && resource.getMeta().hasVersionId()) {
      version = resource.getMeta().getVersionId();
    }
    String base = resource.fhirType() + "/" + id.getIdPart();
    return version == null ? base : base + "/_history/" + version;
  }
}
