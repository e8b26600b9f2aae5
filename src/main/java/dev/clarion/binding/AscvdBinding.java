package dev.clarion.binding;

import java.util.List;
import java.util.Map;

/**
 * {@code models/ascvd-pce/binding.json}: the code sets and units that locate the Pooled Cohort
 * Equations inputs in FHIR R4 data.
 */
public record AscvdBinding(
    String model,
    String description,
    Map<String, Integer> stalenessDays,
    Quantity totalCholesterol,
    Quantity hdl,
    Quantity systolicBp,
    Smoking smokingStatus,
    CodeSet diabetes,
    CodeSet ascvdHistory,
    Medications antihypertensives) {

  /**
   * A numeric observation.
   *
   * @param loinc observation codes
   * @param panels panel codes whose components may carry the value (e.g. BP panel 85354-9)
   * @param units accepted units → factor to the model's unit
   */
  public record Quantity(List<String> loinc, List<String> panels, Map<String, Double> units) {}

  /** Smoking-status observation (LOINC 72166-2) with its SNOMED answers. */
  public record Smoking(List<String> loinc, List<String> current, List<String> notCurrent) {}

  /** Conditions by ICD-10 prefix or exact SNOMED CT code. */
  public record CodeSet(List<String> icd10Prefixes, List<String> snomed) {}

  /** Medications by ATC prefix or exact RxNorm code. */
  public record Medications(List<String> atcPrefixes, List<String> rxnorm) {}

  int staleAfterDays(String key) {
    return stalenessDays.getOrDefault(key, Integer.MAX_VALUE);
  }
}
