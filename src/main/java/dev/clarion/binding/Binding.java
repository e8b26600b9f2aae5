package dev.clarion.binding;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.clarion.terminology.CodeMatch;
import dev.clarion.terminology.ValueSetExpansion;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's {@code binding.json}: for each model input, where it is found in FHIR R4 data, how it
 * is converted and aggregated, what is plausible, and what happens when it is missing; plus the
 * conditions that put a patient outside the model's population. Loaded and checked at start-up by
 * {@link Bindings}.
 *
 * @param model the model id
 * @param description plain-language summary
 * @param inputs model feature name → its binding
 * @param exclusions findings that exclude the patient from scoring
 * @param recorded facts that are not model inputs but are extracted, recorded with the decision and
 *     shown on the explanation page where a card or a reviewer can use them (e.g. statin intensity
 *     from the intensity value sets); same shape as an input; null: none
 * @param minimumAge patients younger than this (whole years at the index date) are outside the
 *     model's population; null: no limit beyond the inputs' ranges
 * @param requires the gate into the model's population: recorded fact → the reason given when it is
 *     not present (e.g. {@code atrialFibrillation → "no atrial fibrillation or flutter recorded"}
 *     for a score that is only for patients with AF); the patient is scored only when every named
 *     fact is found (its {@code present} value); null: no gate
 */
public record Binding(
    String model,
    String description,
    Map<String, Input> inputs,
    List<Exclusion> exclusions,
    Integer minimumAge,
    Map<String, Input> recorded,
    Map<String, String> requires) {

  /** Where an input comes from. */
  public enum Source {
    /** Whole years between Patient.birthDate and the index date. */
    PATIENT_AGE("Patient.age"),
    /** Patient.gender mapped through {@code answers}. */
    PATIENT_GENDER("Patient.gender"),
    /** US Core race (OMB category, system|code) mapped through {@code answers}. */
    PATIENT_RACE("Patient.race"),
    /** A numeric Observation (or a component of a panel), or a coded one with {@code answers}. */
    OBSERVATION("Observation"),
    /** Presence of a matching Condition. */
    CONDITION("Condition"),
    /** Presence of a matching MedicationRequest. */
    MEDICATION_REQUEST("MedicationRequest"),
    /**
     * eGFR computed with CKD-EPI 2021 from the serum creatinine found by the nested {@code
     * creatinine} binding, the age at that result and Patient.gender.
     */
    CKD_EPI_2021("CKD-EPI-2021", "Observation"),
    /** Whole days from the start of the hook's encounter to its end (or today). */
    ENCOUNTER_LENGTH_OF_STAY("Encounter.lengthOfStay"),
    /**
     * The hook's encounter was an emergency admission: its priority or admission source matches
     * ({@code present}), or not ({@code absent}); neither recorded: {@code missing}.
     */
    ENCOUNTER_ACUITY("Encounter.acuity"),
    /** Number of encounters of a matching class in {@code lookbackDays} before the hook's one. */
    ENCOUNTER_COUNT("Encounter.count"),
    /** Charlson comorbidity index from ICD-10 coded Conditions by the binding's categories. */
    CHARLSON("Condition.charlson");

    private final String code;
    private final String resourceType;

    /** A source read from the resource type its code starts with ("Encounter.count"). */
    Source(String code) {
      this(code, code.contains(".") ? code.substring(0, code.indexOf('.')) : code);
    }

    Source(String code, String resourceType) {
      this.code = code;
      this.resourceType = resourceType;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String code() {
      return code;
    }

    /** The FHIR resource type the source reads (checked once per prefetch entry and input). */
    public String resourceType() {
      return resourceType;
    }
  }

  /**
   * One input.
   *
   * @param source where it is found
   * @param match codes (system → exact codes) and code prefixes (system → prefixes, e.g. ICD-10
   *     E11) of matching resources
   * @param componentOf for observations: panels whose component with a {@code match} code carries
   *     the value (e.g. systolic BP inside BP panel 85354-9)
   * @param statuses accepted statuses (Observation.status, Condition.clinicalStatus,
   *     MedicationRequest.status); defaults per source when absent
   * @param unit the model's unit (UCUM)
   * @param molarFactors factors for conversions UCUM cannot do without a molar mass (e.g. mmol/L of
   *     cholesterol → mg/dL × 38.67); other units are converted with UCUM
   * @param answers coded value (system|code, or a Patient.gender code) → model value
   * @param otherwise model value for a coded value not in {@code answers} (null: missing)
   * @param otherwiseNote note for that case; {@code %s} is replaced by the value's display
   * @param present model value when a matching Condition/MedicationRequest exists
   * @param absent model value when none exists (recorded as ABSENT with {@code absentNote})
   * @param absentNote note shown when none exists
   * @param aggregation how several results combine
   * @param lookbackDays only results at most this old count (null: any age)
   * @param lookbackHours only results at most this many hours old count (vital signs); null: no
   *     limit in hours
   * @param staleAfterDays results older than this are used but flagged stale
   * @param plausible results outside are ignored as implausible (with a note)
   * @param missing what happens when no usable value exists
   * @param creatinine for {@code CKD-EPI-2021}: how the serum creatinine (mg/dL) is found; for an
   *     eGFR Observation: the creatinine to compute it from (CKD-EPI 2021) when none is reported
   * @param categories for {@code Condition.charlson}: the comorbidity categories
   */
  public record Input(
      Source source,
      CodeSet match,
      CodeSet componentOf,
      List<String> statuses,
      String unit,
      Map<String, Double> molarFactors,
      Map<String, Double> answers,
      Double otherwise,
      String otherwiseNote,
      Double present,
      Double absent,
      String absentNote,
      Aggregation aggregation,
      Integer lookbackDays,
      Integer lookbackHours,
      Integer staleAfterDays,
      Range plausible,
      Missing missing,
      Input creatinine,
      List<Category> categories) {

    /**
     * The binding that finds the resources: the nested creatinine one for inputs derived from it
     * ({@code CKD-EPI-2021}); for an Observation with a creatinine fallback, the Observation.
     */
    public Input observed() {
      return source == Source.CKD_EPI_2021 && creatinine != null ? creatinine : this;
    }

    /** The same input with its code sets (and its nested creatinine binding's) replaced. */
    Input withCodeSets(java.util.function.BiFunction<String, CodeSet, CodeSet> resolve) {
      return new Input(
          source,
          match == null ? null : resolve.apply("match", match),
          componentOf == null ? null : resolve.apply("componentOf", componentOf),
          statuses,
          unit,
          molarFactors,
          answers,
          otherwise,
          otherwiseNote,
          present,
          absent,
          absentNote,
          aggregation,
          lookbackDays,
          lookbackHours,
          staleAfterDays,
          plausible,
          missing,
          creatinine == null
              ? null
              : creatinine.withCodeSets((f, set) -> resolve.apply("creatinine." + f, set)),
          categories);
    }
  }

  /**
   * A Charlson comorbidity category (Quan 2005 ICD-10 coding).
   *
   * @param name the category
   * @param weight its Charlson weight
   * @param group categories of one group count once, with the heaviest weight (mild and severe
   *     liver disease; diabetes with and without complications; any cancer and metastatic)
   * @param icd10 ICD-10 code prefixes, with or without the dot
   */
  public record Category(String name, int weight, String group, List<String> icd10) {}

  /**
   * Codes a resource may carry to match: published value sets by canonical URL, and codes and code
   * prefixes the binding lists itself for what no value set covers.
   *
   * @param codes system → exact codes
   * @param prefixes system → code prefixes
   * @param valueSets canonical URLs ({@code url} or {@code url|version}) of value sets in {@code
   *     models/value-sets/}
   * @param expansions the loaded value sets {@code valueSets} names (resolved at load; not in JSON)
   */
  public record CodeSet(
      Map<String, List<String>> codes,
      Map<String, List<String>> prefixes,
      List<String> valueSets,
      @JsonIgnore List<ValueSetExpansion> expansions) {

    private static final Pattern BRANDED = Pattern.compile("^(.*\\S)\\s*\\[[^\\[\\]]+\\]$");

    @JsonCreator
    public CodeSet(
        @JsonProperty("codes") Map<String, List<String>> codes,
        @JsonProperty("prefixes") Map<String, List<String>> prefixes,
        @JsonProperty("valueSets") List<String> valueSets) {
      this(codes, prefixes, valueSets, List.of());
    }

    /** Codes and prefixes only (no value set). */
    public CodeSet(Map<String, List<String>> codes, Map<String, List<String>> prefixes) {
      this(codes, prefixes, null, List.of());
    }

    /** The same set with the value sets it names loaded. */
    public CodeSet withExpansions(List<ValueSetExpansion> loaded) {
      return new CodeSet(codes, prefixes, valueSets, List.copyOf(loaded));
    }

    public boolean matches(String system, String code) {
      return match(system, code, null).isPresent();
    }

    /**
     * How one coding matches: a code the binding lists, a member of a value set, a listed prefix,
     * or — for RxNorm codings — a branded drug whose display is a member clinical drug's name
     * followed by the brand in brackets ("Lisinopril 10 MG Oral Tablet [Zestril]").
     */
    public Optional<CodeMatch> match(String system, String code, String display) {
      if (system == null) {
        return Optional.empty();
      }
      if (code != null) {
        if (codes != null && codes.getOrDefault(system, List.of()).contains(code)) {
          return Optional.of(new CodeMatch(null, null, CodeMatch.Via.LISTED, system, code));
        }
        for (ValueSetExpansion vs : expansions) {
          if (vs.contains(system, code)) {
            return Optional.of(
                new CodeMatch(vs.canonical(), vs.title(), CodeMatch.Via.CODE, system, code));
          }
        }
        if (prefixes != null
            && prefixes.getOrDefault(system, List.of()).stream().anyMatch(code::startsWith)) {
          return Optional.of(new CodeMatch(null, null, CodeMatch.Via.PREFIX, system, code));
        }
      }
      return ValueSetExpansion.RXNORM.equals(system) ? brandedName(display) : Optional.empty();
    }

    /**
     * A branded drug recognised by name alone (RxNorm's convention: an SBD's name is its SCD's name
     * followed by the brand in brackets); for a coding's display or a concept's text.
     */
    public Optional<CodeMatch> brandedName(String name) {
      if (name == null || expansions.isEmpty()) {
        return Optional.empty();
      }
      Matcher branded = BRANDED.matcher(name.trim());
      if (!branded.matches()) {
        return Optional.empty();
      }
      for (ValueSetExpansion vs : expansions) {
        Optional<String> scd = vs.clinicalDrugNamed(branded.group(1));
        if (scd.isPresent()) {
          return Optional.of(
              new CodeMatch(
                  vs.canonical(),
                  vs.title(),
                  CodeMatch.Via.BRANDED_NAME,
                  ValueSetExpansion.RXNORM,
                  scd.get()));
        }
      }
      return Optional.empty();
    }
  }

  /**
   * @param method {@code latest}, or {@code mean} of the {@code last} results within {@code
   *     withinDays} of the newest
   */
  public record Aggregation(String method, Integer last, Integer withinDays) {}

  /** Inclusive bounds. */
  public record Range(Double min, Double max) {

    public boolean contains(double v) {
      return (min == null || v >= min) && (max == null || v <= max);
    }
  }

  /**
   * @param policy {@code refuse}: no score without it; {@code default}: use {@code value} and show
   *     {@code note}
   * @param value the default
   * @param note shown on the card
   */
  public record Missing(String policy, Double value, String note) {

    public boolean refuses() {
      return !"default".equals(policy);
    }
  }

  /**
   * @param source resource type (Condition)
   * @param reason plain-language reason, e.g. "ASCVD history"
   * @param match matching codes
   * @param statuses clinical statuses that count (e.g. {@code active} for pregnancy); null: any
   *     status counts (history excludes too)
   */
  public record Exclusion(Source source, String reason, CodeSet match, List<String> statuses) {}
}
