package dev.clarion.terminology;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One published FHIR ValueSet's expansion, as Clarion loaded it from {@code models/value-sets/}:
 * its canonical url and version, and its members by code system. Immutable and thread-safe.
 *
 * @param url canonical URL ({@code http://cts.nlm.nih.gov/fhir/ValueSet/<OID>})
 * @param version the value set version as published
 * @param title human title ("Pharmacologic Therapy for Hypertension")
 * @param expansionTimestamp when the expansion was made (as published)
 * @param members system → code → display
 * @param clinicalDrugNames for RxNorm members: lower-cased display (the clinical drug's normalized
 *     name, e.g. "lisinopril 10 mg oral tablet") → code; how branded drugs are recognised
 */
public record ValueSetExpansion(
    String url,
    String version,
    String title,
    String expansionTimestamp,
    Map<String, Map<String, String>> members,
    Map<String, String> clinicalDrugNames) {

  public static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
  public static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";

  /** {@code url|version}, the way FHIR names one version of a value set. */
  public String canonical() {
    return url + "|" + version;
  }

  /** Whether {@code system|code} is a member (ICD-10-CM codes compare with or without the dot). */
  public boolean contains(String system, String code) {
    Map<String, String> codes = members.get(system);
    if (codes == null || code == null) {
      return false;
    }
    return codes.containsKey(code) || (ICD10CM.equals(system) && codes.containsKey(dotted(code)));
  }

  /** The RxNorm member whose normalized name is {@code name} (case-insensitive), if any. */
  public Optional<String> clinicalDrugNamed(String name) {
    return Optional.ofNullable(clinicalDrugNames.get(name.trim().toLowerCase(Locale.ROOT)));
  }

  /** ICD-10-CM codes are published with the dot after the category ("E11.9"); EHRs drop it. */
  static String dotted(String code) {
    return code.length() > 3 && code.indexOf('.') < 0
        ? code.substring(0, 3) + "." + code.substring(3)
        : code;
  }
}
